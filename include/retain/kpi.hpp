#pragma once
// Revenue KPIs: MRR movements and the rates built on them, net and gross revenue retention, cohort
// retention, unit economics (LTV, CAC) and NPS. Conventions are stated at each function; where
// sources disagree, the choice made here is the one named in the docs.

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "retain/account.hpp"
#include "retain/error.hpp"
#include "retain/survival.hpp"
#include "retain/threads.hpp"
#include "retain/time.hpp"

namespace retain::kpi {

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// MRR movements

/// One row per month from the table's first to its last month. Amounts are sums of MRR; the
/// *_accounts columns count accounts. For an account with prev = its MRR the month before (0 before
/// the data starts) and cur = its MRR this month:
///   prev = 0 < cur: new (first time it pays) or reactivation (it paid before), amount cur;
///   prev > 0 = cur: churned, amount prev;  0 < prev < cur: expansion, cur - prev;
///   0 < cur < prev: contraction, prev - cur;  equal: no movement.
/// starting + new + expansion + reactivation - contraction - churned == ending in every month, and
/// starting of a month equals ending of the month before. Sums are compensated, so the identity
/// holds to rounding (exactly for amounts with few significant bits, such as whole numbers).
struct MrrMovements {
    Month first_month = 0;
    std::vector<double> starting_mrr, new_mrr, expansion, contraction, churned, reactivation,
        ending_mrr;
    std::vector<std::int64_t> starting_accounts, new_accounts, expansion_accounts,
        contraction_accounts, churned_accounts, reactivated_accounts, ending_accounts;

    std::size_t size() const noexcept { return ending_mrr.size(); }
    /// Sizes every column for `n` months, zero-filled.
    void resize(std::size_t n);
};

/// Revenue movements of every account, month by month. `n_threads` 0 uses every core; the result
/// is the same for any thread count.
MrrMovements mrr_movements(const MrrTable& table, Threads n_threads = {});

/// Which churn: lost accounts, lost revenue, or lost revenue net of expansion and reactivation.
enum class ChurnKind { logo, gross_revenue, net_revenue };

/// "logo", "gross_revenue" or "net_revenue"; anything else is an InputError naming `kind`.
ChurnKind parse_churn_kind(std::string_view kind);

/// Churn per month of `mv`:
///   logo          = churned_accounts / starting_accounts
///   gross_revenue = (contraction + churned) / starting_mrr
///   net_revenue   = (contraction + churned - expansion - reactivation) / starting_mrr
///                   (as ChartMogul defines it: negative when expansion outweighs losses).
/// NaN where the denominator is 0 (no accounts or no revenue at the start of the month).
std::vector<double> churn_rate(const MrrMovements& mv, ChurnKind kind);

/// 1 - churn_rate(mv, kind); NaN where churn is NaN.
std::vector<double> retention_rate(const MrrMovements& mv, ChurnKind kind);

/// (new + expansion + reactivation) / (contraction + churned); NaN where nothing was lost
/// (a ratio over zero losses says nothing). Reactivation counts as growth, as in most sources.
std::vector<double> quick_ratio(const MrrMovements& mv);

/// Average revenue per account: ending_mrr / ending_accounts; NaN where no account pays.
std::vector<double> arpa(const MrrMovements& mv);

// ---------------------------------------------------------------------------------------------
// Revenue retention and cohorts

/// A value per month, the first of which is `first_month`.
struct PeriodSeries {
    Month first_month = 0;
    std::vector<double> values;
};

/// Net revenue retention over `months` months: for the accounts paying at p - months, their MRR at
/// p over their MRR at p - months. One value per month p of the table that has p - months in it;
/// NaN where nobody paid at p - months. `months` must be >= 1.
PeriodSeries nrr(const MrrTable& table, int months = 12, Threads n_threads = {});

/// Gross revenue retention: as nrr, with each account's MRR at p capped at its MRR at p - months,
/// so grr <= 1 and grr <= nrr.
PeriodSeries grr(const MrrTable& table, int months = 12, Threads n_threads = {});

/// Retention of accounts (logo) or of revenue.
enum class CohortKind { logo, revenue };

/// "logo" or "revenue"; anything else is an InputError naming `kind`.
CohortKind parse_cohort_kind(std::string_view kind);

/// Cohorts are accounts grouped by their first paying month. The value at (c, age) is, for cohort
/// c at `age` months after its start: logo = share of the cohort's accounts paying then; revenue =
/// the cohort's MRR then over its MRR at age 0 (so it can exceed 1). NaN beyond the table's last
/// month.
struct CohortRetention {
    std::vector<Month> cohorts;       ///< cohort start months, increasing (non-empty cohorts)
    std::vector<std::int64_t> sizes;  ///< accounts in each cohort
    /// Row-major, rows() x cols(): the value at (c, age) is values[c * cols() + age]. A plain
    /// vector, as every other result is, so a caller needs no matrix library to read it.
    std::vector<double> values;
    std::size_t n_ages = 0;  ///< ages 0 .. n_ages - 1: the first (oldest) cohort's whole span

