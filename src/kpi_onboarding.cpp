// Onboarding KPIs declared in retain/kpi.hpp: completion within a window, time to value.

#include "retain/kpi.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/kpi_common.hpp"
#include "retain/survival.hpp"

namespace retain::kpi {

namespace detail {
namespace {

void check_days(std::span<const std::int64_t> days, std::string_view column) {
    for (std::size_t i = 0; i < days.size(); ++i)
        if (days[i] < -max_abs_day || days[i] > max_abs_day)
            throw InputError::at(column, i,
                                 "day number " + std::to_string(days[i]) +
                                     " is out of range (|day| <= 10^8); is the date mis-encoded?");
}

void check_onboarding(std::span<const std::int64_t> signed_day,
                      std::span<const std::int64_t> reached_day, std::int64_t as_of,
                      const OnboardingColumns& columns) {
    check_days(signed_day, columns.signed_at);
    check_days(reached_day, columns.reached_at);
    require(as_of >= -max_abs_day && as_of <= max_abs_day, "as_of",
            "day number " + std::to_string(as_of) + " is out of range (|day| <= 10^8)");
}

void check_milestone_rows(std::size_t n_accounts, std::span<const std::int64_t> account,
                          std::span<const std::int64_t> milestone,
                          std::span<const std::int64_t> reached, std::size_t n_required,
                          const OnboardingColumns& columns) {
    if (milestone.size() != account.size() || reached.size() != account.size())
        throw InputError("the milestones table's columns differ in length: '" + columns.account +
                         "' " + std::to_string(account.size()) + ", '" + columns.milestone + "' " +
                         std::to_string(milestone.size()) + ", '" + columns.reached_at + "' " +
                         std::to_string(reached.size()));
    for (std::size_t i = 0; i < account.size(); ++i) {
        if (account[i] < 0 || static_cast<std::uint64_t>(account[i]) >= n_accounts)
            throw InputError::at(columns.account, i, "account is not in the accounts table");
        if (milestone[i] < -1 || milestone[i] >= static_cast<std::int64_t>(n_required))
            throw InputError::at(columns.milestone, i, "milestone code out of range");
    }
}

void finish_row(OnboardingCompletion::Row& row) {
    row.rate = ratio(static_cast<double>(row.completed), static_cast<double>(row.eligible));
    const auto ci = wilson_interval(row.completed, row.eligible, 0.95);
    row.ci_lower = ci.lower;
    row.ci_upper = ci.upper;
}

}  // namespace
}  // namespace detail

OnboardingCompletion onboarding_completion(std::span<const std::int64_t> signed_day,
                                           std::span<const std::int64_t> milestone_account,
                                           std::span<const std::int64_t> milestone,
                                           std::span<const std::int64_t> reached_day,
                                           std::size_t n_required, std::int64_t within_days,
                                           std::int64_t as_of, const OnboardingColumns& columns) {
    detail::require(n_required >= 1, "required", "give at least one required milestone");
    detail::require(
        within_days >= 0 && within_days <= max_abs_day, "within_days",
        "must be a whole number of days from 0 to 10^8, got " + std::to_string(within_days));
    const std::size_t n = signed_day.size();
    detail::check_milestone_rows(n, milestone_account, milestone, reached_day, n_required, columns);
    detail::check_onboarding(signed_day, reached_day, as_of, columns);
    // Each account's earliest day on each required milestone, as long as it counts (by as_of).
    constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
    std::vector<std::int64_t> first(n * n_required, never);
    for (std::size_t i = 0; i < milestone_account.size(); ++i) {
        if (milestone[i] < 0 || reached_day[i] > as_of) continue;
        auto& f = first[static_cast<std::size_t>(milestone_account[i]) * n_required +
                        static_cast<std::size_t>(milestone[i])];
        f = std::min(f, reached_day[i]);
    }
    std::vector<std::pair<Month, OnboardingCompletion::Row>> by_month;
    std::vector<std::size_t> order;
    order.reserve(n);
    for (std::size_t a = 0; a < n; ++a)
        if (signed_day[a] <= as_of) order.push_back(a);
    std::sort(order.begin(), order.end(),
              [&](std::size_t x, std::size_t y) { return signed_day[x] < signed_day[y]; });
    OnboardingCompletion out;
    for (const std::size_t a : order) {
        const Month cohort = month_of_day(signed_day[a]);
        if (out.cohorts.empty() || out.cohorts.back() != cohort) {
            out.cohorts.push_back(cohort);
            out.rows.emplace_back();
        }
        auto& row = out.rows.back();
        const std::int64_t deadline = signed_day[a] + within_days;
        if (deadline > as_of) {
            ++row.pending;
            ++out.overall.pending;
            continue;
        }
        ++row.eligible;
        ++out.overall.eligible;
        const auto* f = first.data() + a * n_required;
        if (std::all_of(f, f + n_required, [&](std::int64_t day) { return day <= deadline; })) {
            ++row.completed;
            ++out.overall.completed;
        }
    }
    for (auto& row : out.rows) detail::finish_row(row);
    detail::finish_row(out.overall);
    return out;
}

double survival_quantile(const survival::KaplanMeier& km, double q) {
    detail::require(q > 0 && q < 1, "q", "must be strictly between 0 and 1" + detail::got(q));
    // A table may be made by hand: survival is read beside every time.
    detail::require(km.survival.size() == km.size(), "km",
                    "time and survival differ in length (" + std::to_string(km.size()) +
                        " times, " + std::to_string(km.survival.size()) + " survivals)");
    if (km.size() == 0) return nan;
    for (std::size_t j = 0; j < km.size(); ++j)
        if (km.survival[j] <= 1.0 - q) return km.time[j];
    return std::numeric_limits<double>::infinity();
}

TimeToValue time_to_value(std::span<const std::int64_t> signed_day,
                          std::span<const std::int64_t> milestone_account,
                          std::span<const std::int64_t> milestone,
                          std::span<const std::int64_t> reached_day, std::int64_t as_of,
                          const OnboardingColumns& columns) {
    const std::size_t n = signed_day.size();
    detail::check_milestone_rows(n, milestone_account, milestone, reached_day, 1, columns);
    detail::check_onboarding(signed_day, reached_day, as_of, columns);
    constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
    std::vector<std::int64_t> first(n, never);
    for (std::size_t i = 0; i < milestone_account.size(); ++i) {
        if (milestone[i] != 0 || reached_day[i] > as_of) continue;
        auto& f = first[static_cast<std::size_t>(milestone_account[i])];
        f = std::min(f, reached_day[i]);
    }
    TimeToValue out;
    for (std::size_t a = 0; a < n; ++a) {
        if (signed_day[a] > as_of) continue;
        const bool reached = first[a] != never;
        out.account.push_back(static_cast<std::int64_t>(a));
        out.reached.push_back(reached ? 1 : 0);
        out.days.push_back(
            reached ? static_cast<double>(std::max<std::int64_t>(0, first[a] - signed_day[a]))
                    : static_cast<double>(as_of - signed_day[a]));
    }
    std::vector<double> observed(out.reached.begin(), out.reached.end());
    const auto km = survival::kaplan_meier(out.days, observed, {}, 0.05, {"days", "reached"});
    out.median = survival_quantile(km, 0.5);
    out.p75 = survival_quantile(km, 0.75);
    out.p90 = survival_quantile(km, 0.9);
    return out;
}

}  // namespace retain::kpi
