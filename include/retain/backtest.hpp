#pragma once
// Backtesting churn scores: the metrics of labelled, scored snapshot rows per as-of date and
// pooled, a walk-forward of the logistic churn model that never fits on a label from the
// future, and health-model weights fitted to churn history. The labels themselves are
// retain/labels.hpp; the metrics retain/metrics.hpp.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "retain/detail/parallel.hpp"
#include "retain/error.hpp"
#include "retain/health.hpp"
#include "retain/logistic.hpp"
#include "retain/metrics.hpp"

namespace retain::backtest {

/// What a backtest reports for one set of rows (one as-of date, or all of them).
struct Evaluation {
    std::int64_t n = 0;
    std::int64_t churners = 0;
    double churn_rate = std::numeric_limits<double>::quiet_NaN();
    double roc_auc = std::numeric_limits<double>::quiet_NaN();
    double pr_auc = std::numeric_limits<double>::quiet_NaN();
    double lift_top10 = std::numeric_limits<double>::quiet_NaN();
    double precision_top10 = std::numeric_limits<double>::quiet_NaN();
    double recall_top10 = std::numeric_limits<double>::quiet_NaN();
    double brier = std::numeric_limits<double>::quiet_NaN();     ///< probabilities only
    double log_loss = std::numeric_limits<double>::quiet_NaN();  ///< probabilities only
    /// Why the ranking metrics are NaN: "no rows", "no churner", "all churned"; else empty.
    std::string reason;
};

/// The metrics of rows with labels y (0/1) and risks: where the rows hold one class only, the
/// ranking metrics are NaN and `reason` says why (the direct metric calls raise instead).
/// Brier and log loss only when `probabilities`.
inline Evaluation evaluate(std::span<const double> y, std::span<const double> risk,
                           bool probabilities) {
    if (y.size() != risk.size())
        throw InputError::argument("risk", std::to_string(risk.size()) + " values for " +
                                               std::to_string(y.size()) + " labels");
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

/// The metrics of each as-of date: the rows with date_code == d (in [0, n_dates)) are date d.
/// Dates are evaluated in parallel on up to `n_threads` threads (0 = every core); each date's
/// result is computed alone, so the thread count never changes it.
inline std::vector<Evaluation> evaluate_by_date(std::span<const std::int64_t> date_code,
                                                std::size_t n_dates, std::span<const double> y,
                                                std::span<const double> risk, bool probabilities,
                                                int n_threads = 0) {
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
    std::vector<double> ys(y.size()), risks(y.size());
    std::vector<std::size_t> next(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < date_code.size(); ++i) {
        const std::size_t at = next[static_cast<std::size_t>(date_code[i])]++;
        ys[at] = y[i];
        risks[at] = risk[i];
    }
    std::vector<Evaluation> out(n_dates);
    detail::for_each_block(n_dates, 1, n_threads, [&](std::size_t d, std::size_t, std::size_t) {
        const std::size_t b = start[d], n = start[d + 1] - start[d];
        out[d] = evaluate(std::span<const double>(ys).subspan(b, n),
                          std::span<const double>(risks).subspan(b, n), probabilities);
    });
    return out;
}

/// A walk-forward of the logistic churn model over snapshot rows (x: one row per snapshot,
/// features as columns; y: labels 0/1; day: the as-of day of each row). At each distinct day t,
/// a model is fitted on the rows with day + horizon_days <= t (labels known at t) and scores
/// the rows of day t. A day with fewer than `min_train_dates` training days, or training rows
/// of one class only, is skipped.
struct WalkForward {
    std::vector<std::int64_t> rows;  ///< the rows scored, day by day
    std::vector<double> risk;        ///< their predicted churn probabilities
    std::size_t dates_scored = 0;
    std::size_t dates_skipped = 0;
};

inline WalkForward walk_forward_logistic(const Eigen::Ref<const Eigen::MatrixXd>& x,
                                         std::span<const double> y,
                                         std::span<const std::int64_t> day,
                                         std::int64_t horizon_days, int min_train_dates,
                                         const LogisticOptions& options = {}) {
    const std::size_t n = y.size();
    if (static_cast<std::size_t>(x.rows()) != n || day.size() != n)
        throw InputError("walk_forward: " + std::to_string(x.rows()) + " feature rows, " +
                         std::to_string(n) + " labels and " + std::to_string(day.size()) + " days");
    if (horizon_days < 1)
        throw InputError::argument("horizon_days",
                                   "must be >= 1, got " + std::to_string(horizon_days));
    if (min_train_dates < 1)
        throw InputError::argument("min_train_dates",
                                   "must be >= 1, got " + std::to_string(min_train_dates));
    std::vector<std::int64_t> days(day.begin(), day.end());
    std::sort(days.begin(), days.end());
    days.erase(std::unique(days.begin(), days.end()), days.end());
    WalkForward out;
    for (std::int64_t t : days) {
        std::vector<Eigen::Index> train, test;
        std::int64_t last_day = std::numeric_limits<std::int64_t>::min();
        int train_days = 0;
        double positives = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (day[i] == t) test.push_back(static_cast<Eigen::Index>(i));
        }
        // Training days counted in increasing order of day, rows in row order.
        for (std::int64_t s : days) {
            if (s + horizon_days > t) break;
            if (s != last_day) ++train_days, last_day = s;
        }
        for (std::size_t i = 0; i < n; ++i)
            if (day[i] + horizon_days <= t) {
                train.push_back(static_cast<Eigen::Index>(i));
                positives += y[i];
            }
        const double count = static_cast<double>(train.size());
        if (train_days < min_train_dates || positives == 0 || positives == count) {
            ++out.dates_skipped;
            continue;
        }
        const Eigen::MatrixXd xt = x(train, Eigen::all);
        std::vector<double> yt;
        yt.reserve(train.size());
        for (auto i : train) yt.push_back(y[static_cast<std::size_t>(i)]);
        const LogisticFit fit = fit_logistic(xt, yt, {}, options);
        const Eigen::MatrixXd xs = x(test, Eigen::all);
        const Eigen::VectorXd p = logistic_probability(xs, fit, options.n_threads);
        for (std::size_t k = 0; k < test.size(); ++k) {
            out.rows.push_back(test[k]);
            out.risk.push_back(p[static_cast<Eigen::Index>(k)]);
        }
        ++out.dates_scored;
    }
    return out;
}

/// Health-model weights fitted to churn: a logistic regression (C) of y on the model's measure
/// scores (a missing one counted as 50, neutral) over the rows where `train` is non-zero. Each
/// measure's weight becomes minus its coefficient (per measure-score point), so the score
/// orders accounts as the regression does; a measure with a coefficient >= 0 (pointing the
/// wrong way) gets weight 0 and is listed. Group weights become the sums of their measures'.
struct WeightFit {
    HealthModel model;
    std::vector<double> coefficients;  ///< per measure, in model order
    std::vector<std::string> wrong_way;
};

inline WeightFit fit_weights(const HealthModel& model, const std::vector<std::string>& column_names,
                             const std::vector<std::span<const double>>& columns,
                             std::span<const double> y, std::span<const std::uint8_t> train,
                             double C = 1.0, int n_threads = 0) {
    const HealthExplanation explained = model.explain(column_names, columns, n_threads);
    const std::size_t n = explained.score.size(), M = model.measures().size();
    if (y.size() != n || train.size() != n)
        throw InputError("fit_weights: " + std::to_string(n) + " rows, " +
                         std::to_string(y.size()) + " labels and " + std::to_string(train.size()) +
                         " train flags");
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < n; ++i)
        if (train[i]) rows.push_back(i);
    Eigen::MatrixXd x(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(M));
    std::vector<double> yt;
    yt.reserve(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
        for (std::size_t m = 0; m < M; ++m) {
            const double s = explained.measure_score[m][rows[r]];
            x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(m)) =
                std::isnan(s) ? 50.0 : s;
        }
        yt.push_back(y[rows[r]]);
    }
    LogisticOptions options;
    options.C = C;
    options.n_threads = n_threads;
    const LogisticFit fit = fit_logistic(x, yt, {}, options);
    nlohmann::json document = model.document();
    std::vector<double> group_weight(model.groups().size(), 0.0);
    WeightFit out{model, {}, {}};
    bool any = false;
    for (std::size_t m = 0; m < M; ++m) {
        const double coef = fit.coef[static_cast<Eigen::Index>(m)];
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
    out.model = HealthModel(document);
    return out;
}

}  // namespace retain::backtest
