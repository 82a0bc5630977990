#include <doctest/doctest.h>

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
