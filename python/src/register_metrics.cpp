#include "common.hpp"

#include <span>
#include <utility>

#include "retain/metrics.hpp"

namespace retain::python {

namespace {

using Span = std::span<const double>;

/// A metric of (y, score, weight): the arrays viewed without copying, the GIL released around
/// the work (which reads only these buffers, kept alive by the caller's arguments).
template <class Fn>
auto call(const array_in<double>& y, const array_in<double>& score, const char* score_name,
          const array_in<double>& weight, Fn&& fn) {
    const Span ys = as_span(y, "y"), ss = as_span(score, score_name),
               ws = as_span(weight, "sample_weight");
    py::gil_scoped_release release;
    return fn(ys, ss, ws);
}

}  // namespace

void register_metrics(py::module_& root) {
    py::module_ m = root.def_submodule("metrics", "Churn-model metrics (see retain.metrics).");
    using A = array_in<double>;
    const auto y = py::arg("y"), risk = py::arg("risk"), p = py::arg("p"),
               weight = py::arg("sample_weight"), top = py::arg("top");

    m.def(
        "roc_auc",
        [](const A& y, const A& r, const A& w) {
            return call(y, r, "risk", w, [](auto... a) { return metrics::roc_auc(a...); });
        },
        y, risk, weight, "ROC AUC; sample_weight empty = 1 for every row.");
    m.def(
        "pr_auc",
        [](const A& y, const A& r, const A& w) {
            return call(y, r, "risk", w, [](auto... a) { return metrics::pr_auc(a...); });
        },
        y, risk, weight, "Average precision.");
    m.def(
        "ks_statistic",
        [](const A& y, const A& r, const A& w) {
            return call(y, r, "risk", w, [](auto... a) { return metrics::ks_statistic(a...); });
        },
        y, risk, weight, "max |TPR - FPR|.");
    m.def(
        "brier",
        [](const A& y, const A& q, const A& w) {
            return call(y, q, "p", w, [](auto... a) { return metrics::brier(a...); });
        },
        y, p, weight, "Brier score.");
    m.def(
        "log_loss",
        [](const A& y, const A& q, const A& w) {
            return call(y, q, "p", w, [](auto... a) { return metrics::log_loss(a...); });
        },
        y, p, weight, "Log loss, p clipped to [eps, 1 - eps] as scikit-learn.");
    m.def(
        "lift",
        [](const A& y, const A& r, double t, const A& w) {
            return call(y, r, "risk", w,
                        [t](Span a, Span b, Span c) { return metrics::lift(a, b, t, c); });
        },
        y, risk, top, weight, "Churn rate in the top fraction over the overall rate.");
    m.def(
        "precision_at",
        [](const A& y, const A& r, double t, const A& w) {
            return call(y, r, "risk", w,
                        [t](Span a, Span b, Span c) { return metrics::precision_at(a, b, t, c); });
        },
        y, risk, top, weight, "Churn rate in the top fraction by risk.");
    m.def(
        "recall_at",
        [](const A& y, const A& r, double t, const A& w) {
            return call(y, r, "risk", w,
                        [t](Span a, Span b, Span c) { return metrics::recall_at(a, b, t, c); });
        },
        y, risk, top, weight, "Share of churners in the top fraction by risk.");
    m.def(
        "roc_curve",
        [](const A& y, const A& r, const A& w, bool drop) {
            auto c = call(y, r, "risk", w, [drop](Span a, Span b, Span d) {
                return metrics::roc_curve(a, b, d, drop);
            });
            return py::make_tuple(to_numpy(std::move(c.fpr)), to_numpy(std::move(c.tpr)),
                                  to_numpy(std::move(c.threshold)));
        },
        y, risk, weight, py::arg("drop_intermediate"),
        "(fpr, tpr, threshold), decreasing threshold from +inf.");
    m.def(
        "pr_curve",
        [](const A& y, const A& r, const A& w, bool drop) {
            auto c = call(y, r, "risk", w, [drop](Span a, Span b, Span d) {
                return metrics::pr_curve(a, b, d, drop);
            });
            return py::make_tuple(to_numpy(std::move(c.precision)), to_numpy(std::move(c.recall)),
                                  to_numpy(std::move(c.threshold)));
        },
        y, risk, weight, py::arg("drop_intermediate"),
        "(precision, recall, threshold), increasing threshold, +inf last.");
    m.def(
        "calibration",
        [](const A& y, const A& q, int bins, const A& w) {
            auto c = call(y, q, "p", w, [bins](Span a, Span b, Span d) {
                return metrics::calibration(a, b, bins, d);
            });
            return py::make_tuple(to_numpy(std::move(c.mean_predicted)),
                                  to_numpy(std::move(c.observed)), to_numpy(std::move(c.count)),
                                  to_numpy(std::move(c.weight)));
        },
        y, p, py::arg("bins"), weight, "(mean_predicted, observed, count, weight) per bin.");
}

}  // namespace retain::python
