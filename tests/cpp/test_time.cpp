#include <doctest/doctest.h>

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
