#include "common.hpp"

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "retain/health.hpp"
#include "retain/model_set.hpp"

namespace retain::python {

namespace {

using Names = std::vector<std::string>;
using Arrays = std::vector<array_in<double>>;

std::vector<std::span<const double>> spans(const Names& names, const Arrays& arrays) {
    if (names.size() != arrays.size())
        throw InputError(std::to_string(names.size()) + " column names for " +
                         std::to_string(arrays.size()) + " columns");
    std::vector<std::span<const double>> out;
    out.reserve(arrays.size());
    for (std::size_t c = 0; c < arrays.size(); ++c)
        out.push_back(as_span(arrays[c], names[c].c_str()));
    return out;
}

// A table's columns as the core reads them. A float64 vector is read where it lies, strided or
// not: a column of pd.DataFrame(matrix) is a view into the row-major matrix, and copying each
// one to contiguous memory would read the whole matrix once per column. Anything else (another
// dtype, a list, a negative stride) becomes a contiguous float64 copy, kept alive here.
struct Table {
    std::vector<py::array> keep;
    std::vector<StridedColumn> columns;
};

Table strided_table(const Names& names, const std::vector<py::object>& objects) {
    if (names.size() != objects.size())
        throw InputError(std::to_string(names.size()) + " column names for " +
                         std::to_string(objects.size()) + " columns");
    using Float64 = py::array_t<double, 0>;  // any strides
    Table out;
    out.keep.reserve(objects.size());
    out.columns.reserve(objects.size());
    for (std::size_t c = 0; c < objects.size(); ++c) {
        const py::object& o = objects[c];
        if (Float64::check_(o)) {
            auto a = py::reinterpret_borrow<Float64>(o);
            const py::ssize_t stride = a.ndim() == 1 ? a.strides(0) : 0;
            const auto step = static_cast<py::ssize_t>(sizeof(double));
            if (a.ndim() == 1 && stride > 0 && stride % step == 0) {
                out.columns.emplace_back(a.data(), static_cast<std::size_t>(a.shape(0)),
                                         static_cast<std::size_t>(stride / step));
                out.keep.push_back(std::move(a));
                continue;
            }
        }
        auto a = array_in<double>::ensure(o);
        if (!a) {
            PyErr_Clear();
            throw InputError("column '" + names[c] + "': expected numbers (a float64 array)");
        }
        const auto values = as_span(a, names[c].c_str());
        out.columns.emplace_back(values);
        out.keep.push_back(std::move(a));
    }
    return out;
}

py::list arrays_of(std::vector<std::vector<double>>&& columns) {
    py::list out;
    for (auto& c : columns) out.append(to_numpy(std::move(c)));
    return out;
}

py::dict scores_dict(HealthScores&& s) {
    py::dict out;
    out["score"] = to_numpy(std::move(s.score));
    out["grade"] = to_numpy(std::move(s.grade));
    out["groups"] = arrays_of(std::move(s.groups));
    out["coverage"] = to_numpy(std::move(s.coverage));
    return out;
}

py::dict explanation_dict(HealthExplanation&& e) {
    py::dict out;
    out["score"] = to_numpy(std::move(e.score));
    out["contribution"] = arrays_of(std::move(e.contribution));
    out["measure_score"] = arrays_of(std::move(e.measure_score));
    return out;
}

py::dict reasons_dict(HealthReasons&& r) {
    py::dict out;
    out["row"] = to_numpy(std::move(r.row));
    out["rank"] = to_numpy(std::move(r.rank));
    out["measure"] = to_numpy(std::move(r.measure));
    out["value"] = to_numpy(std::move(r.value));
    out["measure_score"] = to_numpy(std::move(r.measure_score));
    out["points"] = to_numpy(std::move(r.points));
    return out;
}

py::dict changes_dict(HealthReasonChanges&& r) {
    py::dict out;
    out["row"] = to_numpy(std::move(r.row));
    out["rank"] = to_numpy(std::move(r.rank));
    out["measure"] = to_numpy(std::move(r.measure));
    out["value_before"] = to_numpy(std::move(r.value_before));
    out["value"] = to_numpy(std::move(r.value));
    out["points"] = to_numpy(std::move(r.points));
    return out;
}

// The sentences of many reasons at once: one call from Python, not one per reason.
template <class Text>
std::vector<std::string> texts(const array_in<std::int32_t>& measure, const array_in<double>& a,
                               const array_in<double>& b, const array_in<double>& points,
                               const char* a_name, const char* b_name, Text text) {
    const auto m = as_span(measure, "measure");
    const auto x = as_span(a, a_name);
    const auto y = as_span(b, b_name);
    const auto p = as_span(points, "points");
    for (auto [size, name] :
         {std::pair{x.size(), a_name}, std::pair{y.size(), b_name}, std::pair{p.size(), "points"}})
        if (size != m.size())
            throw InputError::argument(name, std::to_string(size) + " values for " +
                                                 std::to_string(m.size()) + " measures");
    std::vector<std::string> out;
    out.reserve(m.size());
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (m[i] < 0)
            throw InputError::argument("measure", "entry " + std::to_string(i) + " is " +
                                                      std::to_string(m[i]) + ", not a measure");
        out.push_back(text(static_cast<std::size_t>(m[i]), x[i], y[i], p[i]));
    }
    return out;
}

}  // namespace

