// Backtest metrics per date, the logistic walk-forward and fitted health-model weights
// (retain/backtest.hpp).

#include "retain/backtest.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>

#include "retain/detail/parallel.hpp"
#include "retain/json.hpp"
#include "retain/metrics.hpp"

namespace retain::backtest {

namespace {

std::string number(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

// Labels must be 0 or 1. Checked on every row up front, so that the row named is the caller's
// (the metrics and fits below see subsets of the rows, or none when one class is missing).
void check_labels(std::span<const double> y) {
    for (std::size_t i = 0; i < y.size(); ++i)
        if (y[i] != 0.0 && y[i] != 1.0)
            throw InputError::at("y", i, "must be 0 or 1, got " + number(y[i]));
}

// An error of evaluate() on one date's rows (rows first .. of the gathered table), naming the
// caller's row instead of the date's.
InputError at_caller_row(const InputError& e, const std::vector<std::size_t>& origin,
                         std::size_t first) {
    if (!e.row()) return e;
    const std::string prefix =
        "column '" + e.column() + "', row " + std::to_string(*e.row()) + ": ";
    const std::string what = e.what();
    if (what.rfind(prefix, 0) != 0) return e;
    return InputError::at(e.column(), origin[first + *e.row()], what.substr(prefix.size()));
}

}  // namespace

Evaluation evaluate(std::span<const double> y, std::span<const double> risk, bool probabilities) {
    if (y.size() != risk.size())
        throw InputError::argument("risk", std::to_string(risk.size()) + " values for " +
                                               std::to_string(y.size()) + " labels");
    check_labels(y);
    Evaluation out;
    out.n = static_cast<std::int64_t>(y.size());
    double churners = 0;
    for (double label : y) churners += label;
    out.churners = static_cast<std::int64_t>(churners);
    if (out.n > 0) out.churn_rate = churners / static_cast<double>(out.n);
    if (out.n == 0) {
        out.reason = "no rows";
    } else if (out.churners == 0) {
        out.reason = "no churner";
    } else if (out.churners == out.n) {
        out.reason = "all churned";
    } else {
        out.roc_auc = metrics::roc_auc(y, risk);
        out.pr_auc = metrics::pr_auc(y, risk);
        out.lift_top10 = metrics::lift(y, risk, 0.1);
        out.precision_top10 = metrics::precision_at(y, risk, 0.1);
        out.recall_top10 = metrics::recall_at(y, risk, 0.1);
    }
    if (probabilities && out.n > 0) {
        out.brier = metrics::brier(y, risk);
        out.log_loss = metrics::log_loss(y, risk);
    }
    return out;
}

std::vector<Evaluation> evaluate_by_date(std::span<const std::int64_t> date_code,
                                         std::size_t n_dates, std::span<const double> y,
                                         std::span<const double> risk, bool probabilities,
                                         Threads n_threads) {
    if (date_code.size() != y.size() || risk.size() != y.size())
        throw InputError("evaluate_by_date: " + std::to_string(date_code.size()) + " date codes, " +
                         std::to_string(y.size()) + " labels and " + std::to_string(risk.size()) +
                         " risks");
    // Rows of each date, gathered contiguously (a counting sort by date).
    std::vector<std::size_t> start(n_dates + 1, 0);
    for (std::size_t i = 0; i < date_code.size(); ++i) {
        const std::int64_t d = date_code[i];
        if (d < 0 || static_cast<std::size_t>(d) >= n_dates)
            throw InputError::argument("date_code", "row " + std::to_string(i) + ": code " +
                                                        std::to_string(d) + " is not in [0, " +
                                                        std::to_string(n_dates) + ")");
        ++start[static_cast<std::size_t>(d) + 1];
    }
    for (std::size_t d = 0; d < n_dates; ++d) start[d + 1] += start[d];
    check_labels(y);
    std::vector<double> ys(y.size()), risks(y.size());
    std::vector<std::size_t> origin(y.size());  // the caller's row of each gathered row
    std::vector<std::size_t> next(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < date_code.size(); ++i) {
        const std::size_t at = next[static_cast<std::size_t>(date_code[i])]++;
        ys[at] = y[i];
        risks[at] = risk[i];
        origin[at] = i;
    }
    std::vector<Evaluation> out(n_dates);
    detail::for_each_block(n_dates, 1, n_threads, [&](std::size_t d, std::size_t, std::size_t) {
        const std::size_t b = start[d], n = start[d + 1] - start[d];
        try {
            out[d] = evaluate(std::span<const double>(ys).subspan(b, n),
                              std::span<const double>(risks).subspan(b, n), probabilities);
        } catch (const InputError& e) {
            throw at_caller_row(e, origin, b);
        }
    });
    return out;
}

namespace {

/// The rows `rows` of x, column by column: a packed copy for the fit (which reads it several
/// times) and the scoring.
std::vector<double> gather_rows(const MatrixView& x, const std::vector<std::size_t>& rows) {
    std::vector<double> out(rows.size() * x.cols);
    for (std::size_t j = 0; j < x.cols; ++j)
        for (std::size_t r = 0; r < rows.size(); ++r) out[j * rows.size() + r] = x(rows[r], j);
    return out;
}

}  // namespace

WalkForward walk_forward_logistic(MatrixView x, std::span<const double> y,
                                  std::span<const std::int64_t> day, std::int64_t horizon_days,
                                  int min_train_dates, const LogisticOptions& options) {
    const std::size_t n = y.size();
    if (x.rows != n || day.size() != n)
        throw InputError("walk_forward: " + std::to_string(x.rows) + " feature rows, " +
                         std::to_string(n) + " labels and " + std::to_string(day.size()) + " days");
    if (horizon_days < 1)
        throw InputError::argument("horizon_days",
                                   "must be >= 1, got " + std::to_string(horizon_days));
    if (min_train_dates < 1)
        throw InputError::argument("min_train_dates",
                                   "must be >= 1, got " + std::to_string(min_train_dates));
    // Far enough from the int64 limits that day + horizon cannot overflow (as label_churn).
    constexpr std::int64_t max_day = std::int64_t{1} << 40;
    if (horizon_days > max_day) throw InputError::argument("horizon_days", "is too large");
    for (std::size_t i = 0; i < n; ++i) {
        if (day[i] == std::numeric_limits<std::int64_t>::min())
            throw InputError::at("day", i, "missing date (NaT)");
        if (day[i] < -max_day || day[i] > max_day)
            throw InputError::at("day", i,
                                 "day number " + std::to_string(day[i]) + " is out of range");
    }
    // Every row up front: the fits and scores below see subsets, whose rows are not the caller's.
    check_labels(y);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < x.cols; ++j)
            if (!(std::abs(x(i, j)) <= logistic_max_feature))
                throw InputError::at("x" + std::to_string(j), i,
                                     "is " + number(x(i, j)) +
                                         " (features must be finite numbers, of magnitude at most "
                                         "1e100)");
    std::vector<std::int64_t> days(day.begin(), day.end());
    std::sort(days.begin(), days.end());
    days.erase(std::unique(days.begin(), days.end()), days.end());
    WalkForward out;
    for (std::int64_t t : days) {
        std::vector<std::size_t> train, test;
        std::int64_t last_day = std::numeric_limits<std::int64_t>::min();
        int train_days = 0;
        double positives = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (day[i] == t) test.push_back(i);
        }
        // Training days counted in increasing order of day, rows in row order.
        for (std::int64_t s : days) {
            if (s + horizon_days > t) break;
            if (s != last_day) ++train_days, last_day = s;
        }
        for (std::size_t i = 0; i < n; ++i)
            if (day[i] + horizon_days <= t) {
                train.push_back(i);
                positives += y[i];
            }
        const double count = static_cast<double>(train.size());
        if (train_days < min_train_dates || positives == 0 || positives == count) {
            ++out.dates_skipped;
            continue;
        }
        const std::vector<double> xt = gather_rows(x, train);
        std::vector<double> yt;
        yt.reserve(train.size());
        for (std::size_t i : train) yt.push_back(y[i]);
        const LogisticFit fit = fit_logistic(
            MatrixView::column_major(xt.data(), train.size(), x.cols), yt, {}, options);
        const std::vector<double> xs = gather_rows(x, test);
        const std::vector<double> p = logistic_probability(
            MatrixView::column_major(xs.data(), test.size(), x.cols), fit, options.n_threads);
        for (std::size_t k = 0; k < test.size(); ++k) {
            out.rows.push_back(static_cast<std::int64_t>(test[k]));
            out.risk.push_back(p[k]);
        }
        ++out.dates_scored;
    }
    return out;
}

