// Survival curves and the shifted-beta-geometric model declared in retain/survival.hpp. The
// Newton fit needs Eigen and Boost.Math's digamma and trigamma; keeping them here spares every
// user of the header their parse.

#include "retain/survival.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <bit>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <cmath>
#include <limits>
#include <numbers>
#include <ostream>
#include <sstream>
#include <utility>

#include "retain/detail/parallel.hpp"
#include "retain/detail/radix_sort.hpp"

namespace retain::survival {

double normal_quantile(double p) {
    if (!(p > 0.0 && p < 1.0)) throw InputError::argument("p", "must be strictly between 0 and 1");
    // Acklam's rational approximation (relative error 1e-9), then one Halley step on the exact
    // normal CDF (via erfc) brings it to full double precision.
    static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                   -2.759285104469687e+02, 1.383577518672690e+02,
                                   -3.066479806614716e+01, 2.506628277459239e+00};
    static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                   -1.556989798598866e+02, 6.680131188771972e+01,
                                   -1.328068155288572e+01};
    static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                   -2.400758277161838e+00, -2.549732539343734e+00,
                                   4.374664141464968e+00,  2.938163982698783e+00};
    static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                   2.445134137142996e+00, 3.754408661907416e+00};
    constexpr double low = 0.02425;
    double x;
    if (p < low) {
        const double q = std::sqrt(-2 * std::log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - low) {
        const double q = p - 0.5, r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        const double q = std::sqrt(-2 * std::log1p(-p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
    const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

namespace detail {
namespace {

// Counts per distinct duration, ascending: how many durations end there and how many of them
// are events.
struct DurationCounts {
    std::vector<double> time;
    std::vector<std::int64_t> removed, events;
};

DurationCounts count_durations(std::span<const double> durations,
                               std::span<const double> observed) {
    const std::size_t n = durations.size();
    DurationCounts out;
    auto is_event = [&](std::size_t i) { return observed.empty() || observed[i] != 0.0; };
    // Durations in days or months are whole numbers in a modest range: a counting pass replaces
    // the sort. (Durations are validated finite and >= 0; whole ones below 2^53 are exact.)
    // Branch-free, so it vectorises: below 2^52, adding and taking away 2^52 rounds x to a whole
    // number, which leaves x unchanged exactly when it is one; above, every double is whole.
    constexpr double two52 = 4503599627370496.0;
    double lo = n ? durations[0] : 0, hi = lo;
    bool whole = true;
    for (std::size_t i = 0; i < n; ++i) {
        const double x = durations[i];
        lo = std::min(lo, x);
        hi = std::max(hi, x);
        whole &= (x >= two52) | (((x + two52) - two52) == x);
    }
    if (n > 0 && whole && hi < two52 && hi - lo <= 4.0 * static_cast<double>(n) + 1024) {
        const auto span = static_cast<std::size_t>(hi - lo) + 1;
        std::vector<std::int64_t> removed(span, 0), events(span, 0);
        const auto base = static_cast<std::int64_t>(lo);
        for (std::size_t i = 0; i < n; ++i) {
            const auto k = static_cast<std::size_t>(static_cast<std::int64_t>(durations[i]) - base);
            ++removed[k];
            events[k] += is_event(i);
        }
        for (std::size_t k = 0; k < span; ++k) {
            if (removed[k] == 0) continue;
            out.time.push_back(lo + static_cast<double>(k));
            out.removed.push_back(removed[k]);
            out.events.push_back(events[k]);
        }
        return out;
    }
    // Otherwise sort. For doubles >= 0 the bit pattern orders like the value, and its sign bit is
    // 0: shifting it out makes room for the event flag, so one integer key carries both.
    std::vector<std::uint64_t> keys(n);
    for (std::size_t i = 0; i < n; ++i)
        keys[i] = (std::bit_cast<std::uint64_t>(durations[i] + 0.0) << 1) | is_event(i);
    retain::detail::radix_sort(keys);
    for (std::size_t i = 0; i < n;) {
        const std::uint64_t time_bits = keys[i] >> 1;
        std::int64_t removed = 0, events = 0;
        for (; i < n && (keys[i] >> 1) == time_bits; ++i) {
            ++removed;
            events += static_cast<std::int64_t>(keys[i] & 1);
        }
        out.time.push_back(std::bit_cast<double>(time_bits));
        out.removed.push_back(removed);
        out.events.push_back(events);
    }
    return out;
}

void validate(std::span<const double> durations, std::span<const double> observed,
              std::span<const double> timeline, double alpha, const SurvivalColumns& columns) {
    if (!observed.empty() && observed.size() != durations.size()) {
        std::ostringstream msg;
        msg << "columns differ in length: '" << columns.duration << "' has " << durations.size()
            << " rows, '" << columns.observed << "' " << observed.size();
        throw InputError(msg.str());
    }
    // A branch-free pass finds whether anything is wrong (it vectorises); only then is the row
    // looked for, so valid input pays one cheap pass.
    constexpr double largest = std::numeric_limits<double>::max();
    bool bad = false;
    for (const double t : durations) bad |= !(t >= 0.0 && t <= largest);
    for (const double o : observed) bad |= (o != 0.0) & (o != 1.0);
    for (std::size_t i = 0; bad && i < durations.size(); ++i) {
        const double t = durations[i];
        if (!(t >= 0.0) || std::isinf(t)) {
            std::ostringstream what;
            what << "duration must be a finite number >= 0, got " << t;
            throw InputError::at(columns.duration, i, what.str());
        }
    }
    for (std::size_t i = 0; bad && i < observed.size(); ++i)
        if (observed[i] != 0.0 && observed[i] != 1.0) {
            std::ostringstream what;
            what << "observed flag must be 0 (censored) or 1 (event), got " << observed[i];
            throw InputError::at(columns.observed, i, what.str());
        }
    for (std::size_t i = 0; i < timeline.size(); ++i)
        if (!std::isfinite(timeline[i]) || (i > 0 && !(timeline[i] > timeline[i - 1])))
            throw InputError::argument(
                "timeline",
                "must be finite and strictly increasing (at position " + std::to_string(i) + ")");
    if (!(alpha > 0.0 && alpha < 1.0))
        throw InputError::argument("alpha", "must be strictly between 0 and 1");
}

void validate_entry(std::span<const double> durations, std::span<const double> entry,
                    const SurvivalColumns& columns) {
    if (entry.empty()) return;
    if (entry.size() != durations.size()) {
        std::ostringstream msg;
        msg << "columns differ in length: '" << columns.duration << "' has " << durations.size()
            << " rows, '" << columns.entry << "' " << entry.size();
        throw InputError(msg.str(), ErrorSite{{}, columns.entry, std::nullopt, {}});
    }
    // Durations are finite here, so entry <= duration also rules out +infinity; NaN fails both.
    bool bad = false;
    for (std::size_t i = 0; i < entry.size(); ++i)
        bad |= !((entry[i] >= 0.0) & (entry[i] <= durations[i]));
    for (std::size_t i = 0; bad && i < entry.size(); ++i) {
        const double e = entry[i];
        std::ostringstream what;
        if (!(e >= 0.0) || std::isinf(e))
            what << "entry must be a finite number >= 0, got " << e;
        else if (e > durations[i])
            what << "entry " << e << " is after the duration " << durations[i]
                 << " (an account comes under observation before it leaves)";
        else
            continue;
        throw InputError::at(columns.entry, i, what.str());
    }
}

// The table at its own times (every distinct entry and duration), with the running sums of the
// product-limit estimate and of Greenwood's variance at each.
struct OwnTable {
    std::vector<double> time, log_s, greenwood;
    std::vector<std::int64_t> at_risk, events, censored, entered, removed;
};

OwnTable own_table(std::span<const double> durations, std::span<const double> observed,
                   std::span<const double> entry) {
    const DurationCounts out = count_durations(durations, observed);
    // Without entries every account is there from time 0: one entry time holding them all.
    DurationCounts in;
    if (entry.empty()) {
        in.time = {0.0};
        in.removed = {static_cast<std::int64_t>(durations.size())};
    } else {
        in = count_durations(entry, {});
    }
    OwnTable t;
    const std::size_t reserve = out.time.size() + in.time.size();
    for (auto* v : {&t.time, &t.log_s, &t.greenwood}) v->reserve(reserve);
    double log_total = 0.0, var_total = 0.0;
    std::int64_t entered_total = 0, removed_before = 0;
    std::size_t i = 0, k = 0;
    while (i < out.time.size() || k < in.time.size()) {
        const double u = i == out.time.size()  ? in.time[k]
                         : k == in.time.size() ? out.time[i]
                                               : std::min(out.time[i], in.time[k]);
        std::int64_t entered_at = 0, removed_at = 0, events_at = 0;
        if (k < in.time.size() && in.time[k] == u) entered_at = in.removed[k++];
        if (i < out.time.size() && out.time[i] == u) {
            removed_at = out.removed[i];
            events_at = out.events[i];
            ++i;
        }
        entered_total += entered_at;
        const std::int64_t at_risk = entered_total - removed_before;
        // Accounts entering at u join after u's events (left truncation), except at the first
        // time, where nobody was there before them (lifelines' convention).
        const std::int64_t n = t.time.empty() ? at_risk : at_risk - entered_at;
        if (events_at > 0) {
            const auto d = static_cast<double>(events_at), r = static_cast<double>(n);
            // log(1 - d/n), as lifelines' log(n - d) - log(n); -infinity where n == d. Where
            // d > n (accounts entering and leaving at u) lifelines' log is undefined and skipped.
            if (events_at <= n) log_total += std::log1p(-d / r);
            // No variance term where n == d (lifelines sets its infinity to 0); where d > n
            // lifelines keeps the (negative, or -infinity at n = 0) term: so does retain.
            if (events_at != n) var_total += d / (r * (r - d));
        }
        t.time.push_back(u);
        t.at_risk.push_back(at_risk);
        t.events.push_back(events_at);
        t.censored.push_back(removed_at - events_at);
        t.entered.push_back(entered_at);
        t.removed.push_back(removed_at);
        t.log_s.push_back(log_total);
        t.greenwood.push_back(var_total);
        removed_before += removed_at;
    }
    return t;
}

}  // namespace
}  // namespace detail

KaplanMeier kaplan_meier(std::span<const double> durations, std::span<const double> observed,
                         std::span<const double> timeline, double alpha,
                         const SurvivalColumns& columns, Threads n_threads,
                         std::span<const double> entry) {
    detail::validate(durations, observed, timeline, alpha, columns);
    detail::validate_entry(durations, entry, columns);
    KaplanMeier km;
    km.alpha = alpha;
    if (durations.empty()) return km;
    detail::OwnTable own = detail::own_table(durations, observed, entry);
    const std::size_t m = own.time.size();
    const double z = normal_quantile(1.0 - alpha / 2.0);
    // Survival and its interval at row j of the table's own times.
    auto interval = [&](std::size_t j, double& surv, double& lower, double& upper) {
        const double v = own.log_s[j];
        surv = std::exp(v);
        // log(-log) interval exp(-exp(log(-v) -/+ spread)) = exp(v e^-/+spread), v = log S.
        // Where v is 0 (S = 1), or the variance is negative (see KaplanMeier), it is undefined
        // (NaN) and, as lifelines, 1.
        const double e = std::exp(z * std::sqrt(own.greenwood[j]) / v);
        lower = std::exp(v / e);
        upper = std::exp(v * e);
        if (std::isnan(lower)) lower = 1.0;
        if (std::isnan(upper)) upper = 1.0;
    };
    if (timeline.empty()) {
        km.time = std::move(own.time);
        km.at_risk = std::move(own.at_risk);
        km.events = std::move(own.events);
        km.censored = std::move(own.censored);
        km.survival.resize(m);
        km.ci_lower.resize(m);
        km.ci_upper.resize(m);
        // Each row's interval depends only on its own sums: rows are filled in parallel blocks.
        retain::detail::for_each_block(
            m, 1 << 14, n_threads, [&](std::size_t, std::size_t b, std::size_t e) {
                for (std::size_t j = b; j < e; ++j)
                    interval(j, km.survival[j], km.ci_lower[j], km.ci_upper[j]);
            });
        return km;
    }
    // Read the step function at the given times, counting what happened since the previous one.
    const auto n = static_cast<std::int64_t>(durations.size());
    std::size_t j = 0;  // rows of the own table with time <= the current timeline time
    std::int64_t events_before = 0, removed_before = 0, events_upto = 0, removed_upto = 0;
    std::int64_t entered_upto = 0;
    for (const double x : timeline) {
        while (j < m && own.time[j] <= x) {
            events_upto += own.events[j];
            removed_upto += own.removed[j];
            entered_upto += own.entered[j];
            ++j;
        }
        km.time.push_back(x);
        // At risk at x: entered by x (everyone, without entries) and not gone before x.
        const std::int64_t gone_before =
            removed_upto - (j > 0 && own.time[j - 1] == x ? own.removed[j - 1] : 0);
        km.at_risk.push_back((entry.empty() ? n : entered_upto) - gone_before);
        km.events.push_back(events_upto - events_before);
        km.censored.push_back((removed_upto - events_upto) - (removed_before - events_before));
        events_before = events_upto;
        removed_before = removed_upto;
        if (j == 0) {  // before the curve starts: survival 1
            km.survival.push_back(1.0);
            km.ci_lower.push_back(1.0);
            km.ci_upper.push_back(1.0);
        } else {
            double surv, lower, upper;
            interval(j - 1, surv, lower, upper);
            km.survival.push_back(surv);
            km.ci_lower.push_back(lower);
            km.ci_upper.push_back(upper);
        }
    }
    return km;
}

std::vector<KaplanMeier> retention_curves(std::span<const std::int64_t> group, std::size_t n_groups,
                                          std::span<const double> durations,
                                          std::span<const double> observed,
                                          std::span<const double> timeline, double alpha,
                                          const SurvivalColumns& columns,
                                          std::string_view group_column, Threads n_threads,
                                          std::span<const double> entry) {
    detail::validate(durations, observed, timeline, alpha, columns);
    detail::validate_entry(durations, entry, columns);
    if (group.size() != durations.size())
        throw InputError("columns differ in length: '" + std::string(group_column) + "' has " +
                         std::to_string(group.size()) + " rows, '" + columns.duration + "' " +
                         std::to_string(durations.size()));
    // Bucket the rows by segment (a counting sort), then one curve per segment, in parallel.
    std::vector<std::size_t> start(n_groups + 1, 0);
    for (std::size_t i = 0; i < group.size(); ++i) {
        if (group[i] < 0 || static_cast<std::size_t>(group[i]) >= n_groups)
            throw InputError::at(group_column, i,
                                 "segment code " + std::to_string(group[i]) + " is not below " +
                                     std::to_string(n_groups));
        ++start[static_cast<std::size_t>(group[i]) + 1];
    }
    for (std::size_t g = 0; g < n_groups; ++g) start[g + 1] += start[g];
    std::vector<double> d(durations.size()), o(observed.size()), e(entry.size());
    std::vector<std::size_t> cursor(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < group.size(); ++i) {
        const std::size_t pos = cursor[static_cast<std::size_t>(group[i])]++;
        d[pos] = durations[i];
        if (!observed.empty()) o[pos] = observed[i];
        if (!entry.empty()) e[pos] = entry[i];
    }
    std::vector<KaplanMeier> curves(n_groups);
    // Segments are the parallel blocks; each curve is then built on its block's thread alone.
    auto part = [](const std::vector<double>& v, std::size_t b, std::size_t n) {
        return v.empty() ? std::span<const double>{} : std::span<const double>(v).subspan(b, n);
    };
    retain::detail::for_each_block(
        n_groups, 1, n_threads, [&](std::size_t g, std::size_t, std::size_t) {
            const std::size_t b = start[g], n = start[g + 1] - b;
            curves[g] = kaplan_meier(part(d, b, n), part(o, b, n), timeline, alpha, columns, 1,
                                     part(e, b, n));
        });
    return curves;
}

double median_survival(const KaplanMeier& km) {
    if (km.size() == 0) return std::numeric_limits<double>::quiet_NaN();
    for (std::size_t j = 0; j < km.size(); ++j)
        if (km.survival[j] <= 0.5) return km.time[j];
    return std::numeric_limits<double>::infinity();
}

double restricted_mean(const KaplanMeier& km, double horizon) {
    if (!(horizon >= 0.0) || std::isinf(horizon))
        throw InputError::argument("horizon", "must be a finite number >= 0");
    if (km.size() == 0) return std::numeric_limits<double>::quiet_NaN();
    double area = 0.0, from = 0.0, level = 1.0;
    for (std::size_t j = 0; j < km.size() && km.time[j] < horizon; ++j) {
        if (km.time[j] > from) {
            area += level * (km.time[j] - from);
            from = km.time[j];
        }
        level = km.survival[j];
    }
    return area + level * (horizon - from);
}

double discounted_lifetime(const KaplanMeier& km, double horizon, double discount_rate,
                           double period) {
    if (!(horizon >= 0.0))
        throw InputError::argument("horizon", "must be a number >= 0 (+infinity allowed)");
    if (!(discount_rate >= 0.0) || std::isinf(discount_rate))
        throw InputError::argument("discount_rate", "must be a finite number >= 0");
    if (!(period > 0.0) || std::isinf(period))
        throw InputError::argument("period", "must be a finite number > 0");
    if (km.size() == 0) throw InputError::argument("km", "the survival table is empty");
    if (km.survival.size() != km.size())
        throw InputError::argument("km", "time and survival differ in length");
    for (std::size_t j = 0; j < km.size(); ++j) {
        if (!std::isfinite(km.time[j]) || (j > 0 && !(km.time[j] > km.time[j - 1])))
            throw InputError::at("time", j, "times must be finite and strictly increasing");
        if (!(km.survival[j] >= 0.0 && km.survival[j] <= 1.0))
            throw InputError::at("survival", j, "survival must be a number in [0, 1]");
    }
    // The first whole t with t x period >= x: payments t before it fall before x. Checked on the
    // product itself, so that a time such as 0.3 with period 0.1 lands where S(t x period) does.
    constexpr double exact = 4503599627370496.0;  // 2^52: whole doubles step by 1 below it
    auto first_at = [&](double x) {
        if (x <= 0.0) return 0.0;
        if (std::isinf(x)) return x;
        double t = std::ceil(x / period);
        if (t < exact) {
            while (t > 0 && (t - 1) * period >= x) t -= 1;
            while (t * period < x) t += 1;
        }
        return t;
    };
    // Sum over whole t in [a, b) of (1 + d)^-t, in closed form; log1p and expm1 keep it exact for
    // small rates, and b may be +infinity when d > 0.
    const double log_rate = std::log1p(discount_rate);
    auto discounted_count = [&](double a, double b) {
        if (!(b > a)) return 0.0;
        if (log_rate == 0.0) return b - a;
        const double head = std::exp(-a * log_rate), per = -std::expm1(-log_rate);
        return std::isinf(b) ? head / per : head * -std::expm1(-(b - a) * log_rate) / per;
    };
    const double end = first_at(horizon);
    // Survival 1 before the first time, then each row's level until the next row (the last until
    // the horizon); a level of 0 adds nothing even over an infinite stretch.
    double total = discounted_count(0.0, std::min(first_at(km.time[0]), end));
    for (std::size_t j = 0; j < km.size(); ++j) {
        const double level = km.survival[j];
        if (level == 0.0) continue;
        const double from = first_at(km.time[j]);
        const double to = j + 1 < km.size() ? std::min(first_at(km.time[j + 1]), end) : end;
        if (std::isinf(to) && log_rate == 0.0)
            throw InputError::argument(
                "horizon", "is infinite while discount_rate is 0 and survival stays at " +
                               std::to_string(level) + ": the lifetime has no finite sum");
        total += level * discounted_count(from, to);
    }
    return total;
}

namespace detail {
namespace {

double log_beta(double a, double b) {
    return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
}

// Log-likelihood of cohorts' survivor counts n_0 >= n_1 >= ... >= n_T (T per cohort) and its
// gradient and Hessian in (alpha, beta): summed over cohorts, sum_t (n_{t-1} - n_t) log P(T = t)
// + n_T log S(T), with P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta) and S(T) = B(alpha,
// beta + T) / B(alpha, beta).
struct SbgLikelihood {
    double value = 0;
    Eigen::Vector2d gradient = Eigen::Vector2d::Zero();
    Eigen::Matrix2d hessian = Eigen::Matrix2d::Zero();
};

SbgLikelihood sbg_likelihood(const std::vector<std::vector<double>>& cohorts, double a, double b) {
    using boost::math::digamma;
    using boost::math::trigamma;
    SbgLikelihood out;
    // Far out (alpha or beta under- or overflowing) the likelihood is taken as -infinity, so the
    // step that got there is halved instead of evaluated.
    const double tiny = 1e-300;
    if (!(a > tiny && b > tiny && a < 1e300 && b < 1e300)) {
        out.value = -std::numeric_limits<double>::infinity();
        return out;
    }
    // d log B(x, y) / dx = psi(x) - psi(x + y), and so on; each term adds c log B(x, y) - c log
    // B(a, b).
    auto add = [&](double c, double x, double y) {
        if (c == 0) return;
        const double pxy = digamma(x + y), txy = trigamma(x + y);
        out.value += c * log_beta(x, y);
        out.gradient(0) += c * (digamma(x) - pxy);
        out.gradient(1) += c * (digamma(y) - pxy);
        out.hessian(0, 0) += c * (trigamma(x) - txy);
        out.hessian(1, 1) += c * (trigamma(y) - txy);
        out.hessian(0, 1) -= c * txy;
    };
    for (const std::vector<double>& n : cohorts) {
        if (n.size() < 2) continue;  // a cohort without a period: S(0) = 1 adds nothing
        const std::size_t T = n.size() - 1;
        for (std::size_t t = 1; t <= T; ++t)
            add(n[t - 1] - n[t], a + 1, b + static_cast<double>(t) - 1);
        add(n[T], a, b + static_cast<double>(T));
        add(-n[0], a, b);  // every customer's probability is over B(alpha, beta)
    }
    out.hessian(1, 0) = out.hessian(0, 1);
    return out;
}

}  // namespace
}  // namespace detail

ShiftedBetaGeometric::ShiftedBetaGeometric(double alpha, double beta) : alpha_(alpha), beta_(beta) {
    if (!(alpha > 0 && beta > 0) || std::isinf(alpha) || std::isinf(beta))
        throw InputError::argument("alpha, beta", "must both be finite and > 0");
}

namespace detail {
namespace {

// What is wrong with count t of a cohort's survivors (empty when nothing is).
std::string survivor_count_problem(const std::vector<double>& n, std::size_t t) {
    const double c = n[t];
    std::ostringstream what;
    if (!(c >= 0) || std::isinf(c) || c != std::floor(c))
        what << "must be a whole number of customers >= 0, got " << c;
    else if (t == 0 && c == 0)
        what << "the cohort is empty";
    else if (t > 0 && c > n[t - 1])
        what << "survivors cannot increase: " << c << " after " << n[t - 1]
             << " (returning accounts? count each account as lost at its first churn, as "
                "fit_cohorts on a Book's cohort survivors does)";
    return what.str();
}

}  // namespace
}  // namespace detail

ShiftedBetaGeometric ShiftedBetaGeometric::fit(std::span<const double> survivors, int max_iter,
                                               double tol) {
    // One period only fixes alpha / (alpha + beta): two are needed to tell alpha from beta.
    if (survivors.size() < 3)
        throw InputError::argument("survivors",
                                   "needs the cohort size and at least two periods of survivors");
    const std::vector<std::vector<double>> cohort{{survivors.begin(), survivors.end()}};
    for (std::size_t t = 0; t < survivors.size(); ++t) {
        const std::string what = detail::survivor_count_problem(cohort[0], t);
        if (!what.empty()) throw InputError::argument("survivors[" + std::to_string(t) + "]", what);
    }
    if (survivors.back() == survivors.front())
        throw InputError::argument("survivors",
                                   "nobody churned: alpha and beta are not identified");
    return fit_joint(cohort, max_iter, tol);
}

ShiftedBetaGeometric ShiftedBetaGeometric::fit_cohorts(
    const std::vector<std::vector<double>>& survivors, int max_iter, double tol,
    std::span<const std::string> cohort_names) {
    if (!cohort_names.empty() && cohort_names.size() != survivors.size())
        throw InputError::argument(
            "cohort_names", "give one name per cohort (" + std::to_string(survivors.size()) +
                                " cohorts, " + std::to_string(cohort_names.size()) + " names)");
    auto name = [&](std::size_t k) {
        return cohort_names.empty() ? "survivors[" + std::to_string(k) + "]"
                                    : "cohort " + cohort_names[k];
    };
    double periods = 0, churned = 0;
    std::size_t longest = 0;
    for (std::size_t k = 0; k < survivors.size(); ++k) {
        const std::vector<double>& n = survivors[k];
        const std::string where = "survivors[" + std::to_string(k) + "]";
        if (n.empty())
            throw InputError::argument(where, name(k) + " has no size (give at least " + where +
                                                  "[0], its customers at the start)");
        for (std::size_t t = 0; t < n.size(); ++t) {
            const std::string what = detail::survivor_count_problem(n, t);
            if (!what.empty())
                throw InputError::argument(where + "[" + std::to_string(t) + "]",
                                           cohort_names.empty() ? what : name(k) + ": " + what);
        }
        periods += static_cast<double>(n.size() - 1);
        churned += n.front() - n.back();
        longest = std::max(longest, n.size() - 1);
    }
    std::string why;
    if (survivors.empty())
        why = "no cohort was given";
    else if (periods == 0)
        why = "no cohort has a completed period";
    else if (churned == 0)
        why = "nobody churned, so alpha and beta are not identified";
    else if (longest < 2)
        why = "no cohort has two completed periods (one period fixes only alpha / (alpha + beta))";
    if (!why.empty()) {
        std::ostringstream msg;
        msg << "the cohorts are too small to fit the sBG model: " << why;
        constexpr std::size_t shown = 12;
        for (std::size_t k = 0; k < survivors.size() && k < shown; ++k) {
            msg << (k == 0 ? "; survivors: " : "; ") << name(k) << ":";
            for (std::size_t t = 0; t < survivors[k].size(); ++t)
                msg << (t == 0 ? " " : ", ") << survivors[k][t];
        }
        if (survivors.size() > shown) msg << "; and " << survivors.size() - shown << " more";
        throw InputError(msg.str(), ErrorSite{{}, "survivors", std::nullopt, {}});
    }
    return fit_joint(survivors, max_iter, tol);
}

ShiftedBetaGeometric ShiftedBetaGeometric::fit_joint(const std::vector<std::vector<double>>& n,
                                                     int max_iter, double tol) {
    // Newton's method on theta = (log alpha, log beta), which keeps both positive, with step
    // halving so the likelihood never falls; a gradient step where the Hessian is not negative.
    Eigen::Vector2d theta(0.0, 0.0);
    auto at = [&](const Eigen::Vector2d& th) {
        return detail::sbg_likelihood(n, std::exp(th(0)), std::exp(th(1)));
    };
    detail::SbgLikelihood cur = at(theta);
    ShiftedBetaGeometric model(1.0, 1.0);
    for (int iter = 0; iter < max_iter; ++iter) {
        const Eigen::Vector2d p = theta.array().exp();
        const Eigen::Vector2d g = cur.gradient.cwiseProduct(p);
        Eigen::Matrix2d h = p.asDiagonal() * cur.hessian * p.asDiagonal();
        h.diagonal() += g;
        Eigen::Vector2d step;
        const Eigen::LLT<Eigen::Matrix2d> negated(-h);
        if (negated.info() == Eigen::Success)
            step = negated.solve(g);
        else
            step = g / std::max(1.0, g.norm());
        // At most a factor e^2 on either parameter per iteration: far from the optimum Newton's
        // quadratic model can point absurdly far.
        step *= std::min(1.0, 2.0 / std::max(step.cwiseAbs().maxCoeff(), 1e-300));
        double scale = 1.0;
        detail::SbgLikelihood next = at(theta + step);
        while (!(next.value >= cur.value) && scale > 1e-10) {
            scale /= 2;
            next = at(theta + scale * step);
        }
        if (!(next.value >= cur.value)) break;
        theta += scale * step;
        model.converged_ = (scale * step).cwiseAbs().maxCoeff() < tol;
        cur = next;
        model.iterations_ = iter + 1;
        if (model.converged_) break;
    }
    model.alpha_ = std::exp(theta(0));
    model.beta_ = std::exp(theta(1));
    model.log_likelihood_ = cur.value;
    return model;
}

double ShiftedBetaGeometric::retention(double t) const {
    if (!(t >= 1) || t != std::floor(t))
        throw InputError::argument("t", "must be a whole period >= 1");
    return (beta_ + t - 1) / (alpha_ + beta_ + t - 1);
}

double ShiftedBetaGeometric::survival(double t) const {
    if (!(t >= 0) || t != std::floor(t))
        throw InputError::argument("t", "must be a whole period >= 0");
    return std::exp(detail::log_beta(alpha_, beta_ + t) - detail::log_beta(alpha_, beta_));
}

double ShiftedBetaGeometric::churn_probability(double t) const {
    if (!(t >= 1) || t != std::floor(t))
        throw InputError::argument("t", "must be a whole period >= 1");
    return std::exp(detail::log_beta(alpha_ + 1, beta_ + t - 1) - detail::log_beta(alpha_, beta_));
}

namespace detail {
namespace {

// sum over k >= 0 of term_k, term_0 = first, term_k = term_{k-1} r(t0 + k) / (1 + d); the terms
// fall at least geometrically, so the sum stops when they no longer change it.
double discounted_sum(double alpha, double beta, double discount_rate, double first, double t0) {
    if (!(discount_rate > 0) || std::isinf(discount_rate))
        throw InputError::argument("discount_rate",
                                   "must be > 0 (undiscounted lifetimes may be infinite)");
    const double q = 1.0 / (1.0 + discount_rate);
    double term = first, total = 0.0;
    for (double t = t0 + 1; term >= 1e-17 * total; t += 1) {
        total += term;
        term *= q * (beta + t - 1) / (alpha + beta + t - 1);
    }
    return total;
}

}  // namespace
}  // namespace detail

double ShiftedBetaGeometric::discounted_expected_lifetime(double discount_rate) const {
    // S(0) = 1, then S(t) = S(t - 1) r(t).
    return detail::discounted_sum(alpha_, beta_, discount_rate, 1.0, 0.0);
}

double ShiftedBetaGeometric::discounted_residual_lifetime(double discount_rate,
                                                          double renewals) const {
    if (!(renewals >= 0) || std::isinf(renewals) || renewals != std::floor(renewals))
        throw InputError::argument("renewals", "must be a whole number >= 0");
    // The first term is S(n) / S(n - 1) = r(n), n = renewals + 1.
    const double n = renewals + 1;
    return detail::discounted_sum(alpha_, beta_, discount_rate, retention(n), n);
}

std::ostream& operator<<(std::ostream& out, const ShiftedBetaGeometric& m) {
    return out << "ShiftedBetaGeometric(alpha=" << m.alpha() << ", beta=" << m.beta() << ")";
}

}  // namespace retain::survival
