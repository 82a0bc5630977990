#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <retain/engagement.hpp>
#include <vector>

using namespace retain;
using namespace retain::engagement;
using doctest::Approx;

namespace {
// Account 0: day 10 users 0 and 1 (features 0, 1), day 12 user 0 (feature 0), day 20 user 2
// (feature 2), day 25 user 0 (feature 0). Account 1: day 5 user 3 (feature 0). Rows unsorted.
const std::vector<std::int64_t> account = {0, 1, 0, 0, 0, 0};
const std::vector<std::int64_t> user = {0, 3, 2, 0, 1, 0};
const std::vector<std::int64_t> day = {25, 5, 20, 12, 10, 10};
const std::vector<std::int64_t> feature = {0, 0, 2, 0, 1, 0};

EventLog sample() {
    return EventLog(account, 2, user, 4, day, TimeUnit::day, feature, 3);
}
}  // namespace

TEST_CASE("the event log groups events by account and sorts them by day") {
    const auto log = sample();
    CHECK(log.n_events() == 6);
    CHECK(log.first_day() == 5);
    CHECK(log.last_day() == 25);
    const auto ev = log.events(0);
    REQUIRE(ev.size() == 5);
    CHECK(ev.front().day == 10);
    CHECK(ev.back().day == 25);
    CHECK(log.events(1).size() == 1);
    // Each account's users, by code; events point into that list.
    const auto users = log.users(0);
    CHECK(std::vector<std::int32_t>(users.begin(), users.end()) ==
          std::vector<std::int32_t>{0, 1, 2});
    CHECK(users[static_cast<std::size_t>(ev.back().user)] == 0);  // day 25: user 0
    CHECK(log.users(1)[0] == 3);
    CHECK(log.max_account_users() == 3);
}

