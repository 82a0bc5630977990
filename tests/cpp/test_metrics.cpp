// Churn-model metrics (retain/metrics.hpp), worked by hand from the definitions in the header,
// then checked against brute force (all pairs, every order of the tied rows) on random data.

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <retain/detail/radix_sort.hpp>
#include <retain/labels.hpp>
#include <retain/metrics.hpp>
#include <span>
#include <type_traits>
#include <vector>

#include "random.hpp"

using namespace retain;
using doctest::Approx;

namespace {

// Six accounts: three churners (rows 0, 2, 5) and three that stayed, with two ties in risk.
//   row   0    1    2    3    4    5
//   y     1    0    1    0    0    1
//   risk .9   .8   .8   .3   .1   .3
// Distinct risks in decreasing order, with churners (p) and stayers (q) at each:
//   .9: p 1 q 0    .8: p 1 q 1    .3: p 1 q 1    .1: p 0 q 1
// Cumulative TP 1 2 3 3, FP 0 1 2 3; P = N = 3.
const std::vector<double> y = {1, 0, 1, 0, 0, 1};
const std::vector<double> risk = {0.9, 0.8, 0.8, 0.3, 0.1, 0.3};
const double third = 1.0 / 3.0;

// All pairs (churner i, stayer j): w_i w_j ([r_i > r_j] + [r_i == r_j] / 2) / (P N).
double brute_auc(const std::vector<double>& ys, const std::vector<double>& rs,
                 const std::vector<double>& ws) {
    double num = 0, pos = 0, neg = 0;
    for (std::size_t i = 0; i < ys.size(); ++i) (ys[i] == 1 ? pos : neg) += ws[i];
    for (std::size_t i = 0; i < ys.size(); ++i)
        for (std::size_t j = 0; j < ys.size(); ++j)
            if (ys[i] == 1 && ys[j] == 0)
                num += ws[i] * ws[j] * (rs[i] > rs[j] ? 1.0 : rs[i] == rs[j] ? 0.5 : 0.0);
    return num / (pos * neg);
}

}  // namespace

TEST_CASE("roc_auc: pairs won, ties count 1/2") {
    // Churner .9 beats all 3 stayers: 3. Churner .8 ties stayer .8 (1/2) and beats .3 and .1:
    // 2.5. Churner .3 loses to .8, ties .3 (1/2), beats .1: 1.5. AUC = 7 / 9.
    CHECK(metrics::roc_auc(y, risk) == Approx(7.0 / 9.0).epsilon(1e-15));
    // Order does not matter; nor does -0.0 against 0.0 (a tie).
    const std::vector<double> y2 = {1, 0, 0, 1, 1, 0}, r2 = {0.3, 0.1, 0.3, 0.8, 0.9, 0.8};
    CHECK(metrics::roc_auc(y2, r2) == metrics::roc_auc(y, risk));
    const std::vector<double> zeros = {0.0, -0.0}, yz = {1, 0};
    CHECK(metrics::roc_auc(yz, zeros) == 0.5);
    // A perfect ranking and its reverse.
    const std::vector<double> yp = {0, 0, 1, 1}, rp = {1, 2, 3, 4};
    CHECK(metrics::roc_auc(yp, rp) == 1.0);
    const std::vector<double> rn = {4, 3, 2, 1};
    CHECK(metrics::roc_auc(yp, rn) == 0.0);
}

TEST_CASE("roc_auc: weights count pairs by the product of the weights, weight 0 drops a row") {
    // w = 2 1 1 1 1 0: row 5 (churner .3) drops out. P = 2 + 1 = 3, N = 3.
    // Churner .9 (w 2) beats 3 stayers: 6. Churner .8 (w 1): tie 1/2 + 2 wins = 2.5.
    // AUC = 8.5 / 9.
    const std::vector<double> w = {2, 1, 1, 1, 1, 0};
    CHECK(metrics::roc_auc(y, risk, w) == Approx(8.5 / 9.0).epsilon(1e-15));
    // Weight 2 is a row counted twice.
    const std::vector<double> yd = {1, 1, 0, 1, 0, 0}, rd = {0.9, 0.9, 0.8, 0.8, 0.3, 0.1};
    CHECK(metrics::roc_auc(yd, rd) == Approx(8.5 / 9.0).epsilon(1e-15));
    // Unit weights equal no weights.
    const std::vector<double> ones(6, 1.0);
    CHECK(metrics::roc_auc(y, risk, ones) == Approx(7.0 / 9.0).epsilon(1e-15));
}

