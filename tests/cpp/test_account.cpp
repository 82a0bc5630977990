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

TEST_CASE("an account-month's line items add up to the same bits in any row order") {
    // Added in row order, 0.99999 + 32768 + 98304 is 131072.99998999998 and the reverse order
    // 131072.99999: one table must give one answer, so items are added smallest first.
    const std::vector<std::int64_t> account = {0, 0, 0}, month = {650, 650, 650};
    const MrrTable forward(account, 1, month, std::vector<double>{0.99999, 32768.0, 98304.0});
    const MrrTable backward(account, 1, month, std::vector<double>{98304.0, 32768.0, 0.99999});
    REQUIRE(forward.amounts(0).size() == 1);
    CHECK(forward.amounts(0)[0] == backward.amounts(0)[0]);
    CHECK(forward.amounts(0)[0] == (0.99999 + 32768.0) + 98304.0);
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
    // Two rows of 1e308 would sum to infinity (and a compensated sum then to NaN): amounts past
    // 1e15 are refused, 1e15 itself taken.
    CHECK_THROWS_WITH_AS(MrrTable(account, 2, month, std::vector<double>{1.0, 1e308, 1.0}, cols),
                         "column 'amount', row 1: MRR must be at most 1e+15 (a larger amount "
                         "overflows the sums), got 1e+308",
                         InputError);
    const MrrTable at_bound(account, 2, month, std::vector<double>{1e15, 1e15, 0.0}, cols);
    CHECK(at_bound.amounts(0)[0] == 1e15);
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

TEST_CASE("from_ids builds the same table as interned codes, grouped or not") {
    // Rows grouped by account (ids 30, 10, 20), then the same rows with one account split.
    const std::vector<std::int64_t> grouped_ids = {30, 30, 30, 10, 10, 20, 20, 20};
    const std::vector<std::int64_t> month = {650, 651, 651, 650, 652, 652, 650, 651};
    const std::vector<double> mrr = {5.0, 2.0, 3.0, 0.0, 7.0, 1.0, 4.0, 0.0};
    IdIndex<std::int64_t> by_codes;
    const auto codes = by_codes.intern(grouped_ids);
    const MrrTable expected(codes, by_codes.size(), month, mrr);

    IdIndex<std::int64_t> index;
    const auto t =
        MrrTable::from_ids(index, std::span<const std::int64_t>(grouped_ids), month, mrr);
    REQUIRE(index.size() == 3);
    CHECK(index.id(0) == 30);
    CHECK(t.n_months() == expected.n_months());
    CHECK(t.first_month() == 650);
    for (std::size_t a = 0; a < 3; ++a) {
        CHECK(to_vector(t.months(a)) == to_vector(expected.months(a)));
        CHECK(to_vector(t.amounts(a)) == to_vector(expected.amounts(a)));
    }
    CHECK(to_vector(t.amounts(0)) == std::vector<double>{5.0, 5.0});  // 650: 5; 651: 2 + 3
    CHECK(to_vector(t.months(2)) == std::vector<Month>{650, 652});    // rows out of month order

    // Account 30 appears again at the end: not grouped, the general path gives the same table.
    std::vector<std::int64_t> split_ids = grouped_ids;
    std::vector<std::int64_t> split_month = month;
    std::vector<double> split_mrr = mrr;
    split_ids.push_back(30);
    split_month.push_back(652);
    split_mrr.push_back(9.0);
    IdIndex<std::int64_t> a, b;
    const auto split =
        MrrTable::from_ids(a, std::span<const std::int64_t>(split_ids), split_month, split_mrr);
    const auto split_codes = b.intern(split_ids);
    const MrrTable split_expected(split_codes, b.size(), split_month, split_mrr);
    CHECK(to_vector(split.amounts(0)) == std::vector<double>{5.0, 5.0, 9.0});
    CHECK(to_vector(split.amounts(0)) == to_vector(split_expected.amounts(0)));
}

TEST_CASE("from_ids with string ids, a pre-filled index, and accounts without rows") {
    IdIndex<std::string> index;
    const std::vector<std::string_view> known = {"acme", "globex", "initech"};
    index.intern(known);  // e.g. from an accounts table: globex has no MRR rows
    const std::vector<std::string_view> ids = {"acme", "acme", "initech"};
    const std::vector<std::int64_t> month = {600, 601, 601};
    const std::vector<double> mrr = {1.0, 2.0, 3.0};
    const auto t = MrrTable::from_ids(index, std::span<const std::string_view>(ids), month, mrr);
    CHECK(t.n_accounts() == 3);
    CHECK(to_vector(t.amounts(0)) == std::vector<double>{1.0, 2.0});
    CHECK(t.months(1).empty());
    CHECK(to_vector(t.amounts(2)) == std::vector<double>{3.0});
}

TEST_CASE("from_ids reports bad values by row, and takes empty input") {
    IdIndex<std::int64_t> index;
    const std::vector<std::int64_t> ids = {1, 1, 2};
    const std::vector<std::int64_t> month = {600, 601, 601};
    MrrColumns cols{"customer", "month", "amount"};
    CHECK_THROWS_WITH_AS(MrrTable::from_ids(index, std::span<const std::int64_t>(ids), month,
                                            std::vector<double>{1.0, 2.0, -3.0}, cols),
                         "column 'amount', row 2: MRR must be a finite number >= 0, got -3",
                         InputError);
    CHECK_THROWS_AS(MrrTable::from_ids(index, std::span<const std::int64_t>(ids),
                                       std::vector<std::int64_t>{600}, std::vector<double>{1.0}),
                    InputError);
    IdIndex<std::int64_t> empty;
    const auto t = MrrTable::from_ids(empty, std::span<const std::int64_t>(), {}, {});
    CHECK(t.empty());
    CHECK(t.n_accounts() == 0);
    // Codes with no accounts at all are rejected, not written past the end.
    CHECK_THROWS_AS(MrrTable(std::vector<std::int64_t>{0}, 0, std::vector<std::int64_t>{600},
                             std::vector<double>{1.0}),
                    InputError);
}
