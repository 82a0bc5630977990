#include "common.hpp"

#include <algorithm>
#include <sstream>
#include <type_traits>

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
    auto retention = [&m](const char* name,
                          kpi::PeriodSeries (*fn)(const MrrTable&, int, Threads)) {
        m.def(
            name,
            [fn](const MrrTable& table, int months, int n_threads) {
                kpi::PeriodSeries s;
                {
                    py::gil_scoped_release release;  // reads only the C++ table
                    s = fn(table, months, n_threads);
                }
                return py::make_tuple(s.first_month, to_numpy(std::move(s.values)));
            },
            py::arg("table"), py::arg("months"), py::arg("n_threads") = 0);
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
            py::array_t<double> values(
                {static_cast<py::ssize_t>(c.rows()), static_cast<py::ssize_t>(c.cols())});
            std::copy(c.values.begin(), c.values.end(), values.mutable_data());
            return py::make_tuple(
                to_numpy(std::vector<std::int64_t>(c.cohorts.begin(), c.cohorts.end())),
                to_numpy(std::move(c.sizes)), values);
        },
        py::arg("table"), py::arg("kind"));

    m.def("ltv", &kpi::ltv, py::arg("arpa"), py::arg("gross_margin"), py::arg("churn_rate"),
          py::arg("discount_rate") = 0.0);
    m.def("ltv_of_lifetime", &kpi::ltv_of_lifetime, py::arg("arpa"), py::arg("gross_margin"),
          py::arg("lifetime"));
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

    m.def(
        "wilson_interval",
        [](std::int64_t successes, std::int64_t n, double confidence) {
            const auto ci = kpi::wilson_interval(successes, n, confidence);
            return py::make_tuple(ci.lower, ci.upper);
        },
        py::arg("successes"), py::arg("n"), py::arg("confidence") = 0.95,
        "(lower, upper) Wilson score interval of successes / n.");
    m.def(
        "csat",
        [](const array_in<double>& scores, int scale, int satisfied_min,
           const std::string& column) {
            const auto r = kpi::csat(as_span(scores, "scores"), scale, satisfied_min, column);
            return py::make_tuple(r.csat, r.satisfied, r.n, r.ci_lower, r.ci_upper);
        },
        py::arg("scores"), py::arg("scale"), py::arg("satisfied_min"), py::arg("column") = "score",
        "(csat, satisfied, n, ci_lower, ci_upper).");
    m.def(
        "ces",
        [](const array_in<double>& scores, const std::string& column) {
            const auto r = kpi::ces(as_span(scores, "scores"), column);
            return py::make_tuple(r.ces, r.n, r.stddev, r.ci_lower, r.ci_upper);
        },
        py::arg("scores"), py::arg("column") = "score", "(ces, n, std, ci_lower, ci_upper).");
    m.def(
        "nps_by",
        [](const array_in<std::int64_t>& group, std::size_t n_groups,
           const array_in<double>& scores, const std::string& column) {
            const auto results =
                kpi::nps_by(as_span(group, "group"), n_groups, as_span(scores, "scores"), column);
            py::dict out;
            auto column_of = [&results](auto member) {
                using T = std::decay_t<decltype(results[0].*member)>;
                std::vector<T> values(results.size());
                for (std::size_t g = 0; g < results.size(); ++g) values[g] = results[g].*member;
                return to_numpy(std::move(values));
            };
            out["nps"] = column_of(&kpi::NpsResult::nps);
            out["promoters"] = column_of(&kpi::NpsResult::promoters);
            out["passives"] = column_of(&kpi::NpsResult::passives);
            out["detractors"] = column_of(&kpi::NpsResult::detractors);
            out["n"] = column_of(&kpi::NpsResult::n);
            out["stderr"] = column_of(&kpi::NpsResult::stderr_);
            out["margin95"] = column_of(&kpi::NpsResult::margin95);
            return out;
        },
        py::arg("group"), py::arg("n_groups"), py::arg("scores"), py::arg("column") = "score",
        "{column: array} of NPS fields, one element per group code.");
    m.def(
        "churn_rate_interval",
        [](const py::dict& columns, const std::string& kind, double confidence) {
            auto p = kpi::churn_rate_interval(movements_from(columns), kpi::parse_churn_kind(kind),
                                              confidence);
            py::dict out;
            out["churn_rate"] = to_numpy(std::move(p.rate));
            out["ci_lower"] = to_numpy(std::move(p.ci_lower));
            out["ci_upper"] = to_numpy(std::move(p.ci_upper));
            out["n"] = to_numpy(std::move(p.n));
            return out;
        },
        py::arg("columns"), py::arg("kind"), py::arg("confidence"),
        "Logo churn per month with its Wilson interval, as a dict of columns.");
    m.def(
        "upsell_rate",
        [](const py::dict& columns) { return to_numpy(kpi::upsell_rate(movements_from(columns))); },
        py::arg("columns"));
    m.def(
        "cross_sell_rate",
        [](const array_in<std::int64_t>& account, std::size_t n_accounts,
           const array_in<std::int64_t>& product, std::size_t n_products,
           const array_in<std::int64_t>& month, const array_in<double>& mrr,
           const std::string& account_col, const std::string& period_col,
           const std::string& mrr_col, const std::string& product_col) {
            const auto a = as_span(account, "account");
            const auto p = as_span(product, "product");
            const auto mo = as_span(month, "month");
            const auto v = as_span(mrr, "mrr");
            kpi::PeriodSeries s;
            {
                py::gil_scoped_release release;  // reads only the caller's buffers
                s = kpi::cross_sell_rate(a, n_accounts, p, n_products, mo, v,
                                         {account_col, period_col, mrr_col}, product_col);
            }
            return py::make_tuple(s.first_month, to_numpy(std::move(s.values)));
        },
        py::arg("account"), py::arg("n_accounts"), py::arg("product"), py::arg("n_products"),
        py::arg("month"), py::arg("mrr"), py::arg("account_col"), py::arg("period_col"),
        py::arg("mrr_col"), py::arg("product_col"),
        "(first_month, values) of the cross-sell rate per month from the data's second month.");

    m.def(
        "onboarding_completion",
        [](const array_in<std::int64_t>& signed_day, const array_in<std::int64_t>& account,
           const array_in<std::int64_t>& milestone, const array_in<std::int64_t>& reached_day,
           std::size_t n_required, std::int64_t within_days, std::int64_t as_of,
           const std::string& account_col, const std::string& milestone_col,
           const std::string& reached_col, const std::string& signed_col) {
            const auto r = kpi::onboarding_completion(
                as_span(signed_day, "signed_day"), as_span(account, "account"),
                as_span(milestone, "milestone"), as_span(reached_day, "reached_day"), n_required,
                within_days, as_of, {account_col, milestone_col, reached_col, signed_col});
            auto rows = r.rows;
            rows.push_back(r.overall);  // the last row is the overall one
            py::dict out;
            auto column_of = [&rows](auto member) {
                using T = std::decay_t<decltype(rows[0].*member)>;
                std::vector<T> values(rows.size());
                for (std::size_t k = 0; k < rows.size(); ++k) values[k] = rows[k].*member;
                return to_numpy(std::move(values));
            };
            using Row = kpi::OnboardingCompletion::Row;
            out["completed"] = column_of(&Row::completed);
            out["eligible"] = column_of(&Row::eligible);
            out["pending"] = column_of(&Row::pending);
            out["rate"] = column_of(&Row::rate);
            out["ci_lower"] = column_of(&Row::ci_lower);
            out["ci_upper"] = column_of(&Row::ci_upper);
            return py::make_tuple(
                to_numpy(std::vector<std::int64_t>(r.cohorts.begin(), r.cohorts.end())), out);
        },
        py::arg("signed_day"), py::arg("account"), py::arg("milestone"), py::arg("reached_day"),
        py::arg("n_required"), py::arg("within_days"), py::arg("as_of"), py::arg("account_col"),
        py::arg("milestone_col"), py::arg("reached_col"), py::arg("signed_col"),
        "(cohort months, {column: array}) with one row per cohort and the overall row last.");
    m.def(
        "time_to_value",
        [](const array_in<std::int64_t>& signed_day, const array_in<std::int64_t>& account,
           const array_in<std::int64_t>& milestone, const array_in<std::int64_t>& reached_day,
           std::int64_t as_of, const std::string& account_col, const std::string& milestone_col,
           const std::string& reached_col, const std::string& signed_col) {
            auto t = kpi::time_to_value(
                as_span(signed_day, "signed_day"), as_span(account, "account"),
                as_span(milestone, "milestone"), as_span(reached_day, "reached_day"), as_of,
                {account_col, milestone_col, reached_col, signed_col});
            return py::make_tuple(to_numpy(std::move(t.account)), to_numpy(std::move(t.days)),
                                  to_numpy(std::move(t.reached)), t.median, t.p75, t.p90);
        },
        py::arg("signed_day"), py::arg("account"), py::arg("milestone"), py::arg("reached_day"),
        py::arg("as_of"), py::arg("account_col"), py::arg("milestone_col"), py::arg("reached_col"),
        py::arg("signed_col"), "(account, days, reached, median, p75, p90).");
}

}  // namespace retain::python
