#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <retain/json.hpp>
#include <retain/segment.hpp>
#include <span>
#include <string>
#include <utility>
#include <vector>

using namespace retain;

namespace {

const char* const issue_rules = R"({"tiers": [
  {"name": "high_touch", "when": [{"column": "arr", "op": ">=", "value": 100000}]},
  {"name": "low_touch", "when": [{"column": "arr", "op": ">=", "value": 10000},
                                 {"column": "score", "op": ">=", "value": 40}]},
  {"name": "tech_touch"}]})";

constexpr double missing = std::numeric_limits<double>::quiet_NaN();

// The codes of one column `x` under a document with one tier `t` whose only condition is `cond`.
std::vector<std::int32_t> one_condition(const std::string& cond, const std::vector<double>& x) {
    const auto s = Segmenter::from_json(R"({"tiers": [{"name": "t", "when": [)" + cond + "]}]}");
    return s.assign({"x"}, {std::span<const double>(x)});
}

std::string error_of(const std::string& text) {
    try {
        Segmenter::from_json(text);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_CASE("segment: the issue's document, first matching tier wins") {
    const auto s = Segmenter::from_json(issue_rules);
    CHECK(s.tier_names() == std::vector<std::string>{"high_touch", "low_touch", "tech_touch"});
    CHECK(s.required_columns() == std::vector<std::string>{"arr", "score"});
    // 150k with a low score is still high touch (first tier); 20k needs both conditions.
    const std::vector<double> arr = {150000, 20000, 20000, 5000, 100000, missing};
    const std::vector<double> score = {10, 50, 39, 90, missing, 50};
    const auto codes = s.assign({"score", "arr", "unused"}, {score, arr, arr});
    CHECK(codes == std::vector<std::int32_t>{0, 1, 2, 2, 0, 2});
}

TEST_CASE("segment: every op, NaN never matches, no tier is -1") {
    const std::vector<double> x = {1, 2, 3, missing};
    CHECK(one_condition(R"({"column": "x", "op": "<", "value": 2})", x) ==
          std::vector<std::int32_t>{0, -1, -1, -1});
    CHECK(one_condition(R"({"column": "x", "op": "<=", "value": 2})", x) ==
          std::vector<std::int32_t>{0, 0, -1, -1});
    CHECK(one_condition(R"({"column": "x", "op": ">", "value": 2})", x) ==
          std::vector<std::int32_t>{-1, -1, 0, -1});
    CHECK(one_condition(R"({"column": "x", "op": ">=", "value": 2})", x) ==
          std::vector<std::int32_t>{-1, 0, 0, -1});
    CHECK(one_condition(R"({"column": "x", "op": "==", "value": 2})", x) ==
          std::vector<std::int32_t>{-1, 0, -1, -1});
    CHECK(one_condition(R"({"column": "x", "op": "!=", "value": 2})", x) ==
          std::vector<std::int32_t>{0, -1, 0, -1});
    CHECK(one_condition(R"({"column": "x", "op": "in", "value": [1, 3]})", x) ==
          std::vector<std::int32_t>{0, -1, 0, -1});
    CHECK(one_condition(R"({"column": "x", "op": "between", "value": [2, 3]})", x) ==
          std::vector<std::int32_t>{-1, 0, 0, -1});
    CHECK(one_condition(R"({"column": "x", "op": "between", "value": [2, 2]})", x) ==
          std::vector<std::int32_t>{-1, 0, -1, -1});
    // An empty `when` holds for every row, like a tier without one.
    const auto all = Segmenter::from_json(R"({"tiers": [{"name": "t", "when": []}]})");
    CHECK(all.assign({"x"}, {std::span<const double>(x)}) == std::vector<std::int32_t>{0, 0, 0, 0});
}

TEST_CASE("segment: round trip through JSON, equality by document") {
    const auto s = Segmenter::from_json(issue_rules);
    const auto back = Segmenter::from_json(s.to_json());
    CHECK(back == s);
    CHECK(back.to_json() == s.to_json());
    CHECK_FALSE(Segmenter::from_json(R"({"tiers": [{"name": "a"}]})") == s);
    // Integers stay integers and fractions stay exact.
    const auto f = Segmenter::from_json(
        R"({"tiers":[{"name":"a","when":[{"column":"x","op":"<","value":0.1}]}]})");
    CHECK(f.to_json() ==
          R"({"tiers":[{"name":"a","when":[{"column":"x","op":"<","value":0.1}]}]})");
}

TEST_CASE("segment: rules as an nlohmann::json make the segmenter their text makes") {
    const auto rules = nlohmann::json::parse(issue_rules);
    const auto s = segmenter_from_json(rules);
    CHECK(s == Segmenter::from_json(issue_rules));
    CHECK(s.to_json() == Segmenter::from_json(issue_rules).to_json());
    CHECK(s.tier_names() == std::vector<std::string>{"high_touch", "low_touch", "tech_touch"});
    CHECK(to_json_document(s) == rules);
    CHECK(segmenter_from_json(to_json_document(s)) == s);
    // Built in code rather than parsed: same validation, same paths.
    nlohmann::json built = {
        {"tiers", {{{"name", "a"}, {"when", {{{"column", "x"}, {"op", "=>"}, {"value", 1}}}}}}}};
    CHECK_THROWS_WITH_AS(segmenter_from_json(built),
                         "tiers[0].when[0].op: unknown op '=>' (expected < <= > >= == != in "
                         "between)",
                         ConfigError);
    try {
        segmenter_from_json(built);
    } catch (const ConfigError& e) {
        CHECK(e.path() == "tiers[0].when[0].op");
    }
    built["tiers"][0]["when"][0]["op"] = "<";
    const std::vector<double> x = {0, 1, 2};
    CHECK(segmenter_from_json(built).assign({"x"}, {std::span<const double>(x)}) ==
          std::vector<std::int32_t>{0, -1, -1});
    CHECK(segmenter_from_json(built).to_json() ==
          R"({"tiers":[{"name":"a","when":[{"column":"x","op":"<","value":1}]}]})");
    // Equality is of JSON values, as before the documents left the header: 1 == 1.0.
    built["tiers"][0]["when"][0]["value"] = 1.0;
    CHECK(segmenter_from_json(built) ==
          Segmenter::from_json(
              R"({"tiers":[{"name":"a","when":[{"column":"x","op":"<","value":1}]}]})"));
}

TEST_CASE("segment: a copy shares the rules, a moved-from segmenter reads as null") {
    const auto s = Segmenter::from_json(issue_rules);
    auto copy = s;
    CHECK(copy == s);
    const auto moved = std::move(copy);
    CHECK(moved == s);
    CHECK(copy.to_json() == "null");
}

TEST_CASE("segment: a column a rule reads but the data lacks names the column and the rule") {
    const auto s = Segmenter::from_json(issue_rules);
    const std::vector<double> arr = {1.0};
    CHECK_THROWS_WITH_AS(s.assign({"arr"}, {arr}),
                         "tiers[1].when[1].column: no column 'score' in the data", ColumnError);
    const std::vector<double> two = {1.0, 2.0};
    CHECK_THROWS_AS(s.assign({"arr", "score"}, {arr, two}), InputError);
}

TEST_CASE("segment: every validation error names its path") {
    const auto tier = [](const std::string& when) {
        return R"({"tiers": [{"name": "a"}, {"name": "b", "when": [)" + when + "]}]}";
    };
    CHECK(error_of(tier(R"({"column": "x", "op": "=>", "value": 1})")) ==
          "tiers[1].when[0].op: unknown op '=>' (expected < <= > >= == != in between)");
    CHECK(error_of(tier(R"({"column": "x", "op": 3, "value": 1})")) ==
          "tiers[1].when[0].op: expected an op (< <= > >= == != in between)");
    CHECK(error_of(tier(R"({"column": "x", "op": "<", "value": 1, "unit": "usd"})")) ==
          "tiers[1].when[0].unit: unknown key (expected column, op, value)");
    CHECK(error_of(tier(R"({"op": "<", "value": 1})")) == "tiers[1].when[0].column: missing");
    CHECK(error_of(tier(R"({"column": "x", "value": 1})")) == "tiers[1].when[0].op: missing");
    CHECK(error_of(tier(R"({"column": "x", "op": "<"})")) == "tiers[1].when[0].value: missing");
    CHECK(error_of(tier(R"({"column": "", "op": "<", "value": 1})")) ==
          "tiers[1].when[0].column: expected a non-empty column name, got string ''");
    CHECK(error_of(tier(R"({"column": "x", "op": "<", "value": "10"})")) ==
          "tiers[1].when[0].value: expected a number, got string '10'");
    CHECK(error_of(tier(R"({"column": "x", "op": "<", "value": true})")) ==
          "tiers[1].when[0].value: expected a number, got boolean");
    CHECK(error_of(tier(R"({"column": "x", "op": "in", "value": []})")) ==
          "tiers[1].when[0].value: 'in' needs a non-empty list of numbers, got list");
    CHECK(error_of(tier(R"({"column": "x", "op": "in", "value": 3})")) ==
          "tiers[1].when[0].value: 'in' needs a non-empty list of numbers, got number");
    CHECK(error_of(tier(R"({"column": "x", "op": "in", "value": [1, null]})")) ==
          "tiers[1].when[0].value[1]: expected a number, got null");
    CHECK(error_of(tier(R"({"column": "x", "op": "between", "value": [1]})")) ==
          "tiers[1].when[0].value: 'between' needs a list [lo, hi], got list");
    CHECK(error_of(tier(R"({"column": "x", "op": "between", "value": [5, 1]})")) ==
          "tiers[1].when[0].value: 'between' needs lo <= hi, got [5, 1]");
    CHECK(error_of(tier(R"({"column": "x", "op": "between", "value": [1, "9"]})")) ==
          "tiers[1].when[0].value[1]: expected a number, got string '9'");
    CHECK(error_of(tier("7")) ==
          "tiers[1].when[0]: expected an object with column, op, value; got number");
    CHECK(error_of(R"({"tiers": [{"name": "a", "when": {}}]})") ==
          "tiers[0].when: expected a list, got object");
    CHECK(error_of(R"({"tiers": [{"name": "a"}, {"name": "a"}]})") ==
          "tiers[1].name: duplicate tier name 'a' (also tiers[0])");
    CHECK(error_of(R"({"tiers": [{"name": ""}]})") ==
          "tiers[0].name: expected a non-empty tier name, got string ''");
    CHECK(error_of(R"({"tiers": [{"when": []}]})") == "tiers[0].name: missing");
    CHECK(error_of(R"({"tiers": [{"name": "a", "colour": "red"}]})") ==
          "tiers[0].colour: unknown key (expected name, when)");
    CHECK(error_of(R"({"tiers": ["a"]})") ==
          "tiers[0]: expected an object with name, when; got string 'a'");
    CHECK(error_of(R"({"tiers": []})") == "tiers: expected a non-empty list of tiers, got list");
    CHECK(error_of(R"({})") == "tiers: missing");
    CHECK(error_of(R"({"tiers": [{"name": "a"}], "version": 2})") ==
          "version: unknown key (expected tiers)");
    CHECK(error_of("[]") == "rules: expected an object with key 'tiers', got list");
    CHECK(error_of("{").rfind("rules: not valid JSON", 0) == 0);
}
