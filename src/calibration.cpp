#include "retain/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "retain/detail/parallel.hpp"
#include "retain/detail/sum.hpp"

namespace retain {
namespace {

std::string str(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

}  // namespace
}  // namespace retain

namespace retain::calibration {

namespace {

using retain::detail::CompensatedSum;

void check_length(std::size_t n, std::size_t size, std::string_view name,
                  std::string_view against) {
    if (size != n)
        throw InputError::argument(name, "has " + std::to_string(size) + " values, " +
                                             std::string(against) + " has " + std::to_string(n));
}

void check_finite(std::span<const double> values, std::string_view name) {
    for (std::size_t i = 0; i < values.size(); ++i)
        if (!std::isfinite(values[i]))
            throw InputError::at(name, i, "must be a finite number, got " + str(values[i]));
}

void check_weights(std::span<const double> weight, std::size_t n) {
    if (weight.empty()) return;
    check_length(n, weight.size(), "sample_weight", "x");
    for (std::size_t i = 0; i < weight.size(); ++i)
        if (!(std::isfinite(weight[i]) && weight[i] >= 0.0))
            throw InputError::at("sample_weight", i,
                                 "must be a finite number >= 0, got " + str(weight[i]));
}

double weight_of(std::span<const double> weight, std::size_t i) {
    return weight.empty() ? 1.0 : weight[i];
}

// Labels as 0.0 / 1.0, anything else an error naming the row.
std::vector<double> labels01(metrics::Labels y) {
    std::vector<double> out(y.size());
    for (std::size_t i = 0; i < y.size(); ++i) {
        const double v = y[i];
        if (v != 0.0 && v != 1.0) throw InputError::at("y", i, "must be 0 or 1, got " + str(v));
        out[i] = v;
    }
    return out;
}

// numpy's float64 resolution, 10**-15: scikit-learn merges the x values closer than this to
// the first x of a run, an absolute (not relative) tolerance.
constexpr double kTieResolution = 1e-15;

// Pool adjacent violators of a non-decreasing fit over points in order; the pools' weighted
// means are written back over `value`. A pool absorbs its successor while the successor's mean
// is not above its own (equal means pool too: the fit is the same, the map has fewer points).
void pool_adjacent_violators(std::vector<double>& value, const std::vector<double>& weight) {
    struct Pool {
        double sum_wy;
        double sum_w;
        std::size_t end;  // one past the last point
        double mean() const { return sum_wy / sum_w; }
    };
    std::vector<Pool> pools;
    pools.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        pools.push_back({weight[i] * value[i], weight[i], i + 1});
        while (pools.size() > 1 && pools[pools.size() - 2].mean() >= pools.back().mean()) {
            const Pool last = pools.back();
            pools.pop_back();
            pools.back().sum_wy += last.sum_wy;
            pools.back().sum_w += last.sum_w;
            pools.back().end = last.end;
        }
    }
    std::size_t begin = 0;
    for (const Pool& pool : pools) {
        const double mean = pool.mean();
        std::fill(value.begin() + static_cast<std::ptrdiff_t>(begin),
                  value.begin() + static_cast<std::ptrdiff_t>(pool.end), mean);
        begin = pool.end;
    }
}

double sigmoid(double t) noexcept {
    if (t >= 0.0) return 1.0 / (1.0 + std::exp(-t));
    const double e = std::exp(t);
    return e / (1.0 + e);
}

// -log P(y | t) of one row, without overflow: log(1 + exp(t)) - y t.
double log_loss_at(double t, double y) noexcept {
    const double softplus = t > 0.0 ? t + std::log1p(std::exp(-t)) : std::log1p(std::exp(t));
    return softplus - y * t;
}

}  // namespace

double IsotonicMap::operator()(double t) const noexcept {
    const std::size_t n = x.size();
    if (n == 0) return std::numeric_limits<double>::quiet_NaN();
    if (n == 1) return y[0];
    t = std::clamp(t, x.front(), x.back());
    // scipy's interp1d: the first threshold >= t closes the segment, never the first one.
    std::size_t hi = static_cast<std::size_t>(std::lower_bound(x.begin(), x.end(), t) - x.begin());
    hi = std::clamp<std::size_t>(hi, 1, n - 1);
    const std::size_t lo = hi - 1;
    if (std::isinf(x[hi] - x[lo])) {
        // Thresholds so far apart that their difference overflows: the same line, from halves
        // (exact), where the slope would be 0 and the value 0 x inf.
        const double share = (t / 2 - x[lo] / 2) / (x[hi] / 2 - x[lo] / 2);
        return y[lo] + (y[hi] - y[lo]) * share;
    }
    const double slope = (y[hi] - y[lo]) / (x[hi] - x[lo]);
    return slope * (t - x[lo]) + y[lo];
}

IsotonicMap fit_isotonic(std::span<const double> x, std::span<const double> y,
                         std::span<const double> sample_weight, bool increasing) {
    const std::size_t n = x.size();
    check_length(n, y.size(), "y", "x");
    check_finite(x, "x");
    check_finite(y, "y");
    check_weights(sample_weight, n);

    std::vector<std::size_t> order;
    order.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
        if (weight_of(sample_weight, i) > 0.0) order.push_back(i);
    if (order.empty())
        throw InputError::argument(n == 0 ? "x" : "sample_weight",
                                   n == 0 ? "has no rows; an isotonic fit needs at least one"
                                          : "no row has a positive weight");
    // By x then y, as scikit-learn's lexsort; the index breaks the remaining ties so that the
    // sums below add in one order on every platform.
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (x[a] != x[b]) return x[a] < x[b];
        if (y[a] != y[b]) return y[a] < y[b];
        return a < b;
    });

    std::vector<double> ux, uy, uw;
    double run_x = x[order[0]], sum_w = 0.0, sum_wy = 0.0;
    for (const std::size_t i : order) {
        const double w = weight_of(sample_weight, i);
        if (x[i] - run_x >= kTieResolution) {
            ux.push_back(run_x);
            uy.push_back(sum_wy / sum_w);
            uw.push_back(sum_w);
            run_x = x[i];
            sum_w = w;
            sum_wy = y[i] * w;
        } else {
            sum_w += w;
            sum_wy += y[i] * w;
        }
    }
    ux.push_back(run_x);
    uy.push_back(sum_wy / sum_w);
    uw.push_back(sum_w);

    // A decreasing fit is the increasing fit of the points in reverse order.
    if (!increasing) {
        std::reverse(uy.begin(), uy.end());
        std::reverse(uw.begin(), uw.end());
    }
    pool_adjacent_violators(uy, uw);
    if (!increasing) std::reverse(uy.begin(), uy.end());

    IsotonicMap map;
    map.increasing = increasing;
    const std::size_t m = ux.size();
    for (std::size_t k = 0; k < m; ++k) {
        const bool inner = k > 0 && k + 1 < m;
        if (inner && uy[k] == uy[k - 1] && uy[k] == uy[k + 1]) continue;
        map.x.push_back(ux[k]);
        map.y.push_back(uy[k]);
    }
    return map;
}