TEST_CASE("roc_curve: one point per distinct risk after (0, 0) at +inf") {
    const auto all = metrics::roc_curve(y, risk, {}, false);
    const double inf = std::numeric_limits<double>::infinity();
    CHECK(all.threshold == std::vector<double>{inf, 0.9, 0.8, 0.3, 0.1});
    CHECK(all.fpr == std::vector<double>{0, 0, third, 2 * third, 1});
    CHECK(all.tpr == std::vector<double>{0, third, 2 * third, 1, 1});
    // Dropping intermediate points: at .8 the steps before and after are both (FP +1, TP +1),
    // so .8 lies on the line from .9 to .3 and goes; at .3 the next step is (FP +1, TP 0).
    const auto fewer = metrics::roc_curve(y, risk);
    CHECK(fewer.threshold == std::vector<double>{inf, 0.9, 0.3, 0.1});
    CHECK(fewer.fpr == std::vector<double>{0, 0, 2 * third, 1});
    CHECK(fewer.tpr == std::vector<double>{0, third, 1, 1});
    // The trapezoids of either give the AUC: (2/3)(1/3 + 1)/2 + (1/3)(1) = 4/9 + 3/9.
    // Weight 0 drops row 5 (the churner at .3): .3 holds only stayer row 3, P = 2.
    const std::vector<double> w = {1, 1, 1, 1, 1, 0};
    const auto weighted = metrics::roc_curve(y, risk, w, false);
    CHECK(weighted.threshold == std::vector<double>{inf, 0.9, 0.8, 0.3, 0.1});
    CHECK(weighted.tpr == std::vector<double>{0, 0.5, 1, 1, 1});
    CHECK(weighted.fpr == std::vector<double>{0, 0, third, 2 * third, 1});
}

TEST_CASE("pr_auc: average precision, a step sum over the distinct risks") {
    // .9: recall +1/3 at precision 1/1; .8: +1/3 at 2/3; .3: +1/3 at 3/5; .1: +0.
    // AP = 1/3 + 2/9 + 1/5 = 34/45.
    CHECK(metrics::pr_auc(y, risk) == Approx(34.0 / 45.0).epsilon(1e-15));
    // Weighted: w = 2 1 1 1 1 0 -> P = 3. .9: +2/3 at 2/2; .8: +1/3 at 3/4; .3, .1: +0.
    // AP = 2/3 + 1/4 = 11/12.
    const std::vector<double> w = {2, 1, 1, 1, 1, 0};
    CHECK(metrics::pr_auc(y, risk, w) == Approx(11.0 / 12.0).epsilon(1e-15));
}

TEST_CASE("pr_curve: increasing thresholds, then precision 1 recall 0 at +inf") {
    const double inf = std::numeric_limits<double>::infinity();
    const auto c = metrics::pr_curve(y, risk);
    // .1: TP 3 FP 3; .3: 3, 2; .8: 2, 1; .9: 1, 0.
    CHECK(c.threshold == std::vector<double>{0.1, 0.3, 0.8, 0.9, inf});
    CHECK(c.precision == std::vector<double>{0.5, 0.6, 2 * third, 1, 1});
    CHECK(c.recall == std::vector<double>{1, 1, 2 * third, third, 0});
    // Dropping intermediate points: none has TP equal to both neighbours' here ...
    CHECK(metrics::pr_curve(y, risk, {}, true).threshold == c.threshold);
    // ... but with stayers only below .8, the points at .3 and .2 lie on a flat run of TP = 2.
    const std::vector<double> y3 = {1, 1, 0, 0, 0}, r3 = {0.9, 0.8, 0.3, 0.2, 0.1};
    CHECK(metrics::pr_curve(y3, r3, {}, true).threshold == std::vector<double>{0.1, 0.8, 0.9, inf});
    CHECK(metrics::pr_curve(y3, r3).threshold == std::vector<double>{0.1, 0.2, 0.3, 0.8, 0.9, inf});
}

