#pragma once
// L2-regularised logistic regression for churn models, solved by Newton's method (IRLS).
//
// The objective is scikit-learn's LogisticRegression(C=C, penalty="l2") for two classes:
//
//     minimise  C * sum_i w_i * logloss_i(coef, intercept) + 0.5 * ||coef||^2
//
// with w_i = sample_weight_i * class_weight[y_i]; the intercept is not penalised. With
// `standardize` the fit runs on the columns centred and scaled like scikit-learn's StandardScaler
// (sample-weighted mean and population std, ddof 0; a constant column keeps scale 1), so the
// penalty applies to the coefficients of the standardized features; the result reports them on
// both scales: `coef`/`intercept` for the original features (what predictions use) and
// `coef_standardized`/`intercept_standardized` for the standardized ones (what scikit-learn fitted
// on StandardScaler-transformed data reports, and the scale on which coefficients compare).
//
// Each Newton step builds the gradient and the Hessian X'DX + I/C in one pass over the rows: the
// rows are cut into chunks fixed by the row count (never by the thread count), each chunk
// standardizes its rows block by block into a small column-major buffer and adds the block's
// X'DX with a symmetric rank update, and the chunk partials are summed in chunk order. The data
// are read in place through a MatrixView, in whatever layout the caller holds them; the fit is the
// same to the last bit for every layout and every number of threads. A step that does not
// decrease the objective enough (Armijo) is halved. The solver (Eigen) is compiled into the
// library (src/logistic.cpp): this header costs a caller no linear-algebra headers.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "retain/error.hpp"
#include "retain/matrix.hpp"
#include "retain/threads.hpp"