TEST_CASE("timestamps are floored to UTC days, before 1970 too") {
    const std::vector<std::int64_t> a = {0, 0}, u = {0, 0};
    const std::vector<std::int64_t> s = {86'400 * 3 + 5, -1};  // day 3 and 1969-12-31 (day -1)
    const EventLog log(a, 1, u, 1, s, TimeUnit::second);
    CHECK(log.first_day() == -1);
    CHECK(log.last_day() == 3);
}

TEST_CASE("usage features by hand: counts, distinct users, days and features, trend, recency") {
    const auto log = sample();
    const std::vector<std::int64_t> as_of = {21, 9};
    const std::vector<std::int64_t> windows = {14, 7};
    const auto f = usage_features(log, as_of, windows);
    // row = account * 2 + as_of index; window index 0 is 14 days, 1 is 7 days.
    // Account 0 at day 21, 7 days (15..21]: only day 20; the 7 before (8..14]: 3 events.
    CHECK(f.events[1][0] == 1);
    CHECK(f.active_users[1][0] == 1);
    CHECK(f.active_days[1][0] == 1);
    CHECK(f.distinct_features[1][0] == 1);
    CHECK(f.trend[1][0] == Approx(1.0 / 3));
    // 14 days (7..21]: days 10, 10, 12, 20 by users 0, 1, 0, 2; the 14 before: nothing.
    CHECK(f.events[0][0] == 4);
    CHECK(f.active_users[0][0] == 3);
    CHECK(f.active_days[0][0] == 3);
    CHECK(f.distinct_features[0][0] == 3);
    CHECK(std::isnan(f.trend[0][0]));
    CHECK(f.days_since_last_event[0] == 1.0);  // day 25 is after the as-of day: never read
    // Account 0 at day 9: nothing yet.
    CHECK(f.events[0][1] == 0);
    CHECK(std::isnan(f.days_since_last_event[1]));
    // Account 1 at day 21: its day-5 event is 16 days old, inside the 14 days before (7..21].
    CHECK(f.events[0][2] == 0);
    CHECK(f.trend[0][2] == 0.0);
    CHECK(std::isnan(f.trend[1][2]));
    CHECK(f.days_since_last_event[2] == 16.0);
    // Account 1 at day 9: day 5 is in the 7 days (2..9]; nothing in (-5..2].
    CHECK(f.events[1][3] == 1);
    CHECK(f.active_users[1][3] == 1);
    CHECK(std::isnan(f.trend[1][3]));
    CHECK(f.days_since_last_event[3] == 4.0);
}

TEST_CASE("an as-of day includes its own events and results do not depend on threads") {
    const auto log = sample();
    const std::vector<std::int64_t> as_of = {20, 25, 10};
    const std::vector<std::int64_t> windows = {1, 30};
    const auto one = usage_features(log, as_of, windows, 1);
    const auto many = usage_features(log, as_of, windows, 4);
    CHECK(one.events[0][0] == 1);  // day 20 with a 1-day window
    CHECK(one.events[0][2] == 2);  // two events on day 10
    CHECK(one.active_users[0][2] == 2);
    CHECK(one.days_since_last_event[0] == 0.0);
    CHECK(one.events == many.events);
    CHECK(one.active_users == many.active_users);
    CHECK(one.active_days == many.active_days);
}

TEST_CASE("active users per day, ISO week and month, per account") {
    const auto log = sample();
    // Days 5, 10, 12, 20, 25 (1970-01-06 .. 1970-01-26). Users: day 10 {0, 1}, 12 {0}.
    const auto d = active_users(log, Freq::day);
    CHECK(d.first == 5);
    REQUIRE(d.count.size() == 21);
    CHECK(d.count[5] == 2);
    CHECK(d.count[1] == 0);
    // ISO weeks start on Mondays: day 4 (1970-01-05), 11, 18, 25.
    CHECK(period_of(4, Freq::week) == 4);
    CHECK(period_of(10, Freq::week) == 4);
    CHECK(period_of(3, Freq::week) == -3);
    const auto w = active_users(log, Freq::week);
    CHECK(w.first == 4);
    // Week of day 4: days 5 (user 3) and 10 (users 0, 1); of 11: day 12 (user 0);
    // of 18: day 20 (user 2); of 25: day 25 (user 0).
    CHECK(w.count == std::vector<std::int64_t>{3, 1, 1, 1});
    const auto m = active_users(log, Freq::month);
    CHECK(m.count == std::vector<std::int64_t>{4});
    const auto by = active_users_by_account(log, Freq::week);
    CHECK(by.account == std::vector<std::int64_t>{0, 0, 0, 0, 1});
    CHECK(by.period == std::vector<std::int64_t>{4, 11, 18, 25, 4});
    CHECK(by.count == std::vector<std::int64_t>{2, 1, 1, 1, 1});
}

TEST_CASE("feature adoption and window active users by hand") {
    const auto log = sample();
    // Window (0, 12]: account 0 (days 10, 12: features 0, 1) and account 1 (day 5: feature 0).
    const auto acc = feature_adoption(log, 12, 12, Level::account);
    CHECK(acc.active == 2);
    CHECK(acc.adopters == std::vector<std::int64_t>{2, 1, 0});
    const auto usr = feature_adoption(log, 12, 12, Level::user);
    CHECK(usr.active == 3);  // users 0, 1, 3
    CHECK(usr.adopters == std::vector<std::int64_t>{2, 1, 0});
    CHECK(window_active_users(log, 21, 14) == std::vector<std::int64_t>{3, 0});
}

TEST_CASE("bad inputs name the column and row") {
    const std::vector<std::int64_t> a = {0, 0, 0}, u = {0, -1, 0}, t = {1, 2, 3};
    CHECK_THROWS_WITH_AS(EventLog(a, 1, u, 1, t, TimeUnit::day),
                         "column 'user_id', row 1: missing user id", InputError);
    const std::vector<std::int64_t> nat = {1, 2, std::numeric_limits<std::int64_t>::min()};
    const std::vector<std::int64_t> u0 = {0, 0, 0};
    CHECK_THROWS_WITH_AS(EventLog(a, 1, u0, 1, nat, TimeUnit::day),
                         "column 'timestamp', row 2: missing timestamp (NaT)", InputError);
    const std::vector<std::int64_t> bad_a = {0, -1, 0};
    CHECK_THROWS_WITH_AS(EventLog(bad_a, 1, u0, 1, t, TimeUnit::day),
                         "column 'account_id', row 1: missing account id", InputError);
    const auto log = sample();
    const std::vector<std::int64_t> as_of = {21};
    const std::vector<std::int64_t> zero = {0}, twice = {7, 7};
    CHECK_THROWS_AS(usage_features(log, as_of, zero), InputError);
    CHECK_THROWS_AS(usage_features(log, as_of, twice), InputError);
    CHECK_THROWS_AS(window_active_users(log, 21, -3), InputError);
}

TEST_CASE("an empty log gives zero counts and NaN recency") {
    const std::vector<std::int64_t> none;
    const EventLog log(none, 2, none, 0, none, TimeUnit::day);
    CHECK(log.empty());
    const std::vector<std::int64_t> as_of = {3}, windows = {7};
    const auto f = usage_features(log, as_of, windows);
    CHECK(f.events[0] == std::vector<std::int64_t>{0, 0});
    CHECK(std::isnan(f.days_since_last_event[1]));
    CHECK(active_users(log, Freq::day).count.empty());
}

TEST_CASE("long runs are counting-sorted by day, huge user codes take the sorting path") {
    // 100 events of one account on days 99, 98, ..., 0, by users i % 7.
    std::vector<std::int64_t> a(100, 0), u(100), d(100);
    for (std::size_t i = 0; i < 100; ++i) {
        u[i] = static_cast<std::int64_t>(i % 7);
        d[i] = 99 - static_cast<std::int64_t>(i);
    }
    const EventLog log(a, 1, u, 7, d, TimeUnit::day);
    const auto ev = log.events(0);
    for (std::size_t i = 0; i < ev.size(); ++i) CHECK(ev[i].day == static_cast<Day>(i));
    // Day k was row 99 - k, by user (99 - k) % 7.
    CHECK(log.users(0)[static_cast<std::size_t>(ev[0].user)] == 99 % 7);
    const std::vector<std::int64_t> as_of = {99}, windows = {3};
    CHECK(usage_features(log, as_of, windows).active_users[0][0] == 3);

    // User codes up to 3 million for 3 events: marking every code per block would cost more
    // than the events, so the account's users are found by sorting.
    const std::vector<std::int64_t> a3 = {0, 0, 0}, u3 = {2'999'999, 5, 2'999'999}, d3 = {1, 2, 3};
    const EventLog big(a3, 1, u3, 3'000'000, d3, TimeUnit::day);
    const auto users = big.users(0);
    CHECK(std::vector<std::int32_t>(users.begin(), users.end()) ==
          std::vector<std::int32_t>{5, 2'999'999});
    CHECK(big.events(0)[1].user == 0);  // day 2: user 5
    const std::vector<std::int64_t> at = {3}, wide = {7};
    CHECK(usage_features(big, at, wide).active_users[0][0] == 2);
    CHECK(active_users(big, Freq::month).count == std::vector<std::int64_t>{2});
}

TEST_CASE("events and users check the account index") {
    const auto log = sample();
    CHECK(log.events(1).size() == 1);
    CHECK_THROWS_WITH_AS(log.events(2), "account 2 out of range: there are 2 accounts", InputError);
    CHECK_THROWS_WITH_AS(log.users(12), "account 12 out of range: there are 2 accounts",
                         InputError);
    const EventLog none;
    CHECK_THROWS_WITH_AS(none.events(0), "account 0 out of range: there are 0 accounts",
                         InputError);
}

namespace {
// Account 0: user 0 and user 1 on 2024-01-31, user 1 on 2024-02-01. Account 1: user 0 on
// 2024-01-31 (the same user as account 0's, the same day), user 2 twice on 2024-04-10 and user 0
// on 2024-04-11. Nothing in March.
EventLog months_log() {
    const std::vector<std::int64_t> a = {0, 1, 0, 0, 1, 1, 1};
    const std::vector<std::int64_t> u = {0, 0, 1, 1, 2, 2, 0};
    const std::vector<std::int64_t> d = {
        day_of(2024, 1, 31), day_of(2024, 1, 31), day_of(2024, 1, 31), day_of(2024, 2, 1),
        day_of(2024, 4, 10), day_of(2024, 4, 10), day_of(2024, 4, 11)};
    return EventLog(a, 2, u, 3, d, TimeUnit::day);
}
}  // namespace

TEST_CASE("stickiness by hand: mean DAU over the calendar month's days, over MAU") {
    const auto s = stickiness(months_log());
    CHECK(s.first == month_of(2024, 1));
    // January: DAU 2 on the 31st (user 0 counts once across its two accounts), MAU 2.
    // February (29 days): DAU 1 on the 1st, MAU 1. March: nobody. April (30 days): 1 + 1, MAU 2.
    REQUIRE(s.mau == std::vector<std::int64_t>{2, 1, 0, 2});
    CHECK(s.mean_dau[0] == Approx(2.0 / 31));
    CHECK(s.mean_dau[1] == Approx(1.0 / 29));
    CHECK(s.mean_dau[2] == 0.0);
    CHECK(s.mean_dau[3] == Approx(2.0 / 30));
    CHECK(s.stickiness[0] == Approx(1.0 / 31));
    CHECK(s.stickiness[1] == Approx(1.0 / 29));
    CHECK(std::isnan(s.stickiness[2]));
    CHECK(s.stickiness[3] == Approx(1.0 / 30));

    const std::vector<std::int64_t> none;
    const EventLog empty(none, 1, none, 0, none, TimeUnit::day);
    CHECK(stickiness(empty).mau.empty());
}

TEST_CASE("stickiness by account: only months with events, each over the account's users") {
    const auto s = stickiness_by_account(months_log());
    CHECK(s.account == std::vector<std::int64_t>{0, 0, 1, 1});
    CHECK(s.month == std::vector<std::int64_t>{month_of(2024, 1), month_of(2024, 2),
                                               month_of(2024, 1), month_of(2024, 4)});
    CHECK(s.mau == std::vector<std::int64_t>{2, 1, 1, 2});
    // Account 0 in January: users 0 and 1 on the 31st. Account 1 in April: user 2 on the 10th
    // (twice, counted once) and user 0 on the 11th.
    CHECK(s.mean_dau[0] == Approx(2.0 / 31));
    CHECK(s.stickiness[0] == Approx(1.0 / 31));
    CHECK(s.stickiness[1] == Approx(1.0 / 29));
    CHECK(s.mean_dau[2] == Approx(1.0 / 31));
    CHECK(s.mean_dau[3] == Approx(2.0 / 30));
    CHECK(s.stickiness[3] == Approx(1.0 / 30));
}

TEST_CASE("seat utilization by hand, and seats that cannot be used") {
    const auto log = sample();
    // Window (7, 21]: account 0 has users 0, 1 and 2; account 1 nobody (its event is on day 5).
    const std::vector<double> seats = {2.0, 4.0};
    const auto s = seat_utilization(log, seats, 21, 14);
    CHECK(s.active_users == std::vector<std::int64_t>{3, 0});
    CHECK(s.utilization == std::vector<double>{1.5, 0.0});

    const std::vector<double> one = {2.0};
    CHECK_THROWS_WITH_AS(seat_utilization(log, one, 21, 14),
                         "seats: give one number of seats per account: got 1 for 2 accounts",
                         InputError);
    const std::vector<double> missing = {2.0, std::nan("")};
    CHECK_THROWS_WITH_AS(seat_utilization(log, missing, 21, 14, "licences"),
                         "column 'licences', row 1: missing seats", InputError);
    const std::vector<double> zero = {0.0, 4.0}, negative = {2.0, -2.5};
    CHECK_THROWS_WITH_AS(seat_utilization(log, zero, 21, 14),
                         "column 'seats', row 0: seats must be a finite number > 0, got 0",
                         InputError);
    CHECK_THROWS_WITH_AS(seat_utilization(log, negative, 21, 14),
                         "column 'seats', row 1: seats must be a finite number > 0, got -2.5",
                         InputError);
    const std::vector<double> infinite = {2.0, std::numeric_limits<double>::infinity()};
    CHECK_THROWS_WITH_AS(seat_utilization(log, infinite, 21, 14),
                         "column 'seats', row 1: seats must be a finite number > 0, got inf",
                         InputError);
    CHECK_THROWS_AS(seat_utilization(log, seats, 21, 0), InputError);
}