TEST_CASE("ks_statistic: largest gap between TPR and FPR") {
    // TPR - FPR after .9: 1/3 - 0; .8: 2/3 - 1/3; .3: 1 - 2/3; .1: 1 - 1. KS = 1/3.
    CHECK(metrics::ks_statistic(y, risk) == Approx(third).epsilon(1e-15));
    const std::vector<double> yp = {0, 0, 1, 1}, rp = {1, 2, 3, 4};
    CHECK(metrics::ks_statistic(yp, rp) == 1.0);
    // Reversed ranking: the gap is |0 - 1| = 1 too (two-sided).
    const std::vector<double> rn = {4, 3, 2, 1};
    CHECK(metrics::ks_statistic(yp, rn) == 1.0);
    // Weighted: w = 2 1 1 1 1 0; P = N = 3. After .9: 2/3 - 0; .8: 1 - 1/3; .3: 1 - 2/3.
    const std::vector<double> w = {2, 1, 1, 1, 1, 0};
    CHECK(metrics::ks_statistic(y, risk, w) == Approx(2 * third).epsilon(1e-15));
}

TEST_CASE("lift, precision_at, recall_at: ties at the cut count fractionally") {
    // top 0.5 of 6 rows = 3 rows: .9 (a churner) and both .8 (one churner): captured 2.
    // precision 2/3, recall 2/3, lift (2/3) / (3/6) = 4/3.
    CHECK(metrics::precision_at(y, risk, 0.5) == Approx(2 * third).epsilon(1e-15));
    CHECK(metrics::recall_at(y, risk, 0.5) == Approx(2 * third).epsilon(1e-15));
    CHECK(metrics::lift(y, risk, 0.5) == Approx(4 * third).epsilon(1e-15));
    // top 0.25 = 1.5 rows: .9 whole, then half a row of the tied pair at .8. In a random order
    // of that pair the churner comes first half the time, so it counts 1/2 * 1/2 = 1/4:
    // captured 1.25, precision 1.25 / 1.5 = 5/6, recall 1.25 / 3 = 5/12, lift (5/12) / 0.25.
    CHECK(metrics::precision_at(y, risk, 0.25) == Approx(5.0 / 6.0).epsilon(1e-15));
    CHECK(metrics::recall_at(y, risk, 0.25) == Approx(5.0 / 12.0).epsilon(1e-15));
    CHECK(metrics::lift(y, risk, 0.25) == Approx(5.0 / 3.0).epsilon(1e-15));
    // top 1: everyone; precision = base rate, recall 1, lift 1.
    CHECK(metrics::precision_at(y, risk, 1.0) == Approx(0.5));
    CHECK(metrics::recall_at(y, risk, 1.0) == Approx(1.0));
    CHECK(metrics::lift(y, risk, 1.0) == Approx(1.0));
    // Weighted: w = 2 1 1 1 1 0, W = 6, P = 3. top 0.5 = weight 3: row 0 (w 2, churner) and
    // the .8 pair (w 2, one churner of w 1) with room 1 of 2: captured 2 + 1 * 1/2 = 2.5.
    const std::vector<double> w = {2, 1, 1, 1, 1, 0};
    CHECK(metrics::precision_at(y, risk, 0.5, w) == Approx(2.5 / 3.0).epsilon(1e-15));
    CHECK(metrics::recall_at(y, risk, 0.5, w) == Approx(2.5 / 3.0).epsilon(1e-15));
    CHECK(metrics::lift(y, risk, 0.5, w) == Approx(2.5 / 3.0 / 0.5).epsilon(1e-15));
    // The default top is the top decile: 0.6 rows, all of them the .9 churner.
    CHECK(metrics::precision_at(y, risk) == Approx(1.0));
    CHECK(metrics::lift(y, risk) == Approx(2.0));
}

TEST_CASE("brier and log_loss: means of the per-row losses") {
    const std::vector<double> p = risk;
    // (p - y)^2: .01 .64 .04 .09 .01 .49 -> 1.28 / 6.
    CHECK(metrics::brier(y, p) == Approx(1.28 / 6.0).epsilon(1e-14));
    // -log of the probability given to what happened: .9 .2 .8 .7 .9 .3.
    const double expected = -(std::log(0.9) + std::log(0.2) + std::log(0.8) + std::log(0.7) +
                              std::log(0.9) + std::log(0.3)) /
                            6.0;
    CHECK(metrics::log_loss(y, p) == Approx(expected).epsilon(1e-14));
    // Weighted: w = 2 1 1 1 1 0 -> (2 * .01 + .64 + .04 + .09 + .01) / 6 = 0.8 / 6.
    const std::vector<double> w = {2, 1, 1, 1, 1, 0};
    CHECK(metrics::brier(y, p, w) == Approx(0.8 / 6.0).epsilon(1e-14));
    // One class only is fine for both.
    const std::vector<double> y0 = {0, 0}, p0 = {0.5, 0.0};
    CHECK(metrics::brier(y0, p0) == Approx(0.125));
    CHECK(metrics::log_loss(y0, p0) == Approx(std::log(2.0) / 2.0));
    // A churner given p = 0 (a stayer given p = 1) costs -log(2^-52) = 52 log 2 = 36.04: the
    // probability of the outcome is clipped to [eps, 1 - eps] as in scikit-learn.
    const std::vector<double> y1 = {1, 0}, p1 = {0.0, 1.0};
    CHECK(metrics::log_loss(y1, p1) == Approx(52 * std::log(2.0)).epsilon(1e-14));
    // Certain and right costs -log(1 - eps) = eps (to first order), not 0.
    const std::vector<double> p2 = {1.0, 0.0};
    CHECK(metrics::log_loss(y1, p2) == Approx(std::numeric_limits<double>::epsilon()));
    // Weight 0 counts nowhere.
    const std::vector<double> w1 = {0, 1}, p3 = {0.0, 0.5};
    CHECK(metrics::log_loss(y1, p3, w1) == Approx(std::log(2.0)));
}

