// Survey KPIs declared in retain/kpi.hpp: NPS, the Wilson interval, CSAT, CES, NPS by group.
// The quantiles and the streaming variance come from Boost, which only this file parses.

#include "retain/kpi.hpp"

#include <algorithm>
#include <boost/accumulators/accumulators.hpp>
#include <boost/accumulators/statistics/mean.hpp>
#include <boost/accumulators/statistics/stats.hpp>
#include <boost/accumulators/statistics/variance.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "detail/kpi_common.hpp"

namespace retain::kpi {

namespace detail {
namespace {

void count_nps(NpsResult& r, double s, std::string_view column, std::size_t row) {
    if (!(s >= 0 && s <= 10) || s != std::floor(s))
        throw InputError::at(column, row, "NPS score must be an integer from 0 to 10" + got(s));
    if (s >= 9)
        ++r.promoters;
    else if (s >= 7)
        ++r.passives;
    else
        ++r.detractors;
}

void finish_nps(NpsResult& r) {
    r.n = r.promoters + r.passives + r.detractors;
    if (r.n == 0) return;
    const double n = static_cast<double>(r.n);
    const double p = static_cast<double>(r.promoters) / n,
                 d = static_cast<double>(r.detractors) / n;
    r.nps = 100.0 * (p - d);
    r.stderr_ = 100.0 * std::sqrt(std::max(0.0, p + d - (p - d) * (p - d)) / n);
    r.margin95 = 1.96 * r.stderr_;
}

}  // namespace
}  // namespace detail

std::ostream& operator<<(std::ostream& out, const NpsResult& r) {
    return out << "NpsResult(nps=" << r.nps << ", promoters=" << r.promoters
               << ", passives=" << r.passives << ", detractors=" << r.detractors << ", n=" << r.n
               << ", stderr=" << r.stderr_ << ", margin95=" << r.margin95 << ")";
}

NpsResult nps(std::span<const double> scores, std::string_view column) {
    NpsResult r;
    for (std::size_t i = 0; i < scores.size(); ++i) detail::count_nps(r, scores[i], column, i);
    detail::finish_nps(r);
    return r;
}

Interval wilson_interval(std::int64_t successes, std::int64_t n, double confidence) {
    detail::require_confidence(confidence, "confidence");
    detail::require(n >= 0, "n", "must be >= 0, got " + std::to_string(n));
    detail::require(
        successes >= 0 && successes <= n, "successes",
        "must be between 0 and n = " + std::to_string(n) + ", got " + std::to_string(successes));
    if (n == 0) return {};
    const double z =
        boost::math::quantile(boost::math::normal_distribution<double>{}, 0.5 + confidence / 2);
    const double nn = static_cast<double>(n), p = static_cast<double>(successes) / nn;
    const double z2 = z * z, denom = 1.0 + z2 / nn;
    const double centre = (p + z2 / (2 * nn)) / denom;
    const double half = z / denom * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    // At p = 0 (p = 1) the lower (upper) end is exactly 0 (1); rounding would leave it 1 ulp off.
    return {successes == 0 ? 0.0 : std::max(0.0, centre - half),
            successes == n ? 1.0 : std::min(1.0, centre + half)};
}

std::ostream& operator<<(std::ostream& out, const CsatResult& r) {
    return out << "CsatResult(csat=" << r.csat << ", satisfied=" << r.satisfied << ", n=" << r.n
               << ", ci_lower=" << r.ci_lower << ", ci_upper=" << r.ci_upper << ")";
}

CsatResult csat(std::span<const double> scores, int scale, int satisfied_min,
                std::string_view column) {
    detail::require(scale >= 2, "scale", "must be an integer >= 2, got " + std::to_string(scale));
    detail::require(satisfied_min >= 1 && satisfied_min <= scale, "satisfied_min",
                    "must be between 1 and scale = " + std::to_string(scale) + ", got " +
                        std::to_string(satisfied_min));
    CsatResult r;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        const double s = scores[i];
        if (!(s >= 1 && s <= scale) || s != std::floor(s))
            throw InputError::at(column, i,
                                 "CSAT score must be an integer from 1 to " +
                                     std::to_string(scale) + detail::got(s));
        if (s >= satisfied_min) ++r.satisfied;
    }
    r.n = static_cast<std::int64_t>(scores.size());
    if (r.n == 0) return r;
    r.csat = static_cast<double>(r.satisfied) / static_cast<double>(r.n);
    const auto ci = wilson_interval(r.satisfied, r.n, 0.95);
    r.ci_lower = ci.lower;
    r.ci_upper = ci.upper;
    return r;
}

std::ostream& operator<<(std::ostream& out, const CesResult& r) {
    return out << "CesResult(ces=" << r.ces << ", n=" << r.n << ", std=" << r.stddev
               << ", ci_lower=" << r.ci_lower << ", ci_upper=" << r.ci_upper << ")";
}

CesResult ces(std::span<const double> scores, std::string_view column) {
    namespace acc = boost::accumulators;
    // Streaming mean and variance (Boost.Accumulators' recursive, Welford-style updates).
    acc::accumulator_set<double, acc::stats<acc::tag::mean, acc::tag::variance>> stats;
    double largest = 0.0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (!std::isfinite(scores[i]))
            throw InputError::at(column, i,
                                 "effort score must be a finite number" + detail::got(scores[i]));
        largest = std::max(largest, std::abs(scores[i]));
    }
    // Answers near the largest double would overflow the sums (a mean of inf): they are scaled
    // by a power of two, which is exact, and the results scaled back. Usual answers are not.
    const int shift = largest > 0x1p500 ? std::ilogb(largest) : 0;
    for (const double s : scores) stats(std::ldexp(s, -shift));
    CesResult r;
    r.n = static_cast<std::int64_t>(scores.size());
    if (r.n == 0) return r;
    const double n = static_cast<double>(r.n);
    r.ces = std::ldexp(acc::mean(stats), shift);
    if (r.n < 2) return r;
    // The accumulator's variance divides by n; the sample standard deviation by n - 1.
    const double stddev = std::sqrt(acc::variance(stats) * n / (n - 1));
    const double t =
        boost::math::quantile(boost::math::students_t_distribution<double>{n - 1}, 0.975);
    const double half = t * stddev / std::sqrt(n), mean = acc::mean(stats);
    r.stddev = std::ldexp(stddev, shift);
    r.ci_lower = std::ldexp(mean - half, shift);
    r.ci_upper = std::ldexp(mean + half, shift);
    return r;
}

std::vector<NpsResult> nps_by(std::span<const std::int64_t> group, std::size_t n_groups,
                              std::span<const double> scores, std::string_view column) {
    detail::require(group.size() == scores.size(), "group",
                    "has " + std::to_string(group.size()) + " rows but " + std::string(column) +
                        " has " + std::to_string(scores.size()));
    std::vector<NpsResult> out(n_groups);
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (group[i] < 0 || static_cast<std::uint64_t>(group[i]) >= n_groups)
            throw InputError::at("group", i,
                                 "group code must be in [0, " + std::to_string(n_groups) +
                                     "), got " + std::to_string(group[i]));
        detail::count_nps(out[static_cast<std::size_t>(group[i])], scores[i], column, i);
    }
    for (auto& r : out) detail::finish_nps(r);
    return out;
}

}  // namespace retain::kpi
