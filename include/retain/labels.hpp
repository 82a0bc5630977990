#pragma once
// Churn labels for backtests: for each snapshot row (account, as-of day t), whether the account
// churned in (t, t + horizon], with the rows that cannot be labelled honestly set apart: accounts
// already gone at t (inactive) and rows whose horizon ends after the data does (unresolved).
//
// Days are day numbers (days since 1970-01-01, UTC). Accounts are dense codes (see IdIndex).

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "retain/detail/parallel.hpp"
#include "retain/error.hpp"

namespace retain::backtest {

/// A missing day (numpy's NaT, the smallest int64): an error for as-of and churn days, "not
/// returned" for return days.
inline constexpr std::int64_t missing_day = std::numeric_limits<std::int64_t>::min();

/// Label codes of LabelResult::label: 0 and 1 are labels, the negative codes say why a row has
/// none.
inline constexpr std::int8_t label_inactive = -1;    ///< the account was gone at the as-of day
inline constexpr std::int8_t label_unresolved = -2;  ///< the horizon ends after observed_until

/// Column names, used only to name the culprit in error messages.
struct LabelColumns {
    std::string account = "account_id";
    std::string as_of = "as_of";
    std::string churn_date = "churn_date";
    std::string returned_at = "returned_at";
};

/// One label code per snapshot row (0, 1, label_inactive or label_unresolved), and the counts.
struct LabelResult {
    std::vector<std::int8_t> label;
    std::size_t positives = 0, negatives = 0, inactive = 0, unresolved = 0;
};

namespace detail {

inline std::string format_day(std::int64_t day) {
    using namespace std::chrono;
    const year_month_day ymd{sys_days{days{day}}};
    std::ostringstream out;
    out << static_cast<int>(ymd.year()) << '-'
        << (static_cast<unsigned>(ymd.month()) < 10 ? "0" : "")
        << static_cast<unsigned>(ymd.month()) << '-'
        << (static_cast<unsigned>(ymd.day()) < 10 ? "0" : "") << static_cast<unsigned>(ymd.day());
    return out.str();
}

/// Rows grouped by code (CSR): rows of code c are order[offsets[c] .. offsets[c + 1]), in input
/// order. Codes outside [0, n_codes) are left out.
struct Groups {
    std::vector<std::size_t> offsets;
    std::vector<std::size_t> order;
};

inline Groups group_rows(std::span<const std::int64_t> code, std::size_t n_codes) {
    Groups g;
    g.offsets.assign(n_codes + 1, 0);
    for (const std::int64_t c : code)
        if (c >= 0 && static_cast<std::size_t>(c) < n_codes)
            ++g.offsets[static_cast<std::size_t>(c) + 1];
    for (std::size_t c = 0; c < n_codes; ++c) g.offsets[c + 1] += g.offsets[c];
    g.order.resize(g.offsets[n_codes]);
    std::vector<std::size_t> fill(g.offsets.begin(), g.offsets.end() - 1);
    for (std::size_t r = 0; r < code.size(); ++r) {
        const std::int64_t c = code[r];
        if (c >= 0 && static_cast<std::size_t>(c) < n_codes)
            g.order[fill[static_cast<std::size_t>(c)]++] = r;
    }
    return g;
}

}  // namespace detail

/// Labels snapshot rows with churn.
///
/// Snapshot row r is account `snap_account[r]` (a code in [0, n_accounts)) at as-of day
/// `snap_day[r]`; (account, day) pairs must be unique. Churn row j is account `churn_account[j]`
/// (a code in [0, n_accounts), or -1 for an account with no snapshot row: ignored) churning on
/// `churn_day[j]` and, when `returned_day` is not empty, coming back on `returned_day[j]`
/// (missing_day: not returned; a return before the churn is an error). An account may churn,
/// return and churn again.
///
/// For a row at day t, in this order:
/// - label_inactive when the account is not active at t: some churn is dated on or before t and
///   has no return on or before t;
/// - label_unresolved when t + horizon_days > observed_until (the outcome is not yet known);
/// - 1 when some churn falls in (t, t + horizon_days], else 0.
///
/// Each account's churns are sorted once; each row then costs a binary search, O((n + m) log m).
/// `n_threads` (0: every core) never changes the result.
/// Throws InputError naming the column and row of a missing as-of or churn day, a return before
/// its churn or a duplicate (account, as-of) pair, and naming the argument for horizon_days < 1.
inline LabelResult label_churn(std::span<const std::int64_t> snap_account,
                               std::span<const std::int64_t> snap_day,
                               std::span<const std::int64_t> churn_account,
                               std::span<const std::int64_t> churn_day,
                               std::span<const std::int64_t> returned_day, std::size_t n_accounts,
                               std::int64_t horizon_days, std::int64_t observed_until,
                               const LabelColumns& columns = {}, int n_threads = 0) {
    if (horizon_days < 1)
        throw InputError::argument("horizon_days", "must be a whole number of days >= 1, got " +
                                                       std::to_string(horizon_days));
    if (snap_account.size() != snap_day.size())
        throw InputError::argument(columns.as_of, "must have one value per snapshot row");
    if (churn_account.size() != churn_day.size() ||
        (!returned_day.empty() && returned_day.size() != churn_day.size()))
        throw InputError::argument(columns.churn_date, "must have one value per churn row");
    constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
    // Far enough from the int64 limits that t + horizon cannot overflow.
    constexpr std::int64_t max_day = std::int64_t{1} << 40;

    for (std::size_t r = 0; r < snap_day.size(); ++r) {
        if (snap_day[r] == missing_day)
            throw InputError::at(columns.as_of, r, "missing date (NaT)");
        if (snap_account[r] < 0 || static_cast<std::size_t>(snap_account[r]) >= n_accounts)
            throw InputError::at(columns.account, r, "account code out of range");
    }
    for (std::size_t j = 0; j < churn_day.size(); ++j) {
        if (churn_day[j] == missing_day)
            throw InputError::at(columns.churn_date, j, "missing date (NaT)");
        if (!returned_day.empty() && returned_day[j] != missing_day &&
            returned_day[j] < churn_day[j])
            throw InputError::at(columns.returned_at, j,
                                 "returned on " + detail::format_day(returned_day[j]) +
                                     ", before churning on " + detail::format_day(churn_day[j]));
    }
    if (horizon_days > max_day) throw InputError::argument("horizon_days", "is too large");

    // Each account's churns by day, with the latest return among the churns so far: an account is
    // gone at t when the churns dated <= t include one not returned by t, i.e. when the largest
    // return day (never for "not returned") among them is > t.
    const auto churns = detail::group_rows(churn_account, n_accounts);
    std::vector<std::int64_t> day(churns.order.size()), latest_return(churns.order.size());
    {
        std::vector<std::pair<std::int64_t, std::int64_t>> run;
        for (std::size_t a = 0; a < n_accounts; ++a) {
            const std::size_t lo = churns.offsets[a], hi = churns.offsets[a + 1];
            run.clear();
            for (std::size_t k = lo; k < hi; ++k) {
                const std::size_t j = churns.order[k];
                const std::int64_t ret = returned_day.empty() || returned_day[j] == missing_day
                                             ? never
                                             : returned_day[j];
                run.emplace_back(churn_day[j], ret);
            }
            std::sort(run.begin(), run.end());
            std::int64_t running = std::numeric_limits<std::int64_t>::min();
            for (std::size_t k = lo; k < hi; ++k) {
                day[k] = run[k - lo].first;
                running = std::max(running, run[k - lo].second);
                latest_return[k] = running;
            }
        }
    }

    // Duplicate (account, as-of) rows: group the snapshot rows by account, sort each group by day.
    {
        const auto snaps = detail::group_rows(snap_account, n_accounts);
        std::vector<std::pair<std::int64_t, std::size_t>> run;
        for (std::size_t a = 0; a < n_accounts; ++a) {
            run.clear();
            for (std::size_t k = snaps.offsets[a]; k < snaps.offsets[a + 1]; ++k)
                run.emplace_back(snap_day[snaps.order[k]], snaps.order[k]);
            std::sort(run.begin(), run.end());
            for (std::size_t k = 1; k < run.size(); ++k)
                if (run[k].first == run[k - 1].first)
                    throw InputError::at(columns.as_of, run[k].second,
                                         "the account already has a snapshot on " +
                                             detail::format_day(run[k].first) + " (row " +
                                             std::to_string(run[k - 1].second) +
                                             "); give one row per (account, as-of date)");
        }
    }

    // Rows in fixed blocks, each counting into its own slot: the counts never depend on threads.
    LabelResult out;
    out.label.resize(snap_day.size());
    constexpr std::size_t block = std::size_t{1} << 16;
    std::vector<std::array<std::size_t, 4>> counts((snap_day.size() + block - 1) / block);
    retain::detail::for_each_block(
        snap_day.size(), block, n_threads, [&](std::size_t b, std::size_t lo, std::size_t hi) {
            std::array<std::size_t, 4> n{};  // negatives, positives, inactive, unresolved
            for (std::size_t r = lo; r < hi; ++r) {
                const auto a = static_cast<std::size_t>(snap_account[r]);
                const std::int64_t t = std::clamp(snap_day[r], -max_day, max_day);
                const auto first = day.begin() + static_cast<std::ptrdiff_t>(churns.offsets[a]);
                const auto last = day.begin() + static_cast<std::ptrdiff_t>(churns.offsets[a + 1]);
                const auto next = std::upper_bound(first, last, t);  // first churn after t
                std::int8_t code;
                if (next != first &&
                    latest_return[static_cast<std::size_t>(next - day.begin()) - 1] > t) {
                    code = label_inactive;
                    ++n[2];
                } else if (t + horizon_days > observed_until) {
                    code = label_unresolved;
                    ++n[3];
                } else if (next != last && *next <= t + horizon_days) {
                    code = 1;
                    ++n[1];
                } else {
                    code = 0;
                    ++n[0];
                }
                out.label[r] = code;
            }
            counts[b] = n;
        });
    for (const auto& n : counts) {
        out.negatives += n[0];
        out.positives += n[1];
        out.inactive += n[2];
        out.unresolved += n[3];
    }
    return out;
}

}  // namespace retain::backtest