TEST_CASE("calibration: uniform bins, edges go to the bin below, empty bins reported") {
    // bins 2: [0, .5] holds .3 .1 .3 (y 0 0 1), (.5, 1] holds .9 .8 .8 (y 1 0 1).
    const auto c = metrics::calibration(y, risk, 2);
    CHECK(c.count == std::vector<std::int64_t>{3, 3});
    CHECK(c.weight == std::vector<double>{3, 3});
    CHECK(c.mean_predicted[0] == Approx(0.7 / 3));
    CHECK(c.mean_predicted[1] == Approx(2.5 / 3));
    CHECK(c.observed[0] == Approx(third));
    CHECK(c.observed[1] == Approx(2 * third));
    // Edges: 0 -> bin 0, 0.5 -> bin 0 (p <= upper edge), 1 -> last; bins 4 leaves two empty.
    const std::vector<double> ye = {0, 1, 1}, pe = {0.0, 0.5, 1.0};
    const auto e = metrics::calibration(ye, pe, 4);
    CHECK(e.count == std::vector<std::int64_t>{1, 1, 0, 1});
    CHECK(e.observed[0] == 0.0);
    CHECK(e.observed[1] == 1.0);
    CHECK(std::isnan(e.observed[2]));
    CHECK(std::isnan(e.mean_predicted[2]));
    CHECK(e.weight[2] == 0.0);
    // 0.3 lies below numpy's edge 3 * 0.1 = 0.30000000000000004: bin 2, as in scikit-learn.
    const std::vector<double> y3 = {1}, p3 = {0.3};
    CHECK(metrics::calibration(y3, p3, 10).count[2] == 1);
    // Weighted means.
    const std::vector<double> w = {3, 1, 1, 1, 1, 1};
    const auto cw = metrics::calibration(y, risk, 2, w);
    CHECK(cw.count == std::vector<std::int64_t>{3, 3});
    CHECK(cw.weight == std::vector<double>{3, 5});
    CHECK(cw.mean_predicted[1] == Approx((3 * 0.9 + 0.8 + 0.8) / 5));
    CHECK(cw.observed[1] == Approx(4.0 / 5));
}

