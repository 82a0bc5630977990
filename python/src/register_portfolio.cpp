#include "common.hpp"

#include <cstdint>
#include <string>
#include <utility>

#include "retain/alerts.hpp"
#include "retain/rollup.hpp"

namespace retain::python {

void register_portfolio(py::module_& root) {
    py::module_ m = root.def_submodule(
        "portfolio", "Parent rollups and alerts over scored accounts (see retain.health).");

    m.def(
        "rollup",
        [](const array_in<std::int64_t>& parent, std::size_t n_parents,
           const array_in<double>& score, const array_in<double>& weight,
           const std::string& parent_col, const std::string& score_col,
           const std::string& weight_col) {
            const RollupColumns names{parent_col, score_col, weight_col};
            const auto p = as_span(parent, parent_col.c_str());
            const auto s = as_span(score, score_col.c_str());
            const auto w = as_span(weight, weight_col.c_str());
            Rollup r;
            {
                py::gil_scoped_release release;  // reads only the caller's buffers
                r = rollup(p, n_parents, s, w, names);
            }
            py::dict out;
            out["score"] = to_numpy(std::move(r.score));
            out["children"] = to_numpy(std::move(r.children));
            out["scored_children"] = to_numpy(std::move(r.scored_children));
            out["weight"] = to_numpy(std::move(r.weight));
            out["worst_child"] = to_numpy(std::move(r.worst_child));
            return out;
        },
        py::arg("parent"), py::arg("n_parents"), py::arg("score"), py::arg("weight"),
        py::arg("parent_col") = "parent", py::arg("score_col") = "score",
        py::arg("weight_col") = "weight",
        "Per parent code: weighted mean score of its scored children, counts, weight sum and the "
        "row of the worst child (-1 for none). An empty `weight` means equal weights.");

    m.def(
        "alerts",
        [](const array_in<double>& score_change, const array_in<std::int32_t>& previous_grade,
           const array_in<std::int32_t>& grade, std::size_t n_grades, double min_drop,
           const array_in<std::int32_t>& into, const std::string& score_change_col,
           const std::string& previous_grade_col, const std::string& grade_col) {
            const AlertColumns names{score_change_col, previous_grade_col, grade_col};
            const auto c = as_span(score_change, score_change_col.c_str());
            const auto b = as_span(previous_grade, previous_grade_col.c_str());
            const auto g = as_span(grade, grade_col.c_str());
            const auto i = as_span(into, "into");
            Alerts a;
            {
                py::gil_scoped_release release;  // reads only the caller's buffers
                a = alerts(c, b, g, n_grades, min_drop, i, names);
            }
            return py::make_tuple(to_numpy(std::move(a.rows)), to_numpy(std::move(a.dropped)),
                                  to_numpy(std::move(a.entered)));
        },
        py::arg("score_change"), py::arg("previous_grade"), py::arg("grade"), py::arg("n_grades"),
        py::arg("min_drop"), py::arg("into"), py::arg("score_change_col") = "score_change",
        py::arg("previous_grade_col") = "previous_grade", py::arg("grade_col") = "grade",
        "Alerting rows (biggest drop first, NaN last) and their dropped / entered flags (uint8).");
}

}  // namespace retain::python
