// Calibration (retain/calibration.hpp): isotonic and logistic maps worked by hand, or against
// values computed offline with scipy; MRR at risk worked by hand.

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <retain/calibration.hpp>
#include <vector>

using namespace retain;
using doctest::Approx;

namespace {

std::vector<std::size_t> top_of(const kpi::MrrAtRisk& r, std::size_t g) {
    const auto top = r.top(g);
    return {top.begin(), top.end()};
}

}  // namespace

TEST_CASE("isotonic: ties in x merged, violators pooled, straight lines between, clipped") {
    // Five weighted points, increasing:
    //   x   1    2    2    3    4
    //   y   0    1    0    1    0
    //   w   1    1    3    2    2
    // The two rows at x = 2 merge into one point of weight 4 and y (1*1 + 0*3) / 4 = 0.25:
    //   (1, 0, w1)  (2, .25, w4)  (3, 1, w2)  (4, 0, w2)
    // 0 <= .25 <= 1 hold; 1 > 0 violates, so x = 3 and 4 pool to (1*2 + 0*2) / 4 = .5, which
    // still exceeds .25. Fit: 0, .25, .5, .5 — no inner point equals both neighbours.
    const std::vector<double> x = {1, 2, 2, 3, 4}, y = {0, 1, 0, 1, 0}, w = {1, 1, 3, 2, 2};
    const calibration::IsotonicMap up = calibration::fit_isotonic(x, y, w, true);
    CHECK(up.x == std::vector<double>{1, 2, 3, 4});
    CHECK(up.y == std::vector<double>{0, 0.25, 0.5, 0.5});
    CHECK(up(1.5) == Approx(0.125));  // halfway between (1, 0) and (2, .25)
    CHECK(up(2.0) == 0.25);
    CHECK(up(3.5) == 0.5);
    CHECK(up(-7.0) == 0.0);  // clipped to x = 1
    CHECK(up(99.0) == 0.5);  // clipped to x = 4

    // Decreasing, the same points: pooled from the right, .25 < 1 violates (a decreasing fit
    // needs y to fall), so x = 2, 3 pool to (.25*4 + 1*2) / 6 = .5; then 0 < .5 pulls x = 1 in:
    // (0*1 + .5*6) / 7 = 3/7; x = 4 stays 0. Fit: 3/7, 3/7, 3/7, 0; the point x = 2 equals both
    // neighbours and is dropped.
    const calibration::IsotonicMap down = calibration::fit_isotonic(x, y, w, false);
    CHECK(down.x == std::vector<double>{1, 3, 4});
    REQUIRE(down.y.size() == 3);
    CHECK(down.y[0] == Approx(3.0 / 7.0));
    CHECK(down.y[1] == Approx(3.0 / 7.0));
    CHECK(down.y[2] == 0.0);
    CHECK(down(2.0) == Approx(3.0 / 7.0));
    CHECK(down(3.5) == Approx(3.0 / 14.0));
}

TEST_CASE("isotonic: unweighted pooling, zero weights, near-ties and one point") {
    // y = 1, 3, 2, 4, 3.5 on x = 1..5: (3, 2) pool to 2.5 and (4, 3.5) to 3.75.
    const std::vector<double> x = {1, 2, 3, 4, 5}, y = {1, 3, 2, 4, 3.5};
    const auto map = calibration::fit_isotonic(x, y);
    CHECK(map.y == std::vector<double>{1, 2.5, 2.5, 3.75, 3.75});
    CHECK(map(3.5) == Approx(2.5 + 0.5 * 1.25));

    // A row of weight 0 counts nowhere: the fit is that of the other rows.
    const std::vector<double> w = {1, 0, 1, 1, 1};
    const auto skip = calibration::fit_isotonic(x, y, w);
    CHECK(skip.x == std::vector<double>{1, 3, 4, 5});
    CHECK(skip.y == std::vector<double>{1, 2, 3.75, 3.75});

    // x closer than 1e-15 to the first x of a run is the same x (scikit-learn's resolution).
    const double near = 1.0 + std::ldexp(1.0, -51);  // 1 + 4.4e-16
    const auto merged = calibration::fit_isotonic(std::vector<double>{1.0, near, 2.0},
                                                  std::vector<double>{0.0, 1.0, 1.0});
    CHECK(merged.x == std::vector<double>{1.0, 2.0});
    CHECK(merged.y == std::vector<double>{0.5, 1.0});

    // One distinct x: a constant.
    const auto one =
        calibration::fit_isotonic(std::vector<double>{3, 3}, std::vector<double>{0, 1});
    CHECK(one.x.size() == 1);
    CHECK(one(-1e9) == 0.5);
    CHECK(one(1e9) == 0.5);
}

