// Segmenter::from_json on arbitrary text. A retain::Error is the expected rejection; anything else
// escaping, a sanitizer report or a broken invariant below is a bug. Rules that parse must survive
// their own to_json, and assign() must give each row of a small table the first tier whose
// conditions (as tiers() reports them) all hold, as segment.hpp defines it.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <retain/error.hpp>
#include <retain/segment.hpp>

#include "check.hpp"

namespace {

using fuzz::check;
using retain::Segmenter;

void check_round_trip(const Segmenter& rules) {
    const std::string text = rules.to_json();
    std::optional<Segmenter> again;
    try {
        again = Segmenter::from_json(text);
    } catch (const retain::Error& e) {
        check(false, "from_json rejects the rules' own to_json", e.what());
    }
    check(*again == rules, "from_json(to_json()) differs from the rules", text);
    check(again->to_json() == text, "to_json of the round trip differs", text);
}

// The definition, written out plainly: the reference assign() is checked against.
bool holds(const Segmenter::Condition& c, double x) {
    using Op = Segmenter::Op;
    if (std::isnan(x)) return false;
    const double v = c.values.at(0);
    switch (c.op) {
        case Op::lt: return x < v;
        case Op::le: return x <= v;
        case Op::gt: return x > v;
        case Op::ge: return x >= v;
        case Op::eq: return x == v;
        case Op::ne: return x != v;
        case Op::in:
            for (const double y : c.values)
                if (x == y) return true;
            return false;
        case Op::between: return c.values.at(0) <= x && x <= c.values.at(1);
    }
    return false;
}

void check_assign(const Segmenter& rules) {
    static constexpr double values[] = {0,     1,   -1, 40, 10000, 100000, 0.5,
                                        1e300, -0., std::numeric_limits<double>::quiet_NaN()};
    constexpr std::size_t rows = std::size(values);
    // A table's rows are its columns' length: rules that read no column still need one, and
    // no rule can read the column "" (column names are non-empty).
    std::vector<std::string> names = rules.required_columns();
    names.emplace_back();
    std::vector<std::vector<double>> data(names.size());
    for (std::size_t c = 0; c < names.size(); ++c)
        for (std::size_t r = 0; r < rows; ++r) data[c].push_back(values[(r + 3 * c) % rows]);
    const std::vector<std::span<const double>> columns(data.begin(), data.end());
    const std::vector<std::int32_t> codes = rules.assign(names, columns);
    check(codes.size() == rows, "assign gives a code count other than the row count");

    const auto& tiers = rules.tiers();
    for (std::size_t r = 0; r < rows; ++r) {
        std::int32_t expected = -1;
        for (std::size_t t = 0; t < tiers.size() && expected < 0; ++t) {
            bool all = true;
            for (const auto& c : tiers[t].when) {
                const auto at = std::find(names.begin(), names.end(), c.column);
                all = all && holds(c, data[static_cast<std::size_t>(at - names.begin())][r]);
            }
            if (all) expected = static_cast<std::int32_t>(t);
        }
        check(codes[r] == expected, "assign differs from the first tier whose conditions hold",
              rules.to_json());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::optional<Segmenter> rules;
    try {
        rules = Segmenter::from_json(fuzz::text_of(data, size));
    } catch (const retain::Error&) {
        return 0;
    }
    check_round_trip(*rules);
    check(rules->tier_names().size() == rules->tiers().size() && !rules->tiers().empty(),
          "rules without tiers parsed");
    check_assign(*rules);
    return 0;
}
