#pragma once
// Churn probability from a score, and the MRR it puts at risk.
//
// A health score or a model's risk ranks accounts, but a customer-success leader plans with
// probabilities: "how much MRR do we expect to lose next quarter, and from whom?". A calibration
// maps a risk (or a score) to the probability of churning within a horizon, learned from labelled
// history, in one of two ways that match scikit-learn:
//
//   isotonic   the monotone piecewise-linear map of IsotonicRegression(increasing=...,
//              out_of_bounds="clip"): pool-adjacent-violators on the (weighted) labels, rows of
//              the same x merged first, straight lines between the fitted points, and the end
//              values beyond them. Flexible; needs enough rows per region of the score.
//   logistic   Platt's sigmoid p = 1 / (1 + exp(-(intercept + slope x))), the maximum-likelihood
//              fit of LogisticRegression(penalty=None) on the one column x. Two parameters, so it
//              is stable on little data, but it assumes the log-odds are linear in the score.
//
// kpi::mrr_at_risk then sums probability x MRR per group and names the accounts that make up
// most of the expected loss: the short list a CSM team works first.
//
// The fits and the sort compile into the library (src/calibration.cpp).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "retain/error.hpp"
#include "retain/metrics.hpp"
#include "retain/threads.hpp"

namespace retain::calibration {

/// A fitted isotonic regression: the points (x[k], y[k]) of a monotone piecewise-linear map,
/// exactly scikit-learn's X_thresholds_ and y_thresholds_.
struct IsotonicMap {
    std::vector<double> x;  ///< strictly increasing thresholds (distinct fitted x values)
    std::vector<double> y;  ///< fitted value at each threshold, monotone as `increasing` says
    bool increasing = true;

    /// f(t): t clipped to [x.front(), x.back()], then the straight line between the thresholds
    /// around it (scipy's interp1d: the segment [x[k-1], x[k]] with x[k] the first threshold
    /// >= t, k at least 1). One threshold: y[0] everywhere. t must not be NaN (not checked).
    double operator()(double t) const noexcept;
};

/// Isotonic regression of `y` on `x` by pool-adjacent-violators, as scikit-learn's
/// IsotonicRegression(increasing=increasing, out_of_bounds="clip").fit(x, y, sample_weight):
///
///  1. rows of weight 0 are left out;
///  2. rows are ordered by x (then y), and rows whose x is within 1e-15 (numpy's float64
///     resolution) of the first x of a run are merged into one point: weight the sum, y the
///     weighted mean;
///  3. the weighted least-squares monotone fit of those points is found by pooling adjacent
///     violators (a pool's value is its weighted mean);
///  4. points whose fitted y equals both neighbours' are dropped (the map is unchanged).
///
/// `sample_weight` empty means 1 for every row. Throws InputError naming the column and row: x
/// and y must be finite, weights finite and >= 0, the three of one length, and some weight
/// positive.
IsotonicMap fit_isotonic(std::span<const double> x, std::span<const double> y,
                         std::span<const double> sample_weight = {}, bool increasing = true);

/// A fitted logistic (Platt) map p = 1 / (1 + exp(-(intercept + slope * t))).
struct LogisticMap {
    double intercept = 0.0;
    double slope = 0.0;
    int n_iter = 0;          ///< Newton steps taken
    bool converged = false;  ///< false: stopped at the step limit (the map is still usable)

    /// The probability at t, computed without overflow for any finite t.
    double operator()(double t) const noexcept;
};

/// The maximum-likelihood logistic regression of the 0/1 labels `y` on the one column `x`, with
/// an intercept and no penalty: scikit-learn's LogisticRegression(penalty=None).fit(x[:, None],
/// y, sample_weight), to the last digits (Newton's method on x centred and scaled, then mapped
/// back; it converges in a handful of steps).
///
/// A constant x (over the rows of positive weight) gives slope 0 and the base rate everywhere.
/// Throws InputError naming the column and row for a bad value (x not finite, y not 0 or 1, a
/// weight not finite or < 0), and saying why when the fit has no answer: one class only, or x
/// separating the classes (every churner's x >= every other row's x, or <=): the likelihood
/// then keeps growing as the slope does, and no finite sigmoid is the best.
LogisticMap fit_logistic_map(std::span<const double> x, metrics::Labels y,
                             std::span<const double> sample_weight = {});

/// How a RiskCalibration maps a risk to a probability.
enum class Method { isotonic, logistic };

/// "isotonic" or "logistic".
const char* method_name(Method method) noexcept;

/// A risk (or score) -> probability of churn map: a fitted isotonic or logistic map behind one
/// `predict`. The C++ face of retain.RiskCalibration (which adds the scorer, the as-of dates and
/// the held-out check around it).
class RiskCalibration {
  public:
    /// Wraps a fitted map, e.g. one read back from storage.
    explicit RiskCalibration(IsotonicMap map);
    explicit RiskCalibration(LogisticMap map);

