#pragma once
// Calendar machinery. Dates are days since 1970-01-01 and months are months since 1970-01
// (1970-01 is 0, 2024-03 is 650), the same numbers pandas uses for Period[M] ordinals, so a
// monthly column crosses from Python without conversion.

#include <chrono>
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

/// The day number of a calendar date.
constexpr Day day_of(int year, int month, int day) noexcept {
    using namespace std::chrono;
    const sys_days d{std::chrono::year{year} / std::chrono::month{static_cast<unsigned>(month)} /
                     std::chrono::day{static_cast<unsigned>(day)}};
    return static_cast<Day>(d.time_since_epoch().count());
}

/// The month a day falls in.
constexpr Month month_of_day(std::int64_t day) noexcept {
    using namespace std::chrono;
    const year_month_day ymd{sys_days{days{day}}};
    return month_of(static_cast<int>(ymd.year()),
                    static_cast<int>(static_cast<unsigned>(ymd.month())));
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
/// to `out`. numpy's NaT (the smallest int64) is an InputError naming `column` and the row.
void months_from_timestamps(std::span<const std::int64_t> timestamps, TimeUnit unit,
                            std::span<std::int64_t> out, std::string_view column);

/// Parses "YYYY-MM" or "YYYY-MM-DD" (the day is checked, then dropped) to a month number.
/// Throws InputError naming `column` and `row` otherwise.
Month parse_month(std::string_view text, std::string_view column = "period", std::size_t row = 0);

/// "YYYY-MM".
std::string format_month(Month m);

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
