// rollup (parent health from its children) and alerts (who needs a CSM now), worked by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <retain/alerts.hpp>
#include <retain/rollup.hpp>
#include <vector>

using namespace retain;

namespace {

constexpr double missing = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();

using I64 = std::vector<std::int64_t>;
using I32 = std::vector<std::int32_t>;
using U8 = std::vector<std::uint8_t>;

}  // namespace

TEST_CASE("rollup: weighted mean over scored children, worst child, counts and weight sums") {
    // Parent 0: rows 0, 2, 4 (scores 80, 40, NaN; weights 100, 300, 50).
    // Parent 1: rows 1, 3 (scores 60, 60; weights 10, 30).
    // Parent 2: no row at all.
    const I64 parent = {0, 1, 0, 1, 0};
    const std::vector<double> score = {80, 60, 40, 60, missing};
    const std::vector<double> weight = {100, 10, 300, 30, 50};
    const auto r = rollup(parent, 3, score, weight);
    REQUIRE(r.size() == 3);
    // Parent 0: (100*80 + 300*40) / (100 + 300) = (8000 + 12000) / 400 = 50; the unscored child's
    // weight 50 is not in the mean but is in the weight sum: 100 + 300 + 50 = 450.
    CHECK(r.score[0] == 50.0);
    CHECK(r.children[0] == 3);
    CHECK(r.scored_children[0] == 2);
    CHECK(r.weight[0] == 450.0);
    CHECK(r.worst_child[0] == 2);  // 40 < 80
    // Parent 1: (10*60 + 30*60) / 40 = 60; a tie at 60: the first in row order (row 1).
    CHECK(r.score[1] == 60.0);
    CHECK(r.children[1] == 2);
    CHECK(r.scored_children[1] == 2);
    CHECK(r.weight[1] == 40.0);
    CHECK(r.worst_child[1] == 1);
    // Parent 2: nothing.
    CHECK(std::isnan(r.score[2]));
    CHECK(r.children[2] == 0);
    CHECK(r.scored_children[2] == 0);
    CHECK(r.weight[2] == 0.0);
    CHECK(r.worst_child[2] == -1);
}

TEST_CASE("rollup: equal weights when no weight column is given") {
    const I64 parent = {0, 1, 0, 1, 0};
    const std::vector<double> score = {80, 60, 40, 60, missing};
    const auto r = rollup(parent, 2, score);
    // Parent 0: (80 + 40) / 2 = 60; weight = 3 children.
    CHECK(r.score[0] == 60.0);
    CHECK(r.weight[0] == 3.0);
    CHECK(r.score[1] == 60.0);
    CHECK(r.weight[1] == 2.0);
}

TEST_CASE("rollup: zero weights, no scored child, a worst child of weight 0") {
    // Parent 0: scored children all of weight 0 -> NaN score, but the worst child is still row 1.
    // Parent 1: only unscored children -> NaN, worst -1.
    // Parent 2: a zero-weight child with the lowest score (10) is the worst, yet does not move the
    //           mean: (0*10 + 2*70 + 2*90) / 4 = 320 / 4 = 80.
    const I64 parent = {0, 0, 1, 2, 2, 2};
    const std::vector<double> score = {50, 20, missing, 10, 70, 90};
    const std::vector<double> weight = {0, 0, 5, 0, 2, 2};
    const auto r = rollup(parent, 3, score, weight);
    CHECK(std::isnan(r.score[0]));
    CHECK(r.scored_children[0] == 2);
    CHECK(r.weight[0] == 0.0);
    CHECK(r.worst_child[0] == 1);
    CHECK(std::isnan(r.score[1]));
    CHECK(r.children[1] == 1);
    CHECK(r.scored_children[1] == 0);
    CHECK(r.weight[1] == 5.0);
    CHECK(r.worst_child[1] == -1);
    CHECK(r.score[2] == 80.0);
    CHECK(r.worst_child[2] == 3);
}

