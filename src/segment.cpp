#include "retain/segment.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <utility>

#include "detail/shared_impl.hpp"
#include "document.hpp"
#include "retain/json.hpp"

namespace retain {

namespace detail {

// The rules as given, for to_json and equality.
struct SegmenterState {
    std::atomic<std::size_t> refs{1};  // the Segmenters (and copies) that share it
    json rules;

    // Validates `rules` into a segmenter (any fault a ConfigError naming its path).
    static Segmenter build(json rules) {
        Segmenter::State state(new SegmenterState());
        state.get()->rules = std::move(rules);
        return Segmenter(std::move(state));
    }

    // A moved-from segmenter has no state; its rules are null, as a moved-from json's would be.
    static const json& rules_of(const Segmenter& segmenter) {
        static const json null;
        const SegmenterState* state = segmenter.state_.get();
        return state ? state->rules : null;
    }
};

}  // namespace detail

template class detail::Shared<detail::SegmenterState>;

namespace {

using detail::config_fail;
using detail::json;
using detail::json_kind;
using detail::json_number;
using detail::only_keys;

constexpr std::string_view op_names[] = {"<", "<=", ">", ">=", "==", "!=", "in", "between"};
constexpr std::string_view expected_ops = "< <= > >= == != in between";

// A threshold: a number that compares. A NaN (only a document built in code can hold one) would
// make "!=" hold for every row and any other op for none.
double threshold(const json& j, const std::string& path) {
    const double x = json_number(j, path);
    if (std::isnan(x)) config_fail(path, "expected a number, got NaN");
    return x;
}

Segmenter::Condition parse_condition(const json& c, const std::string& path) {
    if (!c.is_object())
        config_fail(path, "expected an object with column, op, value; got " + json_kind(c));
    only_keys(c, path, {"column", "op", "value"});
    for (const char* key : {"column", "op", "value"})
        if (!c.contains(key)) config_fail(path + "." + key, "missing");
    Segmenter::Condition out;
    out.path = path;
    const json& column = c["column"];
    if (!column.is_string() || column.get<std::string>().empty())
        config_fail(path + ".column", "expected a non-empty column name, got " + json_kind(column));
    out.column = column.get<std::string>();
    const json& op = c["op"];
    if (!op.is_string())
        config_fail(path + ".op", "expected an op (" + std::string(expected_ops) + ")");
    const auto spelled = op.get<std::string>();
    std::size_t k = 0;
    while (k < std::size(op_names) && op_names[k] != spelled) ++k;
    if (k == std::size(op_names))
        config_fail(path + ".op",
                    "unknown op '" + spelled + "' (expected " + std::string(expected_ops) + ")");
    out.op = static_cast<Segmenter::Op>(k);
    const json& value = c["value"];
    const std::string vpath = path + ".value";
    if (out.op == Segmenter::Op::in) {
        if (!value.is_array() || value.empty())
            config_fail(vpath, "'in' needs a non-empty list of numbers, got " + json_kind(value));
        for (std::size_t i = 0; i < value.size(); ++i)
            out.values.push_back(threshold(value[i], vpath + "[" + std::to_string(i) + "]"));
    } else if (out.op == Segmenter::Op::between) {
        if (!value.is_array() || value.size() != 2)
            config_fail(vpath, "'between' needs a list [lo, hi], got " + json_kind(value));
        const double lo = threshold(value[0], vpath + "[0]");
        const double hi = threshold(value[1], vpath + "[1]");
        if (!(lo <= hi))
            config_fail(vpath, "'between' needs lo <= hi, got [" + value[0].dump() + ", " +
                                   value[1].dump() + "]");
        out.values = {lo, hi};
    } else {
        out.values = {threshold(value, vpath)};
    }
    return out;
}

bool holds(const Segmenter::Condition& c, double x) {
    if (std::isnan(x)) return false;
    const auto& v = c.values;
    switch (c.op) {
        case Segmenter::Op::lt:
            return x < v[0];
        case Segmenter::Op::le:
            return x <= v[0];
        case Segmenter::Op::gt:
            return x > v[0];
        case Segmenter::Op::ge:
            return x >= v[0];
        case Segmenter::Op::eq:
            return x == v[0];
        case Segmenter::Op::ne:
            return x != v[0];
        case Segmenter::Op::in:
            for (double y : v)
                if (x == y) return true;
            return false;
        case Segmenter::Op::between:
            return v[0] <= x && x <= v[1];
    }
    return false;
}

}  // namespace

std::string_view to_string(Segmenter::Op op) noexcept {
    return op_names[static_cast<std::size_t>(op)];
}

Segmenter::Segmenter(State state) : state_(std::move(state)) {
    const json& rules = state_.get()->rules;
    if (!rules.is_object())
        config_fail("rules", "expected an object with key 'tiers', got " + json_kind(rules));
    only_keys(rules, "", {"tiers"});
    if (!rules.contains("tiers")) config_fail("tiers", "missing");
    const json& tiers = rules["tiers"];
    if (!tiers.is_array() || tiers.empty())
        config_fail("tiers", "expected a non-empty list of tiers, got " + json_kind(tiers));
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t t = 0; t < tiers.size(); ++t) {
        const std::string path = "tiers[" + std::to_string(t) + "]";
        const json& tier = tiers[t];
        if (!tier.is_object())
            config_fail(path, "expected an object with name, when; got " + json_kind(tier));
        only_keys(tier, path, {"name", "when"});
        if (!tier.contains("name")) config_fail(path + ".name", "missing");
        const json& name = tier["name"];
        if (!name.is_string() || name.get<std::string>().empty())
            config_fail(path + ".name", "expected a non-empty tier name, got " + json_kind(name));
        Tier out{name.get<std::string>(), {}};
        if (auto [it, fresh] = seen.emplace(out.name, t); !fresh)
            config_fail(path + ".name", "duplicate tier name '" + out.name + "' (also tiers[" +
                                            std::to_string(it->second) + "])");
        if (tier.contains("when")) {
            const json& when = tier["when"];
            if (!when.is_array())
                config_fail(path + ".when", "expected a list, got " + json_kind(when));
            for (std::size_t c = 0; c < when.size(); ++c)
                out.when.push_back(
                    parse_condition(when[c], path + ".when[" + std::to_string(c) + "]"));
        }
        tiers_.push_back(std::move(out));
    }
    // Last, once the rules are known to be shallow: to_json() must be able to write them back.
    detail::require_utf8(rules, "");
}

