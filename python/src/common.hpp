#pragma once
// Included first by every bindings file: pybind11, and the two conversions every area needs —
// a 1-d numpy array viewed as a std::span without copying, and a std::vector handed to numpy
// without copying (the array owns the vector through a capsule).

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "retain/error.hpp"

namespace py = pybind11;

namespace retain::python {

/// A C-contiguous array of T; other dtypes are converted by numpy (a copy only then).
template <class T>
using array_in = py::array_t<T, py::array::c_style | py::array::forcecast>;

template <class T>
std::span<const T> as_span(const array_in<T>& a, const char* name) {
    if (a.ndim() != 1)
        throw InputError::argument(
            name, "must be one-dimensional, got " + std::to_string(a.ndim()) + " dimensions");
    return {a.data(), static_cast<std::size_t>(a.size())};
}

template <class T>
py::array_t<T> to_numpy(std::vector<T>&& values) {
    auto* owned = new std::vector<T>(std::move(values));
    py::capsule owner(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
    return py::array_t<T>(static_cast<py::ssize_t>(owned->size()), owned->data(), owner);
}

void register_account(py::module_& m);
void register_kpi(py::module_& m);
void register_survival(py::module_& m);
void register_engagement(py::module_& m);
void register_segment(py::module_& m);
void register_health(py::module_& m);
void register_portfolio(py::module_& m);
void register_backtest(py::module_& m);
void register_metrics(py::module_& m);
void register_logistic(py::module_& m);
void register_book(py::module_& m);
void register_book_kpi(py::module_& m);
void register_calibration(py::module_& m);

}  // namespace retain::python
