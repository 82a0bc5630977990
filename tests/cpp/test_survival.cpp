#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <retain/survival.hpp>
#include <vector>

using namespace retain;
using doctest::Approx;

namespace {
// durations 3, 1, 4, 1, 5, 2.5, 4 with events 1, 0, 1, 1, 0, 1, 1:
// times 0, 1, 2.5, 3, 4, 5; at risk 7, 7, 5, 4, 3, 1; events 0, 1, 1, 1, 2, 0.
const std::vector<double> durations = {3, 1, 4, 1, 5, 2.5, 4};
const std::vector<double> observed = {1, 0, 1, 1, 0, 1, 1};
}  // namespace

TEST_CASE("the normal quantile to full precision") {
    CHECK(survival::normal_quantile(0.975) == Approx(1.959963984540054).epsilon(1e-15));
    CHECK(survival::normal_quantile(0.5) == Approx(0.0));
    CHECK(survival::normal_quantile(0.01) == Approx(-2.3263478740408408).epsilon(1e-14));
    CHECK(survival::normal_quantile(1e-10) == Approx(-6.361340902404056).epsilon(1e-13));
    CHECK_THROWS_AS(survival::normal_quantile(1.0), InputError);
}

TEST_CASE("Kaplan-Meier by hand: counts, product-limit survival, Greenwood log(-log) interval") {
    const auto km = survival::kaplan_meier(durations, observed);
    CHECK(km.time == std::vector<double>{0, 1, 2.5, 3, 4, 5});
    CHECK(km.at_risk == std::vector<std::int64_t>{7, 7, 5, 4, 3, 1});
    CHECK(km.events == std::vector<std::int64_t>{0, 1, 1, 1, 2, 0});
    CHECK(km.censored == std::vector<std::int64_t>{0, 1, 0, 0, 0, 1});
    const std::vector<double> s = {1,
                                   6.0 / 7,
                                   6.0 / 7 * 4 / 5,
                                   6.0 / 7 * 4 / 5 * 3 / 4,
                                   6.0 / 7 * 4 / 5 * 3 / 4 / 3,
                                   6.0 / 7 * 4 / 5 * 3 / 4 / 3};
    for (std::size_t j = 0; j < s.size(); ++j) CHECK(km.survival[j] == Approx(s[j]).epsilon(1e-14));
    // At t = 1: Greenwood sum 1 / (7 x 6); interval exp(-exp(log(-log S) -/+ z sqrt(g) / log S)).
    const double v = std::log(6.0 / 7), g = 1.0 / 42, z = 1.959963984540054;
    CHECK(km.ci_lower[1] == Approx(std::exp(-std::exp(std::log(-v) - z * std::sqrt(g) / v))));
    CHECK(km.ci_upper[1] == Approx(std::exp(-std::exp(std::log(-v) + z * std::sqrt(g) / v))));
    CHECK(km.ci_lower[1] == Approx(0.334054).epsilon(1e-6));  // lifelines prints 0.334054
    CHECK(km.ci_lower[0] == 1.0);                             // undefined at S = 1: 1
    CHECK(km.ci_upper[0] == 1.0);
    CHECK(survival::median_survival(km) == 4.0);
    // 1 x 1 + S(1) x 1.5 + S(2.5) x 0.5 + S(3) x 1 + S(4) x 0.5
    CHECK(survival::restricted_mean(km, 4.5) ==
          Approx(1 + s[1] * 1.5 + s[2] * 0.5 + s[3] + s[4] * 0.5).epsilon(1e-14));
    CHECK(survival::restricted_mean(km, 0.5) == Approx(0.5));
}

TEST_CASE("whole-number durations (the counting path) give the same curve as the sorting path") {
    const std::vector<double> whole = {3, 1, 4, 1, 5, 2, 4, 0, 7};
    const std::vector<double> flags = {1, 0, 1, 1, 0, 1, 1, 1, 0};
    std::vector<double> shifted(whole.size());  // + 0.5: no longer whole, same order
    for (std::size_t i = 0; i < whole.size(); ++i) shifted[i] = whole[i] + 0.5;
    const auto a = survival::kaplan_meier(whole, flags);
    const auto b = survival::kaplan_meier(shifted, flags);
    CHECK(a.time.front() == 0.0);       // a duration of 0 is its own first row
    REQUIRE(a.size() + 1 == b.size());  // b has an extra row at 0
    for (std::size_t j = 0; j < a.size(); ++j) {
        CHECK(a.time[j] + 0.5 == b.time[j + 1]);
        CHECK(a.at_risk[j] == b.at_risk[j + 1]);
        CHECK(a.events[j] == b.events[j + 1]);
        CHECK(a.survival[j] == Approx(b.survival[j + 1]).epsilon(1e-15));
    }
}

