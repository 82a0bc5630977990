#pragma once
// Tenure from a Book: how long each account has stayed, in the shape survival analysis needs
// (duration, churned flag, late entry), and the survivor counts of its signing cohorts for the
// shifted-beta-geometric model. The Book is only declared here: a caller has it already.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "retain/time.hpp"

namespace retain {
class Book;
}

namespace retain::survival {

/// Each account's tenure as of a day, ready for kaplan_meier(duration, churned, ..., entry).
///
/// The rules (days are the Book's days, in its time zone):
/// - the accounts are those signed on or before as_of, in the Book's account order;
/// - an account's churn is its first churn on or before as_of (a returning account counts as
///   lost at its first churn; later churns and returns are not read), of: its churn records (a
///   churns table), and the months g of the MRR bridge in which it stops paying (MRR > 0 in
///   g - 1, not in g, g not past the MRR table's last month), dated the first day of g — with a
///   churns table, only those no record is dated near (in g - 1 or g): the churns that
///   kpi::churn_reasons files as "unrecorded". A Book with neither table is an InputError;
/// - duration = churn day - signing day when churned, else as_of - signing day (censored). A
///   churn dated before the signing day is an InputError naming the account (by its row in the
///   accounts table: row() is the account's code);
/// - start is when observation begins (left truncation): by default observation_start(book).
///   entry = max(0, start - signing day). Accounts that churned before start could not have been
///   seen: they are left out, and counted in left_out. start after as_of is an InputError.
struct Tenure {
    std::vector<std::int64_t> account;   ///< account codes (rows of the accounts table)
    std::vector<Day> signed_day;         ///< signing day
    std::vector<std::int64_t> duration;  ///< days from signing to churn, or to as_of
    std::vector<std::uint8_t> churned;   ///< 1: churned (event), 0: still a customer (censored)
    std::vector<std::int64_t> entry;     ///< days from signing to start, 0 if signed after it
    std::size_t left_out = 0;            ///< accounts left out: churned before start
    Day as_of = 0;                       ///< the as-of day used
    Day start = 0;                       ///< the start used (given or default)

    std::size_t size() const noexcept { return account.size(); }
};

/// When a Book's observation begins, the default start of tenure and cohort_survivors: the first
/// day of its first MRR month when it has MRR rows (accounts signed before could have churned
/// unseen), else the earliest signing day (no truncation); nullopt for a Book without accounts
/// and MRR rows.
std::optional<Day> observation_start(const Book& book);

/// Tenure of the Book's accounts as of `as_of` (see Tenure for the rules), observed from `start`
/// (default: observation_start(book)).
Tenure tenure(const Book& book, Day as_of, std::optional<Day> start = std::nullopt);

/// The day an account signed on `day` completes `months` periods: the same day of the month
/// `months` later, clamped to that month's last day (the 31st + 1 month is Feb 28 or 29).
Day month_anniversary(Day day, std::int64_t months);

/// Survivor counts per signing-month cohort, as ShiftedBetaGeometric::fit_cohorts takes them.
///
/// Periods are calendar anniversaries: an account signed on day s has completed t periods on
/// month_anniversary(s, t). Its churn (the first one, as in tenure) falls in period t >= 1 when
/// it is after the (t - 1)-month anniversary and on or before the t-month one; a churn on the
/// signing day itself is in period 1. survivors[k][t] counts cohort k's accounts not churned by
/// their t-month anniversary (survivors[k][0] is the cohort's size), for every t whose
/// anniversary is on or before as_of for every account of the cohort (its latest signer's).
/// Cohorts with an account signed before start are left out (their churners before start are
/// unknown), as are cohorts without a fully observed period; both are listed.
struct CohortSurvivors {
    std::vector<Month> cohort;                   ///< signing months, increasing
    std::vector<std::vector<double>> survivors;  ///< survivors[k][0..T_k] (whole numbers)
    std::vector<Month> before_start;             ///< cohorts left out: signed before start
    std::vector<Month> unobserved;               ///< cohorts left out: no full period by as_of
    Day as_of = 0;                               ///< the as-of day used
    Day start = 0;                               ///< the start used (given or default)

    std::size_t size() const noexcept { return cohort.size(); }
};

/// The survivor counts of the Book's signing cohorts as of `as_of`, from `start` (default:
/// observation_start(book)); errors as for tenure.
CohortSurvivors cohort_survivors(const Book& book, Day as_of,
                                 std::optional<Day> start = std::nullopt);

}  // namespace retain::survival
