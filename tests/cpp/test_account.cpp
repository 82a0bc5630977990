#include <doctest/doctest.h>

#include "random.hpp"

#include <cmath>
#include <cstdint>
#include <retain/account.hpp>
#include <vector>

using namespace retain;

namespace {
std::vector<Month> to_vector(std::span<const Month> s) {
    return {s.begin(), s.end()};
}
std::vector<double> to_vector(std::span<const double> s) {
    return {s.begin(), s.end()};
}
}  // namespace

TEST_CASE("an MRR table sums line items, sorts months and drops months without revenue") {
    // account 0: Mar twice (line items), Jan, a zero row in Feb; account 1: only a zero row.
    const std::vector<std::int64_t> account = {0, 0, 0, 0, 1};
    const std::vector<std::int64_t> month = {650, 650, 648, 649, 651};
    const std::vector<double> mrr = {20.0, 30.0, 10.0, 0.0, 0.0};
    const MrrTable t(account, 2, month, mrr);
    CHECK(t.n_accounts() == 2);
    CHECK(t.first_month() == 648);
    CHECK(t.last_month() == 651);
    CHECK(t.n_months() == 4);
    CHECK(to_vector(t.months(0)) == std::vector<Month>{648, 650});
    CHECK(to_vector(t.amounts(0)) == std::vector<double>{10.0, 50.0});
    CHECK(t.months(1).empty());
    CHECK(t.n_entries() == 2);
}

TEST_CASE("an empty MRR table has no months") {
    const std::vector<std::int64_t> none;
    const std::vector<double> no_mrr;
    const MrrTable t(none, 0, none, no_mrr);
    CHECK(t.empty());
    CHECK(t.n_months() == 0);
    CHECK(t.n_accounts() == 0);
}

TEST_CASE("bad MRR input is an error naming column and row") {
    const std::vector<std::int64_t> account = {0, 1, 0};
    const std::vector<std::int64_t> month = {650, 650, 651};
    MrrColumns cols{"customer", "month", "amount"};

    CHECK_THROWS_WITH_AS(MrrTable(account, 2, month, std::vector<double>{1.0, -5.0, 1.0}, cols),
                         "column 'amount', row 1: MRR must be a finite number >= 0, got -5",
                         InputError);
    CHECK_THROWS_WITH_AS(MrrTable(account, 2, month, std::vector<double>{1.0, 1.0, NAN}, cols),
                         "column 'amount', row 2: MRR must be a finite number >= 0, got nan",
                         InputError);
    CHECK_THROWS_AS(MrrTable(account, 2, month, std::vector<double>{INFINITY, 1.0, 1.0}, cols),
                    InputError);
    const std::vector<double> ok = {1.0, 1.0, 1.0};
    CHECK_THROWS_WITH_AS(MrrTable(std::vector<std::int64_t>{0, -1, 0}, 2, month, ok, cols),
                         "column 'customer', row 1: missing account id", InputError);
    CHECK_THROWS_WITH_AS(MrrTable(std::vector<std::int64_t>{0, 2, 0}, 2, month, ok, cols),
                         "column 'customer', row 1: account code 2 is not below 2", InputError);
    CHECK_THROWS_WITH_AS(MrrTable(account, 2, std::vector<std::int64_t>{650, 651}, ok, cols),
                         "columns differ in length: 'customer' has 3 rows, 'month' 2, 'amount' 3",
                         InputError);
    // 202401 beside 650: a YYYYMM number mixed with month numbers.
    CHECK_THROWS_WITH_AS(
        MrrTable(account, 2, std::vector<std::int64_t>{650, 202401, 651}, ok, cols),
        doctest::Contains("column 'month', row 1: periods span month numbers 650 "
                          "to 202401"),
        InputError);
}

TEST_CASE("rows grouped by account and shuffled rows build the same table") {
    // 10,000 accounts (several blocks), 3 line-item rows a month, some of them 0.
    std::vector<std::int64_t> account, month;
    std::vector<double> mrr;
    retain::test::Lcg rng{7};
    for (std::int64_t a = 0; a < 10'000; ++a)
        for (std::int64_t m = 0; m < 8; ++m)
            for (int item = 0; item < 3; ++item) {
                account.push_back(a);
                month.push_back(600 + (m * 5) % 8);  // months out of order within an account
                mrr.push_back(static_cast<double>(rng.next() % 4) * 10.0);
            }
    const MrrTable grouped(account, 10'000, month, mrr);
    // Reverse the row order: accounts no longer grouped in code order, line items reversed.
    std::vector<std::int64_t> r_account(account.rbegin(), account.rend());
    std::vector<std::int64_t> r_month(month.rbegin(), month.rend());
    std::vector<double> r_mrr(mrr.rbegin(), mrr.rend());
    const MrrTable shuffled(r_account, 10'000, r_month, r_mrr);
    REQUIRE(grouped.n_entries() == shuffled.n_entries());
    bool same = true;
    std::size_t zero_dropped = 0;
    for (std::size_t a = 0; a < 10'000; ++a) {
        same = same && to_vector(grouped.months(a)) == to_vector(shuffled.months(a)) &&
               to_vector(grouped.amounts(a)) == to_vector(shuffled.amounts(a)) &&
               std::is_sorted(grouped.months(a).begin(), grouped.months(a).end());
        zero_dropped += 8 - grouped.months(a).size();
    }
    CHECK(same);
    CHECK(zero_dropped > 0);  // some months summed to 0 and were dropped
    CHECK(grouped.n_months() == 8);
}