double LogisticMap::operator()(double t) const noexcept {
    return sigmoid(intercept + slope * t);
}

LogisticMap fit_logistic_map(std::span<const double> x, metrics::Labels labels,
                             std::span<const double> sample_weight) {
    const std::size_t n = x.size();
    check_length(n, labels.size(), "y", "x");
    check_finite(x, "x");
    // x near the largest double would overflow its mean and spread (a slope of 0, silently): it
    // is scaled by a power of two, exact, and the slope scaled back (the intercept is the same).
    double largest = 0.0;
    for (const double v : x) largest = std::max(largest, std::abs(v));
    if (largest > 0x1p500) {
        const int shift = std::ilogb(largest);
        std::vector<double> scaled(x.begin(), x.end());
        for (double& v : scaled) v = std::ldexp(v, -shift);
        LogisticMap map = fit_logistic_map(scaled, labels, sample_weight);
        map.slope = std::ldexp(map.slope, -shift);
        return map;
    }
    const std::vector<double> y = labels01(labels);
    check_weights(sample_weight, n);

    // Weighted class totals, mean and spread of x, and the range of x in each class, over the
    // rows of positive weight.
    CompensatedSum total_w, total_wy, total_wx;
    constexpr double inf = std::numeric_limits<double>::infinity();
    double lo[2] = {inf, inf}, hi[2] = {-inf, -inf};
    for (std::size_t i = 0; i < n; ++i) {
        const double w = weight_of(sample_weight, i);
        if (w <= 0.0) continue;
        total_w.add(w);
        total_wy.add(w * y[i]);
        total_wx.add(w * x[i]);
        const int c = y[i] == 1.0 ? 1 : 0;
        lo[c] = std::min(lo[c], x[i]);
        hi[c] = std::max(hi[c], x[i]);
    }
    const double W = total_w.value(), W1 = total_wy.value();
    if (!(W > 0.0))
        throw InputError::argument(n == 0 ? "x" : "sample_weight",
                                   n == 0 ? "has no rows; a logistic fit needs both classes"
                                          : "no row has a positive weight");
    if (!(W1 > 0.0) || !(W1 < W))
        throw InputError::argument("y", std::string("has one class only (all ") +
                                            (W1 > 0.0 ? "1" : "0") +
                                            "); a logistic calibration needs churners and "
                                            "non-churners");
    const double base_rate = W1 / W;
    const double base_logit = std::log(base_rate / (1.0 - base_rate));
    const double mean = total_wx.value() / W;
    CompensatedSum spread;
    for (std::size_t i = 0; i < n; ++i) {
        const double w = weight_of(sample_weight, i);
        if (w > 0.0) spread.add(w * (x[i] - mean) * (x[i] - mean));
    }
    const double scale = std::sqrt(spread.value() / W);

    LogisticMap map;
    if (std::min(lo[0], lo[1]) == std::max(hi[0], hi[1]) || !(scale > 0.0)) {
        // One x value: only the base rate is identifiable.
        map.intercept = base_logit;
        map.converged = true;
        return map;
    }
    if (hi[0] <= lo[1] || hi[1] <= lo[0])
        throw InputError::argument(
            "x", "separates the classes completely (every churner's x is " +
                     std::string(hi[0] <= lo[1] ? ">=" : "<=") +
                     " every other row's), so no finite logistic fit is best: the likelihood "
                     "grows as the slope does; use the isotonic method, or more rows");

    // Newton's method on z = (x - mean) / scale, for which the Hessian is well conditioned; the
    // log-likelihood is concave, so from the base rate a step is halved only on rounding.
    double a = base_logit, b = 0.0;
    auto loss = [&](double a_, double b_) {
        CompensatedSum s;
        for (std::size_t i = 0; i < n; ++i) {
            const double w = weight_of(sample_weight, i);
            if (w > 0.0) s.add(w * log_loss_at(a_ + b_ * (x[i] - mean) / scale, y[i]));
        }
        return s.value();
    };
    double current = loss(a, b);
    constexpr int kMaxSteps = 100;
    for (int step = 0; step < kMaxSteps; ++step) {
        CompensatedSum g0, g1, h00, h01, h11;
        for (std::size_t i = 0; i < n; ++i) {
            const double w = weight_of(sample_weight, i);
            if (w <= 0.0) continue;
            const double z = (x[i] - mean) / scale;
            const double p = sigmoid(a + b * z);
            const double r = w * (p - y[i]);
            const double d = w * p * (1.0 - p);
            g0.add(r);
            g1.add(r * z);
            h00.add(d);
            h01.add(d * z);
            h11.add(d * z * z);
        }
        const double ga = g0.value(), gb = g1.value();
        map.n_iter = step + 1;
        if (std::max(std::abs(ga), std::abs(gb)) <= 1e-13 * W) {
            map.converged = true;
            break;
        }
        const double haa = h00.value(), hab = h01.value(), hbb = h11.value();
        const double det = haa * hbb - hab * hab;
        if (!(det > 0.0)) break;  // the probabilities saturated: no curvature left to use
        const double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
        double t = 1.0, next = loss(a - da, b - db);
        while (next > current && t > 1e-10) {
            t *= 0.5;
            next = loss(a - t * da, b - t * db);
        }
        if (next > current) {
            // No step along Newton's direction lowers the loss: within rounding of the optimum.
            map.converged = true;
            break;
        }
        a -= t * da;
        b -= t * db;
        current = next;
        if (std::max(std::abs(t * da), std::abs(t * db)) <=
            1e-15 * (1.0 + std::max(std::abs(a), std::abs(b)))) {
            map.converged = true;
            break;
        }
    }
    map.slope = b / scale;
    map.intercept = a - b * mean / scale;
    return map;
}

