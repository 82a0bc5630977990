// The text-to-time parsers of retain/time.hpp on arbitrary text: parse_time_unit, parse_month,
// parse_day and parse_datetime. A retain::Error is the expected rejection (parse_datetime says
// no by returning false); anything else escaping, a sanitizer report or a broken invariant below
// is a bug. What parses must format back to text that parses to the same value, and the parsers
// must agree with each other on the texts they share.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <retain/error.hpp>
#include <retain/time.hpp>

#include "check.hpp"

namespace {

using fuzz::check;

template <class Parse>
auto parsed(Parse parse) -> std::optional<decltype(parse())> {
    try {
        return parse();
    } catch (const retain::InputError&) {
        return std::nullopt;
    }
}

void check_time_unit(std::string_view text) {
    const auto unit = parsed([&] { return retain::parse_time_unit(text); });
    check(!unit || text == "D" || text == "s" || text == "ms" || text == "us" || text == "ns",
          "parse_time_unit takes a name numpy does not spell");
}

std::optional<retain::Month> check_month(std::string_view text) {
    const auto month = parsed([&] { return retain::parse_month(text, "period", 3); });
    if (!month) return month;
    const std::string formatted = retain::format_month(*month);
    check(formatted == text.substr(0, 7), "format_month(parse_month(t)) is not t's YYYY-MM",
          formatted);
    check(retain::parse_month(formatted) == *month, "parse_month(format_month(m)) != m",
          formatted);
    return month;
}

std::optional<retain::Day> check_day(std::string_view text) {
    const auto day = parsed([&] { return retain::parse_day(text, "date", 5); });
    if (!day) return day;
    const std::string formatted = retain::format_day(*day);
    check(formatted == text, "format_day(parse_day(t)) != t", formatted);
    check(retain::parse_day(formatted) == *day, "parse_day(format_day(d)) != d", formatted);
    return day;
}

// The clock time and offset written out again, in the long form: it must parse to the same.
std::string formatted_time(const retain::ParsedTime& t) {
    const std::int64_t day = retain::detail::floor_div(t.local, 86'400);
    const std::int64_t second = t.local - day * 86'400;
    char clock[32];
    std::snprintf(clock, sizeof clock, "T%02d:%02d:%02d", static_cast<int>(second / 3600),
                  static_cast<int>(second / 60 % 60), static_cast<int>(second % 60));
    std::string out = retain::format_day(day) + clock;
    if (t.has_offset) {
        const int minutes = (t.offset < 0 ? -t.offset : t.offset) / 60;
        char offset[16];
        std::snprintf(offset, sizeof offset, "%c%02d:%02d", t.offset < 0 ? '-' : '+',
                      minutes / 60, minutes % 60);
        out += offset;
    }
    return out;
}

void check_datetime(std::string_view text, std::optional<retain::Month> month,
                    std::optional<retain::Day> day) {
    retain::ParsedTime t;
    const bool ok = retain::parse_datetime(text, t);
    // A bare "YYYY-MM" or "YYYY-MM-DD" is a date-time too, at midnight with no offset.
    if (month && text.size() == 7)
        check(ok && t.local == std::int64_t{retain::first_day_of(*month)} * 86'400 &&
                  !t.has_offset,
              "parse_datetime disagrees with parse_month");
    if (day)
        check(ok && t.local == std::int64_t{*day} * 86'400 && !t.has_offset,
              "parse_datetime disagrees with parse_day");
    if (!ok) return;

    check(!t.has_offset || (t.offset % 60 == 0 && t.offset > -19 * 3600 && t.offset < 19 * 3600),
          "an offset outside +-18:59", std::to_string(t.offset));
    // The clock runs from midnight of the date written (a bare YYYY-MM: its first day) to 24:00
    // or a leap second's 23:59:60, the next midnight at most.
    const bool has_day = text.size() >= 10 && text[7] == '-';
    const auto date = parsed([&] {
        return has_day ? retain::parse_day(text.substr(0, 10))
                       : retain::first_day_of(retain::parse_month(text.substr(0, 7)));
    });
    check(date.has_value(), "parse_datetime takes a date that parse_day or parse_month refuses");
    const std::int64_t midnight = std::int64_t{*date} * 86'400;
    check(t.local >= midnight && t.local <= midnight + 86'400,
          "parse_datetime's clock is outside the day written");

    // 9999-12-31T24:00 is the first instant of year 10000, which no four-digit text can write.
    if (retain::civil_of(retain::detail::floor_div(t.local, 86'400)).year > 9999) return;
    const std::string again = formatted_time(t);
    retain::ParsedTime u;
    check(retain::parse_datetime(again, u), "parse_datetime refuses its own value written out",
          again);
    check(u.local == t.local && u.has_offset == t.has_offset && u.offset == t.offset,
          "parse_datetime of the value written out differs", again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::text_of(data, size);
    check_time_unit(text);
    const auto month = check_month(text);
    const auto day = check_day(text);
    check_datetime(text, month, day);
    return 0;
}
