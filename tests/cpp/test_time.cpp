#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <retain/error.hpp>
#include <retain/time.hpp>
#include <vector>

using namespace retain;

TEST_CASE("month numbers count months since 1970-01, as pandas Period[M] ordinals do") {
    CHECK(month_of(1970, 1) == 0);
    CHECK(month_of(2024, 3) == 650);  // 54 years x 12 + 2
    CHECK(month_of(1969, 12) == -1);
    CHECK(year_of(650) == 2024);
    CHECK(month_in_year(650) == 3);
    CHECK(year_of(-1) == 1969);
    CHECK(month_in_year(-1) == 12);
    CHECK(year_of(-12) == 1969);
    CHECK(month_in_year(-12) == 1);
    CHECK(year_of(-13) == 1968);
}

TEST_CASE("days map to their month") {
    CHECK(day_of(1970, 1, 1) == 0);
    CHECK(day_of(2024, 2, 29) == 19782);
    CHECK(month_of_day(day_of(2024, 2, 29)) == month_of(2024, 2));
    CHECK(month_of_day(day_of(2024, 3, 1)) == month_of(2024, 3));
    CHECK(month_of_day(-1) == month_of(1969, 12));
}

TEST_CASE("timestamps floor to their month in every unit, before 1970 too") {
    const std::int64_t ns_per_day = 86'400'000'000'000;
    // 2024-03-31T23:59:59.999999999 and 1969-12-31T23:00:00
    const std::vector<std::int64_t> ns = {(day_of(2024, 4, 1)) * ns_per_day - 1,
                                          -3'600'000'000'000};
    std::vector<std::int64_t> out(2);
    months_from_timestamps(ns, TimeUnit::nanosecond, out, "period");
    CHECK(out[0] == month_of(2024, 3));
    CHECK(out[1] == month_of(1969, 12));

    const std::vector<std::int64_t> days = {day_of(2024, 1, 31), day_of(2024, 2, 1)};
    months_from_timestamps(days, TimeUnit::day, out, "period");
    CHECK(out[0] == month_of(2024, 1));
    CHECK(out[1] == month_of(2024, 2));

    const std::vector<std::int64_t> us = {std::int64_t{day_of(2000, 1, 1)} * 86'400'000'000};
    std::vector<std::int64_t> one(1);
    months_from_timestamps(us, TimeUnit::microsecond, one, "period");
    CHECK(one[0] == month_of(2000, 1));
}

TEST_CASE("a NaT timestamp is an error naming column and row") {
    const std::vector<std::int64_t> ts = {0, std::numeric_limits<std::int64_t>::min()};
    std::vector<std::int64_t> out(2);
    CHECK_THROWS_WITH_AS(months_from_timestamps(ts, TimeUnit::second, out, "billed_at"),
                         "column 'billed_at', row 1: missing timestamp (NaT)", InputError);
    CHECK_THROWS_AS(parse_time_unit("h"), InputError);
    CHECK(parse_time_unit("us") == TimeUnit::microsecond);
}

TEST_CASE("periods parse from YYYY-MM and YYYY-MM-DD, and nothing else") {
    CHECK(parse_month("2024-03") == 650);
    CHECK(parse_month("2024-03-17") == 650);
    CHECK(parse_month("1969-12") == -1);
    CHECK(format_month(650) == "2024-03");
    CHECK(format_month(-1) == "1969-12");
    for (const char* bad : {"2024-13", "2024-00", "2024-02-30", "24-03", "2024/03", "2024-3", "",
                            "2024-03-1x", "march"})
        CHECK_THROWS_AS(parse_month(bad, "period", 4), InputError);
    CHECK_THROWS_WITH(parse_month("2024-13", "month", 4),
                      "column 'month', row 4: cannot parse period '2024-13' (expected YYYY-MM or "
                      "YYYY-MM-DD)");
}

TEST_CASE("day numbers agree with std::chrono over six centuries, both ways") {
    // std::chrono's civil calendar is the independent oracle for day_of and civil_of.
    using namespace std::chrono;
    for (std::int64_t d = -150'000; d <= 150'000; d += 7) {
        const year_month_day ymd{sys_days{days{d}}};
        const CivilDate c = civil_of(d);
        REQUIRE(c.year == static_cast<int>(ymd.year()));
        REQUIRE(c.month == static_cast<int>(static_cast<unsigned>(ymd.month())));
        REQUIRE(c.day == static_cast<int>(static_cast<unsigned>(ymd.day())));
        REQUIRE(day_of(c.year, c.month, c.day) == d);
        REQUIRE(month_of_day(d) == month_of(c.year, c.month));
    }
    CHECK(day_of(1970, 1, 1) == 0);
    CHECK(day_of(2000, 3, 1) == 11'017);  // 30 years of 365 days, 7 leap days, Jan + Feb 2000
    CHECK(first_day_of(month_of(2024, 3)) == day_of(2024, 3, 1));
}

TEST_CASE("valid_date knows month lengths and leap years") {
    CHECK(valid_date(2024, 2, 29));
    CHECK_FALSE(valid_date(2023, 2, 29));
    CHECK(valid_date(2000, 2, 29));
    CHECK_FALSE(valid_date(1900, 2, 29));
    CHECK_FALSE(valid_date(2024, 4, 31));
    CHECK_FALSE(valid_date(2024, 13, 1));
    CHECK_FALSE(valid_date(2024, 0, 1));
    CHECK_FALSE(valid_date(2024, 1, 0));
}

TEST_CASE("parse_day and format_day round-trip ISO dates, and name the row of a bad one") {
    CHECK(parse_day("1970-01-01") == 0);
    CHECK(parse_day("2024-03-15") == day_of(2024, 3, 15));
    CHECK(format_day(day_of(2024, 3, 15)) == "2024-03-15");
    CHECK(format_day(-1) == "1969-12-31");
    CHECK(format_month(month_of(2024, 3)) == "2024-03");
    for (std::int64_t d = -40'000; d < 40'000; d += 13) CHECK(parse_day(format_day(d)) == d);
    for (const char* bad : {"2024-02-30", "2024-3-15", "2024-03-15T00:00", "", "15/03/2024"}) {
        try {
            parse_day(bad, "signed_at", 4);
            FAIL("no error for '" << bad << "'");
        } catch (const InputError& e) {
            CHECK(e.column() == "signed_at");
            CHECK(e.row() == std::optional<std::size_t>(4));
            CHECK(std::string(e.what()).find(bad) != std::string::npos);
        }
    }
}

TEST_CASE("errors carry their table, column, row and key path beside the message") {
    const InputError in = InputError::in_table("events", "account_id", 17, "unknown id 'A-9'");
    CHECK(in.table() == "events");
    CHECK(in.column() == "account_id");
    CHECK(in.row() == std::optional<std::size_t>(17));
    CHECK(in.path().empty());
    CHECK(std::string(in.what()) ==
          "table 'events', column 'account_id', row 17: unknown id 'A-9'");

    const InputError arg = InputError::argument("horizon_days", "must be positive");
    CHECK(arg.column() == "horizon_days");
    CHECK_FALSE(arg.row().has_value());

    const ConfigError cfg = ConfigError::at("measures[2].weight", "must be a number");
    CHECK(cfg.path() == "measures[2].weight");
    CHECK(cfg.table().empty());
    CHECK(std::string(cfg.what()) == "measures[2].weight: must be a number");

    const ColumnError col =
        ColumnError::missing("accounts", "signed_at", " (did you mean 'signed'?)");
    CHECK(col.table() == "accounts");
    CHECK(col.column() == "signed_at");
    CHECK(std::string(col.what()) ==
          "table 'accounts' has no column 'signed_at' (did you mean 'signed'?)");

    const InputError range = InputError::out_of_range("account", 12, 10);
    CHECK(range.row() == std::optional<std::size_t>(12));
    CHECK(std::string(range.what()) == "account 12 out of range: there are 10 accounts");

    // A plain message still works, with no site.
    const Error plain("something");
    CHECK(plain.column().empty());
    CHECK_FALSE(plain.row().has_value());
}