const char* method_name(Method method) noexcept {
    return method == Method::isotonic ? "isotonic" : "logistic";
}

RiskCalibration::RiskCalibration(IsotonicMap map)
    : method_(Method::isotonic), isotonic_(std::move(map)) {
    if (isotonic_.x.empty() || isotonic_.x.size() != isotonic_.y.size())
        throw InputError::argument("IsotonicMap", "needs as many y as x thresholds, at least one");
    for (std::size_t k = 0; k < isotonic_.x.size(); ++k) {
        if (!std::isfinite(isotonic_.x[k]) || !std::isfinite(isotonic_.y[k]))
            throw InputError::at("IsotonicMap", k, "threshold is not finite");
        if (k > 0 && !(isotonic_.x[k] > isotonic_.x[k - 1]))
            throw InputError::at("IsotonicMap", k, "x thresholds must increase strictly");
    }
}

RiskCalibration::RiskCalibration(LogisticMap map)
    : method_(Method::logistic), logistic_(map) {
    if (!std::isfinite(logistic_.intercept) || !std::isfinite(logistic_.slope))
        throw InputError::argument("LogisticMap", "intercept and slope must be finite");
}

RiskCalibration RiskCalibration::fit(Method method, std::span<const double> risk, metrics::Labels y,
                                     std::span<const double> sample_weight, bool increasing) {
    check_length(risk.size(), y.size(), "y", "risk");
    check_finite(risk, "risk");
    if (method == Method::logistic)
        return RiskCalibration(fit_logistic_map(risk, y, sample_weight));
    const std::vector<double> labels = labels01(y);
    return RiskCalibration(fit_isotonic(risk, labels, sample_weight, increasing));
}