TEST_CASE("a given timeline reads the step function and counts what happened in between") {
    const std::vector<double> timeline = {-1, 0.5, 1, 2, 3.5, 10};
    const auto km = survival::kaplan_meier(durations, observed, timeline);
    const auto own = survival::kaplan_meier(durations, observed);
    CHECK(km.time == timeline);
    CHECK(km.survival[0] == 1.0);
    CHECK(km.survival[1] == 1.0);
    CHECK(km.survival[2] == own.survival[1]);
    CHECK(km.survival[4] == own.survival[3]);  // 3.5 reads the step at 3
    CHECK(km.survival[5] == own.survival[5]);
    CHECK(km.at_risk == std::vector<std::int64_t>{7, 7, 7, 5, 3, 0});
    CHECK(km.events == std::vector<std::int64_t>{0, 0, 1, 0, 2, 2});  // (2, 3.5]: 2.5 and 3
    CHECK(km.censored == std::vector<std::int64_t>{0, 0, 1, 0, 0, 1});
}

TEST_CASE("everyone churns: survival reaches 0, the median is the time it crosses 0.5") {
    const auto km = survival::kaplan_meier(std::vector<double>{1, 2}, {});
    CHECK(km.survival.back() == 0.0);
    CHECK(survival::median_survival(km) == 1.0);
    const auto never = survival::kaplan_meier(std::vector<double>{1, 2}, std::vector<double>{0, 0});
    CHECK(std::isinf(survival::median_survival(never)));
    const auto empty = survival::kaplan_meier({}, {});
    CHECK(empty.size() == 0);
    CHECK(std::isnan(survival::median_survival(empty)));
}

TEST_CASE("bad survival input names the column and row") {
    CHECK_THROWS_WITH_AS(
        survival::kaplan_meier(std::vector<double>{1, -2}, {}, {}, 0.05, {"tenure", "churned"}),
        "column 'tenure', row 1: duration must be a finite number >= 0, got -2", InputError);
    CHECK_THROWS_AS(survival::kaplan_meier(std::vector<double>{1, NAN}, {}), InputError);
    CHECK_THROWS_WITH_AS(
        survival::kaplan_meier(std::vector<double>{1, 2}, std::vector<double>{1, 2}, {}, 0.05,
                               {"tenure", "churned"}),
        "column 'churned', row 1: observed flag must be 0 (censored) or 1 "
        "(event), got 2",
        InputError);
    CHECK_THROWS_AS(survival::kaplan_meier(std::vector<double>{1, 2}, std::vector<double>{1}),
                    InputError);
    CHECK_THROWS_AS(survival::kaplan_meier(std::vector<double>{1}, {}, std::vector<double>{2, 1}),
                    InputError);
    CHECK_THROWS_AS(survival::kaplan_meier(std::vector<double>{1}, {}, {}, 1.5), InputError);
    const auto km = survival::kaplan_meier(durations, observed);
    CHECK_THROWS_AS(survival::restricted_mean(km, -1), InputError);
}

TEST_CASE("sBG fits reproduce Fader and Hardie's published ones (2007, years 0-7)") {
    // "Regular" and "high end" customers: survivors of 1000 over the first seven years.
    const std::vector<double> regular = {1000, 631, 468, 382, 326, 289, 262, 241};
    const std::vector<double> high_end = {1000, 869, 743, 653, 593, 551, 517, 491};
    const auto r = survival::ShiftedBetaGeometric::fit(regular);
    CHECK(r.alpha() == Approx(0.704).epsilon(5e-4));
    CHECK(r.beta() == Approx(1.182).epsilon(5e-4));
    const auto h = survival::ShiftedBetaGeometric::fit(high_end);
    CHECK(h.alpha() == Approx(0.668).epsilon(5e-4));
    CHECK(h.beta() == Approx(3.806).epsilon(5e-4));
    CHECK(r.converged());
    CHECK(h.converged());
    // At the optimum the likelihood is flat: nudging either parameter lowers it.
    const auto ll = [&](double a, double b) {
        double v = 0;
        const survival::ShiftedBetaGeometric m(a, b);
        for (std::size_t t = 1; t < regular.size(); ++t)
            v += (regular[t - 1] - regular[t]) * std::log(m.churn_probability(double(t)));
        return v + regular.back() * std::log(m.survival(double(regular.size() - 1)));
    };
    CHECK(r.log_likelihood() == Approx(ll(r.alpha(), r.beta())).epsilon(1e-12));
    for (const double e : {1e-4, -1e-4}) {
        CHECK(ll(r.alpha() + e, r.beta()) < r.log_likelihood());
        CHECK(ll(r.alpha(), r.beta() + e) < r.log_likelihood());
    }
}

