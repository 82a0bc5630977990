// Customer KPIs: intervals, CSAT, CES, grouped NPS, churn with an interval, upsell and cross-sell.
// Expected values are worked by hand from the definitions in retain/kpi.hpp (Wilson and t
// intervals to 4 decimals, as printed in textbooks for these counts).

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <retain/kpi.hpp>
#include <vector>

using namespace retain;
using doctest::Approx;

TEST_CASE("wilson_interval: textbook values, edges and bad arguments") {
    // 8 of 10: p = 0.8, z = 1.95996: centre 0.71674, half 0.22658.
    auto ci = kpi::wilson_interval(8, 10, 0.95);
    CHECK(ci.lower == Approx(0.4902).epsilon(1e-3));
    CHECK(ci.upper == Approx(0.9433).epsilon(1e-3));
    // At p = 0 the interval is [0, z^2 / (n + z^2)] = [0, 3.8415 / 13.8415].
    ci = kpi::wilson_interval(0, 10, 0.95);
    CHECK(ci.lower == 0.0);
    CHECK(ci.upper == Approx(3.841459 / 13.841459));
    ci = kpi::wilson_interval(10, 10, 0.95);
    CHECK(ci.lower == Approx(10.0 / 13.841459));
    CHECK(ci.upper == 1.0);
    // A wider level gives a wider interval around the same centre.
    const auto narrow = kpi::wilson_interval(8, 10, 0.5), wide = kpi::wilson_interval(8, 10, 0.99);
    CHECK(narrow.lower > 0.4902);
    CHECK(wide.lower < 0.4902);
    ci = kpi::wilson_interval(0, 0, 0.95);
    CHECK(std::isnan(ci.lower));
    CHECK(std::isnan(ci.upper));
    CHECK_THROWS_WITH_AS(kpi::wilson_interval(11, 10), doctest::Contains("successes"), InputError);
    CHECK_THROWS_WITH_AS(kpi::wilson_interval(-1, 10), doctest::Contains("successes"), InputError);
    CHECK_THROWS_WITH_AS(kpi::wilson_interval(1, -1), doctest::Contains("n:"), InputError);
    CHECK_THROWS_WITH_AS(kpi::wilson_interval(1, 2, 1.0), doctest::Contains("confidence"),
                         InputError);
    CHECK_THROWS_AS(kpi::wilson_interval(1, 2, std::nan("")), InputError);
}

TEST_CASE("csat: share of answers >= satisfied_min with a Wilson interval") {
    const std::vector<double> scores = {5, 4, 3, 5, 1, 4, 2, 5, 5, 4};  // 7 of 10 are 4 or 5
    const auto r = kpi::csat(scores);
    CHECK(r.satisfied == 7);
    CHECK(r.n == 10);
    CHECK(r.csat == 0.7);
    CHECK(r.ci_lower == Approx(0.3968).epsilon(1e-3));
    CHECK(r.ci_upper == Approx(0.8922).epsilon(1e-3));
    // On a 7-point scale with 5 and up satisfied: only 5 of these count (none is above 5).
    const auto seven = kpi::csat(scores, 7, 5);
    CHECK(seven.satisfied == 4);
    CHECK(seven.csat == 0.4);
    const auto empty = kpi::csat({});
    CHECK(empty.n == 0);
    CHECK(std::isnan(empty.csat));
    CHECK(std::isnan(empty.ci_lower));
}

TEST_CASE("csat: bad scores and arguments are named") {
    const std::vector<double> zero = {5, 0}, six = {6}, half = {4.5}, missing = {4, std::nan("")};
    CHECK_THROWS_WITH_AS(kpi::csat(zero, 5, 4, "answer"),
                         "column 'answer', row 1: CSAT score must be an integer from 1 to 5, got 0",
                         InputError);
    CHECK_THROWS_WITH_AS(kpi::csat(six), doctest::Contains("row 0"), InputError);
    CHECK_THROWS_WITH_AS(kpi::csat(half), doctest::Contains("4.5"), InputError);
    CHECK_THROWS_WITH_AS(kpi::csat(missing), doctest::Contains("row 1"), InputError);
    CHECK_THROWS_WITH_AS(kpi::csat({}, 1, 1), doctest::Contains("scale"), InputError);
    CHECK_THROWS_WITH_AS(kpi::csat({}, 5, 6), doctest::Contains("satisfied_min"), InputError);
    CHECK_THROWS_WITH_AS(kpi::csat({}, 5, 0), doctest::Contains("satisfied_min"), InputError);
}