TEST_CASE("metrics: bad input is named by column and row") {
    const std::vector<double> y2 = {1, 2}, ynan = {0, NAN}, r2 = {0.5, 0.5};
    CHECK_THROWS_WITH_AS(metrics::roc_auc(y2, r2), "column 'y', row 1: must be 0 or 1, got 2",
                         InputError);
    CHECK_THROWS_WITH_AS(metrics::lift(ynan, r2), "column 'y', row 1: must be 0 or 1, got nan",
                         InputError);
    const std::vector<double> y01 = {0, 1}, rnan = {NAN, 0.5}, rinf = {0.5, -INFINITY};
    CHECK_THROWS_WITH_AS(metrics::roc_auc(y01, rnan),
                         "column 'risk', row 0: must be a finite number, got nan", InputError);
    CHECK_THROWS_WITH_AS(metrics::ks_statistic(y01, rinf),
                         "column 'risk', row 1: must be a finite number, got -inf", InputError);
    const std::vector<double> pbig = {0.5, 1.5}, pneg = {-0.1, 0.5};
    CHECK_THROWS_WITH_AS(metrics::log_loss(y01, pbig),
                         "column 'p', row 1: must be a probability in [0, 1], got 1.5", InputError);
    CHECK_THROWS_WITH_AS(metrics::brier(y01, pneg),
                         "column 'p', row 0: must be a probability in [0, 1], got -0.1",
                         InputError);
    CHECK_THROWS_WITH_AS(metrics::calibration(y01, rnan),
                         "column 'p', row 0: must be a probability in [0, 1], got nan", InputError);
    const std::vector<double> wneg = {1, -1}, wnan = {NAN, 1}, winf = {1, INFINITY};
    CHECK_THROWS_WITH_AS(metrics::roc_auc(y01, r2, wneg),
                         "column 'sample_weight', row 1: must be a finite number >= 0, got -1",
                         InputError);
    CHECK_THROWS_WITH_AS(metrics::pr_auc(y01, r2, wnan),
                         "column 'sample_weight', row 0: must be a finite number >= 0, got nan",
                         InputError);
    CHECK_THROWS_WITH_AS(metrics::brier(y01, r2, winf),
                         "column 'sample_weight', row 1: must be a finite number >= 0, got inf",
                         InputError);
    const std::vector<double> r3 = {0.1, 0.2, 0.3}, w3 = {1, 1, 1};
    CHECK_THROWS_WITH_AS(metrics::roc_auc(y01, r3), "roc_auc: risk has 3 rows but y has 2",
                         InputError);
    CHECK_THROWS_WITH_AS(metrics::brier(y01, r3), "brier: p has 3 rows but y has 2", InputError);
    CHECK_THROWS_WITH_AS(metrics::recall_at(y01, r2, 0.1, w3),
                         "recall_at: sample_weight has 3 rows but y has 2", InputError);
    CHECK_THROWS_WITH_AS(metrics::lift(y01, r2, 0.0), "top: must be in (0, 1], got 0", InputError);
    CHECK_THROWS_WITH_AS(metrics::precision_at(y01, r2, 1.5), "top: must be in (0, 1], got 1.5",
                         InputError);
    CHECK_THROWS_WITH_AS(metrics::recall_at(y01, r2, NAN), "top: must be in (0, 1], got nan",
                         InputError);
    CHECK_THROWS_WITH_AS(metrics::calibration(y01, r2, 0), "bins: must be at least 1, got 0",
                         InputError);
}

TEST_CASE("metrics: undefined on the data is an error saying why") {
    const std::vector<double> zeros = {0, 0}, ones = {1, 1}, r = {0.2, 0.4}, none;
    CHECK_THROWS_WITH_AS(metrics::roc_auc(zeros, r),
                         "roc_auc: y has one class only (all 0); ROC AUC needs both", InputError);
    CHECK_THROWS_WITH_AS(metrics::roc_auc(ones, r),
                         "roc_auc: y has one class only (all 1); ROC AUC needs both", InputError);
    CHECK_THROWS_WITH_AS(metrics::pr_auc(zeros, r),
                         "pr_auc: y has one class only (all 0); PR AUC needs both", InputError);
    CHECK_THROWS_WITH_AS(metrics::roc_curve(ones, r),
                         "roc_curve: y has one class only (all 1); a ROC curve needs both",
                         InputError);
    CHECK_THROWS_WITH_AS(metrics::pr_curve(ones, r),
                         "pr_curve: y has one class only (all 1); a PR curve needs both",
                         InputError);
    CHECK_THROWS_WITH_AS(metrics::ks_statistic(zeros, r),
                         "ks_statistic: y has one class only (all 0); the KS statistic needs both",
                         InputError);
    CHECK_THROWS_WITH_AS(metrics::roc_auc(none, none),
                         "roc_auc: no rows; ROC AUC needs both classes", InputError);
    CHECK_THROWS_WITH_AS(metrics::lift(zeros, r),
                         "lift: y has no churners (all 0); lift needs some", InputError);
    CHECK_THROWS_WITH_AS(metrics::recall_at(zeros, r),
                         "recall_at: y has no churners (all 0); recall needs some", InputError);
    // Precision in the top needs only weight; with no churners it is 0, with all churners 1.
    CHECK(metrics::precision_at(zeros, r, 0.5) == 0.0);
    CHECK(metrics::precision_at(ones, r, 0.5) == 1.0);
    CHECK(metrics::lift(ones, r, 0.5) == 1.0);
    // A class present with zero weight.
    const std::vector<double> y01 = {0, 1}, w01 = {1, 0}, w00 = {0, 0};
    CHECK_THROWS_WITH_AS(
        metrics::roc_auc(y01, r, w01),
        "roc_auc: the rows with y == 1 have zero total weight; ROC AUC needs both classes",
        InputError);
    CHECK_THROWS_WITH_AS(metrics::lift(y01, r, 0.1, w01),
                         "lift: the rows with y == 1 have zero total weight; lift needs churners",
                         InputError);
    CHECK_THROWS_WITH_AS(metrics::brier(y01, r, w00),
                         "brier: sample_weight sums to 0; the Brier score needs some weight",
                         InputError);
    CHECK_THROWS_WITH_AS(metrics::log_loss(none, none), "log_loss: no rows; log loss needs some",
                         InputError);
    CHECK_THROWS_WITH_AS(
        metrics::calibration(y01, r, 10, w00),
        "calibration: sample_weight sums to 0; a calibration table needs some weight", InputError);
    CHECK_THROWS_WITH_AS(metrics::precision_at(y01, r, 0.1, w00),
                         "precision_at: sample_weight sums to 0; precision needs some weight",
                         InputError);
}