    std::size_t rows() const noexcept { return cohorts.size(); }
    std::size_t cols() const noexcept { return n_ages; }
    /// The value at (cohort, age), checked: an index past rows() or cols() is an InputError
    /// naming it and the size (values[] is the unchecked way).
    double at(std::size_t cohort, std::size_t age) const {
        if (cohort >= rows()) throw InputError::out_of_range("cohort", cohort, rows());
        if (age >= cols()) throw InputError::out_of_range("age", age, cols());
        return values[cohort * n_ages + age];
    }
};

CohortRetention cohort_retention(const MrrTable& table, CohortKind kind);

// ---------------------------------------------------------------------------------------------
// Unit economics

/// Customer lifetime value = arpa x gross_margin x (1 + d) / (d + churn_rate): the margin of a
/// monthly payment received at the start of each month, kept with probability 1 - churn_rate a
/// month and discounted at rate d a month. With d = 0 it is arpa x margin x lifetime, lifetime
/// = 1 / churn_rate; e.g. ltv(50'000, 0.75, 1.0 / 12) == 450'000.
/// arpa >= 0, 0 <= gross_margin <= 1, 0 <= churn_rate <= 1, discount_rate >= 0, and not both rates
/// 0.
double ltv(double arpa, double gross_margin, double churn_rate, double discount_rate = 0.0);

/// LTV from an expected (discounted) lifetime in payments: arpa x gross_margin x lifetime. The
/// lifetime comes from a model of how long accounts stay: survival::discounted_lifetime of a
/// Kaplan-Meier curve (restricted to a horizon), or an sBG model's
/// discounted_residual_lifetime. arpa >= 0, 0 <= gross_margin <= 1, lifetime finite >= 0.
double ltv_of_lifetime(double arpa, double gross_margin, double lifetime);

/// Customer acquisition cost = sales and marketing spend / new customers (new_customers > 0).
double cac(double spend, double new_customers);

/// ltv / cac (cac > 0).
double ltv_to_cac(double ltv, double cac);

/// Months of gross-margin revenue that repay the CAC: cac / (arpa x gross_margin).
double cac_payback_months(double cac, double arpa, double gross_margin);

// ---------------------------------------------------------------------------------------------
// NPS

/// Net promoter score of 0-10 answers. Promoters answer 9-10, passives 7-8, detractors 0-6.
/// nps = 100 x (p - d) with p, d the promoter and detractor shares, in [-100, 100];
/// stderr = 100 x sqrt((p + d - (p - d)^2) / n), margin95 = 1.96 x stderr.
/// With no answers every number is NaN and n is 0.
struct NpsResult {
    double nps = nan;
    std::int64_t promoters = 0;
    std::int64_t passives = 0;
    std::int64_t detractors = 0;
    std::int64_t n = 0;
    double stderr_ = nan;  // `stderr` is a macro in <cstdio>
    double margin95 = nan;
};

std::ostream& operator<<(std::ostream& out, const NpsResult& r);

/// NPS of `scores`, each an integer from 0 to 10; anything else (NaN included) is an InputError
/// naming `column` and the row.
NpsResult nps(std::span<const double> scores, std::string_view column = "score");

// ---------------------------------------------------------------------------------------------
// Proportions with intervals, satisfaction (CSAT, CES) and grouped NPS

/// A two-sided confidence interval; both ends NaN where it is undefined.
struct Interval {
    double lower = nan;
    double upper = nan;
};

/// Wilson score interval of a proportion successes / n at level `confidence` (0.95 for 95 %):
/// with p = successes / n and z the normal quantile at 1 - (1 - confidence) / 2,
///   centre = (p + z^2 / (2n)) / (1 + z^2 / n),
///   half   = z / (1 + z^2 / n) x sqrt(p (1 - p) / n + z^2 / (4 n^2)),
/// the interval is [centre - half, centre + half] (within [0, 1], never empty even at p = 0 or 1).
/// NaN ends for n = 0. Needs 0 <= successes <= n and 0 < confidence < 1 (InputError otherwise).
Interval wilson_interval(std::int64_t successes, std::int64_t n, double confidence = 0.95);

/// Customer satisfaction: the share of answers on a 1..scale integer scale that are
/// >= satisfied_min ("satisfied"), with its Wilson 95 % interval. With no answers csat and the
/// interval are NaN and n is 0.
struct CsatResult {
    double csat = nan;
    std::int64_t satisfied = 0;
    std::int64_t n = 0;
    double ci_lower = nan;
    double ci_upper = nan;
};

std::ostream& operator<<(std::ostream& out, const CsatResult& r);

/// CSAT of `scores`, each an integer from 1 to `scale`; anything else (NaN included) is an
/// InputError naming `column` and the row. scale >= 2 and 1 <= satisfied_min <= scale (an
/// InputError naming the argument otherwise). The usual 5-point survey counts 4 and 5.
CsatResult csat(std::span<const double> scores, int scale = 5, int satisfied_min = 4,
                std::string_view column = "score");

/// Customer effort score: the mean of the answers, `stddev` their sample standard deviation
/// (n - 1 in the denominator) and the Student's t 95 % interval
///   ces -+ t_{0.975, n-1} x std / sqrt(n).
/// stddev and the interval are NaN for n < 2; everything is NaN for n = 0.
struct CesResult {
    double ces = nan;
    std::int64_t n = 0;
    double stddev = nan;  // Python: std
    double ci_lower = nan;
    double ci_upper = nan;
};

std::ostream& operator<<(std::ostream& out, const CesResult& r);

/// CES of `scores`, finite numbers (whatever the survey's scale); a NaN or infinite answer is an
/// InputError naming `column` and the row.
CesResult ces(std::span<const double> scores, std::string_view column = "score");

/// NPS per group: `group[i]` is the dense code (0 <= code < n_groups) of answer i's group.
/// Element g is nps() of the answers of group g (all NaN and n 0 for a group without answers).
/// A score outside 0-10 is an InputError naming `column` and its row; a bad code names "group".
std::vector<NpsResult> nps_by(std::span<const std::int64_t> group, std::size_t n_groups,
                              std::span<const double> scores, std::string_view column = "score");

// ---------------------------------------------------------------------------------------------
// Rates with intervals, upsell and cross-sell

/// Per period: successes out of n, rate = successes / n (NaN where n = 0) and its Wilson interval.
struct Proportions {
    std::vector<std::int64_t> successes, n;
    std::vector<double> rate, ci_lower, ci_upper;

