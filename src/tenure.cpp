// Tenure and cohort survivors read from a Book (retain/tenure.hpp): one pass over the accounts
// finds each one's first churn, from the churns table or, without it, from the MRR bridge.

#include "retain/tenure.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>

#include "retain/book.hpp"
#include "retain/error.hpp"

namespace retain::survival {

namespace {

constexpr Day not_churned = std::numeric_limits<Day>::max();

// The message an account's error starts with: the Book names accounts by code, which is their row
// in the accounts table (the Python layer puts the id in its place).
InputError account_error(std::size_t code, const std::string& what) {
    return InputError("account in row " + std::to_string(code) + " of the accounts table: " + what,
                      ErrorSite{"accounts", {}, code, {}});
}

// Each account's first churn on or before as_of (not_churned: none), by the rules of Tenure.
std::vector<Day> first_churns(const Book& book, Day as_of) {
    const std::size_t n = book.n_accounts();
    std::vector<Day> churn(n, not_churned);
    const auto signed_days = book.signed_days();
    if (!book.has("churns") && !book.has("mrr"))
        throw InputError(
            "the Book has neither a churns nor an MRR table, so no churn can be seen; build it "
            "with churns= (or mrr=, whose bridge shows when accounts stop paying)",
            ErrorSite{"churns", {}, std::nullopt, {}});
    // An account's records come by day: its first is its first recorded churn.
    auto first_record = [&](std::size_t a) {
        const auto records = book.churns_of(a);
        return records.empty() ? not_churned : records.front().day;
    };
    for (std::size_t a = 0; a < n; ++a)
        if (first_record(a) <= as_of) churn[a] = first_record(a);
    if (book.has("mrr") && !book.mrr().empty()) {
        // The bridge's churns (paid in g - 1, nothing in g): without a churns table each is a
        // churn; with one, those no record is dated near (g - 1 or g) are churns too, as
        // kpi::churn_reasons files them under "unrecorded".
        const bool records = book.has("churns");
        const Month last = book.mrr().last_month();
        for (std::size_t a = 0; a < n; ++a) {
            const auto months = book.mrr_months(a);
            const auto amounts = book.mrr_amounts(a);
            for (std::size_t i = 0; i < months.size(); ++i) {
                if (!(amounts[i] > 0)) continue;
                const Month g = months[i] + 1;
                const bool pays_next =
                    i + 1 < months.size() && months[i + 1] == g && amounts[i + 1] > 0;
                if (pays_next || g > last) continue;
                if (first_day_of(g) > as_of || first_day_of(g) >= churn[a]) break;
                if (records && book.record_near(a, g) != nullptr) continue;
                churn[a] = first_day_of(g);
                break;  // the first stop; a later one would be a returning account's
            }
        }
    }
    for (std::size_t a = 0; a < n; ++a)
        if (churn[a] != not_churned && signed_days[a] <= as_of && churn[a] < signed_days[a])
            throw account_error(a, "its first churn (" + format_day(churn[a]) +
                                       (churn[a] == first_record(a) ? ", from the churns table"
                                                                    : ", when it stopped paying") +
                                       ") is before it signed (" + format_day(signed_days[a]) +
                                       ")");
    return churn;
}

// Days this far from 1970 are mis-encoded dates (years -6244 to 10183 are within), as
// snapshots take as-of dates; the cohort tables would also grow with as_of's distance.
constexpr Day max_abs_day = 3'000'000;

void check_day(Day day, std::string_view name) {
    if (day < -max_abs_day || day > max_abs_day)
        throw InputError::argument(name, "day number " + std::to_string(day) +
                                             " is out of range (more than 3,000,000 days from "
                                             "1970-01-01)");
}

// The start used: given, or the Book's default; after as_of it is an InputError.
Day start_for(const Book& book, Day as_of, std::optional<Day> start) {
    check_day(as_of, "as_of");
    if (start) check_day(*start, "start");
    if (start) {
        if (*start > as_of)
            throw InputError::argument(
                "start", "is after as_of (" + format_day(*start) + " > " + format_day(as_of) + ")");
        return *start;
    }
    const std::optional<Day> from = observation_start(book);
    if (!from) return as_of;
    if (*from > as_of)
        throw InputError::argument(
            "as_of", "is before the Book's observation start (" + format_day(as_of) + " < " +
                         format_day(*from) +
                         ", the first day of its first MRR month): nothing is observed by then; "
                         "give a later as_of, or an earlier start");
    return *from;
}

}  // namespace

std::optional<Day> observation_start(const Book& book) {
    if (book.has("mrr") && !book.mrr().empty()) return first_day_of(book.mrr().first_month());
    const auto signed_days = book.signed_days();
    if (signed_days.empty()) return std::nullopt;
    return *std::min_element(signed_days.begin(), signed_days.end());
}

Tenure tenure(const Book& book, Day as_of, std::optional<Day> start) {
    Tenure out;
    out.as_of = as_of;
    out.start = start_for(book, as_of, start);
    const std::vector<Day> churn = first_churns(book, as_of);
    const auto signed_days = book.signed_days();
    for (std::size_t a = 0; a < book.n_accounts(); ++a) {
        const Day s = signed_days[a];
        if (s > as_of) continue;
        const bool churned = churn[a] != not_churned;
        if (churned && churn[a] < out.start) {
            ++out.left_out;
            continue;
        }
        out.account.push_back(static_cast<std::int64_t>(a));
        out.signed_day.push_back(s);
        out.duration.push_back(static_cast<std::int64_t>(churned ? churn[a] : as_of) - s);
        out.churned.push_back(churned ? 1 : 0);
        out.entry.push_back(std::max<std::int64_t>(0, static_cast<std::int64_t>(out.start) - s));
    }
    return out;
}

Day month_anniversary(Day day, std::int64_t months) {
    // A million years either way keeps every day below within a Day (and the sum from overflow).
    constexpr std::int64_t max_months = 12'000'000;
    const CivilDate c = civil_of(day);
    const std::int64_t from = month_of(c.year, c.month);
    if (months < -2 * max_months || months > 2 * max_months || from + months < -max_months ||
        from + months > max_months)
        throw InputError::argument("months", "the anniversary " + std::to_string(months) +
                                                 " months after " + format_day(day) +
                                                 " is out of range");
    const auto m = static_cast<Month>(from + months);
    const Day first = first_day_of(m);
    const Day length = first_day_of(m + 1) - first;
    return first + std::min<Day>(c.day, length) - 1;
}

CohortSurvivors cohort_survivors(const Book& book, Day as_of, std::optional<Day> start) {
    CohortSurvivors out;
    out.as_of = as_of;
    out.start = start_for(book, as_of, start);
    const std::vector<Day> churn = first_churns(book, as_of);
    const auto signed_days = book.signed_days();
    std::vector<std::size_t> accounts;
    for (std::size_t a = 0; a < book.n_accounts(); ++a)
        if (signed_days[a] <= as_of) accounts.push_back(a);
    std::stable_sort(accounts.begin(), accounts.end(),
                     [&](std::size_t x, std::size_t y) { return signed_days[x] < signed_days[y]; });
    for (std::size_t b = 0; b < accounts.size();) {
        // One cohort: the accounts signed in one month, b..e in signing order.
        const Month cohort = month_of_day(signed_days[accounts[b]]);
        std::size_t e = b;
        while (e < accounts.size() && month_of_day(signed_days[accounts[e]]) == cohort) ++e;
        const Day earliest = signed_days[accounts[b]], latest = signed_days[accounts[e - 1]];
        if (earliest < out.start) {
            out.before_start.push_back(cohort);
            b = e;
            continue;
        }
        // Periods every account of the cohort has completed by as_of: its latest signer's.
        std::int64_t periods = month_of_day(as_of) - cohort;
        if (month_anniversary(latest, periods) > as_of) --periods;
        if (periods < 1) {
            out.unobserved.push_back(cohort);
            b = e;
            continue;
        }
        // lost[t]: accounts lost in period t (t <= periods); the rest survive every period seen.
        std::vector<double> lost(static_cast<std::size_t>(periods) + 1, 0.0);
        for (std::size_t i = b; i < e; ++i) {
            const std::size_t a = accounts[i];
            if (churn[a] == not_churned) continue;
            const Day s = signed_days[a];
            // The anniversary of period t is in month cohort + t, so the churn's month leaves two
            // candidates: that many periods, or one more.
            const std::int64_t months_in =
                std::max<std::int64_t>(1, month_of_day(churn[a]) - cohort);
            const std::int64_t period =
                churn[a] <= month_anniversary(s, months_in) ? months_in : months_in + 1;
            if (period <= periods) lost[static_cast<std::size_t>(period)] += 1;
        }
        std::vector<double> survivors(lost.size());
        survivors[0] = static_cast<double>(e - b);
        for (std::size_t t = 1; t < lost.size(); ++t) survivors[t] = survivors[t - 1] - lost[t];
        out.cohort.push_back(cohort);
        out.survivors.push_back(std::move(survivors));
        b = e;
    }
    return out;
}

}  // namespace retain::survival
