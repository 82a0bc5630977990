#include "retain/time.hpp"

#include <charconv>
#include <limits>
#include <sstream>

#include "retain/error.hpp"

namespace retain {

TimeUnit parse_time_unit(std::string_view name) {
    if (name == "D") return TimeUnit::day;
    if (name == "s") return TimeUnit::second;
    if (name == "ms") return TimeUnit::millisecond;
    if (name == "us") return TimeUnit::microsecond;
    if (name == "ns") return TimeUnit::nanosecond;
    throw InputError::argument(
        "unit", "unknown time unit '" + std::string(name) + "' (expected D, s, ms, us or ns)");
}

namespace {

// Parses exactly `width` ASCII digits.
bool parse_digits(std::string_view text, std::size_t pos, std::size_t width, int& value) {
    if (pos + width > text.size()) return false;
    const char* first = text.data() + pos;
    for (std::size_t i = 0; i < width; ++i)
        if (first[i] < '0' || first[i] > '9') return false;
    return std::from_chars(first, first + width, value).ec == std::errc{};
}

}  // namespace

void months_from_timestamps(std::span<const std::int64_t> timestamps, TimeUnit unit,
                            std::span<std::int64_t> out, std::string_view column) {
    if (out.size() != timestamps.size())
        throw InputError::argument("out", "must have one slot per timestamp");
    const std::int64_t per_day = units_per_day(unit);
    constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
    // Monthly tables repeat the same few timestamps; remembering the last day skips the calendar
    // arithmetic for most rows.
    std::int64_t last_day = std::numeric_limits<std::int64_t>::max();
    std::int64_t last_month = 0;
    for (std::size_t i = 0; i < timestamps.size(); ++i) {
        if (timestamps[i] == nat) throw InputError::at(column, i, "missing timestamp (NaT)");
        const std::int64_t day = detail::floor_div(timestamps[i], per_day);
        if (day != last_day) {
            last_day = day;
            last_month = month_of_day(day);
        }
        out[i] = last_month;
    }
}

Month parse_month(std::string_view text, std::string_view column, std::size_t row) {
    int year = 0, month = 0, day = 1;
    const bool shape_ok = (text.size() == 7 || text.size() == 10) &&
                          parse_digits(text, 0, 4, year) && text[4] == '-' &&
                          parse_digits(text, 5, 2, month) &&
                          (text.size() == 7 || (text[7] == '-' && parse_digits(text, 8, 2, day)));
    const bool date_ok =
        shape_ok && std::chrono::year_month_day{std::chrono::year{year} /
                                                std::chrono::month{static_cast<unsigned>(month)} /
                                                std::chrono::day{static_cast<unsigned>(day)}}
                        .ok();
    if (!date_ok)
        throw InputError::at(
            column, row,
            "cannot parse period '" + std::string(text) + "' (expected YYYY-MM or YYYY-MM-DD)");
    return month_of(year, month);
}

std::string format_month(Month m) {
    const int y = year_of(m), mo = month_in_year(m);
    std::ostringstream out;
    out << y << '-' << (mo < 10 ? "0" : "") << mo;
    return out.str();
}

}  // namespace retain