TEST_CASE("ces: mean with a Student's t interval") {
    // mean 4, s^2 = (4 + 1 + 0 + 1 + 4) / 4 = 2.5, t_{0.975, 4} = 2.776445.
    const std::vector<double> scores = {2, 3, 4, 5, 6};
    const auto r = kpi::ces(scores);
    CHECK(r.n == 5);
    CHECK(r.ces == 4.0);
    CHECK(r.stddev == Approx(std::sqrt(2.5)));
    const double half = 2.776445 * std::sqrt(2.5) / std::sqrt(5.0);
    CHECK(r.ci_lower == Approx(4.0 - half).epsilon(1e-6));
    CHECK(r.ci_upper == Approx(4.0 + half).epsilon(1e-6));
    const std::vector<double> one = {3};
    const auto single = kpi::ces(one);
    CHECK(single.ces == 3.0);
    CHECK(std::isnan(single.stddev));
    CHECK(std::isnan(single.ci_lower));
    CHECK(std::isnan(kpi::ces({}).ces));
    const std::vector<double> bad = {1, INFINITY};
    CHECK_THROWS_WITH_AS(kpi::ces(bad, "effort"), doctest::Contains("column 'effort', row 1"),
                         InputError);
}

TEST_CASE("nps_by: NPS per group, an empty group is all NaN") {
    const std::vector<std::int64_t> group = {0, 1, 0, 1, 0};
    const std::vector<double> scores = {10, 0, 9, 7, 3};
    const auto r = kpi::nps_by(group, 3, scores);
    REQUIRE(r.size() == 3);
    CHECK(r[0].nps == Approx(100.0 / 3));  // 10, 9, 3: two promoters, one detractor
    CHECK(r[0].n == 3);
    CHECK(r[1].nps == -50.0);  // 0, 7: one detractor, one passive
    CHECK(r[1].passives == 1);
    CHECK(r[2].n == 0);
    CHECK(std::isnan(r[2].nps));
    // Each group equals nps() of its answers.
    const std::vector<double> g0 = {10, 9, 3};
    CHECK(r[0].stderr_ == Approx(kpi::nps(g0).stderr_));
    const std::vector<std::int64_t> bad_group = {0, 3};
    const std::vector<double> two = {1, 2}, bad_score = {1, 11};
    const std::vector<std::int64_t> ok_group = {0, 0};
    CHECK_THROWS_WITH_AS(kpi::nps_by(bad_group, 3, two), doctest::Contains("row 1"), InputError);
    CHECK_THROWS_WITH_AS(kpi::nps_by(ok_group, 1, bad_score), doctest::Contains("row 1"),
                         InputError);
    CHECK_THROWS_AS(kpi::nps_by(ok_group, 1, g0), InputError);
}

namespace {

kpi::MrrMovements two_months() {
    kpi::MrrMovements mv;
    mv.resize(2);
    mv.starting_accounts = {0, 10};
    mv.churned_accounts = {0, 2};
    mv.expansion_accounts = {0, 3};
    return mv;
}

}  // namespace

TEST_CASE("churn_rate_interval: logo churn with a Wilson interval, revenue kinds refused") {
    const auto p = kpi::churn_rate_interval(two_months(), kpi::ChurnKind::logo, 0.95);
    REQUIRE(p.size() == 2);
    CHECK(std::isnan(p.rate[0]));
    CHECK(std::isnan(p.ci_lower[0]));
    CHECK(p.n[0] == 0);
    CHECK(p.rate[1] == 0.2);
    CHECK(p.successes[1] == 2);
    CHECK(p.n[1] == 10);
    CHECK(p.ci_lower[1] == Approx(0.0567).epsilon(1e-3));
    CHECK(p.ci_upper[1] == Approx(0.5098).epsilon(1e-3));
    CHECK_THROWS_WITH_AS(
        kpi::churn_rate_interval(two_months(), kpi::ChurnKind::gross_revenue, 0.95),
        doctest::Contains("account counts only"), InputError);
    CHECK_THROWS_WITH_AS(kpi::churn_rate_interval(two_months(), kpi::ChurnKind::logo, 95),
                         doctest::Contains("ci:"), InputError);
}

TEST_CASE("upsell_rate: expansion_accounts / starting_accounts") {
    const auto r = kpi::upsell_rate(two_months());
    REQUIRE(r.size() == 2);
    CHECK(std::isnan(r[0]));
    CHECK(r[1] == 0.3);
}

