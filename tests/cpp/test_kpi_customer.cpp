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

TEST_CASE("churn_rate_interval: logo churn with a Wilson interval; revenue kinds refused") {
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