    std::size_t size() const noexcept { return rate.size(); }
};

/// Logo churn per month of `mv` with its Wilson interval at level `confidence`: churned_accounts
/// out of starting_accounts (rate NaN and interval NaN where no account starts the month). A
/// Wilson interval is for counts, so `kind` must be ChurnKind::logo: the revenue kinds are an
/// InputError naming "ci".
Proportions churn_rate_interval(const MrrMovements& mv, ChurnKind kind, double confidence = 0.95);

/// Upsell rate per month: expansion_accounts / starting_accounts, the share of the accounts paying
/// at the start of the month that pay more than the month before; NaN where no account starts.
std::vector<double> upsell_rate(const MrrMovements& mv);

/// Cross-sell rate per month p from the second month of the data: among the accounts paying at
/// the start of p (total MRR > 0 in p - 1), the share that pay (MRR > 0, line items summed) in p
/// for a product they did not pay for in p - 1. NaN where no account paid in p - 1.
/// Inputs are a long table: dense account codes (< n_accounts), dense product codes
/// (< n_products), month numbers and MRR (finite, >= 0); bad values are InputErrors naming the
/// column (from `columns`, product column name `product_column`) and row.
PeriodSeries cross_sell_rate(std::span<const std::int64_t> account, std::size_t n_accounts,
                             std::span<const std::int64_t> product, std::size_t n_products,
                             std::span<const std::int64_t> month, std::span<const double> mrr,
                             const MrrColumns& columns = {},
                             std::string_view product_column = "product");

// ---------------------------------------------------------------------------------------------
// Onboarding: completion of required milestones and time to value

/// Column names used in error messages of the onboarding functions.
struct OnboardingColumns {
    std::string account = "account_id";  ///< the milestones table's account column
    std::string milestone = "milestone";
    std::string reached_at = "reached_at";
    std::string signed_at = "signed_at";  ///< the accounts table's signing-date column
};

/// Onboarding completion per cohort (the month of signing) and overall. With window W =
/// within_days and report date as_of (days since 1970-01-01), an account signed on day s <= as_of
/// is
///   eligible when s + W <= as_of (its window has ended): completed when each required milestone
///            was reached on a day r <= s + W (a milestone reached before signing counts);
///   pending  when s + W > as_of (its window is still open): counted, neither completed nor failed.
/// Accounts signed after as_of and milestones reached after as_of are not counted.
/// rate = completed / eligible (NaN where eligible = 0) with its Wilson 95 % interval. Row k
/// describes cohorts[k] (months increasing, only months in which an account signed by as_of);
/// `overall` is the same over every cohort.
struct OnboardingCompletion {
    struct Row {
        std::int64_t completed = 0, eligible = 0, pending = 0;
        double rate = nan, ci_lower = nan, ci_upper = nan;
    };
    std::vector<Month> cohorts;
    std::vector<Row> rows;
    Row overall;
};

/// Day numbers the onboarding functions accept: |day| <= 10^8 (273,000 years each way), and
/// within_days no more; wider values are InputErrors (they are mis-encoded dates).
inline constexpr std::int64_t max_abs_day = 100'000'000;

/// `signed_day[a]` is account a's signing day. The milestones table has one row per milestone
/// reached: `milestone_account` (an account index < signed_day.size()), `milestone` (the index of
/// a required milestone, < n_required, or -1 for a milestone that is not required) and
/// `reached_day`. n_required >= 1 and within_days >= 0, else an InputError naming the argument;
/// a bad row is an InputError naming the column (from `columns`) and row.
OnboardingCompletion onboarding_completion(std::span<const std::int64_t> signed_day,
                                           std::span<const std::int64_t> milestone_account,
                                           std::span<const std::int64_t> milestone,
                                           std::span<const std::int64_t> reached_day,
                                           std::size_t n_required, std::int64_t within_days,
                                           std::int64_t as_of,
                                           const OnboardingColumns& columns = {});

/// Time to value: per account signed by as_of, the days from signing to the first time it reached
/// the milestone by as_of (`reached` 1; 0 days if it was reached before signing), or, if it had
/// not, the days from signing to as_of (`reached` 0, censored: such accounts are kept, never
/// dropped). median, p75 and p90 come from the Kaplan-Meier estimate of these (retain::survival):
/// the q-quantile is the first time at which survival <= 1 - q, +infinity if it never is, NaN
/// with no accounts. `account` lists the account indices kept (signed_day <= as_of), increasing.
struct TimeToValue {
    std::vector<std::int64_t> account;
    std::vector<double> days;
    std::vector<std::uint8_t> reached;
    double median = nan, p75 = nan, p90 = nan;
};

/// Inputs as for onboarding_completion, with `milestone` 0 on the rows of the milestone of interest
/// and -1 on every other row.
TimeToValue time_to_value(std::span<const std::int64_t> signed_day,
                          std::span<const std::int64_t> milestone_account,
                          std::span<const std::int64_t> milestone,
                          std::span<const std::int64_t> reached_day, std::int64_t as_of,
                          const OnboardingColumns& columns = {});

/// The q-quantile (0 < q < 1) of a Kaplan-Meier curve: its first time at which survival <= 1 - q;
/// +infinity if survival never falls that low, NaN for an empty curve.
double survival_quantile(const survival::KaplanMeier& km, double q);

}  // namespace retain::kpi
