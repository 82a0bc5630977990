// Churn by reason, worked by hand from the rules in churn_reasons.hpp.

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "retain/book.hpp"
#include "retain/churn_reasons.hpp"
#include "retain/kpi.hpp"

using namespace retain;

namespace {

Time at(int y, int m, int d) {
    return Time{day_of(y, m, d)} * 86'400;
}

// Five accounts over Jan-May 2024 (MRR by month):
//   a: 100 Jan-Mar                      -> bridge churn Apr, lost 100
//   b: 50 Jan-Feb                       -> bridge churn Mar, lost 50
//   c: 30 Jan, 40 Feb, back 40 Apr-May  -> churn Mar (lost 40), reactivation Apr
//   d: 70 Jan-May                       -> no bridge churn
//   e: 20 Jan-Apr                       -> bridge churn May, lost 20
// Records: a 2024-03-20 "price" voluntary (month Mar = g - 1 of Apr: matches);
//          b 2024-03-02 no reason, involuntary (month Mar = g: matches -> "unspecified");
//          c none (-> "unrecorded", kind unknown);
//          d 2024-02-10 "price" (d kept paying: no bridge churn, not counted);
//          e 2024-05-01 "support" kind unknown and 2024-05-20 "price" (the first one wins).
struct Example {
    std::vector<std::string_view> ids{"a", "b", "c", "d", "e"};
    std::vector<Time> signed_at{at(2024, 1, 1), at(2024, 1, 1), at(2024, 1, 1), at(2024, 1, 1),
                                at(2024, 1, 1)};
    std::vector<std::string_view> mrr_acc;
    std::vector<std::int64_t> mrr_month;
    std::vector<double> mrr;
    std::vector<std::string_view> ch_acc{"e", "a", "b", "d", "e"};
    std::vector<Time> ch_at{at(2024, 5, 20), at(2024, 3, 20), at(2024, 3, 2), at(2024, 2, 10),
                            at(2024, 5, 1)};
    std::vector<std::string_view> ch_reason{"price", "price", "", "price", "support"};
    std::vector<std::int8_t> ch_kind{1, 1, 0, 1, -1};

    Example() {
        auto pay = [&](std::string_view id, int month, double amount) {
            mrr_acc.push_back(id);
            mrr_month.push_back(month_of(2024, month));
            mrr.push_back(amount);
        };
        for (int m = 1; m <= 3; ++m) pay("a", m, 100);
        for (int m = 1; m <= 2; ++m) pay("b", m, 50);
        pay("c", 1, 30);
        pay("c", 2, 40);
        pay("c", 4, 40);
        pay("c", 5, 40);
        for (int m = 1; m <= 5; ++m) pay("d", m, 70);
        for (int m = 1; m <= 4; ++m) pay("e", m, 20);
    }

    Book book(bool with_churns = true) const {
        Book b(AccountsInput{ids, signed_at});
        MrrInput in;
        in.account = mrr_acc;
        in.month = mrr_month;
        in.mrr = mrr;
        b.set_mrr(in);
        if (with_churns) {
            ChurnsInput c;
            c.account = ch_acc;
            c.churned_at = ch_at;
            c.reason = ch_reason;
            c.voluntary = ch_kind;
            b.set_churns(c);
        }
        return b;
    }
};

}  // namespace

TEST_CASE("churn_reasons: each bridge churn under the reason of its record") {
    const Example ex;
    const Book book = ex.book();
    const kpi::ChurnReasons r = kpi::churn_reasons(book);
    // Book reasons in order of first appearance (a blank one is none): price, support; then the
    // two the function adds.
    REQUIRE(r.reasons == std::vector<std::string>{"price", "support", "unspecified", "unrecorded"});
    // Rows by month then reason code: Mar unspecified (b) and unrecorded (c), Apr price (a),
    // May support (e).
    REQUIRE(r.size() == 4);
    CHECK(r.month == std::vector<Month>{month_of(2024, 3), month_of(2024, 3), month_of(2024, 4),
                                        month_of(2024, 5)});
    CHECK(r.reason == std::vector<std::int32_t>{2, 3, 0, 1});
    CHECK(r.accounts == std::vector<std::int64_t>{1, 1, 1, 1});
    CHECK(r.mrr_lost == std::vector<double>{50, 40, 100, 20});
    CHECK(r.voluntary_accounts == std::vector<std::int64_t>{0, 0, 1, 0});
    CHECK(r.involuntary_accounts == std::vector<std::int64_t>{1, 0, 0, 0});
    CHECK(r.unknown_kind_accounts == std::vector<std::int64_t>{0, 1, 0, 1});
    CHECK(r.voluntary_mrr == std::vector<double>{0, 0, 100, 0});
    CHECK(r.involuntary_mrr == std::vector<double>{50, 0, 0, 0});
    CHECK(r.unknown_kind_mrr == std::vector<double>{0, 40, 0, 20});
}

TEST_CASE("churn_reasons: the MRR lost per month is the bridge's churned") {
    const Example ex;
    const Book book = ex.book();
    const kpi::ChurnReasons r = kpi::churn_reasons(book);
    const kpi::MrrMovements mv = kpi::mrr_movements(book.mrr());
    std::vector<double> lost(mv.size(), 0.0);
    std::vector<std::int64_t> accounts(mv.size(), 0);
    for (std::size_t i = 0; i < r.size(); ++i) {
        const auto k = static_cast<std::size_t>(r.month[i] - mv.first_month);
        lost[k] += r.mrr_lost[i];
        accounts[k] += r.accounts[i];
    }
    CHECK(lost == mv.churned);
    CHECK(accounts == mv.churned_accounts);
}

TEST_CASE("churn_reasons: groups, no churns table, and bad input") {
    const Example ex;
    // Without a churns table every bridge churn is unrecorded.
    const kpi::ChurnReasons plain = kpi::churn_reasons(ex.book(false));
    CHECK(plain.reasons == std::vector<std::string>{"unspecified", "unrecorded"});
    CHECK(plain.mrr_lost == std::vector<double>{90, 100, 20});  // Mar b + c, Apr a, May e
    // Groups: a, b in 0; c left out; d, e in 1.
    const std::vector<std::int64_t> group{0, 0, -1, 1, 1};
    const kpi::ChurnReasons by = kpi::churn_reasons(ex.book(), group, 2);
    CHECK(by.group == std::vector<std::int64_t>{0, 0, 1});
    CHECK(by.mrr_lost == std::vector<double>{50, 100, 20});
    // The same on one thread and on four.
    CHECK(kpi::churn_reasons(ex.book(), group, 2, 4).mrr_lost ==
          kpi::churn_reasons(ex.book(), group, 2, 1).mrr_lost);

    const std::vector<std::int64_t> bad{0, 0, 2, 1, 1};
    CHECK_THROWS_WITH_AS(kpi::churn_reasons(ex.book(), bad, 2),
                         "column 'group', row 2: group code 2 is not in [-1, 2)", InputError);
    CHECK_THROWS_AS(kpi::churn_reasons(ex.book(), std::vector<std::int64_t>{0, 1}, 2), InputError);
    Book no_mrr(AccountsInput{ex.ids, ex.signed_at});
    CHECK_THROWS_WITH_AS(kpi::churn_reasons(no_mrr),
                         doctest::Contains("needs the Book's MRR table"), InputError);
}
