#include <doctest/doctest.h>

#include "random.hpp"

#include <cmath>
#include <cstdint>
#include <optional>
#include <retain/kpi.hpp>
#include <vector>

using namespace retain;
using doctest::Approx;

namespace {

// The worked example, months m0..m5 (2024-01..2024-06):
//   A: 100, 150, 150, -, -, 80      expansion, churn at m3, reactivation at m5
//   B: 20 + 30 (line items), 30, 0   contraction, then a downgrade to 0 (churn) at m2
//   C: -, -, 200, 250, 250, 250      new at m2, expansion at m3
//   D: a single 0 row at m1          never pays, never counted
const Month m0 = month_of(2024, 1);

MrrTable example() {
    IdIndex<std::string> ids;
    const std::vector<std::string_view> account = {"A", "A", "A", "A", "B", "B", "B",
                                                   "B", "C", "C", "C", "C", "D"};
    const std::vector<std::int64_t> month = {m0,     m0 + 1, m0 + 2, m0 + 5, m0,     m0,    m0 + 1,
                                             m0 + 2, m0 + 2, m0 + 3, m0 + 4, m0 + 5, m0 + 1};
    const std::vector<double> mrr = {100, 150, 150, 80, 20, 30, 30, 0, 200, 250, 250, 250, 0};
    const auto codes = ids.intern(account);
    return MrrTable(codes, ids.size(), month, mrr);
}

template <class T>
void check_all(const std::vector<T>& got, const std::vector<T>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t k = 0; k < want.size(); ++k) {
        CAPTURE(k);
        CHECK(got[k] == want[k]);
    }
}

void check_rates(const std::vector<double>& got, const std::vector<double>& want) {
    REQUIRE(got.size() == want.size());
    for (std::size_t k = 0; k < want.size(); ++k) {
        CAPTURE(k);
        if (std::isnan(want[k]))
            CHECK(std::isnan(got[k]));
        else
            CHECK(got[k] == Approx(want[k]).epsilon(1e-12));
    }
}

}  // namespace

TEST_CASE("MRR movements of the worked example, month by month") {
    const auto mv = kpi::mrr_movements(example());
    CHECK(mv.first_month == m0);
    check_all(mv.starting_mrr, {0, 150, 180, 350, 250, 250});
    check_all(mv.new_mrr, {150, 0, 200, 0, 0, 0});
    check_all(mv.expansion, {0, 50, 0, 50, 0, 0});
    check_all(mv.contraction, {0, 20, 0, 0, 0, 0});
    check_all(mv.churned, {0, 0, 30, 150, 0, 0});
    check_all(mv.reactivation, {0, 0, 0, 0, 0, 80});
    check_all(mv.ending_mrr, {150, 180, 350, 250, 250, 330});
    check_all<std::int64_t>(mv.starting_accounts, {0, 2, 2, 2, 1, 1});
    check_all<std::int64_t>(mv.new_accounts, {2, 0, 1, 0, 0, 0});
    check_all<std::int64_t>(mv.expansion_accounts, {0, 1, 0, 1, 0, 0});
    check_all<std::int64_t>(mv.contraction_accounts, {0, 1, 0, 0, 0, 0});
    check_all<std::int64_t>(mv.churned_accounts, {0, 0, 1, 1, 0, 0});
    check_all<std::int64_t>(mv.reactivated_accounts, {0, 0, 0, 0, 0, 1});
    check_all<std::int64_t>(mv.ending_accounts, {2, 2, 2, 1, 1, 2});
    for (std::size_t k = 0; k < mv.size(); ++k) {
        CHECK(mv.starting_mrr[k] + mv.new_mrr[k] + mv.expansion[k] + mv.reactivation[k] -
                  mv.contraction[k] - mv.churned[k] ==
              mv.ending_mrr[k]);
        CHECK(mv.starting_accounts[k] + mv.new_accounts[k] + mv.reactivated_accounts[k] -
                  mv.churned_accounts[k] ==
              mv.ending_accounts[k]);
    }
}