TEST_CASE("rollup: compensated sums keep a small child's weight next to a huge one") {
    // Weights 1e16, 1, 1, -> plain double sums lose the 1s (1e16 + 1 == 1e16); the sum is 1e16 + 2.
    const I64 parent = {0, 0, 0};
    const std::vector<double> score = {50, 50, 50};
    const std::vector<double> weight = {1e16, 1, 1};
    const auto r = rollup(parent, 1, score, weight);
    CHECK(r.weight[0] == 1e16 + 2);
    CHECK(r.score[0] == 50.0);
}

TEST_CASE("rollup: every bad input names its column and row") {
    const I64 parent = {0, 1, 0};
    const std::vector<double> score = {80, 60, 40};
    const RollupColumns names{"account_parent", "health", "arr"};
    const auto with_weight = [&](std::vector<double> w) {
        return rollup(parent, 2, score, w, names);
    };
    CHECK_THROWS_WITH_AS(with_weight({1, -5, 1}),
                         "column 'arr', row 1: weight must be a finite number >= 0, got -5",
                         InputError);
    CHECK_THROWS_WITH_AS(with_weight({1, 1, missing}),
                         "column 'arr', row 2: weight must be a finite number >= 0, got nan",
                         InputError);
    CHECK_THROWS_WITH_AS(with_weight({inf, 1, 1}),
                         "column 'arr', row 0: weight must be a finite number >= 0, got inf",
                         InputError);
    CHECK_THROWS_WITH_AS(with_weight({1, 1}),
                         "columns differ in length: 'account_parent' has 3 rows, 'arr' 2",
                         InputError);
    CHECK_THROWS_WITH_AS(rollup(parent, 2, std::vector<double>{80, -inf, 40}, {}, names),
                         "column 'health', row 1: score must be finite or missing (NaN), got -inf",
                         InputError);
    CHECK_THROWS_WITH_AS(rollup(parent, 2, std::vector<double>{80, 60}, {}, names),
                         "columns differ in length: 'account_parent' has 3 rows, 'health' 2",
                         InputError);
    CHECK_THROWS_WITH_AS(rollup(I64{0, 2, 0}, 2, score, {}, names),
                         "column 'account_parent', row 1: parent code 2 is not in [0, 2)",
                         InputError);
    CHECK_THROWS_WITH_AS(rollup(I64{0, 1, -1}, 2, score, {}, names),
                         "column 'account_parent', row 2: parent code -1 is not in [0, 2)",
                         InputError);
    // Default names when none are given.
    CHECK_THROWS_WITH_AS(rollup(parent, 2, score, std::vector<double>{1, 1, -1}),
                         "column 'weight', row 2: weight must be a finite number >= 0, got -1",
                         InputError);
}

TEST_CASE("rollup: no rows") {
    const auto r = rollup(I64{}, 2, std::vector<double>{});
    CHECK(r.size() == 2);
    CHECK(r.children == I64{0, 0});
    CHECK(r.worst_child == I64{-1, -1});
}

TEST_CASE("alerts: drops and entries into red, biggest drop first, NaN last") {
    // Grades: 0 red, 1 yellow, 2 green; into = {red}; min_drop = 10.
    // row 0: -12.5, green -> yellow: dropped.
    // row 1:  -3,   yellow -> red: entered.
    // row 2:  -10,  green -> green: dropped (exactly min_drop counts).
    // row 3:  -9.99, green -> yellow: nothing.
    // row 4:  -30,  red -> red: dropped, not entered (already red).
    // row 5:  NaN, none -> red: a new account, not entered (no previous score).
    // row 6:  NaN, yellow -> red: entered (a previous grade; no score now is impossible from a
    //                              model, but a previous grade is what counts).
    // row 7:  +5,   none -> red: entered (a previous score without a grade).
    // row 8:  -12.5, yellow -> red: dropped and entered; ties row 0 at -12.5, after it.
    // row 9:  +20,  red -> green: nothing.
    const std::vector<double> change = {-12.5, -3, -10, -9.99, -30, missing, missing, 5, -12.5, 20};
    const I32 before = {2, 1, 2, 2, 0, -1, 1, -1, 1, 0};
    const I32 now = {1, 0, 2, 1, 0, 0, 0, 0, 0, 2};
    const auto a = alerts(change, before, now, 3, 10.0, I32{0});
    // Order: -30 (4), -12.5 (0), -12.5 (8), -10 (2), -3 (1), +5 (7), NaN (6).
    CHECK(a.rows == I64{4, 0, 8, 2, 1, 7, 6});
    CHECK(a.dropped == U8{1, 1, 1, 1, 0, 0, 0});
    CHECK(a.entered == U8{0, 0, 1, 0, 1, 1, 1});
}

