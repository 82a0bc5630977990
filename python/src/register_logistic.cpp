#include "common.hpp"

#include <Eigen/Core>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "retain/logistic.hpp"

namespace retain::python {

namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using DoubleArray = py::array_t<double, py::array::forcecast>;

// A 2-d float64 array, contiguous in either order: numpy converts another dtype (the one copy),
// and only a strided view (a slice with a step) is copied again, into C order.
DoubleArray matrix_in(const py::handle& x) {
    auto a = DoubleArray::ensure(x);
    if (!a) throw py::error_already_set();
    if (a.ndim() != 2)
        throw InputError::argument(
            "X", "must be two-dimensional, got " + std::to_string(a.ndim()) + " dimensions");
    const bool c = (a.flags() & py::array::c_style) != 0;
    const bool f = (a.flags() & py::array::f_style) != 0;
    if (!c && !f) a = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(a);
    return a;
}

// Calls fn with an Eigen map of the array in its own memory order.
template <class Fn>
auto with_matrix(const DoubleArray& a, Fn&& fn) {
    const auto rows = static_cast<Eigen::Index>(a.shape(0));
    const auto cols = static_cast<Eigen::Index>(a.shape(1));
    if ((a.flags() & py::array::c_style) != 0)
        return fn(Eigen::Map<const RowMatrix>(a.data(), rows, cols));
    return fn(Eigen::Map<const Eigen::MatrixXd>(a.data(), rows, cols));
}

template <class T>
py::array_t<T> eigen_to_numpy(const Eigen::Matrix<T, Eigen::Dynamic, 1>& v) {
    return to_numpy(std::vector<T>(v.data(), v.data() + v.size()));
}

py::dict fit_to_dict(LogisticFit&& fit) {
    py::dict out;
    out["coef"] = eigen_to_numpy(fit.coef);
    out["intercept"] = fit.intercept;
    out["coef_standardized"] = eigen_to_numpy(fit.coef_standardized);
    out["intercept_standardized"] = fit.intercept_standardized;
    out["mean"] = eigen_to_numpy(fit.mean);
    out["scale"] = eigen_to_numpy(fit.scale);
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
            const DoubleArray a = matrix_in(x);
            const auto ys = as_span(y, "y");
            const std::span<const double> ws =
                sample_weight ? as_span(*sample_weight, "sample_weight") : std::span<const double>{};
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
                fit = with_matrix(a, [&](const auto& map) {
                    return fit_logistic(map, ys, ws, o, feature_names);
                });
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
            const DoubleArray a = matrix_in(x);
            const auto c = as_span(coef, "coef");
            LogisticFit fit;
            fit.coef = Eigen::Map<const Eigen::VectorXd>(c.data(), static_cast<Eigen::Index>(c.size()));
            fit.intercept = intercept;
            Eigen::VectorXd z;
            {
                py::gil_scoped_release release;  // reads only the caller's buffers, kept alive here
                z = with_matrix(a, [&](const auto& map) {
                    return logistic_decision(map, fit, n_threads, feature_names);
                });
            }
            return eigen_to_numpy(z);
        },
        py::arg("X"), py::arg("coef"), py::arg("intercept"), py::arg("n_threads") = 0,
        py::arg("feature_names") = std::vector<std::string>{},
        "The scores intercept + X @ coef (float64, one per row).");
}

}  // namespace retain::python
