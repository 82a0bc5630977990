#include "common.hpp"

#include <optional>

#include "retain/book.hpp"
#include "retain/survival.hpp"
#include "retain/tenure.hpp"

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

std::span<const double> optional_span(const std::optional<array_in<double>>& a, const char* name) {
    return a ? as_span(*a, name) : std::span<const double>{};
}

template <class T>
py::list months_list(const std::vector<T>& months) {
    py::list out;
    for (const T m : months) out.append(static_cast<std::int64_t>(m));
    return out;
}

}  // namespace

void register_survival(py::module_& root) {
    py::module_ m = root.def_submodule("survival", "Survival curves (see retain.survival).");

    m.def(
        "kaplan_meier",
        [](const array_in<double>& durations, const py::array& observed,
           const array_in<double>& timeline, double alpha, const std::string& duration_col,
           const std::string& observed_col, const std::optional<array_in<double>>& entry,
           const std::string& entry_col, int n_threads) {
            const auto d = as_span(durations, "durations");
            const auto t = as_span(timeline, "timeline");
            const auto e = optional_span(entry, "entry");
            const survival::SurvivalColumns columns{duration_col, observed_col, entry_col};
            survival::KaplanMeier km;
            if (observed.dtype().kind() == 'b') {
                // Booleans are read as the bytes numpy keeps them in (0 or 1), not widened.
                const auto flags =
                    py::array_t<bool, py::array::c_style | py::array::forcecast>::ensure(observed);
                if (flags.ndim() != 1)
                    throw InputError::argument("observed", "must be one-dimensional, got " +
                                                               std::to_string(flags.ndim()) +
                                                               " dimensions");
                const std::span<const std::uint8_t> o(
                    reinterpret_cast<const std::uint8_t*>(flags.data()),
                    static_cast<std::size_t>(flags.size()));
                py::gil_scoped_release release;  // reads only the caller's buffers
                km = survival::kaplan_meier_flags(d, o, t, alpha, columns, n_threads, e);
            } else {
                const auto values = array_in<double>::ensure(observed);
                if (!values) throw py::error_already_set();
                const auto o = as_span(values, "observed");
                py::gil_scoped_release release;  // reads only the caller's buffers
                km = survival::kaplan_meier(d, o, t, alpha, columns, n_threads, e);
            }
            return table_to_dict(std::move(km));
        },
        py::arg("durations"), py::arg("observed"), py::arg("timeline"), py::arg("alpha"),
        py::arg("duration_col") = "duration", py::arg("observed_col") = "observed",
        py::arg("entry") = py::none(), py::arg("entry_col") = "entry", py::arg("n_threads") = 0,
        "Kaplan-Meier table as a dict of columns; observed as float64 or bool (read in place), "
        "empty observed means all events, no entry no late entry.");
    m.def(
        "retention_curves",
        [](const array_in<std::int64_t>& group, std::size_t n_groups,
           const array_in<double>& durations, const array_in<double>& observed,
           const array_in<double>& timeline, double alpha, const std::string& duration_col,
           const std::string& observed_col, const std::string& group_col,
           const std::optional<array_in<double>>& entry, const std::string& entry_col) {
            const auto g = as_span(group, "group");
            const auto d = as_span(durations, "durations");
            const auto o = as_span(observed, "observed");
            const auto t = as_span(timeline, "timeline");
            const auto e = optional_span(entry, "entry");
            std::vector<survival::KaplanMeier> curves;
            {
                py::gil_scoped_release release;  // reads only the caller's buffers
                curves = survival::retention_curves(g, n_groups, d, o, t, alpha,
                                                    {duration_col, observed_col, entry_col},
                                                    group_col, {}, e);
            }
            py::list out;
            for (auto& km : curves) out.append(table_to_dict(std::move(km)));
            return out;
        },
        py::arg("group"), py::arg("n_groups"), py::arg("durations"), py::arg("observed"),
        py::arg("timeline"), py::arg("alpha"), py::arg("duration_col") = "duration",
        py::arg("observed_col") = "observed", py::arg("group_col") = "group",
        py::arg("entry") = py::none(), py::arg("entry_col") = "entry",
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
    m.def(
        "discounted_lifetime",
        [](const array_in<double>& time, const array_in<double>& surv, double horizon,
           double discount_rate, double period) {
            return survival::discounted_lifetime(curve(time, surv), horizon, discount_rate, period);
        },
        py::arg("time"), py::arg("survival"), py::arg("horizon"), py::arg("discount_rate"),
        py::arg("period"));
    m.def("normal_quantile", &survival::normal_quantile, py::arg("p"));
    m.def("observation_start", &survival::observation_start, py::arg("book"),
          "The Book's default start (day number), None without accounts.");
    m.def(
        "tenure",
        [](const Book& book, std::int64_t as_of, std::optional<std::int64_t> start) {
            survival::Tenure t;
            {
                py::gil_scoped_release release;  // reads the Book only; Python holds it
                t = survival::tenure(
                    book, static_cast<Day>(as_of),
                    start ? std::optional<Day>(static_cast<Day>(*start)) : std::nullopt);
            }
            py::dict out;
            out["account"] = to_numpy(std::move(t.account));
            out["signed_day"] = to_numpy(std::move(t.signed_day));
            out["duration"] = to_numpy(std::move(t.duration));
            out["churned"] = to_numpy(std::move(t.churned));
            out["entry"] = to_numpy(std::move(t.entry));
            out["left_out"] = t.left_out;
            out["as_of"] = t.as_of;
            out["start"] = t.start;
            return out;
        },
        py::arg("book"), py::arg("as_of"), py::arg("start") = py::none(),
        "Tenure per account as a dict of columns (account codes, day numbers).");
    m.def(
        "cohort_survivors",
        [](const Book& book, std::int64_t as_of, std::optional<std::int64_t> start) {
            survival::CohortSurvivors c;
            {
                py::gil_scoped_release release;  // reads the Book only; Python holds it
                c = survival::cohort_survivors(
                    book, static_cast<Day>(as_of),
                    start ? std::optional<Day>(static_cast<Day>(*start)) : std::nullopt);
            }
            py::dict out;
            py::list survivors;
            for (auto& counts : c.survivors) survivors.append(to_numpy(std::move(counts)));
            out["cohort"] = months_list(c.cohort);
            out["survivors"] = survivors;
            out["before_start"] = months_list(c.before_start);
            out["unobserved"] = months_list(c.unobserved);
            out["as_of"] = c.as_of;
            out["start"] = c.start;
            return out;
        },
        py::arg("book"), py::arg("as_of"), py::arg("start") = py::none(),
        "Survivor counts per signing-month cohort (month numbers, a count array per cohort).");

    using survival::ShiftedBetaGeometric;
    py::class_<ShiftedBetaGeometric>(m, "ShiftedBetaGeometric")
        .def(py::init<double, double>(), py::arg("alpha"), py::arg("beta"))
        .def_static(
            "fit",
            [](const array_in<double>& survivors, int max_iter, double tol) {
                return ShiftedBetaGeometric::fit(as_span(survivors, "survivors"), max_iter, tol);
            },
            py::arg("survivors"), py::arg("max_iter") = 100, py::arg("tol") = 1e-10)
        .def_static(
            "fit_cohorts",
            [](const std::vector<std::vector<double>>& survivors, int max_iter, double tol,
               const std::vector<std::string>& cohort_names) {
                py::gil_scoped_release release;  // works on its own copies
                return ShiftedBetaGeometric::fit_cohorts(survivors, max_iter, tol, cohort_names);
            },
            py::arg("survivors"), py::arg("max_iter") = 100, py::arg("tol") = 1e-10,
            py::arg("cohort_names") = std::vector<std::string>{})
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
