#include "common.hpp"

#include <exception>

#include "retain/version.hpp"

namespace {

// Python classes for the C++ exception family. Each subclasses the built-in a pandas user would
// catch (ValueError, KeyError) as well as retain.RetainError.
PyObject* retain_error = nullptr;
PyObject* input_error = nullptr;
PyObject* column_error = nullptr;
PyObject* config_error = nullptr;

PyObject* new_exception(py::module_& m, const char* name, const char* doc, PyObject* bases) {
    const std::string qualified = std::string("retain.") + name;
    PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases, nullptr);
    if (type == nullptr) throw py::error_already_set();
    m.attr(name) = py::handle(type);
    return type;
}

// Raises `type` with the message and the error's site as attributes (None where empty), so Python
// code can read e.column or e.row as C++ code reads e.column() or e.row().
void raise(PyObject* type, const retain::Error& e) {
    py::object error =
        py::reinterpret_steal<py::object>(PyObject_CallFunction(type, "s", e.what()));
    if (!error) return;  // the call set a Python error already
    auto text = [](const std::string& s) -> py::object {
        return s.empty() ? py::none() : py::object(py::str(s));
    };
    error.attr("table") = text(e.table());
    error.attr("column") = text(e.column());
    error.attr("row") = e.row() ? py::object(py::int_(*e.row())) : py::none();
    error.attr("path") = text(e.path());
    PyErr_SetObject(type, error.ptr());
}

}  // namespace

PYBIND11_MODULE(_core, m) {
    m.doc() = "retain's compiled core. Use the pure-Python package `retain` on top of it.";
    m.attr("__version__") = retain::version;

    retain_error = new_exception(m, "RetainError",
                                 "Base of every error retain raises. `table`, `column`, `row` and "
                                 "`path` name the culprit where they apply (else None).",
                                 PyExc_Exception);
    // Class-level defaults, so errors raised from Python code answer the same attributes.
    for (const char* name : {"table", "column", "row", "path"})
        py::handle(retain_error).attr(name) = py::none();
    const py::tuple value_bases =
        py::make_tuple(py::handle(retain_error), py::handle(PyExc_ValueError));
    const py::tuple key_bases =
        py::make_tuple(py::handle(retain_error), py::handle(PyExc_KeyError));
    input_error =
        new_exception(m, "InputError",
                      "A bad value in the data or an argument; the message names column and row.",
                      value_bases.ptr());
    column_error = new_exception(m, "ColumnError", "A column or key that should be there is not.",
                                 key_bases.ptr());
    config_error = new_exception(m, "ConfigError",
                                 "A configuration that cannot be used; the message names the key.",
                                 value_bases.ptr());

    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const retain::InputError& e) {
            raise(input_error, e);
        } catch (const retain::ColumnError& e) {
            raise(column_error, e);
        } catch (const retain::ConfigError& e) {
            raise(config_error, e);
        } catch (const retain::Error& e) {
            raise(retain_error, e);
        }
    });

    retain::python::register_account(m);
    retain::python::register_kpi(m);
    retain::python::register_survival(m);
    retain::python::register_engagement(m);
    retain::python::register_segment(m);
    retain::python::register_health(m);
    retain::python::register_portfolio(m);
    retain::python::register_backtest(m);
    retain::python::register_metrics(m);
    retain::python::register_logistic(m);
    retain::python::register_book(m);
    retain::python::register_book_kpi(m);
    retain::python::register_calibration(m);
}