TEST_CASE("sBG retention, survival and churn probabilities by hand") {
    const survival::ShiftedBetaGeometric m(1.0, 2.0);
    // r(t) = (beta + t - 1) / (alpha + beta + t - 1): 2/3, 3/4, 4/5
    CHECK(m.retention(1) == Approx(2.0 / 3));
    CHECK(m.retention(3) == Approx(4.0 / 5));
    CHECK(m.survival(0) == Approx(1.0));
    CHECK(m.survival(3) == Approx(2.0 / 3 * 3.0 / 4 * 4.0 / 5));
    CHECK(m.churn_probability(1) == Approx(1.0 / 3));  // alpha / (alpha + beta)
    CHECK(m.churn_probability(2) == Approx(2.0 / 3 - 2.0 / 3 * 3.0 / 4));
    // DEL: sum S(t) / 1.1^t; DERL after 2 renewals: sum over t >= 3 of S(t) / S(2) / 1.1^(t - 3).
    double del = 0, derl = 0;
    for (int t = 0; t < 4000; ++t) {
        del += m.survival(t) / std::pow(1.1, t);
        if (t >= 3) derl += m.survival(t) / m.survival(2) / std::pow(1.1, t - 3);
    }
    CHECK(m.discounted_expected_lifetime(0.1) == Approx(del).epsilon(1e-10));
    CHECK(m.discounted_residual_lifetime(0.1, 2) == Approx(derl).epsilon(1e-10));
    CHECK_THROWS_AS(m.discounted_expected_lifetime(0.0), InputError);
    CHECK_THROWS_AS(m.retention(0), InputError);
    CHECK_THROWS_AS(survival::ShiftedBetaGeometric(0.0, 1.0), InputError);
}

TEST_CASE("sBG fit rejects impossible survivor counts, naming the entry") {
    using survival::ShiftedBetaGeometric;
    CHECK_THROWS_WITH_AS(ShiftedBetaGeometric::fit(std::vector<double>{100, 80, 90}),
                         "survivors[2]: survivors cannot increase: 90 after 80", InputError);
    CHECK_THROWS_WITH_AS(ShiftedBetaGeometric::fit(std::vector<double>{100, 80.5, 70}),
                         "survivors[1]: must be a whole number of customers >= 0, got 80.5",
                         InputError);
    CHECK_THROWS_AS(ShiftedBetaGeometric::fit(std::vector<double>{0, 0}), InputError);
    CHECK_THROWS_AS(ShiftedBetaGeometric::fit(std::vector<double>{100, 60}), InputError);
    CHECK_THROWS_AS(ShiftedBetaGeometric::fit(std::vector<double>{100, 100, 100}), InputError);
    CHECK_THROWS_AS(ShiftedBetaGeometric::fit(std::vector<double>{100, NAN}), InputError);
}

TEST_CASE("retention curves: each segment's curve is Kaplan-Meier of its own rows") {
    // Segments 0, 1, 0, 2(empty), interleaved.
    const std::vector<std::int64_t> group = {0, 1, 0, 1, 0, 1, 0};
    const auto curves = survival::retention_curves(group, 3, durations, observed);
    REQUIRE(curves.size() == 3);
    const auto zero =
        survival::kaplan_meier(std::vector<double>{3, 4, 5, 4}, std::vector<double>{1, 1, 0, 1});
    const auto one =
        survival::kaplan_meier(std::vector<double>{1, 1, 2.5}, std::vector<double>{0, 1, 1});
    CHECK(curves[0].time == zero.time);
    CHECK(curves[0].survival == zero.survival);
    CHECK(curves[1].survival == one.survival);
    CHECK(curves[1].at_risk == one.at_risk);
    CHECK(curves[2].size() == 0);
    CHECK_THROWS_WITH_AS(survival::retention_curves(std::vector<std::int64_t>{0, 3, 0, 0, 0, 0, 0},
                                                    3, durations, observed, {}, 0.05, {}, "plan"),
                         "column 'plan', row 1: segment code 3 is not below 3", InputError);
}
