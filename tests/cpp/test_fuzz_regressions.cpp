// What the fuzz targets of tests/fuzz found, each pinned by its correct behaviour (the crashing
// inputs themselves are replayed by tests/fuzz/run from tests/fuzz/regressions/).

#include <doctest/doctest.h>

#include <cmath>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <retain/error.hpp>
#include <retain/health.hpp>
#include <retain/segment.hpp>

using namespace retain;

namespace {

// The ConfigError `parse` throws: its message, and its key path after a '|'.
template <class Parse>
std::string config_error(Parse parse) {
    try {
        parse();
    } catch (const ConfigError& e) {
        return std::string(e.what()) + "|" + e.path();
    }
    return "(no ConfigError)";
}

std::string model_error(const std::string& text) {
    return config_error([&] { HealthModel::from_json(text); });
}

// A one-group model around the group's and the measures' JSON.
std::string model(const std::string& group, const std::string& measures) {
    return R"({"version": 1, "groups": [)" + group + R"(], "measures": [)" + measures + "]}";
}

}  // namespace

TEST_CASE("fuzz regression: a number beyond the range of a double is a ConfigError") {
    // nlohmann::json refuses 1e400 with out_of_range, which escaped from_json as another type.
    const std::string model_says = model_error(R"({"version": 1e400})");
    CHECK(model_says.starts_with("model: a number out of range ("));
    CHECK(model_says.find("1e400") != std::string::npos);
    const std::string rules_says = config_error([] {
        Segmenter::from_json(
            R"({"tiers": [{"name": "t", "when": [{"column": "x", "op": "<", "value": -1e400}]}]})");
    });
    CHECK(rules_says.starts_with("rules: a number out of range ("));
    CHECK(rules_says.find("-1e400") != std::string::npos);
}

TEST_CASE("fuzz regression: weights that would overflow or underflow the weighted sums") {
    // 1e307 x a score of 100 is inf: a full row scored inf, two measure weights of 1e308 summed
    // to inf (effective weights 0, scores NaN), and a subnormal weight rounded scores to whole
    // numbers. Weights are relative, so the document keeps them within [1e-100, 1e100].
    const std::string linear = R"("transform": {"kind": "linear", "lo": 0, "hi": 3})";
    const std::string boolean = R"("transform": {"kind": "boolean"})";
    CHECK(model_error(model(R"({"name": "g", "weight": 1e307})",
                            R"({"name": "x", "group": "g", )" + linear + "}")) ==
          "groups[0].weight: must be 0 or from 1e-100 to 1e100 (weights are relative), got "
          "1e+307|groups[0].weight");
    CHECK(model_error(model(R"({"name": "g"})",
                            R"({"name": "x", "group": "g", "weight": 1e308, )" + boolean +
                                R"(}, {"name": "y", "group": "g", "weight": 1e308, )" +
                                boolean + "}")) ==
          "measures[0].weight: must be 0 or from 1e-100 to 1e100 (weights are relative), got "
          "1e+308|measures[0].weight");
    CHECK(model_error(model(R"({"name": "g"})",
                            R"({"name": "x", "group": "g", "weight": 5e-324, )" + linear + "}")) ==
          "measures[0].weight: must be 0 or from 1e-100 to 1e100 (weights are relative), got "
          "5e-324|measures[0].weight");
}

TEST_CASE("fuzz regression: weights at the ends of their range score as any others") {
    // x = 1 on a 0-3 scale scores 100/3, y = 0 scores 0; equal weights: the mean, 50/3, and y
    // costs its half of 100 points.
    const auto m = HealthModel::from_json(
        model(R"({"name": "g", "weight": 1e100})",
              R"({"name": "x", "group": "g", "weight": 1e-100,
                  "transform": {"kind": "linear", "lo": 0, "hi": 3}},
                 {"name": "y", "group": "g", "weight": 1e-100,
                  "transform": {"kind": "boolean"}})"));
    CHECK(m.effective_weights() == std::vector<double>{0.5, 0.5});
    const std::vector<double> x = {1}, y = {0};
    const std::vector<std::string> names = {"x", "y"};
    const std::vector<std::span<const double>> columns = {x, y};
    const auto scores = m.score(names, columns);
    CHECK(scores.score[0] == doctest::Approx(50.0 / 3));
    CHECK(scores.coverage[0] == doctest::Approx(1.0));
    const auto reasons = m.reasons(names, columns);
    REQUIRE(reasons.points.size() == 2);
    CHECK(reasons.points[0] + reasons.points[1] == doctest::Approx(100 - scores.score[0]));
}

TEST_CASE("fuzz regression: a linear transform whose hi - lo overflows a double") {
    // hi - lo was inf, so (x - lo) / (hi - lo) was 0 and every value scored 0, not 50 at 0.
    CHECK(model_error(model(R"({"name": "g"})", R"({"name": "x", "group": "g",
              "transform": {"kind": "linear", "lo": -1e308, "hi": 1e308}})")) ==
          "measures[0].transform.hi: is too far from lo (hi - lo overflows a double: -1e+308 to "
          "1e+308)|measures[0].transform.hi");
    // Just within range: 0 is halfway from -8e307 to 8e307.
    const auto m = HealthModel::from_json(model(R"({"name": "g"})", R"({"name": "x", "group": "g",
              "transform": {"kind": "linear", "lo": -8e307, "hi": 8e307}})"));
    const std::vector<double> x = {0};
    CHECK(m.score({"x"}, {std::span<const double>(x)}).score[0] == 50);
}

TEST_CASE("fuzz regression: a deeply nested version is refused without writing it out") {
    // The message wrote the value with dump(), which recurses once per level: a million nested
    // lists overflowed the stack.
    constexpr std::size_t depth = 1'000'000;
    const std::string text =
        R"({"version": )" + std::string(depth, '[') + std::string(depth, ']') + "}";
    CHECK(model_error(text) == "version: unsupported version list (expected 1)|version");
    CHECK(model_error(R"({"version": {"major": 1}})") ==
          "version: unsupported version object (expected 1)|version");
    CHECK(model_error(R"({"version": "1"})") ==
          "version: unsupported version \"1\" (expected 1)|version");
}