TEST_CASE("isotonic: bad inputs name the column and row") {
    const std::vector<double> x = {1, 2, NAN}, y = {0, 1, 1};
    CHECK_THROWS_WITH_AS(calibration::fit_isotonic(x, y),
                         "column 'x', row 2: must be a finite number, got nan", InputError);
    const std::vector<double> ok = {1, 2, 3}, w = {1, -1, 1};
    CHECK_THROWS_WITH_AS(calibration::fit_isotonic(ok, y, w),
                         "column 'sample_weight', row 1: must be a finite number >= 0, got -1",
                         InputError);
    CHECK_THROWS_WITH_AS(calibration::fit_isotonic(ok, std::vector<double>{0, 1}),
                         "y: has 2 values, x has 3", InputError);
    CHECK_THROWS_WITH_AS(calibration::fit_isotonic(ok, y, std::vector<double>{0, 0, 0}),
                         "sample_weight: no row has a positive weight", InputError);
    // A calibration of churn needs 0/1 labels.
    CHECK_THROWS_WITH_AS(calibration::RiskCalibration::fit(calibration::Method::isotonic, ok,
                                                           std::vector<double>{0, 2, 1}),
                         "column 'y', row 1: must be 0 or 1, got 2", InputError);
}

TEST_CASE("logistic: the maximum-likelihood sigmoid, as scipy finds it") {
    // x = 0..5, y = 0 0 1 0 1 1. The data are antisymmetric about x = 2.5 (y(x) = 1 - y(5 - x)),
    // so the fit gives exactly 1/2 there: intercept = -2.5 slope. The slope is where the score
    // equation sum (p_i - y_i) x_i = 0 holds; scipy.optimize.minimize (BFGS, then Newton-CG,
    // gradient below 1e-10) on the log-likelihood gives intercept -3.035068964569, slope
    // 1.214027585830, and p(0) = 0.045866483856, p(1) = 0.139308962686.
    const std::vector<double> x = {0, 1, 2, 3, 4, 5}, y = {0, 0, 1, 0, 1, 1};
    const auto fit = calibration::fit_logistic_map(x, y);
    CHECK(fit.converged);
    CHECK(fit.intercept == Approx(-3.035068964569).epsilon(1e-9));
    CHECK(fit.slope == Approx(1.214027585830).epsilon(1e-9));
    CHECK(fit(2.5) == Approx(0.5).epsilon(1e-12));
    CHECK(fit(0.0) == Approx(0.045866483856).epsilon(1e-9));
    CHECK(fit(1.0) == Approx(0.139308962686).epsilon(1e-9));
    // The score equations hold at the fit: sum (p - y) = 0 and sum (p - y) x = 0.
    double g0 = 0, g1 = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        g0 += fit(x[i]) - y[i];
        g1 += (fit(x[i]) - y[i]) * x[i];
    }
    CHECK(std::abs(g0) < 1e-12);
    CHECK(std::abs(g1) < 1e-12);

    // Weighted (w = 1 2 1 .5 1 1), same scipy route: intercept -3.739875184470, slope
    // 1.688005226142, p(1) = 0.113863568718, p(5) = 0.990988049508.
    const std::vector<double> w = {1, 2, 1, 0.5, 1, 1};
    const auto weighted = calibration::fit_logistic_map(x, y, w);
    CHECK(weighted.intercept == Approx(-3.739875184470).epsilon(1e-9));
    CHECK(weighted.slope == Approx(1.688005226142).epsilon(1e-9));
    CHECK(weighted(1.0) == Approx(0.113863568718).epsilon(1e-9));
    CHECK(weighted(5.0) == Approx(0.990988049508).epsilon(1e-9));

    // A shift and scale of x changes the coefficients, not the probabilities.
    std::vector<double> shifted;
    for (double v : x) shifted.push_back(1000.0 + 50.0 * v);
    const auto moved = calibration::fit_logistic_map(shifted, y);
    CHECK(moved(1000.0 + 50.0) == Approx(0.139308962686).epsilon(1e-9));

    // A constant x: the base rate everywhere.
    const auto flat = calibration::fit_logistic_map(std::vector<double>{2, 2, 2, 2},
                                                    std::vector<double>{0, 1, 0, 0});
    CHECK(flat.slope == 0.0);
    CHECK(flat(-50.0) == Approx(0.25).epsilon(1e-14));
}

