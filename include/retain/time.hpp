#pragma once
// Calendar machinery. Dates are days since 1970-01-01 and months are months since 1970-01
// (1970-01 is 0, 2024-03 is 650), the same numbers pandas uses for Period[M] ordinals, so a
// monthly column crosses from Python without conversion.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace retain {

using Day = std::int32_t;    ///< days since 1970-01-01
using Month = std::int32_t;  ///< months since 1970-01

/// The month number of a calendar month, e.g. month_of(2024, 3) == 650.
constexpr Month month_of(int year, int month) noexcept {
    return (year - 1970) * 12 + (month - 1);
}

/// The calendar year of a month number.
constexpr int year_of(Month m) noexcept {
    // Floor division keeps months before 1970 in the right year.
    return 1970 + (m >= 0 ? m / 12 : -((-m + 11) / 12));
}

/// The calendar month (1-12) of a month number.
constexpr int month_in_year(Month m) noexcept {
    return m - (year_of(m) - 1970) * 12 + 1;
}

/// A civil (proleptic Gregorian) date.
struct CivilDate {
    int year;
    int month;  ///< 1-12
    int day;    ///< 1-31
};

/// The day number of a calendar date (no range check: see `valid_date`).
constexpr Day day_of(int year, int month, int day) noexcept {
    // Counting years from March puts the leap day last, so each 400-year era has a fixed shape
    // (146097 days) and the day of the year follows from the month by one linear formula.
    const int y = year - (month <= 2 ? 1 : 0);
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int year_of_era = y - era * 400;                                             // [0, 399]
    const int day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;  // [0, 365]
    const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return static_cast<Day>(era * 146097 + day_of_era -
                            719468);  // 719468: 0000-03-01 to 1970-01-01
}

/// The calendar date of a day number (the inverse of `day_of`).
constexpr CivilDate civil_of(std::int64_t day) noexcept {
    const std::int64_t z = day + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t day_of_era = z - era * 146097;  // [0, 146096]
    const std::int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const std::int64_t day_of_year =
        day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const std::int64_t mp = (5 * day_of_year + 2) / 153;  // month counted from March, [0, 11]
    const int d = static_cast<int>(day_of_year - (153 * mp + 2) / 5 + 1);
    const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    const std::int64_t y = year_of_era + era * 400 + (m <= 2 ? 1 : 0);
    return CivilDate{static_cast<int>(y), m, d};
}

/// True for a real calendar date (month 1-12, day within the month, leap years included).
constexpr bool valid_date(int year, int month, int day) noexcept {
    if (month < 1 || month > 12 || day < 1) return false;
    constexpr int length[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= length[month - 1] + (month == 2 && leap ? 1 : 0);
}

/// The month a day falls in.
constexpr Month month_of_day(std::int64_t day) noexcept {
    const CivilDate c = civil_of(day);
    return month_of(c.year, c.month);
}

/// The first day of a month.
constexpr Day first_day_of(Month m) noexcept {
    return day_of(year_of(m), month_in_year(m), 1);
}

/// Resolution of an integer timestamp column (numpy's datetime64 units).
enum class TimeUnit { day, second, millisecond, microsecond, nanosecond };

/// How many `unit`s make a day.
constexpr std::int64_t units_per_day(TimeUnit unit) noexcept {
    switch (unit) {
        case TimeUnit::day:
            return 1;
        case TimeUnit::second:
            return 86'400;
        case TimeUnit::millisecond:
            return 86'400'000;
        case TimeUnit::microsecond:
            return 86'400'000'000;
        case TimeUnit::nanosecond:
            return 86'400'000'000'000;
    }
    return 1;
}

namespace detail {
/// a / b rounded towards minus infinity (timestamps before 1970 belong to the earlier day).
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    const std::int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
}  // namespace detail

/// Parses a unit name as numpy spells it: "D", "s", "ms", "us", "ns".
TimeUnit parse_time_unit(std::string_view name);

/// Floors timestamps (counts of `unit` since the epoch, UTC) to their month, writing month numbers
/// to `out`. numpy's NaT (the smallest int64), or a time more than 10^8 days from 1970, is an
/// InputError naming `column` and the row.
void months_from_timestamps(std::span<const std::int64_t> timestamps, TimeUnit unit,
                            std::span<std::int64_t> out, std::string_view column);

/// Parses "YYYY-MM" or "YYYY-MM-DD" (the day is checked, then dropped) to a month number.
/// Throws InputError naming `column` and `row` otherwise.
Month parse_month(std::string_view text, std::string_view column = "period", std::size_t row = 0);

/// "YYYY-MM".
std::string format_month(Month m);

/// Parses "YYYY-MM-DD" to a day number. Throws InputError naming `column` and `row` otherwise.
Day parse_day(std::string_view text, std::string_view column = "date", std::size_t row = 0);

/// "YYYY-MM-DD".
std::string format_day(std::int64_t day);

/// A parsed ISO 8601 date-time: the clock time as written (seconds since 1970-01-01 00:00 of that
/// clock) and its UTC offset in seconds, when the text has one ('Z', '+09:00', '-0500', '+09').
struct ParsedTime {
    std::int64_t local = 0;
    bool has_offset = false;
    std::int32_t offset = 0;
};

/// Parses "YYYY-MM", "YYYY-MM-DD", then optionally 'T' or ' ' and "HH:MM", ":SS", ".fraction"
/// (dropped), then an optional offset. Returns false for anything else (and for an empty text).
bool parse_datetime(std::string_view text, ParsedTime& out) noexcept;

}  // namespace retain