TEST_CASE("alerts: several grades in `into`, none at all, a larger min_drop") {
    const std::vector<double> change = {-12, -3, -25};
    const I32 before = {2, 2, 1};
    const I32 now = {1, 0, 0};
    // into {red, yellow}: row 0 green -> yellow entered; row 1 green -> red entered; row 2
    // yellow -> red: both in `into`, so not entered; -25 <= -20 dropped.
    const auto a = alerts(change, before, now, 3, 20.0, I32{0, 1});
    CHECK(a.rows == I64{2, 0, 1});
    CHECK(a.dropped == U8{1, 0, 0});
    CHECK(a.entered == U8{0, 1, 1});
    // No `into`: drops only.
    const auto b = alerts(change, before, now, 3, 10.0, I32{});
    CHECK(b.rows == I64{2, 0});
    CHECK(b.entered == U8{0, 0});
    // No rows.
    CHECK(alerts({}, {}, {}, 3, 10.0, I32{0}).size() == 0);
}

TEST_CASE("alerts: every bad input names its argument, column and row") {
    const std::vector<double> change = {-12, -3};
    const I32 before = {2, 2};
    const I32 now = {1, 0};
    const AlertColumns names{"delta", "grade_before", "grade_now"};
    const auto run = [&](double min_drop, I32 into) {
        return alerts(change, before, now, 3, min_drop, into, names);
    };
    CHECK_THROWS_WITH_AS(run(0.0, {0}), "min_drop: must be a positive finite number, got 0",
                         InputError);
    CHECK_THROWS_WITH_AS(run(-5.0, {0}), "min_drop: must be a positive finite number, got -5",
                         InputError);
    CHECK_THROWS_WITH_AS(run(missing, {0}), "min_drop: must be a positive finite number, got nan",
                         InputError);
    CHECK_THROWS_WITH_AS(run(inf, {0}), "min_drop: must be a positive finite number, got inf",
                         InputError);
    CHECK_THROWS_WITH_AS(run(10.0, {3}), "into: grade code 3 is not in [0, 3)", InputError);
    CHECK_THROWS_WITH_AS(run(10.0, {-1}), "into: grade code -1 is not in [0, 3)", InputError);
    CHECK_THROWS_WITH_AS(
        alerts(change, I32{2, -2}, now, 3, 10.0, I32{0}, names),
        "column 'grade_before', row 1: grade code -2 is not -1 (none) or in [0, 3)", InputError);
    CHECK_THROWS_WITH_AS(alerts(change, before, I32{3, 0}, 3, 10.0, I32{0}, names),
                         "column 'grade_now', row 0: grade code 3 is not -1 (none) or in [0, 3)",
                         InputError);
    CHECK_THROWS_WITH_AS(
        alerts(std::vector<double>{-inf, 1}, before, now, 3, 10.0, I32{0}, names),
        "column 'delta', row 0: score change must be finite or missing (NaN), got -inf",
        InputError);
    CHECK_THROWS_WITH_AS(alerts(change, I32{2}, now, 3, 10.0, I32{0}, names),
                         "columns differ in length: 'delta' has 2 rows, 'grade_before' 1",
                         InputError);
    CHECK_THROWS_WITH_AS(alerts(change, before, I32{1, 0, 0}, 3, 10.0, I32{0}, names),
                         "columns differ in length: 'delta' has 2 rows, 'grade_now' 3", InputError);
}
