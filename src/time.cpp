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
        // As the event log bounds days: a month farther out would not fit a Month.
        if (day < -100'000'000 || day > 100'000'000)
            throw InputError::at(column, i, "timestamp is out of range");
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
    const bool date_ok = shape_ok && valid_date(year, month, day);
    if (!date_ok)
        throw InputError::at(
            column, row,
            "cannot parse period '" + std::string(text) + "' (expected YYYY-MM or YYYY-MM-DD)");
    return month_of(year, month);
}

bool parse_datetime(std::string_view text, ParsedTime& out) noexcept {
    int year = 0, month = 0, day = 1, hour = 0, minute = 0, second = 0;
    std::size_t pos = 0;
    if (!parse_digits(text, 0, 4, year) || text.size() < 7 || text[4] != '-' ||
        !parse_digits(text, 5, 2, month))
        return false;
    pos = 7;
    if (pos < text.size() && text[pos] == '-') {
        if (!parse_digits(text, 8, 2, day)) return false;
        pos = 10;
    }
    if (!valid_date(year, month, day)) return false;
    if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ') && pos + 1 < text.size() &&
        text[pos + 1] >= '0' && text[pos + 1] <= '9') {
        if (!parse_digits(text, pos + 1, 2, hour) || pos + 3 >= text.size() ||
            text[pos + 3] != ':' || !parse_digits(text, pos + 4, 2, minute))
            return false;
        pos += 6;
        if (pos < text.size() && text[pos] == ':') {
            if (!parse_digits(text, pos + 1, 2, second)) return false;
            pos += 3;
            if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
                ++pos;
                const std::size_t digits = pos;
                while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
                if (pos == digits) return false;
            }
        }
        if (hour > 24 || minute > 59 || second > 60 || (hour == 24 && (minute || second)))
            return false;
    }
    out.has_offset = false;
    out.offset = 0;
    if (pos < text.size()) {
        const char sign = text[pos];
        if (sign == 'Z' && pos + 1 == text.size()) {
            out.has_offset = true;
        } else if (sign == '+' || sign == '-') {
            int oh = 0, om = 0;
            if (!parse_digits(text, pos + 1, 2, oh)) return false;
            std::size_t p = pos + 3;
            if (p < text.size() && text[p] == ':') ++p;
            if (p < text.size()) {
                if (!parse_digits(text, p, 2, om)) return false;
                p += 2;
            }
            if (p != text.size() || oh > 18 || om > 59) return false;
            out.has_offset = true;
            out.offset = (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return false;
        }
    }
    out.local =
        std::int64_t{day_of(year, month, day)} * 86'400 + hour * 3600 + minute * 60 + second;
    return true;
}

namespace {
// Zero-padded to `width` digits; a negative year keeps its sign in front.
void append_number(std::string& out, long long value, int width) {
    if (value < 0) {
        out += '-';
        value = -value;
    }
    const std::string digits = std::to_string(value);
    if (static_cast<int>(digits.size()) < width) out.append(width - digits.size(), '0');
    out += digits;
}
}  // namespace

std::string format_month(Month m) {
    std::string out;
    append_number(out, year_of(m), 4);
    out += '-';
    append_number(out, month_in_year(m), 2);
    return out;
}

Day parse_day(std::string_view text, std::string_view column, std::size_t row) {
    int year = 0, month = 0, day = 0;
    const bool ok = text.size() == 10 && parse_digits(text, 0, 4, year) && text[4] == '-' &&
                    parse_digits(text, 5, 2, month) && text[7] == '-' &&
                    parse_digits(text, 8, 2, day) && valid_date(year, month, day);
    if (!ok)
        throw InputError::at(column, row,
                             "cannot parse date '" + std::string(text) + "' (expected YYYY-MM-DD)");
    return day_of(year, month, day);
}

std::string format_day(std::int64_t day) {
    const CivilDate c = civil_of(day);
    std::string out;
    append_number(out, c.year, 4);
    out += '-';
    append_number(out, c.month, 2);
    out += '-';
    append_number(out, c.day, 2);
    return out;
}

}  // namespace retain