const IsotonicMap& RiskCalibration::isotonic() const {
    if (method_ != Method::isotonic)
        throw Error("RiskCalibration: a logistic calibration has no isotonic map");
    return isotonic_;
}

const LogisticMap& RiskCalibration::logistic() const {
    if (method_ != Method::logistic)
        throw Error("RiskCalibration: an isotonic calibration has no logistic map");
    return logistic_;
}

double RiskCalibration::predict(double risk) const {
    if (!std::isfinite(risk))
        throw InputError::argument("risk", "must be a finite number, got " + str(risk));
    return method_ == Method::isotonic ? isotonic_(risk) : logistic_(risk);
}

std::vector<double> RiskCalibration::predict(std::span<const double> risk,
                                             Threads n_threads) const {
    // Checked in row order first, so the row an error names never depends on the threads.
    check_finite(risk, "risk");
    std::vector<double> out(risk.size());
    constexpr std::size_t kBlock = 1 << 16;
    retain::detail::for_each_block(risk.size(), kBlock, n_threads,
                                   [&](std::size_t, std::size_t begin, std::size_t end) {
                                       if (method_ == Method::isotonic)
                                           for (std::size_t i = begin; i < end; ++i)
                                               out[i] = isotonic_(risk[i]);
                                       else
                                           for (std::size_t i = begin; i < end; ++i)
                                               out[i] = logistic_(risk[i]);
                                   });
    return out;
}

}  // namespace retain::calibration