TEST_CASE("logistic: no finite fit is an error that says why") {
    const std::vector<double> x = {0, 1, 2, 3};
    CHECK_THROWS_WITH_AS(calibration::fit_logistic_map(x, std::vector<double>{0, 0, 1, 1}),
                         doctest::Contains("separates the classes completely"), InputError);
    // Touching at one x (quasi-separation) has no finite fit either.
    CHECK_THROWS_WITH_AS(calibration::fit_logistic_map(std::vector<double>{0, 1, 1, 2},
                                                       std::vector<double>{1, 1, 0, 0}),
                         doctest::Contains("every churner's x is <= every other row's"),
                         InputError);
    CHECK_THROWS_WITH_AS(calibration::fit_logistic_map(x, std::vector<double>{0, 0, 0, 0}),
                         doctest::Contains("has one class only (all 0)"), InputError);
    CHECK_THROWS_WITH_AS(calibration::fit_logistic_map(x, std::vector<double>{0, 1, 0.5, 1}),
                         "column 'y', row 2: must be 0 or 1, got 0.5", InputError);
    // Rows of weight 0 do not count: what is left is separable.
    CHECK_THROWS_AS(calibration::fit_logistic_map(x, std::vector<double>{0, 1, 0, 1},
                                                  std::vector<double>{1, 0, 1, 1}),
                    InputError);
}

TEST_CASE("RiskCalibration: one predict for both maps, checked inputs, any threads") {
    const std::vector<double> risk = {1, 2, 2, 3, 4}, y = {0, 1, 0, 1, 0}, w = {1, 1, 3, 2, 2};
    const auto iso = calibration::RiskCalibration::fit(calibration::Method::isotonic, risk, y, w);
    CHECK(iso.method() == calibration::Method::isotonic);
    CHECK(iso.predict(1.5) == Approx(0.125));
    CHECK_THROWS_AS((void)iso.logistic(), Error);
    const std::vector<double> many = {0, 1.5, 2, 3.5, 10};
    CHECK(iso.predict(many) == std::vector<double>{0, 0.125, 0.25, 0.5, 0.5});
    CHECK(iso.predict(many, 1) == iso.predict(many, 4));
    CHECK_THROWS_WITH_AS((void)iso.predict(std::vector<double>{0.5, INFINITY}),
                         "column 'risk', row 1: must be a finite number, got inf", InputError);
    CHECK_THROWS_WITH_AS(calibration::RiskCalibration::fit(calibration::Method::isotonic,
                                                           std::vector<double>{1, NAN}, y),
                         "y: has 5 values, risk has 2", InputError);

    const std::vector<double> x = {0, 1, 2, 3, 4, 5}, yl = {0, 0, 1, 0, 1, 1};
    const auto logit = calibration::RiskCalibration::fit(calibration::Method::logistic, x, yl);
    CHECK(logit.predict(2.5) == Approx(0.5).epsilon(1e-12));
    CHECK_THROWS_AS((void)logit.isotonic(), Error);

    // A map read back from storage must be a map.
    CHECK_THROWS_AS(calibration::RiskCalibration(calibration::IsotonicMap{{2, 1}, {0, 1}, true}),
                    InputError);
}

