#include "common.hpp"

#include <optional>

#include "retain/backtest.hpp"
#include "retain/health.hpp"
#include "retain/labels.hpp"
#include "retain/point_in_time.hpp"

namespace retain::python {

void register_backtest(py::module_& root) {
    py::module_ m = root.def_submodule(
        "backtest",
        "Churn labels, point-in-time lookups and backtest metrics (see retain.backtest).");
    m.attr("MISSING_DAY") = backtest::missing_day;
    m.attr("LABEL_INACTIVE") = backtest::label_inactive;
    m.attr("LABEL_UNRESOLVED") = backtest::label_unresolved;

    m.def(
        "label_churn",
        [](const array_in<std::int64_t>& snap_account, const array_in<std::int64_t>& snap_day,
           const array_in<std::int64_t>& churn_account, const array_in<std::int64_t>& churn_day,
           const array_in<std::int64_t>& returned_day, std::size_t n_accounts,
           std::int64_t horizon_days, std::int64_t observed_until, const std::string& account_col,
           const std::string& as_of_col, const std::string& churn_col,
           const std::string& returned_col) {
            const auto sa = as_span(snap_account, "snap_account");
            const auto sd = as_span(snap_day, "snap_day");
            const auto ca = as_span(churn_account, "churn_account");
            const auto cd = as_span(churn_day, "churn_day");
            const auto rd = as_span(returned_day, "returned_day");
            const backtest::LabelColumns names{account_col, as_of_col, churn_col, returned_col};
            backtest::LabelResult r;
            {
                py::gil_scoped_release release;  // reads the caller's buffers, writes its own
                r = backtest::label_churn(sa, sd, ca, cd, rd, n_accounts, horizon_days,
                                          observed_until, names);
            }
            py::dict counts;
            counts["positives"] = r.positives;
            counts["negatives"] = r.negatives;
            counts["inactive"] = r.inactive;
            counts["unresolved"] = r.unresolved;
            return py::make_tuple(to_numpy(std::move(r.label)), counts);
        },
        py::arg("snap_account"), py::arg("snap_day"), py::arg("churn_account"),
        py::arg("churn_day"), py::arg("returned_day"), py::arg("n_accounts"),
        py::arg("horizon_days"), py::arg("observed_until"), py::arg("account_col") = "account_id",
        py::arg("as_of_col") = "as_of", py::arg("churn_col") = "churn_date",
        py::arg("returned_col") = "returned_at",
        "(int8 label codes per snapshot row: 0, 1, LABEL_INACTIVE, LABEL_UNRESOLVED; counts).");

    py::class_<point_in_time::Timeline>(m, "Timeline")
        .def(py::init([](const array_in<std::int64_t>& key, std::size_t n_keys,
                         const array_in<std::int64_t>& time, const array_in<std::int64_t>& rank,
                         const std::string& time_column) {
                 const auto k = as_span(key, "key");
                 const auto t = as_span(time, "time");
                 const auto r = as_span(rank, "rank");
                 py::gil_scoped_release release;  // reads only the caller's buffers
                 return point_in_time::Timeline(k, n_keys, t, r, time_column);
             }),
             py::arg("key"), py::arg("n_keys"), py::arg("time"), py::arg("rank"),
             py::arg("time_column") = "time")
        .def_property_readonly("n_keys", &point_in_time::Timeline::n_keys)
        .def_property_readonly("size", &point_in_time::Timeline::size)
        .def(
            "latest",
            [](const point_in_time::Timeline& t, const array_in<std::int64_t>& key,
               const array_in<std::int64_t>& through) {
                const auto k = as_span(key, "key");
                const auto d = as_span(through, "through");
                std::vector<std::int64_t> out;
                {
                    py::gil_scoped_release release;  // reads the timeline and the buffers
                    out = t.latest(k, d);
                }
                return to_numpy(std::move(out));
            },
            py::arg("key"), py::arg("through"),
            "Input row of the latest row with time <= through per query, -1 when none.")
        .def(
            "count_through",
            [](const point_in_time::Timeline& t, const array_in<std::int64_t>& key,
               const array_in<std::int64_t>& through) {
                const auto k = as_span(key, "key");
                const auto d = as_span(through, "through");
                std::vector<std::int64_t> out;
                {
                    py::gil_scoped_release release;  // reads the timeline and the buffers
                    out = t.count_through(k, d);
                }
                return to_numpy(std::move(out));
            },
            py::arg("key"), py::arg("through"), "Rows with time <= through per query.");

    m.def(
        "evaluate_by_date",
        [](const array_in<std::int64_t>& date_code, std::size_t n_dates, const array_in<double>& y,
           const array_in<double>& risk, bool probabilities, int n_threads) {
            const auto codes = as_span(date_code, "date_code");
            const auto ys = as_span(y, "y");
            const auto rs = as_span(risk, "risk");
            std::vector<backtest::Evaluation> rows;
            {
                py::gil_scoped_release release;
                rows = backtest::evaluate_by_date(codes, n_dates, ys, rs, probabilities, n_threads);
            }
            py::dict out;
            auto column = [&](auto member) {
                std::vector<double> values;
                for (const auto& r : rows) values.push_back(static_cast<double>(r.*member));
                return to_numpy(std::move(values));
            };
            out["n"] = column(&backtest::Evaluation::n);
            out["churners"] = column(&backtest::Evaluation::churners);
            out["churn_rate"] = column(&backtest::Evaluation::churn_rate);
            out["roc_auc"] = column(&backtest::Evaluation::roc_auc);
            out["pr_auc"] = column(&backtest::Evaluation::pr_auc);
            out["lift_top10"] = column(&backtest::Evaluation::lift_top10);
            out["precision_top10"] = column(&backtest::Evaluation::precision_top10);
            out["recall_top10"] = column(&backtest::Evaluation::recall_top10);
            out["brier"] = column(&backtest::Evaluation::brier);
            out["log_loss"] = column(&backtest::Evaluation::log_loss);
            std::vector<std::string> reasons;
            for (const auto& r : rows) reasons.push_back(r.reason);
            out["reason"] = reasons;
            return out;
        },
        py::arg("date_code"), py::arg("n_dates"), py::arg("y"), py::arg("risk"),
        py::arg("probabilities"), py::arg("n_threads") = 0,
        "Counts and metrics per date code (retain::backtest::evaluate_by_date).");

    m.def(
        "fit_weights",
        [](const HealthModel& model, const std::vector<std::string>& names,
           const std::vector<array_in<double>>& arrays, const array_in<double>& y,
           const array_in<std::uint8_t>& train, double C, int n_threads) {
            std::vector<std::span<const double>> columns;
            for (std::size_t c = 0; c < arrays.size(); ++c)
                columns.push_back(as_span(arrays[c], names.at(c).c_str()));
            const auto ys = as_span(y, "y");
            const auto tr = as_span(train, "train");
            std::optional<backtest::WeightFit> fit;
            {
                py::gil_scoped_release release;
                fit.emplace(backtest::fit_weights(model, names, columns, ys, tr, C, n_threads));
            }
            return py::make_tuple(fit->model, fit->coefficients, fit->wrong_way);
        },
        py::arg("model"), py::arg("names"), py::arg("columns"), py::arg("y"), py::arg("train"),
        py::arg("C") = 1.0, py::arg("n_threads") = 0,
        "(model, coefficients, wrong_way) of retain::backtest::fit_weights.");
}

}  // namespace retain::python