    /// Fits `method` to the 0/1 churn labels `y` of rows with risk `risk` (finite) and optional
    /// weights. `increasing` (isotonic only): the probability rises with x — true for a risk,
    /// false for a health score (higher = healthier). A logistic fit finds its direction itself.
    /// Errors name the column ("risk", "y", "sample_weight") and row, as fit_isotonic and
    /// fit_logistic_map do; isotonic also needs labels 0 or 1.
    static RiskCalibration fit(Method method, std::span<const double> risk, metrics::Labels y,
                               std::span<const double> sample_weight = {}, bool increasing = true);

    Method method() const noexcept { return method_; }
    /// The isotonic map; an Error when the method is logistic.
    const IsotonicMap& isotonic() const;
    /// The logistic map; an Error when the method is isotonic.
    const LogisticMap& logistic() const;

    /// The probability of churn at one risk; InputError (argument "risk") if not finite.
    double predict(double risk) const;
    /// The probability of churn of each risk (finite: an InputError names the first bad row).
    /// Cut into fixed blocks over `n_threads`; each value depends on its risk only.
    std::vector<double> predict(std::span<const double> risk, Threads n_threads = {}) const;

  private:
    Method method_;
    IsotonicMap isotonic_;
    LogisticMap logistic_;
};

}  // namespace retain::calibration

namespace retain::kpi {

/// MRR at risk per group (see mrr_at_risk).
struct MrrAtRisk {
    std::vector<std::int64_t> accounts;     ///< accounts in the group
    std::vector<double> mrr;                ///< their MRR
    std::vector<double> expected_mrr_lost;  ///< sum of probability x MRR
    /// The top accounts of group g are top_accounts[top_begin[g] .. top_begin[g + 1]): input
    /// indices, largest probability x MRR first (ties: lower index first). top_begin has
    /// n_groups + 1 entries.
    std::vector<std::size_t> top_begin;
    std::vector<std::size_t> top_accounts;

    /// The top accounts of group g (g < number of groups, unchecked).
    std::span<const std::size_t> top(std::size_t g) const noexcept {
        return std::span<const std::size_t>(top_accounts)
            .subspan(top_begin[g], top_begin[g + 1] - top_begin[g]);
    }
};

/// Expected MRR lost per group: for account i with churn probability `probability[i]` (in
/// [0, 1], e.g. from a RiskCalibration) and `mrr[i]` (finite, >= 0), its expected loss is
/// probability[i] * mrr[i]; each group g (`group[i]` in [0, n_groups)) reports its accounts, MRR,
/// the sum of their expected losses, and its top accounts: the fewest accounts, taken by
/// decreasing expected loss (ties by index), whose expected losses add up to at least `share`
/// (in (0, 1], default 0.8) of the group's. An account expected to lose nothing is never a top
/// account; a group expecting no loss has none. Sums are compensated (Neumaier); a group's
/// expected loss is added in the top-account order, so share 1 lists exactly the accounts with a
/// positive expected loss.
///
/// Throws InputError: lengths that differ (argument "mrr" or "group"), and naming the column and
/// row, a probability outside [0, 1] or NaN ("probability"), an MRR that is negative or not
/// finite ("mrr"), a group code out of range ("group"); `share` outside (0, 1] (argument).
MrrAtRisk mrr_at_risk(std::span<const double> probability, std::span<const double> mrr,
                      std::span<const std::int64_t> group, std::size_t n_groups,
                      double share = 0.8);

}  // namespace retain::kpi
