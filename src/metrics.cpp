// Churn-model metrics declared in retain/metrics.hpp. Labels of any arithmetic type are read
// once into doubles, so one validated, radix-sorted implementation serves them all.

#include "retain/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "retain/detail/radix_sort.hpp"
#include "retain/detail/sum.hpp"

namespace retain::metrics {

namespace detail {
namespace {

using retain::detail::CompensatedSum;

__extension__ typedef unsigned __int128 uint128;  // exact sums of count products

constexpr double inf = std::numeric_limits<double>::infinity();
constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double eps = std::numeric_limits<double>::epsilon();  // 2^-52

template <class T>
std::string str(const T& value) {
    std::ostringstream out;
    out << value;
    return out.str();
}

/// What a metric needs of the data to be defined.
enum class Needs { weight, churners, both_classes };

/// Row counts and total weights of each class (weights equal counts when unweighted).
struct Totals {
    std::size_t rows[2] = {0, 0};
    double weight[2] = {0, 0};
};

/// Checks lengths and every value; returns the classes' totals. `score_name` names the second
/// column: "risk" (any finite number) or "p" (a probability in [0, 1]).
Totals check_inputs(const char* fn, std::span<const double> y, std::span<const double> score,
                    std::span<const double> w, const char* score_name, bool probability) {
    const std::size_t n = y.size();
    if (score.size() != n)
        throw InputError::argument(fn, std::string(score_name) + " has " + str(score.size()) +
                                           " rows but y has " + str(n));
    if (!w.empty() && w.size() != n)
        throw InputError::argument(
            fn, "sample_weight has " + str(w.size()) + " rows but y has " + str(n));
    Totals t;
    CompensatedSum weight[2];
    for (std::size_t i = 0; i < n; ++i) {
        const double yi = y[i];
        if (yi != 0.0 && yi != 1.0) throw InputError::at("y", i, "must be 0 or 1, got " + str(yi));
        const double s = score[i];
        if (probability) {
            if (!(s >= 0.0 && s <= 1.0))
                throw InputError::at(score_name, i,
                                     "must be a probability in [0, 1], got " + str(s));
        } else if (!std::isfinite(s)) {
            throw InputError::at(score_name, i, "must be a finite number, got " + str(s));
        }
        const int c = yi == 1.0;
        ++t.rows[c];
        if (!w.empty()) {
            const double wi = w[i];
            if (!(std::isfinite(wi) && wi >= 0.0))
                throw InputError::at("sample_weight", i,
                                     "must be a finite number >= 0, got " + str(wi));
            weight[c].add(wi);
        }
    }
    for (int c = 0; c < 2; ++c)
        t.weight[c] = w.empty() ? static_cast<double>(t.rows[c]) : weight[c].value();
    // Weights each finite can still add up past the largest double; every metric would be NaN.
    if (!std::isfinite(t.weight[0] + t.weight[1]))
        throw InputError::argument(fn,
                                   "sample_weight sums past the largest double; scale the "
                                   "weights down (the metrics depend only on their ratios)");
    return t;
}

/// Throws the InputError that says why `what` (e.g. "ROC AUC") is undefined, if it is.
void require(const char* fn, const char* what, Needs needs, const Totals& t) {
    const std::string prefix = fn;
    if (t.rows[0] + t.rows[1] == 0)
        throw InputError(prefix + ": no rows; " + what + " needs " +
                         (needs == Needs::weight ? "some" : "both classes"));
    if (needs == Needs::weight) {
        if (!(t.weight[0] + t.weight[1] > 0))
            throw InputError(prefix + ": sample_weight sums to 0; " + what + " needs some weight");
        return;
    }
    if (needs == Needs::both_classes && (t.rows[0] == 0 || t.rows[1] == 0)) {
        const int present = t.rows[1] > 0;
        throw InputError(prefix + ": y has one class only (all " + str(present) + "); " + what +
                         " needs both");
    }
    if (needs == Needs::churners && t.rows[1] == 0)
        throw InputError(prefix + ": y has no churners (all 0); " + what + " needs some");
    for (int c = 1; c >= 0; --c) {
        if (c == 0 && needs == Needs::churners) break;
        if (!(t.weight[c] > 0))
            throw InputError(prefix + ": the rows with y == " + str(c) +
                             " have zero total weight; " + what + " needs " +
                             (needs == Needs::churners ? "churners" : "both classes"));
    }
}

/// One class's rows of nonzero weight, sorted by risk ascending: the sort keys of the risks
/// (-0.0 read as 0.0) and their weights (empty when unweighted).
struct Sorted {
    std::vector<std::uint64_t> key;
    std::vector<double> weight;
};

/// Splits the rows by class and sorts each by risk.
std::pair<Sorted, Sorted> sort_by_class(std::span<const double> y, std::span<const double> risk,
                                        std::span<const double> w, const Totals& t) {
    Sorted cls[2];
    const bool weighted = !w.empty();
    for (int c = 0; c < 2; ++c) {
        cls[c].key.reserve(t.rows[c]);
        if (weighted) cls[c].weight.reserve(t.rows[c]);
    }
    for (std::size_t i = 0; i < y.size(); ++i) {
        if (weighted && w[i] == 0.0) continue;  // counts nowhere, adds no point to a curve
        Sorted& s = cls[y[i] == 1.0];
        s.key.push_back(retain::detail::double_sort_key(risk[i] + 0.0));  // -0.0 + 0.0 == +0.0
        if (weighted) s.weight.push_back(w[i]);
    }
    for (auto& s : cls) retain::detail::radix_sort_by_key(s.key, s.weight);
    return {std::move(cls[0]), std::move(cls[1])};
}

/// Calls fn(threshold, churners' weight, others' weight) for every distinct risk in decreasing
/// order, with the total weight of the rows of each class at that risk. Unweighted, the weights
/// are row counts (exact integers in a double).
template <class Fn>
void for_each_threshold(const Sorted& neg, const Sorted& pos, Fn&& fn) {
    std::size_t i = pos.key.size(), j = neg.key.size();
    const bool weighted = !pos.weight.empty() || !neg.weight.empty();
    // Sums the weights of the rows of `s` at key k, from position `at` down.
    auto take = [weighted](const Sorted& s, std::size_t& at, std::uint64_t k) {
        if (!weighted) {
            const std::size_t from = at;
            while (at > 0 && s.key[at - 1] == k) --at;
            return static_cast<double>(from - at);
        }
        CompensatedSum sum;
        while (at > 0 && s.key[at - 1] == k) sum.add(s.weight[--at]);
        return sum.value();
    };
    while (i > 0 || j > 0) {
        std::uint64_t k;
        if (i == 0)
            k = neg.key[j - 1];
        else if (j == 0)
            k = pos.key[i - 1];
        else
            k = std::max(pos.key[i - 1], neg.key[j - 1]);
        const double p = take(pos, i, k);
        const double q = take(neg, j, k);
        fn(retain::detail::double_from_sort_key(k), p, q);
    }
}

/// Validated, split and sorted input of a ranking metric.
struct Ranked {
    Totals totals;
    Sorted neg, pos;
    bool weighted = false;

