// CSM activity (touches, coverage) and the Book's activity columns, worked by hand from
// activity.hpp and book.hpp.

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "retain/activity.hpp"
#include "retain/book.hpp"

using namespace retain;

namespace {

Time at(int y, int m, int d, int hour = 0) {
    return Time{day_of(y, m, d)} * 86'400 + hour * 3600;
}

// Accounts a, b, c signed 2024-01-01, d signed 2024-06-20 (after the as-of day 2024-06-15).
// MRR in June: a 100, b 50, c none (not a customer in June), d 10.
// Activities (type, owner): a call ann 06-10, a note ann 06-12 (internal), a email bob 05-01,
// b call ann 05-10, c call ann 06-14, d call ann 06-21, a call ann 06-20 (after as_of).
struct Example {
    std::vector<std::string_view> ids{"a", "b", "c", "d"};
    std::vector<Time> signed_at{at(2024, 1, 1), at(2024, 1, 1), at(2024, 1, 1), at(2024, 6, 20)};
    std::vector<std::string_view> mrr_acc{"a", "b", "c", "d"};
    std::vector<std::int64_t> mrr_month{month_of(2024, 6), month_of(2024, 6), month_of(2024, 5),
                                        month_of(2024, 6)};
    std::vector<double> mrr{100, 50, 30, 10};
    std::vector<std::string_view> act_acc{"a", "a", "a", "b", "c", "d", "a"};
    std::vector<Time> act_at{at(2024, 6, 10, 9), at(2024, 6, 12), at(2024, 5, 1), at(2024, 5, 10),
                             at(2024, 6, 14),    at(2024, 6, 21), at(2024, 6, 20)};
    std::vector<std::string_view> act_type{"call", "note", "email", "call", "call", "call", "call"};
    std::vector<std::string_view> act_owner{"ann", "ann", "bob", "ann", "ann", "ann", "ann"};

    Book book(std::vector<std::string> internal = {"note"}) const {
        Book b(AccountsInput{ids, signed_at});
        MrrInput m;
        m.account = mrr_acc;
        m.month = mrr_month;
        m.mrr = mrr;
        b.set_mrr(m);
        ActivitiesInput in;
        in.account = act_acc;
        in.at = act_at;
        in.type = act_type;
        in.owner = act_owner;
        in.internal_types = std::move(internal);
        b.set_activities(in);
        return b;
    }
};

}  // namespace

TEST_CASE("Book activities: internal types are no touches, types and owners ride along") {
    const Example ex;
    const Book book = ex.book();
    CHECK(book.activity_types() == std::vector<std::string>{"call", "email", "note"});
    CHECK(book.activity_owners() == std::vector<std::string>{"ann", "bob"});
    // a's touches by day: 05-01 email bob, 06-10 call ann, 06-20 call ann (the note is gone).
    const auto days = book.touches(0);
    REQUIRE(days.size() == 3);
    CHECK(days[0] == day_of(2024, 5, 1));
    CHECK(days[1] == day_of(2024, 6, 10));
    CHECK(days[2] == day_of(2024, 6, 20));
    CHECK(std::vector<std::int32_t>(book.touch_types(0).begin(), book.touch_types(0).end()) ==
          std::vector<std::int32_t>{1, 0, 0});
    CHECK(std::vector<std::int32_t>(book.touch_owners(0).begin(), book.touch_owners(0).end()) ==
          std::vector<std::int32_t>{1, 0, 0});
    // Without marking notes internal, a has four touches.
    CHECK(ex.book({}).touches(0).size() == 4);
    // A type the table lacks marks nothing (the Python Book warns of it, with a close match).
    CHECK(ex.book({"nots"}).touches(0).size() == 4);
    Book no_types(AccountsInput{ex.ids, ex.signed_at});
    ActivitiesInput in;
    in.account = ex.act_acc;
    in.at = ex.act_at;
    in.internal_types = {"note"};
    CHECK_THROWS_WITH_AS(no_types.set_activities(in),
                         "table 'activities': internal types are named ('note', ...) but the "
                         "table has no column 'type' to find them in",
                         InputError);
}