TEST_CASE("cross_sell_rate: a new paying product among accounts paying at the start") {
    // Products 0 and 1, months m0..m2:
    //   A (0): m0 {0: 10}; m1 {0: 10, 1: 5}; m2 {1: 5}            cross-sells in m1
    //   B (1): m0 {0: 10}; m1 {0: 10}; m2 {0: 10, 1: 0}           a 0 line item is not paying
    //   C (2): m1 {1: 5}; m2 {0: 2 + 3, 1: 5}                       new in m1, cross-sells in m2
    //   D (3): m0 {0: 10}; m2 {1: 10}                               not paying at the start of m2
    // m1: base A, B, D (paying in m0), crossed A: 1/3. m2: base A, B, C, crossed C: 1/3.
    const Month m0 = month_of(2024, 1);
    const std::vector<std::int64_t> account = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3};
    const std::vector<std::int64_t> product = {0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1};
    const std::vector<std::int64_t> month = {m0,     m0 + 1, m0 + 1, m0 + 2, m0,
                                             m0 + 1, m0 + 2, m0 + 2, m0 + 1, m0 + 2,
                                             m0 + 2, m0 + 2, m0,     m0 + 2};
    const std::vector<double> mrr = {10, 10, 5, 5, 10, 10, 10, 0, 5, 2, 3, 5, 10, 10};
    const auto r = kpi::cross_sell_rate(account, 4, product, 2, month, mrr);
    CHECK(r.first_month == m0 + 1);
    REQUIRE(r.values.size() == 2);
    CHECK(r.values[0] == Approx(1.0 / 3));
    CHECK(r.values[1] == Approx(1.0 / 3));
    // Nobody pays in m0 of a table whose first month has only 0 rows: NaN.
    const std::vector<std::int64_t> a1 = {0, 0}, p1 = {0, 0}, mo1 = {m0, m0 + 1};
    const std::vector<double> zero_then = {0, 5};
    const auto nan_first = kpi::cross_sell_rate(a1, 1, p1, 1, mo1, zero_then);
    REQUIRE(nan_first.values.size() == 1);
    CHECK(std::isnan(nan_first.values[0]));
    CHECK(kpi::cross_sell_rate({}, 0, {}, 0, {}, {}).values.empty());
    const std::vector<double> negative = {10, -1};
    CHECK_THROWS_WITH_AS(kpi::cross_sell_rate(a1, 1, p1, 1, mo1, negative),
                         "column 'mrr', row 1: MRR must be a finite number >= 0, got -1",
                         InputError);
    const std::vector<std::int64_t> bad_product = {0, 2};
    CHECK_THROWS_WITH_AS(kpi::cross_sell_rate(a1, 1, bad_product, 2, mo1, zero_then, {}, "sku"),
                         doctest::Contains("column 'sku', row 1"), InputError);
}

namespace {

// Onboarding example, as_of 2024-06-30, required milestones 0 (kickoff) and 1 (first report):
//   0 signed 01-10: kickoff 01-12 (and again 03-01), report 02-05 (day 26)   eligible, completed
//   1 signed 01-20: kickoff 01-21, report 03-01 (day 41)                       eligible, too late
//   2 signed 02-15: kickoff 02-16 only; a webinar (not required) 02-20         eligible, not done
//   3 signed 06-15: kickoff 06-16, report 06-20 (day 5)                        pending (to 07-15)
//   4 signed 07-05: after as_of                                                not counted
//   5 signed 05-20: kickoff 05-21, report 07-01, after as_of (and the window)  eligible, not done
struct Onboarding {
    std::vector<std::int64_t> signed_day = {day_of(2024, 1, 10), day_of(2024, 1, 20),
                                            day_of(2024, 2, 15), day_of(2024, 6, 15),
                                            day_of(2024, 7, 5),  day_of(2024, 5, 20)};
    std::vector<std::int64_t> account = {0, 0, 0, 1, 1, 2, 2, 3, 3, 5, 5};
    std::vector<std::int64_t> milestone = {0, 0, 1, 0, 1, 0, -1, 0, 1, 0, 1};
    std::vector<std::int64_t> reached = {
        day_of(2024, 1, 12), day_of(2024, 3, 1),  day_of(2024, 2, 5),  day_of(2024, 1, 21),
        day_of(2024, 3, 1),  day_of(2024, 2, 16), day_of(2024, 2, 20), day_of(2024, 6, 16),
        day_of(2024, 6, 20), day_of(2024, 5, 21), day_of(2024, 7, 1)};
    std::int64_t as_of = day_of(2024, 6, 30);
};

}  // namespace

