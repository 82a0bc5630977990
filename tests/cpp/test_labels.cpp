#include <doctest/doctest.h>

#include <cstdint>
#include <retain/labels.hpp>
#include <retain/point_in_time.hpp>
#include <string>
#include <vector>

using namespace retain;
using namespace retain::backtest;

namespace {
constexpr std::int64_t nat = missing_day;
// Account 0 churns on day 50, returns on day 80 and churns again on day 120 for good. Account 1
// never churns. Account 2 churns on day 10 and returns the same day. The last churn row belongs
// to an account without snapshots (-1) and is ignored. Rows are deliberately not sorted.
const std::vector<std::int64_t> churn_account = {0, 2, 0, -1};
const std::vector<std::int64_t> churn_day = {120, 10, 50, 5};
const std::vector<std::int64_t> returned_day = {nat, 10, 80, nat};
}  // namespace

TEST_CASE("churn labels worked by hand: horizon 30 days, observed until day 200") {
    const std::vector<std::int64_t> acc = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2};
    const std::vector<std::int64_t> day = {20, 19, 50, 79, 80, 90, 120, 180, 170, 171, 10, 9};
    const auto r = label_churn(acc, day, churn_account, churn_day, returned_day, 3, 30, 200);
    const std::vector<std::int8_t> expected = {
        1,                 // day 20: the churn on day 50 is in (20, 50]
        0,                 // day 19: (19, 49] misses it
        label_inactive,    // day 50: churned that day, not back by then
        label_inactive,    // day 79: back only on day 80
        0,                 // day 80: back that day, active; (80, 110] has no churn
        1,                 // day 90: churns again on day 120, in (90, 120]
        label_inactive,    // day 120
        label_inactive,    // day 180: gone (inactive wins over unresolved, 210 > 200)
        0,                 // account 1, day 170: horizon ends on day 200 = observed_until
        label_unresolved,  // day 171: horizon ends on day 201, after day 200
        0,                 // account 2, day 10: churned and returned that day, active
        1,                 // day 9: the churn on day 10 is in (9, 39]
    };
    CHECK(r.label == expected);
    CHECK(r.positives == 3);
    CHECK(r.negatives == 4);
    CHECK(r.inactive == 4);
    CHECK(r.unresolved == 1);
}

TEST_CASE("without a returned column every churn is for good") {
    const std::vector<std::int64_t> acc = {0, 0}, day = {40, 100};
    const auto r = label_churn(acc, day, churn_account, churn_day, {}, 3, 30, 1000);
    // Day 40: (40, 70] holds day 50. Day 100: gone since day 50 (its return is not read).
    CHECK(r.label == std::vector<std::int8_t>{1, label_inactive});
}

TEST_CASE("overlapping churn records: gone while any churn on or before t is unreturned") {
    // Churn on day 10 returned on day 100, and a churn on day 20 returned on day 30.
    const std::vector<std::int64_t> ca = {0, 0}, cd = {10, 20}, rd = {100, 30};
    const std::vector<std::int64_t> acc = {0, 0, 0}, day = {50, 100, 5};
    const auto r = label_churn(acc, day, ca, cd, rd, 1, 10, 1000);
    CHECK(r.label == std::vector<std::int8_t>{label_inactive, 0, 1});
}

TEST_CASE("bad inputs name the column and the row") {
    const std::vector<std::int64_t> acc = {0, 1}, day = {20, 20};
    CHECK_THROWS_WITH_AS(label_churn(acc, day, churn_account, churn_day, returned_day, 3, 0, 200),
                         "horizon_days: must be a whole number of days >= 1, got 0", InputError);
    const std::vector<std::int64_t> nat_day = {20, nat};
    CHECK_THROWS_WITH_AS(
        label_churn(acc, nat_day, churn_account, churn_day, returned_day, 3, 30, 200),
        "column 'as_of', row 1: missing date (NaT)", InputError);
    const std::vector<std::int64_t> bad_churn = {120, nat, 50, 5};
    CHECK_THROWS_WITH_AS(label_churn(acc, day, churn_account, bad_churn, returned_day, 3, 30, 200),
                         "column 'churn_date', row 1: missing date (NaT)", InputError);
    const std::vector<std::int64_t> early = {nat, 9, 80, nat};
    CHECK_THROWS_WITH_AS(label_churn(acc, day, churn_account, churn_day, early, 3, 30, 200),
                         "column 'returned_at', row 1: returned on 1970-01-10, before churning on "
                         "1970-01-11",
                         InputError);
    const std::vector<std::int64_t> twice = {1, 0, 1}, days = {20, 20, 20};
    CHECK_THROWS_WITH_AS(
        label_churn(twice, days, churn_account, churn_day, returned_day, 3, 30, 200),
        "column 'as_of', row 2: the account already has a snapshot on 1970-01-21 "
        "(row 0); give one row per (account, as-of date)",
        InputError);
}

TEST_CASE("account codes out of range name the row, the code and the number of accounts") {
    const std::vector<std::int64_t> acc = {0, 5}, day = {20, 20};
    CHECK_THROWS_WITH_AS(label_churn(acc, day, churn_account, churn_day, returned_day, 3, 30, 200),
                         "column 'account_id', row 1: account code 5 out of range: there are 3 "
                         "accounts",
                         InputError);
    // -1 is the one "no such account" mark: any other code would lose its churn without a word.
    const std::vector<std::int64_t> ok = {0, 1};
    const std::vector<std::int64_t> too_big = {0, 2, 0, 3};
    CHECK_THROWS_WITH_AS(label_churn(ok, day, too_big, churn_day, returned_day, 3, 30, 200),
                         "column 'account_id', row 3: churn account code 3 out of range: there "
                         "are 3 accounts (-1 marks an account without snapshots)",
                         InputError);
    const std::vector<std::int64_t> below = {0, -2, 0, -1}, only = {0, 0}, days = {20, 21};
    const LabelColumns names{"customer", "as_of", "churned_at", "returned_at"};
    CHECK_THROWS_WITH_AS(
        label_churn(only, days, below, churn_day, returned_day, 1, 30, 200, names),
        "column 'customer', row 1: churn account code -2 out of range: there is 1 account "
        "(-1 marks an account without snapshots)",
        InputError);
}

// The point-in-time timeline is the other half of a backtest's inputs; its index-taking lookups
// are checked like the labels' codes.
TEST_CASE("timeline lookups check the key") {
    const std::vector<std::int64_t> key = {0, 1, 0}, time = {5, 6, 7};
    const point_in_time::Timeline t(key, 2, time);
    CHECK(t.count_through(0, 6) == 1);
    CHECK(t.latest(0, 7) == 2);
    CHECK_THROWS_WITH_AS(static_cast<void>(t.count_through(2, 6)),
                         "key 2 out of range: there are 2 keys", InputError);
    CHECK_THROWS_WITH_AS(static_cast<void>(t.latest(7, 6)), "key 7 out of range: there are 2 keys",
                         InputError);
    const std::vector<std::int64_t> q = {1, -1, 3}, through = {9, 9, 9};
    CHECK_THROWS_WITH_AS(static_cast<void>(t.latest(q, through)),
                         "column 'key', row 2: key 3 out of range: there are 2 keys", InputError);
    const point_in_time::Timeline none;
    CHECK_THROWS_WITH_AS(static_cast<void>(none.latest(0, 0)),
                         "key 0 out of range: there are 0 keys", InputError);
}
