#pragma once
// Backtesting churn scores: the metrics of labelled, scored snapshot rows per as-of date and
// pooled, a walk-forward of the logistic churn model that never fits on a label from the
// future, and health-model weights fitted to churn history. The labels themselves are
// retain/labels.hpp; the metrics retain/metrics.hpp. Compiled into the library
// (src/backtest.cpp).

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "retain/health.hpp"
#include "retain/logistic.hpp"
#include "retain/matrix.hpp"
#include "retain/threads.hpp"

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
Evaluation evaluate(std::span<const double> y, std::span<const double> risk, bool probabilities);

/// The metrics of each as-of date: the rows with date_code == d (in [0, n_dates)) are date d.
/// Dates are evaluated in parallel on up to `n_threads` threads (0 = every core); each date's
/// result is computed alone, so the thread count never changes it.
std::vector<Evaluation> evaluate_by_date(std::span<const std::int64_t> date_code,
                                         std::size_t n_dates, std::span<const double> y,
                                         std::span<const double> risk, bool probabilities,
                                         Threads n_threads = {});

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

WalkForward walk_forward_logistic(MatrixView x, std::span<const double> y,
                                  std::span<const std::int64_t> day, std::int64_t horizon_days,
                                  int min_train_dates, const LogisticOptions& options = {});

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

WeightFit fit_weights(const HealthModel& model, const std::vector<std::string>& column_names,
                      const std::vector<std::span<const double>>& columns,
                      std::span<const double> y, std::span<const std::uint8_t> train,
                      double C = 1.0, Threads n_threads = {});

}  // namespace retain::backtest
