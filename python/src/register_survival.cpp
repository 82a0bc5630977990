#include "common.hpp"

#include "retain/survival.hpp"

namespace retain::python {

namespace {

// A table holding only what median_survival and restricted_mean read.
survival::KaplanMeier curve(const array_in<double>& time, const array_in<double>& surv) {
    survival::KaplanMeier km;
    const auto t = as_span(time, "time");
    const auto s = as_span(surv, "survival");
    if (t.size() != s.size()) throw InputError("time and survival differ in length");
    km.time.assign(t.begin(), t.end());
    km.survival.assign(s.begin(), s.end());
    return km;
}

py::dict table_to_dict(survival::KaplanMeier&& km) {
    py::dict out;
    out["time"] = to_numpy(std::move(km.time));
    out["at_risk"] = to_numpy(std::move(km.at_risk));
    out["events"] = to_numpy(std::move(km.events));
    out["censored"] = to_numpy(std::move(km.censored));
    out["survival"] = to_numpy(std::move(km.survival));
    out["ci_lower"] = to_numpy(std::move(km.ci_lower));
    out["ci_upper"] = to_numpy(std::move(km.ci_upper));
    return out;
}

}  // namespace

void register_survival(py::module_& root) {
    py::module_ m = root.def_submodule("survival", "Survival curves (see retain.survival).");

    m.def(
        "kaplan_meier",
        [](const array_in<double>& durations, const array_in<double>& observed,
           const array_in<double>& timeline, double alpha, const std::string& duration_col,
           const std::string& observed_col) {
            const auto d = as_span(durations, "durations");
            const auto o = as_span(observed, "observed");
            const auto t = as_span(timeline, "timeline");
            survival::KaplanMeier km;
            {
                py::gil_scoped_release release;  // reads only the caller's buffers
                km = survival::kaplan_meier(d, o, t, alpha, {duration_col, observed_col});
            }
            return table_to_dict(std::move(km));
        },
        py::arg("durations"), py::arg("observed"), py::arg("timeline"), py::arg("alpha"),
        py::arg("duration_col") = "duration", py::arg("observed_col") = "observed",
        "Kaplan-Meier table as a dict of columns; empty observed means all events.");
    m.def(
        "retention_curves",
        [](const array_in<std::int64_t>& group, std::size_t n_groups,
           const array_in<double>& durations, const array_in<double>& observed,
           const array_in<double>& timeline, double alpha, const std::string& duration_col,
           const std::string& observed_col, const std::string& group_col) {
            const auto g = as_span(group, "group");
            const auto d = as_span(durations, "durations");
            const auto o = as_span(observed, "observed");
            const auto t = as_span(timeline, "timeline");
            std::vector<survival::KaplanMeier> curves;
            {
                py::gil_scoped_release release;  // reads only the caller's buffers
                curves = survival::retention_curves(g, n_groups, d, o, t, alpha,
                                                    {duration_col, observed_col}, group_col);
            }
            py::list out;
            for (auto& km : curves) out.append(table_to_dict(std::move(km)));
            return out;
        },
        py::arg("group"), py::arg("n_groups"), py::arg("durations"), py::arg("observed"),
        py::arg("timeline"), py::arg("alpha"), py::arg("duration_col") = "duration",
        py::arg("observed_col") = "observed", py::arg("group_col") = "group",
        "One Kaplan-Meier table (dict of columns) per segment code.");
    m.def(
        "median_survival",
        [](const array_in<double>& time, const array_in<double>& surv) {
            return survival::median_survival(curve(time, surv));
        },
        py::arg("time"), py::arg("survival"));
    m.def(
        "restricted_mean",
        [](const array_in<double>& time, const array_in<double>& surv, double horizon) {
            return survival::restricted_mean(curve(time, surv), horizon);
        },
        py::arg("time"), py::arg("survival"), py::arg("horizon"));
    m.def("normal_quantile", &survival::normal_quantile, py::arg("p"));

    using survival::ShiftedBetaGeometric;
    py::class_<ShiftedBetaGeometric>(m, "ShiftedBetaGeometric")
        .def(py::init<double, double>(), py::arg("alpha"), py::arg("beta"))
        .def_static(
            "fit",
            [](const array_in<double>& survivors, int max_iter, double tol) {
                return ShiftedBetaGeometric::fit(as_span(survivors, "survivors"), max_iter, tol);
            },
            py::arg("survivors"), py::arg("max_iter") = 100, py::arg("tol") = 1e-10)
        .def_property_readonly("alpha", &ShiftedBetaGeometric::alpha)
        .def_property_readonly("beta", &ShiftedBetaGeometric::beta)
        .def_property_readonly("log_likelihood", &ShiftedBetaGeometric::log_likelihood)
        .def_property_readonly("iterations", &ShiftedBetaGeometric::iterations)
        .def_property_readonly("converged", &ShiftedBetaGeometric::converged)
        .def("retention", &ShiftedBetaGeometric::retention, py::arg("t"))
        .def("survival", &ShiftedBetaGeometric::survival, py::arg("t"))
        .def("churn_probability", &ShiftedBetaGeometric::churn_probability, py::arg("t"))
        .def("discounted_expected_lifetime", &ShiftedBetaGeometric::discounted_expected_lifetime,
             py::arg("discount_rate"))
        .def("discounted_residual_lifetime", &ShiftedBetaGeometric::discounted_residual_lifetime,
             py::arg("discount_rate"), py::arg("renewals"));
}

}  // namespace retain::python
