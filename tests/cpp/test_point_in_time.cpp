#include <doctest/doctest.h>

#include <cstdint>
#include <retain/point_in_time.hpp>
#include <vector>

using namespace retain;
using namespace retain::point_in_time;

namespace {
// Key 0: row 0 at time 5 (rank 0), row 1 at time 3, row 3 at time 5 (rank -1). Key 1: row 2 at
// time 7. Row 4 has key -1 and is left out, whatever its time.
const std::vector<std::int64_t> key = {0, 0, 1, 0, -1};
const std::vector<std::int64_t> time = {5, 3, 7, 5, missing_time};
const std::vector<std::int64_t> rank = {0, 0, 0, -1, 0};
}  // namespace

TEST_CASE("latest row at or before a time, and counts, worked by hand") {
    const Timeline t(key, 2, time, rank);
    CHECK(t.size() == 4);
    CHECK(t.latest(0, 5) == 0);  // two rows at time 5: the higher rank wins
    CHECK(t.latest(0, 100) == 0);
    CHECK(t.latest(0, 4) == 1);
    CHECK(t.latest(0, 2) == -1);
    CHECK(t.latest(1, 6) == -1);
    CHECK(t.latest(1, 7) == 2);
    CHECK(t.count_through(0, 5) == 3);
    CHECK(t.count_through(0, 4) == 1);
    CHECK(t.count_through(1, 100) == 1);
    const std::vector<std::int64_t> qk = {0, 1, -1, 0}, qt = {4, 7, 7, 5};
    CHECK(t.latest(qk, qt) == std::vector<std::int64_t>{1, 2, -1, 0});
    CHECK(t.count_through(qk, qt) == std::vector<std::int64_t>{1, 1, 0, 3});
}

TEST_CASE("without ranks, ties at one time go to the later row") {
    const Timeline t(key, 2, time);
    CHECK(t.latest(0, 5) == 3);
}

TEST_CASE("a missing time in a kept row is an error naming the row") {
    const std::vector<std::int64_t> k = {0, 1}, tm = {1, missing_time};
    CHECK_THROWS_WITH_AS(Timeline(k, 2, tm, {}, "answered_at"),
                         "column 'answered_at', row 1: missing date (NaT)", InputError);
    const Timeline t(key, 2, time);
    const std::vector<std::int64_t> qk = {2}, qt = {0};
    CHECK_THROWS_AS(t.latest(qk, qt), InputError);
}
