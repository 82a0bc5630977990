#pragma once
// Survival curves: how long accounts stay. Kaplan-Meier with Greenwood variance and log(-log)
// confidence intervals (the conventions of lifelines' KaplanMeierFitter, so results agree), with
// late entry; its median, restricted mean and discounted lifetime; the shifted-beta-geometric
// model of contractual retention.

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "retain/error.hpp"
#include "retain/threads.hpp"

namespace retain::survival {

/// The standard normal quantile function: x with P(Z <= x) = p, for 0 < p < 1.
double normal_quantile(double p);

/// A Kaplan-Meier table: one row per time. With the default timeline the times are 0 and every
/// distinct duration; then at_risk is the number of durations >= time, events and censored the
/// observed and censored durations equal to time. With a given timeline, events and censored count
/// the durations in (previous time, time] and at_risk those >= time.
/// survival = prod over event times u <= t of (1 - d_u / n_u); Greenwood's variance term
/// sum d_u / (n_u (n_u - d_u)) (0 where n_u = d_u); the interval is the log(-log) ("exponential
/// Greenwood") one at level 1 - alpha, 1 where it is undefined (survival 1), as lifelines gives it.
///
/// With late entry (left truncation: account i came under observation at entry[i], at most its
/// duration, as when tracking began after it signed) the table follows lifelines' KaplanMeierFitter
/// with `entry=`: its times are every distinct entry and duration (0 only if one of them is 0),
/// at_risk counts the accounts with entry <= time <= duration (on a given timeline too), and the
/// risk set n_u of the product is the accounts with entry < u <= duration — those entering at u
/// join after its events — except at the table's first time, where they are counted. An account
/// entering and leaving at the same time u is therefore among d_u but not n_u (lifelines'
/// choice). Where d_u exceeds n_u (possible only then) survival does not step at u and the
/// variance term d_u / (n_u (n_u - d_u)), negative there, is kept, so the interval may be
/// undefined (1) from there, as in lifelines. lifelines refuses a table whose risk set empties
/// early (StatError); retain computes it.
struct KaplanMeier {
    std::vector<double> time;
    std::vector<std::int64_t> at_risk, events, censored;
    std::vector<double> survival, ci_lower, ci_upper;
    double alpha = 0.05;

    std::size_t size() const noexcept { return time.size(); }
};

/// Names used in error messages.
struct SurvivalColumns {
    std::string duration = "duration";
    std::string observed = "observed";
    std::string entry = "entry";
};

/// Kaplan-Meier estimate of durations >= 0 (finite) with observed flags 0 (censored) or 1 (event);
/// an empty `observed` means every duration is an event. `timeline`, if not empty, must be
/// increasing; the curve is then read at those times (survival 1 before the table's first time).
/// 0 < alpha < 1. `entry`, if not empty, holds each duration's late entry time, 0 <= entry[i] <=
/// durations[i] (see KaplanMeier); errors name column `columns.entry` and the row.
KaplanMeier kaplan_meier(std::span<const double> durations, std::span<const double> observed,
                         std::span<const double> timeline = {}, double alpha = 0.05,
                         const SurvivalColumns& columns = {}, Threads n_threads = {},
                         std::span<const double> entry = {});

/// kaplan_meier with the observed flags as bytes, 0 (censored) or 1 (event), as numpy and pandas
/// hold booleans: a million flags are read where they are, not widened to doubles first. An
/// empty `observed` means every duration is an event; any other byte is an error naming the row.
KaplanMeier kaplan_meier_flags(std::span<const double> durations,
                               std::span<const std::uint8_t> observed,
                               std::span<const double> timeline = {}, double alpha = 0.05,
                               const SurvivalColumns& columns = {}, Threads n_threads = {},
                               std::span<const double> entry = {});

/// One Kaplan-Meier curve per segment (plan, cohort, tier): `group[i]` is the dense code
/// (0 <= code < n_groups) of duration i's segment; element g is kaplan_meier of segment g's
/// durations (an empty table for a segment without any), with their entries when `entry` is given.
/// A bad code names column `group_column` and the row.
std::vector<KaplanMeier> retention_curves(
    std::span<const std::int64_t> group, std::size_t n_groups, std::span<const double> durations,
    std::span<const double> observed, std::span<const double> timeline = {}, double alpha = 0.05,
    const SurvivalColumns& columns = {}, std::string_view group_column = "group",
    Threads n_threads = {}, std::span<const double> entry = {});

/// The first time at which survival is at or below 0.5; +infinity if it never is (as lifelines);
/// NaN for an empty table.
double median_survival(const KaplanMeier& km);

/// Restricted mean survival time: the area under the survival step function from 0 to `horizon`
/// (>= 0), taking survival 1 before the table's first time. NaN for an empty table.
double restricted_mean(const KaplanMeier& km, double horizon);

/// Discounted expected lifetime read from a survival curve, in payments: a payment at the start of
/// each period of length `period` (> 0), made if the account is still there, each discounted by
/// (1 + discount_rate) per period:
///   sum over t = 0, 1, ... while t x period < horizon of S(t x period) / (1 + discount_rate)^t,
/// S read as the right-continuous step function of the table (1 before its first time, its last
/// survival after its last time). With S(t) = (1 - c)^t and an infinite horizon this is
/// (1 + d) / (d + c), the discounted lifetime of kpi::ltv. horizon >= 0 (+infinity allowed when
/// discount_rate > 0 or the curve reaches 0), discount_rate >= 0, both in the table's time unit
/// per period; the table must not be empty and its times increasing.
double discounted_lifetime(const KaplanMeier& km, double horizon, double discount_rate,
                           double period = 1);

/// Fader and Hardie's shifted-beta-geometric (sBG) model of contractual retention: each customer
/// churns at the end of a period with a constant probability theta, and theta varies across
/// customers as Beta(alpha, beta). Then P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)
/// for the period t >= 1 in which a customer churns, survival S(t) = B(alpha, beta + t) /
/// B(alpha, beta), and the retention rate r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta
/// + t - 1) rises with t as the churn-prone leave.
class ShiftedBetaGeometric {
  public:
    /// A model with given parameters, both from 1e-6 to 1e6 (beyond, the formulas lose their
    /// digits; a fit may still end outside, as parameters running off together).
    ShiftedBetaGeometric(double alpha, double beta);