TEST_CASE("mrr_at_risk: expected loss per group and the accounts that make up most of it") {
    //   account  0    1     2    3    4    5    6    7    8
    //   p       .5   .1    .9   .2    0   .4   .5   .5    0
    //   mrr     100  1000  50   300  500  250  20   20   40
    //   p x mrr  50  100   45   60    0   100  10   10    0
    //   group    0    0    0    1    1    1    2    2    3      (group 4: empty)
    // Group 0: MRR 1150, expected loss 195; by loss 1 (100), 0 (50), 2 (45): 80 % of 195 is 156,
    //   reached only with all three (100, 150, 195).
    // Group 1: MRR 1050, loss 160; 5 (100), 3 (60): 128 reached at 160; 4 loses nothing.
    // Group 2: a tie (10, 10): the lower index first; 16 of 20 needs both.
    // Group 3: nothing expected lost, no top account. Group 4: no accounts.
    const std::vector<double> p = {0.5, 0.1, 0.9, 0.2, 0, 0.4, 0.5, 0.5, 0};
    const std::vector<double> mrr = {100, 1000, 50, 300, 500, 250, 20, 20, 40};
    const std::vector<std::int64_t> group = {0, 0, 0, 1, 1, 1, 2, 2, 3};
    const auto r = kpi::mrr_at_risk(p, mrr, group, 5);
    CHECK(r.accounts == std::vector<std::int64_t>{3, 3, 2, 1, 0});
    CHECK(r.mrr == std::vector<double>{1150, 1050, 40, 40, 0});
    CHECK(r.expected_mrr_lost == std::vector<double>{195, 160, 20, 0, 0});
    CHECK(top_of(r, 0) == std::vector<std::size_t>{1, 0, 2});
    CHECK(top_of(r, 1) == std::vector<std::size_t>{5, 3});
    CHECK(top_of(r, 2) == std::vector<std::size_t>{6, 7});
    CHECK(top_of(r, 3).empty());
    CHECK(top_of(r, 4).empty());

    // Half of the loss: 97.5 of 195 is reached by account 1 alone; 10 of 20 by account 6.
    const auto half = kpi::mrr_at_risk(p, mrr, group, 5, 0.5);
    CHECK(top_of(half, 0) == std::vector<std::size_t>{1});
    CHECK(top_of(half, 2) == std::vector<std::size_t>{6});
    // All of it: every account with a positive loss, none without.
    const auto all = kpi::mrr_at_risk(p, mrr, group, 5, 1.0);
    CHECK(top_of(all, 1) == std::vector<std::size_t>{5, 3});
}

TEST_CASE("mrr_at_risk: bad inputs name the column and row") {
    const std::vector<double> p = {0.5, 1.5}, mrr = {10, 20};
    const std::vector<std::int64_t> group = {0, 0};
    CHECK_THROWS_WITH_AS(kpi::mrr_at_risk(p, mrr, group, 1),
                         "column 'probability', row 1: must be a probability in [0, 1], got 1.5",
                         InputError);
    CHECK_THROWS_WITH_AS(kpi::mrr_at_risk(std::vector<double>{0.5, NAN}, mrr, group, 1),
                         doctest::Contains("column 'probability', row 1"), InputError);
    CHECK_THROWS_WITH_AS(
        kpi::mrr_at_risk(std::vector<double>{0.5, 0.5}, std::vector<double>{10, -1}, group, 1),
        "column 'mrr', row 1: must be a finite amount >= 0, got -1", InputError);
    CHECK_THROWS_WITH_AS(
        kpi::mrr_at_risk(std::vector<double>{0.5, 0.5}, mrr, std::vector<std::int64_t>{0, 1}, 1),
        "column 'group', row 1: group code 1 is not in [0, 1)", InputError);
    CHECK_THROWS_WITH_AS(
        kpi::mrr_at_risk(std::vector<double>{0.5}, mrr, std::vector<std::int64_t>{0}, 1),
        "mrr: has 2 values for 1 probabilities", InputError);
    CHECK_THROWS_WITH_AS(kpi::mrr_at_risk(std::vector<double>{0.5, 0.5}, mrr, group, 1, 0.0),
                         "share: must be in (0, 1], got 0", InputError);
}