Segmenter Segmenter::from_json(std::string_view text) {
    return detail::SegmenterState::build(detail::parse_document(text, "rules"));
}

std::string Segmenter::to_json() const {
    return detail::SegmenterState::rules_of(*this).dump();
}

bool operator==(const Segmenter& a, const Segmenter& b) {
    using detail::SegmenterState;
    return a.state_.get() == b.state_.get() ||
           SegmenterState::rules_of(a) == SegmenterState::rules_of(b);
}

Segmenter segmenter_from_json(nlohmann::json rules) {
    return detail::SegmenterState::build(std::move(rules));
}

nlohmann::json to_json_document(const Segmenter& segmenter) {
    return detail::SegmenterState::rules_of(segmenter);
}

std::vector<std::string> Segmenter::tier_names() const {
    std::vector<std::string> out;
    for (const auto& t : tiers_) out.push_back(t.name);
    return out;
}

std::vector<std::string> Segmenter::required_columns() const {
    std::vector<std::string> out;
    for (const auto& t : tiers_)
        for (const auto& c : t.when)
            if (std::find(out.begin(), out.end(), c.column) == out.end()) out.push_back(c.column);
    return out;
}

std::vector<std::int32_t> Segmenter::assign(
    const std::vector<std::string>& column_names,
    const std::vector<std::span<const double>>& columns) const {
    if (column_names.size() != columns.size())
        throw InputError("assign: " + std::to_string(column_names.size()) + " column names for " +
                         std::to_string(columns.size()) + " columns");
    const std::size_t n = columns.empty() ? 0 : columns[0].size();
    for (std::size_t c = 0; c < columns.size(); ++c)
        if (columns[c].size() != n)
            throw InputError("column '" + column_names[c] + "' has " +
                                 std::to_string(columns[c].size()) + " values, column '" +
                                 column_names[0] + "' " + std::to_string(n),
                             ErrorSite{{}, column_names[c], {}, {}});
    // Each condition's column, found once.
    std::vector<std::vector<std::span<const double>>> data(tiers_.size());
    for (std::size_t t = 0; t < tiers_.size(); ++t) {
        for (const auto& c : tiers_[t].when) {
            const auto it = std::find(column_names.begin(), column_names.end(), c.column);
            if (it == column_names.end())
                throw ColumnError(c.path + ".column: no column '" + c.column + "' in the data",
                                  ErrorSite{{}, c.column, {}, c.path + ".column"});
            data[t].push_back(columns[static_cast<std::size_t>(it - column_names.begin())]);
        }
    }
    std::vector<std::int32_t> codes(n, -1);
    for (std::size_t row = 0; row < n; ++row) {
        for (std::size_t t = 0; t < tiers_.size(); ++t) {
            const auto& when = tiers_[t].when;
            bool all = true;
            for (std::size_t c = 0; all && c < when.size(); ++c)
                all = holds(when[c], data[t][c][row]);
            if (all) {
                codes[row] = static_cast<std::int32_t>(t);
                break;
            }
        }
    }
    return codes;
}

}  // namespace retain