    /// Maximum-likelihood fit to a cohort's survivor counts: survivors[0] customers at the
    /// start, survivors[t] still customers after period t (whole numbers, never increasing, at
    /// least two periods and one churn). Errors name the entry at fault, e.g. "survivors[3]".
    /// Survivors cannot rise: for returning accounts, count each account lost at its first churn
    /// (fit_cohorts with survival::cohort_survivors does).
    static ShiftedBetaGeometric fit(std::span<const double> survivors, int max_iter = 100,
                                    double tol = 1e-10);

    /// Joint maximum-likelihood fit of one (alpha, beta) to several cohorts' survivor counts of
    /// different lengths (Fader and Hardie's multi-cohort likelihood): in cohort k the customers
    /// lost in period t contribute log P(T = t) each, and the survivors of its last period T_k
    /// log S(T_k). survivors[k][0] is cohort k's size (> 0), survivors[k][t] its customers after
    /// period t (whole numbers, never increasing); a cohort without a period adds nothing.
    /// `cohort_names` (empty, or one per cohort, e.g. "2024-01") name the cohorts in messages.
    /// An InputError says the cohorts are too small to fit, listing their counts, when no cohort
    /// has a completed period, nobody churned, or no cohort has two periods (one period fixes only
    /// alpha / (alpha + beta)).
    static ShiftedBetaGeometric fit_cohorts(const std::vector<std::vector<double>>& survivors,
                                            int max_iter = 100, double tol = 1e-10,
                                            std::span<const std::string> cohort_names = {});

    double alpha() const noexcept { return alpha_; }
    double beta() const noexcept { return beta_; }
    /// Log-likelihood at the fit (0 for a model built from parameters).
    double log_likelihood() const noexcept { return log_likelihood_; }
    /// Newton iterations the fit took, and whether its last step was below `tol` (a cohort whose
    /// every customer churned in the first period, say, has no finite maximum).
    int iterations() const noexcept { return iterations_; }
    bool converged() const noexcept { return converged_; }

    /// r(t) = S(t) / S(t - 1), t >= 1.
    double retention(double t) const;
    /// S(t), t >= 0 (S(0) = 1).
    double survival(double t) const;
    /// P(T = t), t >= 1: the share of the cohort that churns in period t.
    double churn_probability(double t) const;
    /// Discounted expected lifetime of a new customer (Fader and Hardie's DEL): the expected
    /// number of payments, the first one now and certain, each later one discounted by
    /// (1 + d) per period: sum over t >= 0 of S(t) / (1 + d)^t. LTV = margin per payment x DEL.
    /// discount_rate > 0 per period (undiscounted, the sum may be infinite).
    double discounted_expected_lifetime(double discount_rate) const;

    /// Discounted expected residual lifetime (DERL) of a customer who has made `renewals`
    /// renewals and is about to make the next (renewal n = renewals + 1 at the end of period n):
    /// sum over t >= n of S(t) / S(n - 1) / (1 + d)^(t - n), the next payment undiscounted but
    /// uncertain. discount_rate > 0, renewals a whole number >= 0.
    double discounted_residual_lifetime(double discount_rate, double renewals) const;

  private:
    // Newton's method on (log alpha, log beta) for validated cohorts.
    static ShiftedBetaGeometric fit_joint(const std::vector<std::vector<double>>& survivors,
                                          int max_iter, double tol);

    double alpha_, beta_;
    double log_likelihood_ = 0;
    int iterations_ = 0;
    bool converged_ = false;
};

std::ostream& operator<<(std::ostream& out, const ShiftedBetaGeometric& m);

}  // namespace retain::survival