TEST_CASE("onboarding_completion: per signing month and overall, pending apart") {
    const Onboarding o;
    const auto r =
        kpi::onboarding_completion(o.signed_day, o.account, o.milestone, o.reached, 2, 30, o.as_of);
    const std::vector<Month> cohorts = {month_of(2024, 1), month_of(2024, 2), month_of(2024, 5),
                                        month_of(2024, 6)};
    CHECK(r.cohorts == cohorts);
    REQUIRE(r.rows.size() == 4);
    CHECK(r.rows[0].completed == 1);
    CHECK(r.rows[0].eligible == 2);
    CHECK(r.rows[0].pending == 0);
    CHECK(r.rows[0].rate == 0.5);
    CHECK(r.rows[1].completed == 0);
    CHECK(r.rows[1].eligible == 1);
    CHECK(r.rows[2].completed == 0);  // the report came after as_of
    CHECK(r.rows[2].eligible == 1);
    CHECK(r.rows[3].pending == 1);
    CHECK(r.rows[3].eligible == 0);
    CHECK(std::isnan(r.rows[3].rate));
    CHECK(std::isnan(r.rows[3].ci_lower));
    CHECK(r.overall.completed == 1);
    CHECK(r.overall.eligible == 4);
    CHECK(r.overall.pending == 1);
    CHECK(r.overall.rate == 0.25);
    const auto ci = kpi::wilson_interval(1, 4);
    CHECK(r.overall.ci_lower == ci.lower);
    CHECK(r.overall.ci_upper == ci.upper);
    // A 45-day window takes in account 1's report on day 41 (its window ends 03-05).
    const auto wide =
        kpi::onboarding_completion(o.signed_day, o.account, o.milestone, o.reached, 2, 45, o.as_of);
    CHECK(wide.rows[0].completed == 2);
    // An earlier report date: account 5 (window to 06-19) is pending on 06-10, 3 not yet signed.
    const auto early = kpi::onboarding_completion(o.signed_day, o.account, o.milestone, o.reached,
                                                  2, 30, day_of(2024, 6, 10));
    CHECK(early.cohorts.back() == month_of(2024, 5));
    CHECK(early.overall.pending == 1);
    CHECK(early.overall.eligible == 3);
}

TEST_CASE("onboarding_completion: the boundaries are inclusive") {
    const Onboarding o;
    // Account 5 signed 05-20: a 30-day window ends 06-19, so on 06-19 it is eligible.
    const auto on_the_day = kpi::onboarding_completion(o.signed_day, o.account, o.milestone,
                                                       o.reached, 2, 30, day_of(2024, 6, 19));
    CHECK(on_the_day.rows[2].eligible == 1);  // 2024-05 (2024-06 holds account 3)
    CHECK(on_the_day.rows[2].pending == 0);
    const auto day_before = kpi::onboarding_completion(o.signed_day, o.account, o.milestone,
                                                       o.reached, 2, 30, day_of(2024, 6, 18));
    CHECK(day_before.rows[2].pending == 1);
    // Account 0's report came on day 26: within 26 days, not within 25.
    CHECK(
        kpi::onboarding_completion(o.signed_day, o.account, o.milestone, o.reached, 2, 26, o.as_of)
            .rows[0]
            .completed == 1);
    CHECK(
        kpi::onboarding_completion(o.signed_day, o.account, o.milestone, o.reached, 2, 25, o.as_of)
            .rows[0]
            .completed == 0);
    // A milestone reached on as_of itself counts: account 0 reported on 02-05, window 30 days.
    const std::vector<std::int64_t> only_a = {o.signed_day[0]};
    const std::vector<std::int64_t> a_rows = {0, 0}, a_codes = {0, 1};
    const std::vector<std::int64_t> a_days = {o.reached[0], o.reached[2]};
    CHECK(kpi::onboarding_completion(only_a, a_rows, a_codes, a_days, 2, 26, day_of(2024, 2, 5))
              .overall.completed == 1);
    const std::vector<std::int64_t> report_only = {-1, 0};
    CHECK(kpi::time_to_value(only_a, a_rows, report_only, a_days, day_of(2024, 2, 5)).reached ==
          std::vector<std::uint8_t>{1});
    CHECK(kpi::time_to_value(only_a, a_rows, report_only, a_days, day_of(2024, 2, 4)).reached ==
          std::vector<std::uint8_t>{0});
}