namespace retain {

/// How to fit a LogisticChurnModel (scikit-learn's names where they exist).
struct LogisticOptions {
    double C = 1.0;           ///< inverse regularisation strength, a positive finite number
    bool standardize = true;  ///< fit on centred and scaled columns (see the header comment)
    /// Weights of class 0 and class 1, multiplying the sample weights (non-negative, finite).
    std::array<double, 2> class_weight{1.0, 1.0};
    /// scikit-learn's class_weight="balanced": class c weighs W / (2 W_c), with W the total
    /// sample weight and W_c that of class c (the row counts when there are no sample weights).
    /// Replaces `class_weight`.
    bool balanced = false;
    int max_iter = 100;  ///< Newton steps at most (>= 1); reaching it clears `converged`
    /// Stop when max |gradient| / (C * sum w) <= tol (the gradient of scikit-learn's scaled
    /// objective) or when a step changes no parameter by more than tol * (1 + max |parameter|).
    double tol = 1e-8;
    Threads n_threads = {};  ///< threads for the passes over the rows; 0 = every core
};

/// A fitted logistic regression: coefficients on both scales and how the fit went.
struct LogisticFit {
    std::vector<double> coef;  ///< per feature, for the original (unstandardized) features
    double intercept = 0.0;    ///< for the original features
    /// Per feature, for (x - mean) / scale; = coef without standardization.
    std::vector<double> coef_standardized;
    double intercept_standardized = 0.0;
    std::vector<double> mean;   ///< the centring used (0 without standardization)
    std::vector<double> scale;  ///< the scaling used (1 without standardization and for constants)
    std::array<double, 2> class_weight{1.0, 1.0};  ///< the class weights used
    int n_iter = 0;                                ///< Newton steps taken
    bool converged = false;     ///< false: stopped at max_iter (or no step could decrease)
    double objective = 0.0;     ///< C * sum w logloss + 0.5 ||coef_standardized||^2 at the end
    double gradient_max = 0.0;  ///< max |gradient| / (C * sum w) at the end
    /// Columns whose value is the same in every row of positive weight. With standardization
    /// their coefficient is exactly 0; without it they act as a second intercept.
    std::vector<std::size_t> constant_columns;
    /// The fitted score separates the classes completely (every row of class 1 scores above
    /// every row of class 0): without the penalty the coefficients would grow without bound;
    /// the regularisation keeps them finite.
    bool separable = false;
};

/// The largest feature magnitude fit_logistic takes: the standardization adds up squares of
/// centred values, and larger ones would overflow them.
inline constexpr double logistic_max_feature = 1e100;

/// Fits the model to the rows of `x` (n x d, any layout: see MatrixView) with labels `y` (n
/// values, each 0 or 1) and `sample_weight` (n non-negative finite values, or empty for all 1).
/// `feature_names` (d names, or empty for x0, x1, ...) name the columns in error messages.
///
/// Throws InputError naming the argument, or the column and row: "column 'tenure', row 17: is
/// NaN (features must be finite)", "column 'y', row 3: must be 0 or 1, got 2", "y: has one class
/// only (all 0); a logistic regression needs both", "column 'sample_weight', row 5: must be a
/// finite non-negative weight, got -1", "C: must be a positive finite number, got 0", ...
/// A feature above 1e100 in magnitude is an InputError too (its square would overflow the
/// standardization). Not converging within max_iter is not an error: `converged` is false.
LogisticFit fit_logistic(MatrixView x, std::span<const double> y,
                         std::span<const double> sample_weight, const LogisticOptions& options,
                         const std::vector<std::string>& feature_names = {});

/// The same with integer labels, as retain::label_churn gives them (after dropping its negative
/// codes: any value other than 0 or 1 is an error naming the row).
LogisticFit fit_logistic(MatrixView x, std::span<const std::int8_t> y,
                         std::span<const double> sample_weight, const LogisticOptions& options,
                         const std::vector<std::string>& feature_names = {});

/// The linear score intercept + x . coef of each row of `x` (the log-odds of class 1). `x` must
/// have the fitted number of columns, all finite (an InputError names the column and row).
std::vector<double> logistic_decision(MatrixView x, const LogisticFit& fit, Threads n_threads = {},
                                      const std::vector<std::string>& feature_names = {});

/// The probability of class 1, 1 / (1 + exp(-score)), of each row of `x` (see logistic_decision).
std::vector<double> logistic_probability(MatrixView x, const LogisticFit& fit,
                                         Threads n_threads = {},
                                         const std::vector<std::string>& feature_names = {});

/// A churn model: options, then a fit, then probabilities. The C++ face of
/// retain.LogisticChurnModel.
class LogisticChurnModel {
  public:
    explicit LogisticChurnModel(LogisticOptions options = {}) : options_(options) {}

    /// Fits (see fit_logistic) and keeps the result; returns it.
    const LogisticFit& fit(MatrixView x, std::span<const double> y,
                           std::span<const double> sample_weight = {},
                           const std::vector<std::string>& feature_names = {}) {
        return keep(fit_logistic(x, y, sample_weight, options_, feature_names));
    }
    const LogisticFit& fit(MatrixView x, std::span<const std::int8_t> y,
                           std::span<const double> sample_weight = {},
                           const std::vector<std::string>& feature_names = {}) {
        return keep(fit_logistic(x, y, sample_weight, options_, feature_names));
    }

    bool fitted() const noexcept { return fitted_; }
    const LogisticOptions& options() const noexcept { return options_; }
    /// The last fit; an Error before any.
    const LogisticFit& result() const {
        if (!fitted_) throw Error("LogisticChurnModel: not fitted yet; call fit first");
        return fit_;
    }

    /// The log-odds of churn per row of `x` (see logistic_decision).
    std::vector<double> decision_function(MatrixView x) const {
        return logistic_decision(x, result(), options_.n_threads);
    }
    /// The probability of churn per row of `x`, ready for the metrics (see logistic_probability).
    std::vector<double> predict_proba(MatrixView x) const {
        return logistic_probability(x, result(), options_.n_threads);
    }

  private:
    const LogisticFit& keep(LogisticFit&& fit) {
        fit_ = std::move(fit);
        fitted_ = true;
        return fit_;
    }

    LogisticOptions options_;
    LogisticFit fit_;
    bool fitted_ = false;
};

}  // namespace retain
