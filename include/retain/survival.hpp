#pragma once
// Survival curves: how long accounts stay. Kaplan-Meier with Greenwood variance and log(-log)
// confidence intervals (the conventions of lifelines' KaplanMeierFitter, so results agree), its
// median and restricted mean.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "retain/error.hpp"

namespace retain::survival {

/// The standard normal quantile function: x with P(Z <= x) = p, for 0 < p < 1.
double normal_quantile(double p);

/// A Kaplan-Meier table: one row per time. With the default timeline the times are 0 and every
/// distinct duration; then at_risk is the number of durations >= time, events and censored the
/// observed and censored durations equal to time. With a given timeline, events and censored count
/// the durations in (previous time, time] and at_risk those >= time.
/// survival = prod over event times u <= t of (1 - d_u / n_u); Greenwood's variance term
/// sum d_u / (n_u (n_u - d_u)) (0 where n_u = d_u); the interval is the log(-log) ("exponential
/// Greenwood") one at level 1 - alpha, 1 where it is undefined (survival 1), as lifelines gives it.
struct KaplanMeier {
    std::vector<double> time;
    std::vector<std::int64_t> at_risk, events, censored;
    std::vector<double> survival, ci_lower, ci_upper;
    double alpha = 0.05;

    std::size_t size() const noexcept { return time.size(); }
};

/// Names used in error messages.
struct SurvivalColumns {
    std::string duration = "duration";
    std::string observed = "observed";
};

/// Kaplan-Meier estimate of durations >= 0 (finite) with observed flags 0 (censored) or 1 (event);
/// an empty `observed` means every duration is an event. `timeline`, if not empty, must be
/// increasing; the curve is then read at those times. 0 < alpha < 1.
KaplanMeier kaplan_meier(std::span<const double> durations, std::span<const double> observed,
                         std::span<const double> timeline = {}, double alpha = 0.05,
                         const SurvivalColumns& columns = {});

/// The first time at which survival is at or below 0.5; +infinity if it never is (as lifelines);
/// NaN for an empty table.
double median_survival(const KaplanMeier& km);

/// Restricted mean survival time: the area under the survival step function from 0 to `horizon`
/// (>= 0), taking survival 1 before the table's first time. NaN for an empty table.
double restricted_mean(const KaplanMeier& km, double horizon);

}  // namespace retain::survival

#include "retain/detail/survival_impl.hpp"
