#include "common.hpp"

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "retain/logistic.hpp"
#include "retain/matrix.hpp"

namespace retain::python {

namespace {

using DoubleArray = py::array_t<double, py::array::forcecast>;

// A 2-d float64 array and the view the core reads it through. numpy converts another dtype (the
// one copy); a float64 array of any strides, a slice with a step or a transpose, is read in
// place. Only strides that are not whole elements (a field of a record array) are copied, into
// C order.
struct Matrix {
    DoubleArray array;  // keeps the buffer alive while the view is in use
    MatrixView view;
};

Matrix matrix_in(const py::handle& x) {
    auto a = DoubleArray::ensure(x);
    if (!a) throw py::error_already_set();
    if (a.ndim() != 2)
        throw InputError::argument(
            "X", "must be two-dimensional, got " + std::to_string(a.ndim()) + " dimensions");
    constexpr auto item = static_cast<py::ssize_t>(sizeof(double));
    if (a.strides(0) % item != 0 || a.strides(1) % item != 0)
        a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(a);
    const MatrixView view{a.data(), static_cast<std::size_t>(a.shape(0)),
                          static_cast<std::size_t>(a.shape(1)), a.strides(0) / item,
                          a.strides(1) / item};
    return {std::move(a), view};
}

py::dict fit_to_dict(LogisticFit&& fit) {
    py::dict out;
    out["coef"] = to_numpy(std::move(fit.coef));
    out["intercept"] = fit.intercept;
    out["coef_standardized"] = to_numpy(std::move(fit.coef_standardized));
    out["intercept_standardized"] = fit.intercept_standardized;
    out["mean"] = to_numpy(std::move(fit.mean));
    out["scale"] = to_numpy(std::move(fit.scale));
    out["class_weight"] = py::make_tuple(fit.class_weight[0], fit.class_weight[1]);
    out["n_iter"] = fit.n_iter;
    out["converged"] = fit.converged;
    out["objective"] = fit.objective;
    out["gradient_max"] = fit.gradient_max;
    out["constant_columns"] = fit.constant_columns;
    out["separable"] = fit.separable;
    return out;
}

}  // namespace

void register_logistic(py::module_& root) {
    py::module_ m = root.def_submodule(
        "logistic", "L2-regularised logistic regression by Newton's method (see retain.logistic).");

    m.def(
        "fit",
        [](const py::handle& x, const array_in<double>& y,
           const std::optional<array_in<double>>& sample_weight, double C, bool standardize,
           std::pair<double, double> class_weight, bool balanced, int max_iter, double tol,
           int n_threads, const std::vector<std::string>& feature_names) {
            const Matrix a = matrix_in(x);
            const auto ys = as_span(y, "y");
            const std::span<const double> ws = sample_weight
                                                   ? as_span(*sample_weight, "sample_weight")
                                                   : std::span<const double>{};
            LogisticOptions o;
            o.C = C;
            o.standardize = standardize;
            o.class_weight = {class_weight.first, class_weight.second};
            o.balanced = balanced;
            o.max_iter = max_iter;
            o.tol = tol;
            o.n_threads = n_threads;
            LogisticFit fit;
            {
                py::gil_scoped_release release;  // reads only the caller's buffers, kept alive here
                fit = fit_logistic(a.view, ys, ws, o, feature_names);
            }
            return fit_to_dict(std::move(fit));
        },
        py::arg("X"), py::arg("y"), py::arg("sample_weight"), py::arg("C") = 1.0,
        py::arg("standardize") = true, py::arg("class_weight") = std::pair<double, double>{1, 1},
        py::arg("balanced") = false, py::arg("max_iter") = 100, py::arg("tol") = 1e-8,
        py::arg("n_threads") = 0, py::arg("feature_names") = std::vector<std::string>{},
        "Fit; a dict of coef, intercept (original scale), coef_standardized, "
        "intercept_standardized, mean, scale, class_weight, n_iter, converged, objective, "
        "gradient_max, constant_columns, separable.");

    m.def(
        "decision_function",
        [](const py::handle& x, const array_in<double>& coef, double intercept, int n_threads,
           const std::vector<std::string>& feature_names) {
            const Matrix a = matrix_in(x);
            const auto c = as_span(coef, "coef");
            LogisticFit fit;
            fit.coef.assign(c.begin(), c.end());
            fit.intercept = intercept;
            std::vector<double> z;
            {
                py::gil_scoped_release release;  // reads only the caller's buffers, kept alive here
                z = logistic_decision(a.view, fit, n_threads, feature_names);
            }
            return to_numpy(std::move(z));
        },
        py::arg("X"), py::arg("coef"), py::arg("intercept"), py::arg("n_threads") = 0,
        py::arg("feature_names") = std::vector<std::string>{},
        "The scores intercept + X @ coef (float64, one per row).");
}

}  // namespace retain::python