WeightFit fit_weights(const HealthModel& model, const std::vector<std::string>& column_names,
                      const std::vector<std::span<const double>>& columns,
                      std::span<const double> y, std::span<const std::uint8_t> train, double C,
                      Threads n_threads) {
    const HealthExplanation explained = model.explain(column_names, columns, n_threads);
    const std::size_t n = explained.score.size(), M = model.measures().size();
    if (y.size() != n || train.size() != n)
        throw InputError("fit_weights: " + std::to_string(n) + " rows, " +
                         std::to_string(y.size()) + " labels and " + std::to_string(train.size()) +
                         " train flags");
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < n; ++i)
        if (train[i]) rows.push_back(i);
    if (rows.empty()) throw InputError::argument("train", "no row is marked for training");
    // The fit sees the training rows only: their labels are checked here, by the caller's row.
    for (const std::size_t i : rows)
        if (y[i] != 0.0 && y[i] != 1.0)
            throw InputError::at("y", i, "must be 0 or 1, got " + number(y[i]));
    std::vector<double> x(rows.size() * M);  // column-major: measure m is x[m * rows + r]
    std::vector<double> yt;
    yt.reserve(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
        for (std::size_t m = 0; m < M; ++m) {
            const double s = explained.measure_score[m][rows[r]];
            x[m * rows.size() + r] = std::isnan(s) ? 50.0 : s;
        }
        yt.push_back(y[rows[r]]);
    }
    LogisticOptions options;
    options.C = C;
    options.n_threads = n_threads;
    const LogisticFit fit =
        fit_logistic(MatrixView::column_major(x.data(), rows.size(), M), yt, {}, options);
    nlohmann::json document = to_json_document(model);
    std::vector<double> group_weight(model.groups().size(), 0.0);
    WeightFit out{model, {}, {}};
    bool any = false;
    for (std::size_t m = 0; m < M; ++m) {
        const double coef = fit.coef[m];
        out.coefficients.push_back(coef);
        const double w = coef < 0 ? -coef : 0.0;
        if (coef >= 0) out.wrong_way.push_back(model.measures()[m].name);
        any = any || w > 0;
        document["measures"][m]["weight"] = w;
        group_weight[model.measures()[m].group] += w;
    }
    if (!any)
        throw InputError(
            "fit_weights: every measure's fitted effect points the wrong way (a "
            "higher measure score goes with more churn)");
    for (std::size_t g = 0; g < group_weight.size(); ++g)
        document["groups"][g]["weight"] = group_weight[g];
    out.model = health_model_from_json(std::move(document));
    return out;
}

}  // namespace retain::backtest