TEST_CASE("metrics on random data with many ties equal brute force and ignore row order") {
    test::Lcg rng{42};
    for (int round = 0; round < 20; ++round) {
        const std::size_t n = 5 + rng.next() % 60;
        std::vector<double> ys(n), rs(n), ws(n), ones(n, 1.0);
        for (std::size_t i = 0; i < n; ++i) {
            ys[i] = static_cast<double>(rng.next() % 3 == 0);
            rs[i] = static_cast<double>(rng.next() % 7) / 4.0 - 0.5;  // 7 values: ties
            ws[i] = static_cast<double>(rng.next() % 4) * 0.5;        // 0, .5, 1, 1.5
        }
        ys[0] = 1;
        ys[1] = 0;
        ws[0] = ws[1] = 1;
        CHECK(metrics::roc_auc(ys, rs) == Approx(brute_auc(ys, rs, ones)).epsilon(1e-14));
        CHECK(metrics::roc_auc(ys, rs, ws) == Approx(brute_auc(ys, rs, ws)).epsilon(1e-14));
        // The reversed rows give the same numbers, bit for bit.
        std::vector<double> yr(ys.rbegin(), ys.rend()), rr(rs.rbegin(), rs.rend()),
            wr(ws.rbegin(), ws.rend());
        CHECK(metrics::roc_auc(yr, rr, wr) == metrics::roc_auc(ys, rs, ws));
        CHECK(metrics::pr_auc(yr, rr, wr) == metrics::pr_auc(ys, rs, ws));
        CHECK(metrics::ks_statistic(yr, rr, wr) == metrics::ks_statistic(ys, rs, ws));
        for (const double top : {0.1, 0.25, 0.5, 0.9}) {
            CHECK(metrics::lift(yr, rr, top, wr) == metrics::lift(ys, rs, top, ws));
            CHECK(metrics::recall_at(yr, rr, top) == metrics::recall_at(ys, rs, top));
        }
        // KS from the curve.
        const auto curve = metrics::roc_curve(ys, rs, ws, false);
        double ks = 0;
        for (std::size_t k = 0; k < curve.fpr.size(); ++k)
            ks = std::max(ks, std::abs(curve.tpr[k] - curve.fpr[k]));
        CHECK(metrics::ks_statistic(ys, rs, ws) == Approx(ks).epsilon(1e-14));
    }
}

TEST_CASE("precision_at: the expectation over every order of the tied rows") {
    // Unweighted, small: enumerate every order of the rows (ties broken every possible way),
    // take top * n rows (the row crossing the cut counting fractionally), average.
    test::Lcg rng{7};
    for (int round = 0; round < 30; ++round) {
        const std::size_t n = 3 + rng.next() % 5;  // up to 7 rows: 5040 orders
        std::vector<double> ys(n), rs(n);
        for (std::size_t i = 0; i < n; ++i) {
            ys[i] = static_cast<double>(rng.next() % 2);
            rs[i] = static_cast<double>(rng.next() % 3);
        }
        ys[0] = 1;
        const double top = 0.05 + static_cast<double>(rng.next() % 19) * 0.05;
        std::vector<std::size_t> order(n);
        std::iota(order.begin(), order.end(), std::size_t{0});
        double sum = 0;
        int orders = 0;
        do {
            // Only orders sorted by decreasing risk are orders "by risk".
            bool by_risk = true;
            for (std::size_t k = 1; k < n; ++k) by_risk &= rs[order[k - 1]] >= rs[order[k]];
            if (!by_risk) continue;
            double room = top * static_cast<double>(n), caught = 0;
            for (std::size_t k = 0; k < n && room > 0; ++k) {
                caught += ys[order[k]] * std::min(1.0, room);
                room -= 1.0;
            }
            sum += caught;
            ++orders;
        } while (std::next_permutation(order.begin(), order.end()));
        const double expected = sum / orders / (top * static_cast<double>(n));
        CHECK(metrics::precision_at(ys, rs, top) == Approx(expected).epsilon(1e-12));
    }
}