TEST_CASE("touches: per account, month and key") {
    const Example ex;
    const Book book = ex.book();
    // By type: a May email 1, a Jun call 2; b May call 1; c Jun call 1; d Jun call 1.
    const kpi::TouchCounts t = kpi::touches(book, kpi::TouchKey::type);
    CHECK(t.account == std::vector<std::int64_t>{0, 0, 1, 2, 3});
    CHECK(t.month == std::vector<Month>{month_of(2024, 5), month_of(2024, 6), month_of(2024, 5),
                                        month_of(2024, 6), month_of(2024, 6)});
    CHECK(t.key == std::vector<std::int32_t>{1, 0, 0, 0, 0});
    CHECK(t.touches == std::vector<std::int64_t>{1, 2, 1, 1, 1});
    const kpi::TouchCounts all = kpi::touches(book);
    CHECK(all.touches == std::vector<std::int64_t>{1, 2, 1, 1, 1});
    CHECK(kpi::parse_touch_key("owner") == kpi::TouchKey::owner);
    CHECK_THROWS_WITH_AS(kpi::parse_touch_key("kind"),
                         "by: must be 'type', 'owner' or none, got 'kind'", InputError);
    Book none(AccountsInput{ex.ids, ex.signed_at});
    CHECK_THROWS_WITH_AS(kpi::touches(none), doctest::Contains("activities table"), InputError);
}

TEST_CASE("coverage: customers on the day, recent touches, the untouched by ARR") {
    const Example ex;
    const Book book = ex.book();
    const Day as_of = day_of(2024, 6, 15);
    // Customers on 06-15: a (June MRR 100) and b (50); c pays nothing in June, d signs later.
    // Window of 30 days: (05-16, 06-15]. a: 06-10 call (the 06-20 call is after as_of, the note
    // internal) -> 1 touch; b: last touch 05-10 -> untouched.
    const kpi::Coverage one = kpi::coverage(book, as_of, 30);
    CHECK(one.accounts == std::vector<std::int64_t>{2});
    CHECK(one.arr == std::vector<double>{12.0 * 150});
    CHECK(one.touches == std::vector<std::int64_t>{1});
    CHECK(one.untouched == std::vector<std::int64_t>{1});
    CHECK(one.untouched_arr == std::vector<double>{12.0 * 50});
    CHECK(one.untouched_accounts[0] == std::vector<std::int64_t>{1});
    // A 5-day window (06-10, 06-15]: a's 06-10 touch is on the edge, outside; both untouched,
    // a first (larger ARR).
    const kpi::Coverage narrow = kpi::coverage(book, as_of, 5);
    CHECK(narrow.untouched_accounts[0] == std::vector<std::int64_t>{0, 1});
    // Groups: a in 1, b in 0; only a included.
    const std::vector<std::int64_t> group{1, 0, 0, 1};
    const std::vector<std::uint8_t> only_a{1, 0, 0, 0};
    const kpi::Coverage by = kpi::coverage(book, as_of, 30, group, 2, only_a);
    CHECK(by.accounts == std::vector<std::int64_t>{0, 1});
    CHECK(by.touches == std::vector<std::int64_t>{0, 1});
    CHECK(by.arr == std::vector<double>{0, 1200});
    CHECK(kpi::coverage(book, as_of, 30, group, 2, {}, 1).untouched ==
          kpi::coverage(book, as_of, 30, group, 2, {}, 3).untouched);

    CHECK_THROWS_WITH_AS(kpi::coverage(book, as_of, 0),
                         "max_gap_days: must be a whole number of days in [1, 36500], got 0",
                         InputError);
    CHECK_THROWS_AS(kpi::coverage(book, as_of, 30, {}, 1, std::vector<std::uint8_t>{1}),
                    InputError);
}

TEST_CASE("Book::active_at: signed, paying in the month, not churned without return") {
    const Example ex;
    const Book book = ex.book();
    CHECK(book.active_at(0, day_of(2024, 6, 15)));
    CHECK_FALSE(book.active_at(2, day_of(2024, 6, 15)));  // no June MRR
    CHECK_FALSE(book.active_at(3, day_of(2024, 6, 15)));  // signs 06-20
    CHECK(book.active_at(3, day_of(2024, 6, 20)));
    CHECK_THROWS_AS(book.active_at(4, 0), InputError);
}