    template <class Fn>
    void each(Fn&& fn) const {
        for_each_threshold(neg, pos, std::forward<Fn>(fn));
    }
};

Ranked rank(const char* fn, const char* what, Needs needs, std::span<const double> y,
            std::span<const double> risk, std::span<const double> w) {
    Ranked r;
    r.totals = check_inputs(fn, y, risk, w, "risk", false);
    require(fn, what, needs, r.totals);
    r.weighted = !w.empty();
    std::tie(r.neg, r.pos) = sort_by_class(y, risk, w, r.totals);
    return r;
}

/// Cumulative weight per threshold (decreasing): exact counts or compensated sums.
struct Cumulative {
    std::vector<double> tp, fp, threshold;
    std::vector<double> step_tp, step_fp;  ///< the weight at each threshold (exact steps)
};

Cumulative cumulative(const Ranked& r) {
    Cumulative c;
    CompensatedSum tp, fp;
    r.each([&](double t, double p, double q) {
        tp.add(p);
        fp.add(q);
        c.tp.push_back(tp.value());
        c.fp.push_back(fp.value());
        c.threshold.push_back(t);
        c.step_tp.push_back(p);
        c.step_fp.push_back(q);
    });
    return c;
}

void check_top(double top) {
    if (!(top > 0.0 && top <= 1.0))
        throw InputError::argument("top", "must be in (0, 1], got " + str(top));
}

/// The churners' weight in the top fraction `top` of the weight by risk (see lift).
struct Captured {
    double caught;     ///< churners' weight in the top fraction
    double positives;  ///< all churners' weight, P
    double total;      ///< all weight, W
};

Captured captured(const char* fn, const char* what, Needs needs, std::span<const double> y,
                  std::span<const double> risk, double top, std::span<const double> w) {
    check_top(top);
    const Ranked r = rank(fn, what, needs, y, risk, w);
    const double total = r.totals.weight[0] + r.totals.weight[1];
    const double cut = top * total;
    CompensatedSum above, caught;
    bool done = false;
    r.each([&](double, double p, double q) {
        if (done) return;
        const double group = p + q;
        const double room = cut - above.value();
        if (group <= room) {
            above.add(group);
            caught.add(p);
            done = group == room;
        } else {
            // The tied rows at the cut: each counts with the share room / group of its weight.
            caught.add(p * (room / group));
            done = true;
        }
    });
    return {caught.value(), r.totals.weight[1], total};
}

}  // namespace
}  // namespace detail

double roc_auc(Labels labels, std::span<const double> risk, std::span<const double> sample_weight) {
    std::vector<double> converted;  // stays empty when the labels are doubles already
    const std::span<const double> y = labels.as_doubles(converted);
    const auto r =
        detail::rank("roc_auc", "ROC AUC", detail::Needs::both_classes, y, risk, sample_weight);
    if (!r.weighted) {
        // Twice the area in units of pairs: each stayer pairs with every churner above it
        // (counting 2) and every churner tied with it (counting 1). Exact in 128 bits.
        detail::uint128 twice = 0;
        std::uint64_t above = 0;
        r.each([&](double, double p, double q) {
            const auto pos = static_cast<std::uint64_t>(p), neg = static_cast<std::uint64_t>(q);
            twice += static_cast<detail::uint128>(neg) * (2 * above + pos);
            above += pos;
        });
        const auto pairs = static_cast<detail::uint128>(r.totals.rows[0]) * r.totals.rows[1];
        return static_cast<double>(twice) / static_cast<double>(2 * pairs);
    }
    // The area adds products of two weights, which overflow past about 1e154: large weights are
    // scaled by a power of two first (exact, and the AUC is a ratio). Usual weights are not.
    const double largest = std::max(r.totals.weight[0], r.totals.weight[1]);
    const int shift = largest > 0x1p500 ? std::ilogb(largest) : 0;
    detail::CompensatedSum area, above, negatives;
    r.each([&](double, double p_weight, double q_weight) {
        const double p = std::ldexp(p_weight, -shift), q = std::ldexp(q_weight, -shift);
        area.add(q * (above.value() + 0.5 * p));
        above.add(p);
        negatives.add(q);
    });
    return area.value() / (above.value() * negatives.value());
}

double pr_auc(Labels labels, std::span<const double> risk, std::span<const double> sample_weight) {
    std::vector<double> converted;  // stays empty when the labels are doubles already
    const std::span<const double> y = labels.as_doubles(converted);
    const auto r =
        detail::rank("pr_auc", "PR AUC", detail::Needs::both_classes, y, risk, sample_weight);
    detail::CompensatedSum sum, tp, fp;
    r.each([&](double, double p, double q) {
        tp.add(p);
        fp.add(q);
        if (p > 0) {
            const double t = tp.value();
            sum.add(p * (t / (t + fp.value())));
        }
    });
    return sum.value() / tp.value();
}

RocCurve roc_curve(Labels labels, std::span<const double> risk,
                   std::span<const double> sample_weight, bool drop_intermediate) {
    std::vector<double> converted;  // stays empty when the labels are doubles already
    const std::span<const double> y = labels.as_doubles(converted);
    const auto r = detail::rank("roc_curve", "a ROC curve", detail::Needs::both_classes, y, risk,
                                sample_weight);
    const auto c = detail::cumulative(r);
    const std::size_t n = c.tp.size();
    RocCurve out;
    out.fpr.reserve(n + 1);
    out.tpr.reserve(n + 1);
    out.threshold.reserve(n + 1);
    out.fpr.push_back(0.0);
    out.tpr.push_back(0.0);
    out.threshold.push_back(detail::inf);
    const double tp_all = c.tp.back(), fp_all = c.fp.back();
    for (std::size_t k = 0; k < n; ++k) {
        // As scikit-learn: keep the ends, and a point where the second difference of FP or TP
        // is not zero, i.e. whose step in from the last point differs from its step out.
        // Comparing the steps themselves (each class's weight at the threshold) decides exactly;
        // differences of rounded running sums would not.
        if (drop_intermediate && n > 2 && k > 0 && k + 1 < n && c.step_fp[k + 1] == c.step_fp[k] &&
            c.step_tp[k + 1] == c.step_tp[k])
            continue;
        out.fpr.push_back(c.fp[k] / fp_all);
        out.tpr.push_back(c.tp[k] / tp_all);
        out.threshold.push_back(c.threshold[k]);
    }
    return out;
}

PrCurve pr_curve(Labels labels, std::span<const double> risk, std::span<const double> sample_weight,
                 bool drop_intermediate) {
    std::vector<double> converted;  // stays empty when the labels are doubles already
    const std::span<const double> y = labels.as_doubles(converted);
    const auto r =
        detail::rank("pr_curve", "a PR curve", detail::Needs::both_classes, y, risk, sample_weight);
    const auto c = detail::cumulative(r);
    const std::size_t n = c.tp.size();
    PrCurve out;
    out.precision.reserve(n + 1);
    out.recall.reserve(n + 1);
    out.threshold.reserve(n + 1);
    const double tp_all = c.tp.back();
    for (std::size_t k = n; k-- > 0;) {
        // As scikit-learn: keep the ends, and a point whose TP differs from a neighbour's.
        if (drop_intermediate && n > 2 && k > 0 && k + 1 < n && c.tp[k] == c.tp[k - 1] &&
            c.tp[k + 1] == c.tp[k])
            continue;
        out.precision.push_back(c.tp[k] / (c.tp[k] + c.fp[k]));
        out.recall.push_back(c.tp[k] / tp_all);
        out.threshold.push_back(c.threshold[k]);
    }
    out.precision.push_back(1.0);
    out.recall.push_back(0.0);
    out.threshold.push_back(detail::inf);
    return out;
}

double precision_at(Labels labels, std::span<const double> risk, double top,
                    std::span<const double> sample_weight) {
    std::vector<double> converted;  // stays empty when the labels are doubles already
    const std::span<const double> y = labels.as_doubles(converted);
    const auto c = detail::captured("precision_at", "precision", detail::Needs::weight, y, risk,
                                    top, sample_weight);
    return c.caught / (top * c.total);
}

double recall_at(Labels labels, std::span<const double> risk, double top,
                 std::span<const double> sample_weight) {
    std::vector<double> converted;  // stays empty when the labels are doubles already
    const std::span<const double> y = labels.as_doubles(converted);
    const auto c = detail::captured("recall_at", "recall", detail::Needs::churners, y, risk, top,
                                    sample_weight);
    return c.caught / c.positives;
}

double lift(Labels labels, std::span<const double> risk, double top,
            std::span<const double> sample_weight) {
    std::vector<double> converted;  // stays empty when the labels are doubles already
    const std::span<const double> y = labels.as_doubles(converted);
    const auto c =
        detail::captured("lift", "lift", detail::Needs::churners, y, risk, top, sample_weight);
    return c.caught / (top * c.positives);
}

double brier(Labels labels, std::span<const double> p, std::span<const double> sample_weight) {
    std::vector<double> converted;  // stays empty when the labels are doubles already
    const std::span<const double> y = labels.as_doubles(converted);
    const auto t = detail::check_inputs("brier", y, p, sample_weight, "p", true);
    detail::require("brier", "the Brier score", detail::Needs::weight, t);
    detail::CompensatedSum sum;
    for (std::size_t i = 0; i < y.size(); ++i) {
        const double e = p[i] - y[i];
        sum.add(sample_weight.empty() ? e * e : sample_weight[i] * (e * e));
    }
    return sum.value() / (t.weight[0] + t.weight[1]);
}

double log_loss(Labels labels, std::span<const double> p, std::span<const double> sample_weight) {
    std::vector<double> converted;  // stays empty when the labels are doubles already
    const std::span<const double> y = labels.as_doubles(converted);
    const auto t = detail::check_inputs("log_loss", y, p, sample_weight, "p", true);
    detail::require("log_loss", "log loss", detail::Needs::weight, t);
    detail::CompensatedSum sum;
    for (std::size_t i = 0; i < y.size(); ++i) {
        const double w = sample_weight.empty() ? 1.0 : sample_weight[i];
        if (w == 0.0) continue;  // counts nowhere (not 0 * inf)
        // As scikit-learn: the probability given to what happened, clipped to [eps, 1 - eps].
        // For 1 - p below 1/2, log1p(-p) keeps the digits of a small p that log(1 - p) loses.
        const double q = y[i] == 1.0 ? p[i] : 1.0 - p[i];
        double loss;
        if (q < 0.5 || y[i] == 1.0)
            loss = -std::log(std::clamp(q, detail::eps, 1.0 - detail::eps));
        else
            loss = -std::log1p(-std::max(p[i], detail::eps));  // q = 1 - p >= 1/2
        sum.add(w * loss);
    }
    return sum.value() / (t.weight[0] + t.weight[1]);
}

Calibration calibration(Labels labels, std::span<const double> p, int bins,
                        std::span<const double> sample_weight) {
    std::vector<double> converted;  // stays empty when the labels are doubles already
    const std::span<const double> y = labels.as_doubles(converted);
    if (bins < 1)
        throw InputError::argument("bins", "must be at least 1, got " + detail::str(bins));
    const auto t = detail::check_inputs("calibration", y, p, sample_weight, "p", true);
    detail::require("calibration", "a calibration table", detail::Needs::weight, t);
    const auto nb = static_cast<std::size_t>(bins);
    // The edges as numpy's linspace(0, 1, bins + 1) computes them: k * (1 / bins).
    const double step = 1.0 / bins;
    auto edge = [step](std::size_t k) { return static_cast<double>(k) * step; };
    std::vector<detail::CompensatedSum> sum_p(nb), sum_y(nb), sum_w(nb);
    Calibration out;
    out.count.assign(nb, 0);
    for (std::size_t i = 0; i < y.size(); ++i) {
        const double v = p[i];
        // Bin k holds edge(k) < p <= edge(k + 1); bin 0 also p = 0; the last also p = 1.
        auto k = std::min(nb - 1, static_cast<std::size_t>(v * bins));
        while (k > 0 && !(edge(k) < v)) --k;
        while (k + 1 < nb && edge(k + 1) < v) ++k;
        const double w = sample_weight.empty() ? 1.0 : sample_weight[i];
        ++out.count[k];
        sum_w[k].add(w);
        sum_p[k].add(w * v);
        sum_y[k].add(w * y[i]);
    }
    out.mean_predicted.resize(nb);
    out.observed.resize(nb);
    out.weight.resize(nb);
    for (std::size_t k = 0; k < nb; ++k) {
        const double w = sum_w[k].value();
        out.weight[k] = w;
        out.mean_predicted[k] = w > 0 ? sum_p[k].value() / w : detail::nan;
        out.observed[k] = w > 0 ? sum_y[k].value() / w : detail::nan;
    }
    return out;
}

double ks_statistic(Labels labels, std::span<const double> risk,
                    std::span<const double> sample_weight) {
    std::vector<double> converted;  // stays empty when the labels are doubles already
    const std::span<const double> y = labels.as_doubles(converted);
    const auto r = detail::rank("ks_statistic", "the KS statistic", detail::Needs::both_classes, y,
                                risk, sample_weight);
    if (!r.weighted) {
        // |TP / P - FP / N| = |TP N - FP P| / (P N), compared exactly in 128 bits.
        const std::uint64_t P = r.totals.rows[1], N = r.totals.rows[0];
        detail::uint128 best = 0;
        std::uint64_t tp = 0, fp = 0;
        r.each([&](double, double p, double q) {
            tp += static_cast<std::uint64_t>(p);
            fp += static_cast<std::uint64_t>(q);
            const detail::uint128 a = static_cast<detail::uint128>(tp) * N,
                                  b = static_cast<detail::uint128>(fp) * P;
            best = std::max(best, a > b ? a - b : b - a);
        });
        return static_cast<double>(best) / static_cast<double>(static_cast<detail::uint128>(P) * N);
    }
    detail::CompensatedSum tp, fp;
    const double P = r.totals.weight[1], N = r.totals.weight[0];
    double best = 0;
    r.each([&](double, double p, double q) {
        tp.add(p);
        fp.add(q);
        best = std::max(best, std::abs(tp.value() / P - fp.value() / N));
    });
    return best;
}

std::span<const double> Labels::as_doubles(std::vector<double>& scratch) const {
    if (doubles_) return {static_cast<const double*>(data_), size_};
    scratch.resize(size_);
    read_(data_, 0, size_, scratch.data());
    return scratch;
}

}  // namespace retain::metrics