TEST_CASE("radix_sort_by_key: a stable sort carrying a payload") {
    test::Lcg rng{3};
    for (const std::size_t n : {0u, 1u, 2u, 17u, 5000u}) {
        std::vector<double> values(n);
        for (auto& v : values) {
            const auto r = rng.next();
            // Few distinct values (stability shows), negatives, -0.0 and 0.0, huge and tiny.
            const double choices[] = {-0.0, 0.0, -1.5, 2.5, 1e300, -1e-300, 3.0, 0.25};
            v = r % 3 == 0 ? choices[r % 8] : static_cast<double>(r % 1000) / 7.0 - 50.0;
        }
        std::vector<std::uint64_t> keys(n);
        std::vector<std::uint32_t> payload(n);
        for (std::size_t i = 0; i < n; ++i) {
            keys[i] = detail::double_sort_key(values[i]);
            payload[i] = static_cast<std::uint32_t>(i);
        }
        detail::radix_sort_by_key(keys, payload);
        std::vector<std::uint32_t> expected(n);
        std::iota(expected.begin(), expected.end(), 0u);
        std::stable_sort(expected.begin(), expected.end(), [&](std::uint32_t a, std::uint32_t b) {
            return detail::double_sort_key(values[a]) < detail::double_sort_key(values[b]);
        });
        CHECK(payload == expected);
        for (std::size_t i = 0; i < n; ++i) {
            CHECK(detail::double_from_sort_key(keys[i]) == values[payload[i]]);
            CHECK(std::signbit(detail::double_from_sort_key(keys[i])) ==
                  std::signbit(values[payload[i]]));
        }
        // -0.0 sorts just before 0.0; all keys ascending means the doubles ascending.
        for (std::size_t i = 1; i < n; ++i)
            CHECK(detail::double_from_sort_key(keys[i - 1]) <=
                  detail::double_from_sort_key(keys[i]));
        // Keys only (an empty payload) sorts the same keys.
        std::vector<std::uint64_t> alone(n);
        for (std::size_t i = 0; i < n; ++i) alone[i] = detail::double_sort_key(values[i]);
        std::vector<int> no_payload;
        detail::radix_sort_by_key(alone, no_payload);
        CHECK(alone == keys);
    }
}

