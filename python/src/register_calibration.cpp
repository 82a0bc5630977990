#include "common.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "retain/calibration.hpp"

namespace retain::python {

namespace {

using calibration::IsotonicMap;
using calibration::LogisticMap;
using calibration::Method;
using calibration::RiskCalibration;

Method method_of(const std::string& name) {
    if (name == "isotonic") return Method::isotonic;
    if (name == "logistic") return Method::logistic;
    throw InputError::argument("method", "must be 'isotonic' or 'logistic', got '" + name + "'");
}

py::array_t<double> copy_out(const std::vector<double>& values) {
    return to_numpy(std::vector<double>(values));
}

py::tuple state_of(const RiskCalibration& c) {
    if (c.method() == Method::isotonic) {
        const IsotonicMap& m = c.isotonic();
        return py::make_tuple("isotonic", copy_out(m.x), copy_out(m.y), m.increasing);
    }
    const LogisticMap& m = c.logistic();
    return py::make_tuple("logistic", m.intercept, m.slope, m.n_iter, m.converged);
}

RiskCalibration from_state(const py::tuple& state) {
    if (state.size() == 4 && state[0].cast<std::string>() == "isotonic") {
        IsotonicMap m;
        m.x = state[1].cast<std::vector<double>>();
        m.y = state[2].cast<std::vector<double>>();
        m.increasing = state[3].cast<bool>();
        return RiskCalibration(std::move(m));
    }
    if (state.size() == 5 && state[0].cast<std::string>() == "logistic") {
        LogisticMap m;
        m.intercept = state[1].cast<double>();
        m.slope = state[2].cast<double>();
        m.n_iter = state[3].cast<int>();
        m.converged = state[4].cast<bool>();
        return RiskCalibration(m);
    }
    throw InputError::argument("state", "is not the state of a RiskCalibration");
}

std::span<const double> optional_weights(const array_in<double>& w) {
    return as_span(w, "sample_weight");
}

}  // namespace

void register_calibration(py::module_& root) {
    py::module_ m = root.def_submodule(
        "calibration", "Churn probability from a risk, and MRR at risk (see retain.calibration).");

    m.def(
        "fit_isotonic",
        [](const array_in<double>& x, const array_in<double>& y, const array_in<double>& w,
           bool increasing) {
            const auto xs = as_span(x, "x"), ys = as_span(y, "y");
            const auto ws = optional_weights(w);
            IsotonicMap map;
            {
                py::gil_scoped_release release;  // reads only the caller's buffers, kept alive
                map = calibration::fit_isotonic(xs, ys, ws, increasing);
            }
            return py::make_tuple(to_numpy(std::move(map.x)), to_numpy(std::move(map.y)));
        },
        py::arg("x"), py::arg("y"), py::arg("sample_weight"), py::arg("increasing") = true,
        "Isotonic regression (scikit-learn's); (x_thresholds, y_thresholds). An empty "
        "sample_weight weighs every row 1.");

    m.def(
        "fit_logistic",
        [](const array_in<double>& x, const array_in<double>& y, const array_in<double>& w) {
            const auto xs = as_span(x, "x"), ys = as_span(y, "y");
            const auto ws = optional_weights(w);
            LogisticMap map;
            {
                py::gil_scoped_release release;  // reads only the caller's buffers, kept alive
                map = calibration::fit_logistic_map(xs, ys, ws);
            }
            py::dict out;
            out["intercept"] = map.intercept;
            out["slope"] = map.slope;
            out["n_iter"] = map.n_iter;
            out["converged"] = map.converged;
            return out;
        },
        py::arg("x"), py::arg("y"), py::arg("sample_weight"),
        "Unpenalised one-feature logistic regression; a dict of intercept, slope, n_iter, "
        "converged.");

    py::class_<RiskCalibration>(m, "RiskCalibration",
                                "A fitted risk -> churn probability map (isotonic or logistic).")
        .def_static(
            "fit",
            [](const std::string& method, const array_in<double>& risk, const array_in<double>& y,
               const array_in<double>& w, bool increasing) {
                const Method how = method_of(method);
                const auto rs = as_span(risk, "risk"), ys = as_span(y, "y");
                const auto ws = optional_weights(w);
                py::gil_scoped_release release;  // reads only the caller's buffers, kept alive
                return RiskCalibration::fit(how, rs, ys, ws, increasing);
            },
            py::arg("method"), py::arg("risk"), py::arg("y"), py::arg("sample_weight"),
            py::arg("increasing") = true)
        .def_static(
            "from_isotonic",
            [](std::vector<double> x, std::vector<double> y, bool increasing) {
                IsotonicMap map;
                map.x = std::move(x);
                map.y = std::move(y);
                map.increasing = increasing;
                return RiskCalibration(std::move(map));
            },
            py::arg("x_thresholds"), py::arg("y_thresholds"), py::arg("increasing") = true)
        .def_static(
            "from_logistic",
            [](double intercept, double slope) {
                LogisticMap map;
                map.intercept = intercept;
                map.slope = slope;
                map.converged = true;
                return RiskCalibration(map);
            },
            py::arg("intercept"), py::arg("slope"))
        .def_property_readonly(
            "method", [](const RiskCalibration& c) { return calibration::method_name(c.method()); })
        .def_property_readonly("x_thresholds",
                               [](const RiskCalibration& c) { return copy_out(c.isotonic().x); })
        .def_property_readonly("y_thresholds",
                               [](const RiskCalibration& c) { return copy_out(c.isotonic().y); })
        .def_property_readonly("increasing",
                               [](const RiskCalibration& c) { return c.isotonic().increasing; })
        .def_property_readonly("intercept",
                               [](const RiskCalibration& c) { return c.logistic().intercept; })
        .def_property_readonly("slope", [](const RiskCalibration& c) { return c.logistic().slope; })
        .def_property_readonly("n_iter",
                               [](const RiskCalibration& c) { return c.logistic().n_iter; })
        .def_property_readonly("converged",
                               [](const RiskCalibration& c) { return c.logistic().converged; })
        .def(
            "predict",
            [](const RiskCalibration& c, const array_in<double>& risk, int n_threads) {
                const auto rs = as_span(risk, "risk");
                std::vector<double> p;
                {
                    py::gil_scoped_release release;  // reads the caller's buffer and c, both
                                                     // kept alive by the arguments
                    p = c.predict(rs, n_threads);
                }
                return to_numpy(std::move(p));
            },
            py::arg("risk"), py::arg("n_threads") = 0)
        .def(py::pickle([](const RiskCalibration& c) { return state_of(c); },
                        [](const py::tuple& state) { return from_state(state); }))
        .def("__repr__", [](const RiskCalibration& c) {
            if (c.method() == Method::isotonic)
                return "<RiskCalibration isotonic, " + std::to_string(c.isotonic().x.size()) +
                       " thresholds>";
            return "<RiskCalibration logistic, intercept " +
                   py::repr(py::float_(c.logistic().intercept)).cast<std::string>() + ", slope " +
                   py::repr(py::float_(c.logistic().slope)).cast<std::string>() + ">";
        });

    m.def(
        "mrr_at_risk",
        [](const array_in<double>& probability, const array_in<double>& mrr,
           const array_in<std::int64_t>& group, std::size_t n_groups, double share) {
            const auto ps = as_span(probability, "probability"), ms = as_span(mrr, "mrr");
            const auto gs = as_span(group, "group");
            kpi::MrrAtRisk r;
            {
                py::gil_scoped_release release;  // reads only the caller's buffers, kept alive
                r = kpi::mrr_at_risk(ps, ms, gs, n_groups, share);
            }
            py::dict out;
            out["accounts"] = to_numpy(std::move(r.accounts));
            out["mrr"] = to_numpy(std::move(r.mrr));
            out["expected_mrr_lost"] = to_numpy(std::move(r.expected_mrr_lost));
            std::vector<std::int64_t> begin(r.top_begin.begin(), r.top_begin.end());
            std::vector<std::int64_t> top(r.top_accounts.begin(), r.top_accounts.end());
            out["top_begin"] = to_numpy(std::move(begin));
            out["top_accounts"] = to_numpy(std::move(top));
            return out;
        },
        py::arg("probability"), py::arg("mrr"), py::arg("group"), py::arg("n_groups"),
        py::arg("share") = 0.8,
        "Per group: accounts, mrr, expected_mrr_lost, and the top accounts as top_accounts["
        "top_begin[g]:top_begin[g + 1]] (row positions).");
}

}  // namespace retain::python
