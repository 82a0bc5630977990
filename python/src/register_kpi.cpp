#include "common.hpp"

#include <sstream>

#include "retain/kpi.hpp"

namespace retain::python {

namespace {

using kpi::MrrMovements;

// The movements table's columns, named as in Python, in output order: the one list both
// directions (C++ result -> dict of arrays, DataFrame columns -> C++ struct) read.
struct AmountColumn {
    const char* name;
    std::vector<double> MrrMovements::*member;
};
struct CountColumn {
    const char* name;
    std::vector<std::int64_t> MrrMovements::*member;
};
const AmountColumn amount_columns[] = {
    {"starting_mrr", &MrrMovements::starting_mrr}, {"new", &MrrMovements::new_mrr},
    {"expansion", &MrrMovements::expansion},       {"contraction", &MrrMovements::contraction},
    {"churned", &MrrMovements::churned},           {"reactivation", &MrrMovements::reactivation},
    {"ending_mrr", &MrrMovements::ending_mrr}};
const CountColumn count_columns[] = {{"starting_accounts", &MrrMovements::starting_accounts},
                                     {"new_accounts", &MrrMovements::new_accounts},
                                     {"expansion_accounts", &MrrMovements::expansion_accounts},
                                     {"contraction_accounts", &MrrMovements::contraction_accounts},
                                     {"churned_accounts", &MrrMovements::churned_accounts},
                                     {"reactivated_accounts", &MrrMovements::reactivated_accounts},
                                     {"ending_accounts", &MrrMovements::ending_accounts}};

py::list movement_column_names() {
    py::list names;
    for (const auto& c : amount_columns) names.append(c.name);
    for (const auto& c : count_columns) names.append(c.name);
    return names;
}

py::dict movements_to_dict(MrrMovements&& mv) {
    py::dict out;
    for (const auto& c : amount_columns) out[c.name] = to_numpy(std::move(mv.*c.member));
    for (const auto& c : count_columns) out[c.name] = to_numpy(std::move(mv.*c.member));
    return out;
}

// Rebuilds movements from a mapping of column name -> 1-d array (a DataFrame's columns).
MrrMovements movements_from(const py::dict& columns) {
    MrrMovements mv;
    std::size_t n = 0;
    bool first = true;
    auto take = [&](const char* name, auto& target) {
        using T = typename std::decay_t<decltype(target)>::value_type;
        if (!columns.contains(name))
            throw ColumnError(std::string("movements table has no column '") + name + "'");
        const auto values = py::cast<array_in<T>>(columns[name]);
        const auto span = as_span(values, name);
        if (!first && span.size() != n)
            throw InputError(std::string("movements column '") + name + "' has " +
                             std::to_string(span.size()) + " rows, expected " + std::to_string(n));
        n = span.size();
        first = false;
        target.assign(span.begin(), span.end());
    };
    for (const auto& c : amount_columns) take(c.name, mv.*c.member);
    for (const auto& c : count_columns) take(c.name, mv.*c.member);
    return mv;
}

}  // namespace

void register_kpi(py::module_& root) {
    py::module_ m = root.def_submodule("kpi", "Revenue KPIs (see retain.kpi for the pandas API).");

    m.attr("MOVEMENT_COLUMNS") = movement_column_names();

    m.def(
        "mrr_movements",
        [](const MrrTable& table, int n_threads) {
            MrrMovements mv;
            {
                py::gil_scoped_release release;  // reads only the C++ table
                mv = kpi::mrr_movements(table, n_threads);
            }
            const Month first = mv.first_month;
            return py::make_tuple(first, movements_to_dict(std::move(mv)));
        },
        py::arg("table"), py::arg("n_threads") = 0,
        "(first_month, {column: array}) of revenue movements per month.");

    auto rate = [&m](const char* name, auto fn, const char* doc) {
        m.def(
            name,
            [fn](const py::dict& columns, const std::string& kind) {
                return to_numpy(fn(movements_from(columns), kpi::parse_churn_kind(kind)));
            },
            py::arg("columns"), py::arg("kind"), doc);
    };
    rate("churn_rate", &kpi::churn_rate, "Churn per month of a movements table.");
    rate("retention_rate", &kpi::retention_rate, "1 - churn per month of a movements table.");
    m.def(
        "quick_ratio",
        [](const py::dict& columns) { return to_numpy(kpi::quick_ratio(movements_from(columns))); },
        py::arg("columns"));
    m.def(
        "arpa",
        [](const py::dict& columns) { return to_numpy(kpi::arpa(movements_from(columns))); },
        py::arg("columns"));

    // NRR and GRR: one value per month that has a month `months` before it.
    auto retention = [&m](const char* name, kpi::PeriodSeries (*fn)(const MrrTable&, int)) {
        m.def(
            name,
            [fn](const MrrTable& table, int months) {
                kpi::PeriodSeries s;
                {
                    py::gil_scoped_release release;  // reads only the C++ table
                    s = fn(table, months);
                }
                return py::make_tuple(s.first_month, to_numpy(std::move(s.values)));
            },
            py::arg("table"), py::arg("months"));
    };
    retention("nrr", &kpi::nrr);
    retention("grr", &kpi::grr);

    m.def(
        "cohort_retention",
        [](const MrrTable& table, const std::string& kind) {
            const auto k = kpi::parse_cohort_kind(kind);
            kpi::CohortRetention c;
            {
                py::gil_scoped_release release;  // reads only the C++ table
                c = kpi::cohort_retention(table, k);
            }
            py::array_t<double> values({c.values.rows(), c.values.cols()});
            std::copy(c.values.data(), c.values.data() + c.values.size(), values.mutable_data());
            return py::make_tuple(
                to_numpy(std::vector<std::int64_t>(c.cohorts.begin(), c.cohorts.end())),
                to_numpy(std::move(c.sizes)), values);
        },
        py::arg("table"), py::arg("kind"));

    m.def("ltv", &kpi::ltv, py::arg("arpa"), py::arg("gross_margin"), py::arg("churn_rate"),
          py::arg("discount_rate") = 0.0);
    m.def("cac", &kpi::cac, py::arg("spend"), py::arg("new_customers"));
    m.def("ltv_to_cac", &kpi::ltv_to_cac, py::arg("ltv"), py::arg("cac"));
    m.def("cac_payback_months", &kpi::cac_payback_months, py::arg("cac"), py::arg("arpa"),
          py::arg("gross_margin"));

    py::class_<kpi::NpsResult>(m, "NpsResult")
        .def_readonly("nps", &kpi::NpsResult::nps)
        .def_readonly("promoters", &kpi::NpsResult::promoters)
        .def_readonly("passives", &kpi::NpsResult::passives)
        .def_readonly("detractors", &kpi::NpsResult::detractors)
        .def_readonly("n", &kpi::NpsResult::n)
        .def_readonly("stderr", &kpi::NpsResult::stderr_)
        .def_readonly("margin95", &kpi::NpsResult::margin95)
        .def("__repr__", [](const kpi::NpsResult& r) {
            std::ostringstream out;
            out << r;
            return out.str();
        });
    m.def(
        "nps",
        [](const array_in<double>& scores, const std::string& column) {
            return kpi::nps(as_span(scores, "scores"), column);
        },
        py::arg("scores"), py::arg("column") = "score");
}

}  // namespace retain::python