namespace retain::kpi {

MrrAtRisk mrr_at_risk(std::span<const double> probability, std::span<const double> mrr,
                      std::span<const std::int64_t> group, std::size_t n_groups, double share) {
    using retain::detail::CompensatedSum;
    const std::size_t n = probability.size();
    if (mrr.size() != n)
        throw InputError::argument("mrr", "has " + std::to_string(mrr.size()) + " values for " +
                                              std::to_string(n) + " probabilities");
    if (group.size() != n)
        throw InputError::argument("group", "has " + std::to_string(group.size()) + " codes for " +
                                                std::to_string(n) + " probabilities");
    if (!(share > 0.0 && share <= 1.0))
        throw InputError::argument("share", "must be in (0, 1], got " + str(share));
    for (std::size_t i = 0; i < n; ++i) {
        const double p = probability[i];
        if (!(p >= 0.0 && p <= 1.0))
            throw InputError::at("probability", i,
                                 "must be a probability in [0, 1], got " + str(p));
        if (!(std::isfinite(mrr[i]) && mrr[i] >= 0.0))
            throw InputError::at("mrr", i, "must be a finite amount >= 0, got " + str(mrr[i]));
        if (group[i] < 0 || static_cast<std::uint64_t>(group[i]) >= n_groups)
            throw InputError::at("group", i,
                                 "group code " + std::to_string(group[i]) + " is not in [0, " +
                                     std::to_string(n_groups) + ")");
    }

    MrrAtRisk out;
    out.accounts.assign(n_groups, 0);
    out.mrr.assign(n_groups, 0.0);
    out.expected_mrr_lost.assign(n_groups, 0.0);
    out.top_begin.assign(n_groups + 1, 0);
    std::vector<CompensatedSum> mrr_sum(n_groups);
    for (std::size_t i = 0; i < n; ++i) {
        ++out.accounts[static_cast<std::size_t>(group[i])];
        mrr_sum[static_cast<std::size_t>(group[i])].add(mrr[i]);
    }
    for (std::size_t g = 0; g < n_groups; ++g) out.mrr[g] = mrr_sum[g].value();

    // Accounts by group, then by decreasing expected loss, then by index: each group's run is
    // its ranking.
    std::vector<double> loss(n);
    for (std::size_t i = 0; i < n; ++i) loss[i] = probability[i] * mrr[i];
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (group[a] != group[b]) return group[a] < group[b];
        if (loss[a] != loss[b]) return loss[a] > loss[b];
        return a < b;
    });
    std::size_t begin = 0;
    for (std::size_t g = 0; g < n_groups; ++g) {
        const std::size_t end = begin + static_cast<std::size_t>(out.accounts[g]);
        // The total is added in ranking order, so the running sum reaches it exactly at the
        // last account with a positive loss.
        CompensatedSum total;
        for (std::size_t k = begin; k < end; ++k) total.add(loss[order[k]]);
        const double lost = total.value();
        out.expected_mrr_lost[g] = lost;
        if (lost > 0.0) {
            const double target = share * lost;
            CompensatedSum running;
            for (std::size_t k = begin; k < end && loss[order[k]] > 0.0; ++k) {
                out.top_accounts.push_back(order[k]);
                running.add(loss[order[k]]);
                if (running.value() >= target) break;
            }
        }
        out.top_begin[g + 1] = out.top_accounts.size();
        begin = end;
    }
    return out;
}

}  // namespace retain::kpi