TEST_CASE("onboarding_completion: empty input and bad arguments") {
    const auto empty = kpi::onboarding_completion({}, {}, {}, {}, 1, 30, 0);
    CHECK(empty.cohorts.empty());
    CHECK(empty.overall.eligible == 0);
    CHECK(std::isnan(empty.overall.rate));
    const Onboarding o;
    CHECK_THROWS_WITH_AS(
        kpi::onboarding_completion(o.signed_day, o.account, o.milestone, o.reached, 0, 30, o.as_of),
        doctest::Contains("required"), InputError);
    CHECK_THROWS_WITH_AS(
        kpi::onboarding_completion(o.signed_day, o.account, o.milestone, o.reached, 2, -1, o.as_of),
        doctest::Contains("within_days"), InputError);
    CHECK_THROWS_WITH_AS(kpi::onboarding_completion(o.signed_day, o.account, o.milestone, o.reached,
                                                    2, 200'000'000, o.as_of),
                         doctest::Contains("within_days"), InputError);
    auto far = o.reached;
    far[2] = 400'000'000;
    CHECK_THROWS_WITH_AS(kpi::onboarding_completion(o.signed_day, o.account, o.milestone, far, 2,
                                                    30, o.as_of, {.reached_at = "done_on"}),
                         doctest::Contains("column 'done_on', row 2: day number 400000000"),
                         InputError);
    auto far_signed = o.signed_day;
    far_signed[1] = -400'000'000;
    const std::vector<std::int64_t> all_target(o.account.size(), 0);
    CHECK_THROWS_WITH_AS(kpi::time_to_value(far_signed, o.account, all_target, o.reached, o.as_of),
                         doctest::Contains("column 'signed_at', row 1"), InputError);
    auto bad = o.account;
    bad[4] = 6;
    CHECK_THROWS_WITH_AS(
        kpi::onboarding_completion(o.signed_day, bad, o.milestone, o.reached, 2, 30, o.as_of),
        "column 'account_id', row 4: account is not in the accounts table", InputError);
}

TEST_CASE("time_to_value: days to the milestone, censored at as_of, Kaplan-Meier quantiles") {
    const Onboarding o;
    // The first report is the milestone: code 0 there, -1 elsewhere.
    std::vector<std::int64_t> report(o.milestone.size());
    for (std::size_t i = 0; i < report.size(); ++i) report[i] = o.milestone[i] == 1 ? 0 : -1;
    const auto t = kpi::time_to_value(o.signed_day, o.account, report, o.reached, o.as_of);
    // 0: 26 days; 1: 41; 2: never, 136 days to as_of; 3: 5; 4: not signed; 5: after as_of, 41.
    const std::vector<std::int64_t> accounts = {0, 1, 2, 3, 5};
    const std::vector<double> days = {26, 41, 136, 5, 41};
    const std::vector<std::uint8_t> reached = {1, 1, 0, 1, 0};
    CHECK(t.account == accounts);
    CHECK(t.days == days);
    CHECK(t.reached == reached);
    // S(5) = 4/5, S(26) = 3/5, S(41) = 3/5 x 2/3 = 2/5 (one event, one censored), S(136) = 2/5.
    CHECK(t.median == 41.0);
    CHECK(std::isinf(t.p75));
    CHECK(std::isinf(t.p90));
    const auto km = survival::kaplan_meier(t.days, std::vector<double>{1, 1, 0, 1, 0});
    CHECK(kpi::survival_quantile(km, 0.2) == 5.0);
    CHECK(kpi::survival_quantile(km, 0.4) == 26.0);
    CHECK_THROWS_AS(kpi::survival_quantile(km, 1.0), InputError);
    // Reached before signing counts as day 0.
    const std::vector<std::int64_t> one_signed = {100}, one_account = {0}, one_code = {0},
                                    before = {90};
    const auto early = kpi::time_to_value(one_signed, one_account, one_code, before, 200);
    CHECK(early.days == std::vector<double>{0});
    CHECK(early.median == 0.0);
    const auto none = kpi::time_to_value({}, {}, {}, {}, 0);
    CHECK(none.days.empty());
    CHECK(std::isnan(none.median));
}