void register_health(py::module_& root) {
    py::module_ m = root.def_submodule("health", "Health-score models (see retain.health_model).");

    py::class_<HealthModel>(m, "HealthModel")
        .def_static("from_json", &HealthModel::from_json, py::arg("text"),
                    "Parse and validate a model document; a ConfigError names the key at fault.")
        .def("to_json", &HealthModel::to_json, "The document as given, as compact JSON.")
        .def_property_readonly("name", &HealthModel::name)
        .def_property_readonly(
            "missing", [](const HealthModel& h) { return std::string(to_string(h.missing())); })
        .def_property_readonly("group_names",
                               [](const HealthModel& h) {
                                   Names out;
                                   for (const auto& g : h.groups()) out.push_back(g.name);
                                   return out;
                               })
        .def_property_readonly("measure_names",
                               [](const HealthModel& h) {
                                   Names out;
                                   for (const auto& x : h.measures()) out.push_back(x.name);
                                   return out;
                               })
        .def_property_readonly("measure_labels",
                               [](const HealthModel& h) {
                                   Names out;
                                   for (const auto& x : h.measures()) out.push_back(x.label);
                                   return out;
                               })
        .def_property_readonly("measure_groups",
                               [](const HealthModel& h) {
                                   std::vector<std::size_t> out;
                                   for (const auto& x : h.measures()) out.push_back(x.group);
                                   return out;
                               })
        .def_property_readonly("grade_labels",
                               [](const HealthModel& h) {
                                   Names out;
                                   for (const auto& g : h.grades()) out.push_back(g.label);
                                   return out;
                               })
        .def_property_readonly("effective_weights", &HealthModel::effective_weights)
        .def_property_readonly("required_columns", &HealthModel::required_columns)
        .def(
            "score",
            [](const HealthModel& h, const Names& names, const std::vector<py::object>& arrays,
               int n_threads) {
                const Table table = strided_table(names, arrays);
                HealthScores s;
                {
                    py::gil_scoped_release release;  // reads only the buffers `table` keeps
                    s = h.score(names, table.columns, n_threads);
                }
                return scores_dict(std::move(s));
            },
            py::arg("names"), py::arg("columns"), py::arg("n_threads") = 1,
            "score, grade (int32 codes, -1 none), groups (one array per group) and coverage.")
        .def(
            "explain",
            [](const HealthModel& h, const Names& names, const std::vector<py::object>& arrays,
               int n_threads) {
                const Table table = strided_table(names, arrays);
                HealthExplanation e;
                {
                    py::gil_scoped_release release;  // reads only the buffers `table` keeps
                    e = h.explain(names, table.columns, n_threads);
                }
                return explanation_dict(std::move(e));
            },
            py::arg("names"), py::arg("columns"), py::arg("n_threads") = 1,
            "score, contribution and measure_score (one array per measure).")
        .def(
            "explain_change",
            [](const HealthModel& h, const Names& before_names, const Arrays& before,
               const Names& after_names, const Arrays& after, int n_threads) {
                const auto b = spans(before_names, before);
                const auto a = spans(after_names, after);
                HealthExplanation e;
                {
                    py::gil_scoped_release release;
                    e = h.explain_change(before_names, b, after_names, a, n_threads);
                }
                return explanation_dict(std::move(e));
            },
            py::arg("before_names"), py::arg("before"), py::arg("after_names"), py::arg("after"),
            py::arg("n_threads") = 1,
            "Changes of score and of each measure's contribution between aligned rows.")
        .def(
            "reasons",
            [](const HealthModel& h, const Names& names, const std::vector<py::object>& arrays,
               int top, int n_threads) {
                const Table table = strided_table(names, arrays);
                HealthReasons r;
                {
                    py::gil_scoped_release release;  // reads only the buffers `table` keeps
                    r = h.reasons(names, table.columns, top, n_threads);
                }
                return reasons_dict(std::move(r));
            },
            py::arg("names"), py::arg("columns"), py::arg("top") = 3, py::arg("n_threads") = 1,
            "row, rank, measure (codes), value, measure_score and points lost of the top reasons.")
        .def(
            "reasons_change",
            [](const HealthModel& h, const Names& before_names, const Arrays& before,
               const Names& after_names, const Arrays& after, int top, int n_threads) {
                const auto b = spans(before_names, before);
                const auto a = spans(after_names, after);
                HealthReasonChanges r;
                {
                    py::gil_scoped_release release;
                    r = h.reasons_change(before_names, b, after_names, a, top, n_threads);
                }
                return changes_dict(std::move(r));
            },
            py::arg("before_names"), py::arg("before"), py::arg("after_names"), py::arg("after"),
            py::arg("top") = 3, py::arg("n_threads") = 1,
            "row, rank, measure (codes), value_before, value and signed points of the top moves.")
        .def(
            "reason_texts",
            [](const HealthModel& h, const array_in<std::int32_t>& measure,
               const array_in<double>& value, const array_in<double>& measure_score,
               const array_in<double>& points) {
                return texts(measure, value, measure_score, points, "value", "measure_score",
                             [&](std::size_t m, double x, double s, double p) {
                                 return h.reason_text(m, x, s, p);
                             });
            },
            py::arg("measure"), py::arg("value"), py::arg("measure_score"), py::arg("points"),
            "The sentence of each reason (HealthModel::reason_text).")
        .def(
            "change_texts",
            [](const HealthModel& h, const array_in<std::int32_t>& measure,
               const array_in<double>& value_before, const array_in<double>& value,
               const array_in<double>& points) {
                return texts(measure, value_before, value, points, "value_before", "value",
                             [&](std::size_t m, double b, double a, double p) {
                                 return h.change_text(m, b, a, p);
                             });
            },
            py::arg("measure"), py::arg("value_before"), py::arg("value"), py::arg("points"),
            "The sentence of each change (HealthModel::change_text).")
        .def(
            "calibrate",
            [](const HealthModel& h, const Names& names, const Arrays& arrays) {
                const auto columns = spans(names, arrays);
                py::gil_scoped_release release;
                return h.calibrate(names, columns);
            },
            py::arg("names"), py::arg("columns"),
            "A model whose percentile measures store the sorted values of these columns.")
        .def(
            "grade_codes",
            [](const HealthModel& h, const array_in<double>& scores) {
                const auto s = as_span(scores, "scores");
                std::vector<std::int32_t> out(s.size());
                for (std::size_t i = 0; i < s.size(); ++i) out[i] = h.grade_of(s[i]);
                return to_numpy(std::move(out));
            },
            py::arg("scores"), "Grade codes (-1 none) of scores, as score() grades them.")
        .def("__eq__", [](const HealthModel& a, const HealthModel& b) { return a == b; });

    py::class_<ModelSet>(m, "ModelSet")
        .def(py::init<std::vector<std::string>, std::vector<HealthModel>>(), py::arg("keys"),
             py::arg("models"))
        .def_property_readonly("group_names", &ModelSet::group_names)
        .def_property_readonly("grade_labels", &ModelSet::grade_labels)
        .def_property_readonly("required_columns", &ModelSet::required_columns)
        .def(
            "score",
            [](const ModelSet& set, const array_in<std::int32_t>& model_of_row, const Names& names,
               const Arrays& arrays, int n_threads) {
                const auto codes = as_span(model_of_row, "model_of_row");
                const auto columns = spans(names, arrays);
                HealthScores s;
                {
                    py::gil_scoped_release release;
                    s = set.score(codes, names, columns, n_threads);
                }
                return scores_dict(std::move(s));
            },
            py::arg("model_of_row"), py::arg("names"), py::arg("columns"), py::arg("n_threads") = 1,
            "Scores each row with models[model_of_row[row]]; groups and grades are the unions.")
        .def(
            "grade_codes",
            [](const ModelSet& set, const array_in<std::int32_t>& model_of_row,
               const array_in<double>& scores) {
                const auto k = as_span(model_of_row, "model_of_row");
                const auto s = as_span(scores, "scores");
                if (k.size() != s.size())
                    throw InputError::argument("scores", std::to_string(s.size()) + " scores for " +
                                                             std::to_string(k.size()) + " rows");
                std::vector<std::int32_t> out(s.size());
                for (std::size_t i = 0; i < s.size(); ++i)
                    out[i] = set.grade_of(static_cast<std::size_t>(k[i]), s[i]);
                return to_numpy(std::move(out));
            },
            py::arg("model_of_row"), py::arg("scores"),
            "Grade codes (into grade_labels, -1 none) of scores under each row's model.");
}

}  // namespace retain::python