TEST_CASE("labels of any integer or floating type give the double labels' results") {
    // label_churn's codes are int8: they go to the metrics as they are, no conversion by hand.
    static_assert(
        std::is_same_v<decltype(backtest::LabelResult{}.label), std::vector<std::int8_t>>);
    // The hand-worked six rows at the top of this file: AUC 7/9, KS 1/3, lift at 1/2 = 4/3
    // (the top half by weight holds rows 0, 1, 2: two of the three churners).
    const std::vector<std::int8_t> y8 = {1, 0, 1, 0, 0, 1};
    const std::vector<std::int64_t> y64 = {1, 0, 1, 0, 0, 1};
    const std::vector<double> p = {0.9, 0.8, 0.8, 0.3, 0.1, 0.3};  // risks usable as probabilities
    CHECK(metrics::roc_auc(y8, risk) == Approx(7.0 / 9.0).epsilon(1e-15));
    CHECK(metrics::roc_auc(y64, risk) == Approx(7.0 / 9.0).epsilon(1e-15));
    CHECK(metrics::ks_statistic(y8, risk) == Approx(third).epsilon(1e-15));
    CHECK(metrics::lift(y64, risk, 0.5) == Approx(4.0 / 3.0).epsilon(1e-15));

    // Exactly the double labels' results, for every metric and every element type.
    const std::vector<double> w = {1, 2, 0.5, 1, 3, 1};
    const auto same = [&](metrics::Labels labels) {
        CHECK(metrics::roc_auc(labels, risk) == metrics::roc_auc(y, risk));
        CHECK(metrics::roc_auc(labels, risk, w) == metrics::roc_auc(y, risk, w));
        CHECK(metrics::pr_auc(labels, risk, w) == metrics::pr_auc(y, risk, w));
        CHECK(metrics::ks_statistic(labels, risk) == metrics::ks_statistic(y, risk));
        CHECK(metrics::lift(labels, risk, 0.5) == metrics::lift(y, risk, 0.5));
        CHECK(metrics::precision_at(labels, risk, 0.3, w) ==
              metrics::precision_at(y, risk, 0.3, w));
        CHECK(metrics::recall_at(labels, risk, 0.3) == metrics::recall_at(y, risk, 0.3));
        CHECK(metrics::brier(labels, p, w) == metrics::brier(y, p, w));
        CHECK(metrics::log_loss(labels, p) == metrics::log_loss(y, p));
        const auto roc = metrics::roc_curve(labels, risk), roc_d = metrics::roc_curve(y, risk);
        CHECK(roc.fpr == roc_d.fpr);
        CHECK(roc.tpr == roc_d.tpr);
        CHECK(roc.threshold == roc_d.threshold);
        const auto pr = metrics::pr_curve(labels, risk, w), pr_d = metrics::pr_curve(y, risk, w);
        CHECK(pr.precision == pr_d.precision);
        CHECK(pr.recall == pr_d.recall);
        const auto cal = metrics::calibration(labels, p, 4), cal_d = metrics::calibration(y, p, 4);
        CHECK(cal.count == cal_d.count);
        CHECK(cal.weight == cal_d.weight);
        for (std::size_t k = 0; k < cal.observed.size(); ++k)
            CHECK((std::isnan(cal_d.observed[k]) ? std::isnan(cal.observed[k])
                                                 : cal.observed[k] == cal_d.observed[k]));
    };
    same(y8);
    same(y64);
    same(std::span<const std::int8_t>(y8));  // spans as well as vectors
    same(std::vector<std::int32_t>{1, 0, 1, 0, 0, 1});
    same(std::vector<std::uint8_t>{1, 0, 1, 0, 0, 1});
    same(std::vector<float>{1, 0, 1, 0, 0, 1});
    const std::array<bool, 6> yb = {true, false, true, false, false, true};
    same(yb);
    same(std::span<const double>(y));  // the double span every caller passed before
}

TEST_CASE("labels of other types: same checks and messages, a checked accessor") {
    // label_churn's "no label" codes are not labels: filter them out before a metric.
    const std::vector<std::int8_t> coded = {1, 0, -1};
    const std::vector<double> r3 = {0.9, 0.2, 0.5};
    CHECK_THROWS_WITH_AS(metrics::roc_auc(coded, r3), "column 'y', row 2: must be 0 or 1, got -1",
                         InputError);
    const std::vector<std::int64_t> two = {0, 1, 2};
    CHECK_THROWS_WITH_AS(metrics::brier(two, r3), "column 'y', row 2: must be 0 or 1, got 2",
                         InputError);
    const std::vector<std::int64_t> y2 = {0, 1};
    CHECK_THROWS_WITH_AS(metrics::roc_auc(y2, r3), "roc_auc: risk has 3 rows but y has 2",
                         InputError);

    const metrics::Labels labels(two);
    CHECK(labels.size() == 3);
    CHECK(labels[2] == 2.0);
    CHECK(labels.at(1) == 1.0);
    CHECK_THROWS_WITH_AS(labels.at(3), "label 3 out of range: there are 3 labels", InputError);
    try {
        (void)labels.at(7);
        FAIL("expected an InputError");
    } catch (const InputError& e) {
        CHECK(e.row() == std::optional<std::size_t>{7});
    }
    CHECK(metrics::Labels().empty());
    // Doubles are read in place; other types are converted into the scratch vector.
    std::vector<double> scratch;
    const std::vector<double> yd = {0, 1};
    CHECK(metrics::Labels(yd).as_doubles(scratch).data() == yd.data());
    CHECK(scratch.empty());
    const auto converted = metrics::Labels(two).as_doubles(scratch);
    CHECK(converted.data() == scratch.data());
    CHECK(scratch == std::vector<double>{0, 1, 2});
    // Characters are not labels ('1' is 49), nor is the bit-packed std::vector<bool>.
    static_assert(!std::is_convertible_v<const std::vector<char>&, metrics::Labels>);
    static_assert(!std::is_convertible_v<const std::vector<bool>&, metrics::Labels>);
    static_assert(std::is_convertible_v<const std::vector<std::int8_t>&, metrics::Labels>);
    static_assert(std::is_convertible_v<std::span<const double>, metrics::Labels>);
}