TEST_CASE("movements do not depend on the number of threads") {
    // 20,000 accounts so that several blocks exist; amounts with many significant bits.
    std::vector<std::int64_t> account, month;
    std::vector<double> mrr;
    retain::test::Lcg rng{42};
    for (std::int64_t a = 0; a < 20'000; ++a)
        for (std::int64_t m = 0; m < 12; ++m)
            if (rng.next() % 4 != 0) {
                account.push_back(a);
                month.push_back(m);
                mrr.push_back(static_cast<double>(rng.next() % 100'000) / 7.0);
            }
    const MrrTable t(account, 20'000, month, mrr);
    const auto one = kpi::mrr_movements(t, 1), two = kpi::mrr_movements(t, 2),
               five = kpi::mrr_movements(t, 5);
    CHECK(one.ending_mrr == two.ending_mrr);
    CHECK(one.ending_mrr == five.ending_mrr);
    CHECK(one.expansion == five.expansion);
    CHECK(one.churned == two.churned);
    CHECK(one.churned_accounts == five.churned_accounts);
    for (std::size_t k = 0; k < one.size(); ++k)
        CHECK(one.starting_mrr[k] + one.new_mrr[k] + one.expansion[k] + one.reactivation[k] -
                  one.contraction[k] - one.churned[k] ==
              Approx(one.ending_mrr[k]).epsilon(1e-12));
}

TEST_CASE("churn, retention, quick ratio and ARPA of the worked example") {
    const auto mv = kpi::mrr_movements(example());
    const double nan = NAN;
    check_rates(kpi::churn_rate(mv, kpi::ChurnKind::logo), {nan, 0, 0.5, 0.5, 0, 0});
    check_rates(kpi::churn_rate(mv, kpi::ChurnKind::gross_revenue),
                {nan, 20.0 / 150, 30.0 / 180, 150.0 / 350, 0, 0});
    check_rates(kpi::churn_rate(mv, kpi::ChurnKind::net_revenue),
                {nan, -30.0 / 150, 30.0 / 180, 100.0 / 350, 0, -80.0 / 250});
    check_rates(kpi::retention_rate(mv, kpi::ChurnKind::logo), {nan, 1, 0.5, 0.5, 1, 1});
    check_rates(kpi::quick_ratio(mv), {nan, 2.5, 200.0 / 30, 50.0 / 150, nan, nan});
    check_rates(kpi::arpa(mv), {75, 90, 175, 250, 250, 165});
    CHECK(kpi::parse_churn_kind("net_revenue") == kpi::ChurnKind::net_revenue);
    CHECK_THROWS_WITH_AS(kpi::parse_churn_kind("revenue"),
                         "kind: unknown churn kind 'revenue' (expected logo, gross_revenue or "
                         "net_revenue)",
                         InputError);
}

TEST_CASE("NRR and GRR over one and two months") {
    const auto t = example();
    const auto n1 = kpi::nrr(t, 1), g1 = kpi::grr(t, 1);
    CHECK(n1.first_month == m0 + 1);
    check_rates(n1.values, {180.0 / 150, 150.0 / 180, 250.0 / 350, 1, 1});
    check_rates(g1.values, {130.0 / 150, 150.0 / 180, 200.0 / 350, 1, 1});
    const auto n2 = kpi::nrr(t, 2), g2 = kpi::grr(t, 2);
    CHECK(n2.first_month == m0 + 2);
    check_rates(n2.values, {1, 0, 250.0 / 350, 1});
    check_rates(g2.values, {100.0 / 150, 0, 200.0 / 350, 1});
    CHECK(kpi::nrr(t, 6).values.empty());  // no month has one six months before it
    CHECK_THROWS_WITH_AS(kpi::nrr(t, 0), "nrr: months must be >= 1, got 0", InputError);
}

TEST_CASE("cohort retention by logo and by revenue") {
    const auto t = example();
    const double nan = NAN;
    const auto logo = kpi::cohort_retention(t, kpi::CohortKind::logo);
    CHECK(logo.cohorts == std::vector<Month>{m0, m0 + 2});
    CHECK(logo.sizes == std::vector<std::int64_t>{2, 1});
    REQUIRE(logo.rows() == 2);
    REQUIRE(logo.cols() == 6);
    REQUIRE(logo.values.size() == 12);
    const auto row = [](const kpi::CohortRetention& c, std::size_t r) {
        std::vector<double> out;
        for (std::size_t age = 0; age < c.cols(); ++age) out.push_back(c.at(r, age));
        return out;
    };
    check_rates(row(logo, 0), {1, 1, 0.5, 0, 0, 0.5});
    check_rates(row(logo, 1), {1, 1, 1, 1, nan, nan});
    const auto rev = kpi::cohort_retention(t, kpi::CohortKind::revenue);
    check_rates(row(rev, 0), {1, 1.2, 1, 0, 0, 80.0 / 150});
    check_rates(row(rev, 1), {1, 1.25, 1.25, 1.25, nan, nan});
    CHECK_THROWS_AS(kpi::parse_cohort_kind("seats"), InputError);
}

TEST_CASE("cohort retention: values are row-major, at() is checked") {
    const auto c = kpi::cohort_retention(example(), kpi::CohortKind::revenue);
    REQUIRE(c.values.size() == c.rows() * c.cols());
    for (std::size_t r = 0; r < c.rows(); ++r)
        for (std::size_t age = 0; age < c.cols(); ++age) {
            const double v = c.values[r * c.cols() + age];
            CHECK((std::isnan(v) ? std::isnan(c.at(r, age)) : c.at(r, age) == v));
        }
    CHECK(c.at(0, 1) == Approx(1.2));  // cohort m0 at age 1: 180 of 150
    CHECK_THROWS_WITH_AS(c.at(2, 0), "cohort 2 out of range: there are 2 cohorts", InputError);
    CHECK_THROWS_WITH_AS(c.at(0, 6), "age 6 out of range: there are 6 ages", InputError);
    try {
        (void)c.at(5, 0);
        FAIL("expected an InputError");
    } catch (const InputError& e) {
        CHECK(e.column() == "cohort");
        CHECK(e.row() == std::optional<std::size_t>{5});
    }
}

TEST_CASE("empty tables give empty results") {
    const MrrTable t;
    CHECK(kpi::mrr_movements(t).size() == 0);
    CHECK(kpi::nrr(t, 12).values.empty());
    const auto c = kpi::cohort_retention(t, kpi::CohortKind::logo);
    CHECK(c.cohorts.empty());
    CHECK(c.values.size() == 0);
    CHECK(c.rows() == 0);
    CHECK(c.cols() == 0);
    CHECK_THROWS_AS(c.at(0, 0), InputError);
}

TEST_CASE("LTV: ARPA 50,000 at 75 % margin over a 12-month lifetime is 450,000") {
    CHECK(kpi::ltv(50'000, 0.75, 1.0 / 12) == Approx(450'000).epsilon(1e-12));
    // Discounted: the sum over months t >= 0 of arpa x margin x ((1 - c) / (1 + d))^t.
    double series = 0, factor = 1;
    for (int t = 0; t < 5000; ++t, factor *= (1 - 0.05) / (1 + 0.01)) series += 100 * 0.8 * factor;
    CHECK(kpi::ltv(100, 0.8, 0.05, 0.01) == Approx(series).epsilon(1e-10));
    CHECK(kpi::ltv(100, 0.8, 0.0, 0.01) == Approx(100 * 0.8 * 1.01 / 0.01));
    CHECK_THROWS_WITH_AS(kpi::ltv(50'000, 75, 0.1),
                         "gross_margin: must be a share between 0 and 1 (0.75 for 75 %), got 75",
                         InputError);
    CHECK_THROWS_AS(kpi::ltv(50'000, 0.75, 0.0), InputError);
    CHECK_THROWS_AS(kpi::ltv(-1, 0.75, 0.1), InputError);
    CHECK_THROWS_AS(kpi::ltv(NAN, 0.75, 0.1), InputError);
    CHECK_THROWS_AS(kpi::ltv(1, 0.75, 1.5), InputError);
    CHECK_THROWS_AS(kpi::ltv(1, 0.75, 0.1, -0.01), InputError);
}

TEST_CASE("CAC, LTV:CAC and CAC payback") {
    CHECK(kpi::cac(100'000, 50) == 2000);
    CHECK(kpi::ltv_to_cac(450'000, 150'000) == 3);
    CHECK(kpi::cac_payback_months(2000, 100, 0.8) == Approx(25));
    CHECK_THROWS_WITH_AS(kpi::cac(100, 0), "new_customers: must be > 0, got 0", InputError);
    CHECK_THROWS_AS(kpi::ltv_to_cac(1, 0), InputError);
    CHECK_THROWS_AS(kpi::cac_payback_months(1, 0, 0.8), InputError);
    CHECK_THROWS_AS(kpi::cac_payback_months(1, 10, 0), InputError);
}

TEST_CASE("NPS with its standard error") {
    // 4 promoters (10, 9, 10, 9), 2 passives (8, 7), 4 detractors (6, 0, 5, 3).
    const std::vector<double> balanced = {10, 9, 8, 7, 6, 0, 10, 5, 9, 3};
    const auto r = kpi::nps(balanced);
    CHECK(r.n == 10);
    CHECK(r.promoters == 4);
    CHECK(r.passives == 2);
    CHECK(r.detractors == 4);
    CHECK(r.nps == Approx(0));
    CHECK(r.stderr_ == Approx(100 * std::sqrt(0.08)));
    CHECK(r.margin95 == Approx(1.96 * 100 * std::sqrt(0.08)));
    // p = 4/6, d = 1/6: nps 50, stderr 100 sqrt((5/6 - 1/4) / 6)
    const auto s = kpi::nps(std::vector<double>{10, 10, 10, 9, 8, 2});
    CHECK(s.nps == Approx(50));
    CHECK(s.stderr_ == Approx(100 * std::sqrt((5.0 / 6 - 0.25) / 6)));
    const auto all_promoters = kpi::nps(std::vector<double>{9, 10});
    CHECK(all_promoters.nps == Approx(100));
    CHECK(all_promoters.stderr_ == Approx(0));
    const auto none = kpi::nps(std::vector<double>{});
    CHECK(none.n == 0);
    CHECK(std::isnan(none.nps));
    CHECK_THROWS_WITH_AS(
        kpi::nps(std::vector<double>{9, 11}, "likely"),
        "column 'likely', row 1: NPS score must be an integer from 0 to 10, got 11", InputError);
    CHECK_THROWS_AS(kpi::nps(std::vector<double>{9, 7.5}), InputError);
    CHECK_THROWS_AS(kpi::nps(std::vector<double>{NAN}), InputError);
    CHECK_THROWS_AS(kpi::nps(std::vector<double>{-1}), InputError);
}
