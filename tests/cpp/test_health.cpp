#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <retain/detail/radix_sort.hpp>
#include <retain/health.hpp>
#include <retain/json.hpp>
#include <retain/model_set.hpp>
#include <span>
#include <string>
#include <utility>
#include <vector>

using namespace retain;

namespace {

constexpr double missing = std::numeric_limits<double>::quiet_NaN();

// The issue's document, with a stored reference for the percentile measure so that its scores
// can be worked by hand: seat_util 0.5 is above 1 of [0.2, 0.5, 0.5, 0.9] and equal to 2, so
// it ranks (1 + 2/2) / 4 = 50; 0.95 is above all 4 and ranks 100.
std::string issue_model(const std::string& missing_policy = "reweight") {
    return R"({"version": 1, "name": "default",
  "groups": [{"name": "usage", "weight": 0.5}, {"name": "satisfaction", "weight": 0.3},
             {"name": "customer", "weight": 0.2}],
  "measures": [
    {"name": "active_users_30d", "group": "usage", "weight": 2,
     "transform": {"kind": "linear", "lo": 0, "hi": 20}},
    {"name": "nps", "group": "satisfaction",
     "transform": {"kind": "bands", "edges": [7, 9], "scores": [0, 50, 100]}},
    {"name": "open_tickets", "group": "satisfaction", "weight": 0.5,
     "transform": {"kind": "linear", "lo": 10, "hi": 0}},
    {"name": "seat_utilization", "column": "seat_util", "group": "usage",
     "transform": {"kind": "percentile", "reference": [0.2, 0.5, 0.5, 0.9]}},
    {"name": "exec_sponsor", "group": "customer", "transform": {"kind": "boolean"}}],
  "missing": ")" +
           missing_policy + R"(",
  "grades": [{"min": 0, "label": "red"}, {"min": 40, "label": "yellow"},
             {"min": 70, "label": "green"}]})";
}

// Three accounts: A has everything; B lacks active users; C has nothing.
const std::vector<std::string> names = {"active_users_30d", "nps", "open_tickets", "seat_util",
                                        "exec_sponsor"};
const std::vector<double> active = {10, missing, missing}, nps = {8, 10, missing},
                          tickets = {2, 12, missing}, seat = {0.5, 0.95, missing},
                          sponsor = {1, 0, missing};
const std::vector<std::span<const double>> columns = {active, nps, tickets, seat, sponsor};

std::string error_of(const std::string& text) {
    try {
        HealthModel::from_json(text);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

// A one-group, one-measure document around `transform`.
std::string with_transform(const std::string& transform) {
    return R"({"version": 1, "groups": [{"name": "g"}], "measures": [{"name": "x", "group": "g",
              "transform": )" +
           transform + "}]}";
}

// Equal element by element, NaN matching NaN (a row with nothing present scores NaN).
bool same_scores(const std::vector<double>& a, const std::vector<double>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](double x, double y) {
        return x == y || (std::isnan(x) && std::isnan(y));
    });
}

std::vector<double> scores_of(const std::string& transform, const std::vector<double>& x) {
    const auto model = HealthModel::from_json(with_transform(transform));
    return model.score({"x"}, {std::span<const double>(x)}).score;
}

}  // namespace

TEST_CASE("health: the issue's document, worked by hand") {
    const auto model = HealthModel::from_json(issue_model());
    // Effective weights: usage 0.5 split 2:1, satisfaction 0.3 split 1:0.5, customer 0.2.
    const auto& e = model.effective_weights();
    CHECK(e[0] == doctest::Approx(1.0 / 3));
    CHECK(e[1] == doctest::Approx(0.2));
    CHECK(e[2] == doctest::Approx(0.1));
    CHECK(e[3] == doctest::Approx(1.0 / 6));
    CHECK(e[4] == doctest::Approx(0.2));

    const auto s = model.score(names, columns);
    // A: active 10 -> 50, nps 8 -> 50, tickets 2 -> (2-10)/(0-10) = 0.8 -> 80, seat 50, sponsor
    // 100. usage (2*50 + 50)/3 = 50, satisfaction (50 + 0.5*80)/1.5 = 60, customer 100;
    // score 0.5*50 + 0.3*60 + 0.2*100 = 63, yellow.
    CHECK(s.groups[0][0] == doctest::Approx(50));
    CHECK(s.groups[1][0] == doctest::Approx(60));
    CHECK(s.groups[2][0] == doctest::Approx(100));
    CHECK(s.score[0] == doctest::Approx(63));
    CHECK(s.grade[0] == 1);
    CHECK(s.coverage[0] == doctest::Approx(1));
    // B (reweight): usage = seat 100 alone; satisfaction (100 + 0.5*0)/1.5 = 66.67 (12 tickets
    // clip to 0); customer 0; score 50 + 20 + 0 = 70, green. Coverage 1 - 1/3.
    CHECK(s.groups[0][1] == doctest::Approx(100));
    CHECK(s.groups[1][1] == doctest::Approx(200.0 / 3));
    CHECK(s.score[1] == doctest::Approx(70));
    CHECK(s.coverage[1] == doctest::Approx(2.0 / 3));
    // C: nothing present.
    CHECK(std::isnan(s.score[2]));
    CHECK(std::isnan(s.groups[0][2]));
    CHECK(s.grade[2] == -1);
    CHECK(s.coverage[2] == 0);
}

TEST_CASE("health: missing policies") {
    // B with active users scored 50 (neutral): usage (2*50 + 100)/3 = 66.67, score 33.33 + 20.
    auto neutral = HealthModel::from_json(issue_model("neutral")).score(names, columns);
    CHECK(neutral.score[1] == doctest::Approx(0.5 * 200.0 / 3 + 20));
    CHECK(neutral.coverage[1] == doctest::Approx(2.0 / 3));
    CHECK(std::isnan(neutral.score[2]));  // nothing present is NaN under every policy
    // zero: usage 100/3, score 16.67 + 20 = 36.67, red.
    auto zero = HealthModel::from_json(issue_model("zero")).score(names, columns);
    CHECK(zero.score[1] == doctest::Approx(0.5 * 100.0 / 3 + 20));
    CHECK(zero.grade[1] == 0);
    // error: the first missing value in row order, by column and row.
    const auto strict = HealthModel::from_json(issue_model("error"));
    CHECK_THROWS_WITH_AS(strict.score(names, columns),
                         "column 'active_users_30d', row 1: missing value (the model's missing "
                         "policy is 'error')",
                         InputError);
    CHECK_THROWS_WITH_AS(
        strict.score({"nps"}, {std::span<const double>(nps)}),
        "measures[0].column: no column 'active_users_30d' in the data (the model's missing "
        "policy is 'error')",
        ColumnError);
    try {
        (void)strict.score({"nps"}, {std::span<const double>(nps)});
    } catch (const ColumnError& e) {  // the same facts, readable one by one
        CHECK(e.column() == "active_users_30d");
        CHECK(e.path() == "measures[0].column");
        CHECK_FALSE(e.row().has_value());
    }
    try {
        (void)strict.score(names, columns);
    } catch (const InputError& e) {
        CHECK(e.column() == "active_users_30d");
        CHECK(e.row() == std::optional<std::size_t>(1));
    }
    // An absent column under reweight is missing in every row.
    const auto partial = HealthModel::from_json(issue_model())
                             .score({"exec_sponsor"}, {std::span<const double>(sponsor)});
    CHECK(partial.score[0] == doctest::Approx(100));
    CHECK(partial.coverage[0] == doctest::Approx(0.2));
    CHECK(std::isnan(partial.groups[0][0]));
}

TEST_CASE("health: contributions sum to the score") {
    const auto model = HealthModel::from_json(issue_model());
    const auto ex = model.explain(names, columns);
    // A: active 0.5*(2/3)*50 = 16.67, nps 0.3*(1/1.5)*50 = 10, tickets 0.3*(0.5/1.5)*80 = 8,
    // seat 0.5*(1/3)*50 = 8.33, sponsor 0.2*100 = 20.
    CHECK(ex.contribution[0][0] == doctest::Approx(50.0 / 3));
    CHECK(ex.contribution[1][0] == doctest::Approx(10));
    CHECK(ex.contribution[2][0] == doctest::Approx(8));
    CHECK(ex.contribution[3][0] == doctest::Approx(25.0 / 3));
    CHECK(ex.contribution[4][0] == doctest::Approx(20));
    CHECK(ex.measure_score[2][0] == doctest::Approx(80));
    // B: active is left out (contribution 0, no measure score); the rest sums to 70.
    CHECK(ex.contribution[0][1] == 0);
    CHECK(std::isnan(ex.measure_score[0][1]));
    double sum = 0;
    for (std::size_t m = 0; m < 5; ++m) sum += ex.contribution[m][1];
    CHECK(sum == doctest::Approx(70));
    CHECK(std::isnan(ex.contribution[3][2]));

    // The change from A's row to B's: 70 - 63 = 7, of which sponsor 0 - 20 = -20.
    const std::vector<double> a_active = {10}, a_nps = {8}, a_tickets = {2}, a_seat = {0.5},
                              a_sponsor = {1}, b_active = {missing}, b_nps = {10}, b_tickets = {12},
                              b_seat = {0.95}, b_sponsor = {0};
    const auto change =
        model.explain_change(names, {a_active, a_nps, a_tickets, a_seat, a_sponsor}, names,
                             {b_active, b_nps, b_tickets, b_seat, b_sponsor});
    CHECK(change.score[0] == doctest::Approx(7));
    CHECK(change.contribution[4][0] == doctest::Approx(-20));
    double moved = 0;
    for (std::size_t m = 0; m < 5; ++m) moved += change.contribution[m][0];
    CHECK(moved == doctest::Approx(7));
}

TEST_CASE("health: transforms") {
    // linear, clipped; lo > hi means lower is better.
    CHECK(scores_of(R"({"kind": "linear", "lo": 0, "hi": 20})", {-5, 0, 5, 20, 40}) ==
          std::vector<double>{0, 0, 25, 100, 100});
    CHECK(scores_of(R"({"kind": "linear", "lo": 10, "hi": 0})", {0, 2.5, 10, 12}) ==
          std::vector<double>{100, 75, 0, 0});
    // bands: an edge belongs to the band above it.
    CHECK(scores_of(R"({"kind": "bands", "edges": [7, 9], "scores": [0, 50, 100]})",
                    {6.99, 7, 8.99, 9, 10}) == std::vector<double>{0, 50, 50, 100, 100});
    // percentile against the values scored: [1, 2, 2, 3] ranks 1 -> (0 + 0.5)/4, 2 -> (1 + 1)/4,
    // 3 -> (3 + 0.5)/4; the NaN is left out of the population.
    CHECK(scores_of(R"({"kind": "percentile"})", {2, 1, 2, missing, 3})[0] == 50);
    const auto p = scores_of(R"({"kind": "percentile"})", {2, 1, 2, missing, 3});
    CHECK(p[1] == 12.5);
    CHECK(p[4] == 87.5);
    CHECK(std::isnan(p[3]));
    // boolean.
    CHECK(scores_of(R"({"kind": "boolean"})", {0, 1, -2, 0.5}) ==
          std::vector<double>{0, 100, 100, 100});
}

TEST_CASE("health: calibrate stores the population, later scores rank against it") {
    const auto model = HealthModel::from_json(with_transform(R"({"kind": "percentile"})"));
    const std::vector<double> x = {3, missing, 1, 2};
    const auto calibrated = model.calibrate({"x"}, {std::span<const double>(x)});
    CHECK(calibrated.measures()[0].transform.reference == std::vector<double>{1, 2, 3});
    CHECK(to_json_document(calibrated)["measures"][0]["transform"]["reference"].dump() ==
          "[1.0,2.0,3.0]");
    const std::vector<double> later = {2, 10};
    const auto s = calibrated.score({"x"}, {std::span<const double>(later)});
    CHECK(s.score[0] == doctest::Approx(50));  // (1 + 0.5) / 3
    CHECK(s.score[1] == 100);
    CHECK(HealthModel::from_json(calibrated.to_json()) == calibrated);
    const std::vector<double> none = {missing};
    CHECK_THROWS_WITH_AS(model.calibrate({"x"}, {std::span<const double>(none)}),
                         "measures[0]: cannot calibrate percentile measure 'x': column 'x' has "
                         "no value",
                         InputError);
}

TEST_CASE("health: threads do not change a score") {
    const auto model = HealthModel::from_json(issue_model());
    std::vector<std::vector<double>> data(5, std::vector<double>(10'000));
    for (std::size_t i = 0; i < 10'000; ++i) {
        data[0][i] = i % 7 == 0 ? missing : static_cast<double>(i % 23);
        data[1][i] = static_cast<double>(i % 11);
        data[2][i] = static_cast<double>(i % 13);
        data[3][i] = static_cast<double>(i % 101) / 100;
        data[4][i] = static_cast<double>(i % 2);
    }
    const std::vector<std::span<const double>> cols(data.begin(), data.end());
    const auto one = model.score(names, cols, 1);
    const auto three = model.score(names, cols, 3);
    CHECK(one.score == three.score);
    CHECK(one.groups == three.groups);
    CHECK(one.grade == three.grade);
}

TEST_CASE("health: bad inputs name the column and row") {
    const auto model = HealthModel::from_json(issue_model());
    const std::vector<double> bad = {1, INFINITY, 3};
    CHECK_THROWS_WITH_AS(model.score({"nps"}, {std::span<const double>(bad)}),
                         "column 'nps', row 1: infinite value (features are finite, NaN if "
                         "missing)",
                         InputError);
    const std::vector<double> shorter = {1, 2};
    CHECK_THROWS_WITH_AS(model.score({"nps", "open_tickets"}, {std::span<const double>(nps),
                                                               std::span<const double>(shorter)}),
                         "column 'open_tickets' has 2 values, column 'nps' 3", InputError);
    CHECK_THROWS_AS(model.score(names, columns, -1), InputError);
}

TEST_CASE("health: document errors name the key") {
    CHECK(
        error_of(with_transform(R"({"kind": "bands", "edges": [9, 7], "scores": [0, 50, 100]})")) ==
        "measures[0].transform.edges: must be strictly increasing (edges[1] is not above "
        "edges[0])");
    CHECK(error_of(with_transform(R"({"kind": "bands", "edges": [7], "scores": [0, 50, 100]})")) ==
          "measures[0].transform.scores: needs one more score than edges (1 edges, 3 scores)");
    CHECK(error_of(with_transform(R"({"kind": "bands", "edges": [7], "scores": [0, 150]})")) ==
          "measures[0].transform.scores[1]: must be in [0, 100], got 150");
    CHECK(error_of(with_transform(R"({"kind": "linear", "lo": 5, "hi": 5})")) ==
          "measures[0].transform.hi: must differ from lo (both 5); lo > hi means lower is better");
    CHECK(error_of(with_transform(R"({"kind": "linear", "lo": 0})")) ==
          "measures[0].transform.hi: missing");
    CHECK(error_of(with_transform(R"({"kind": "linear", "lo": 0, "hi": 1, "clip": true})")) ==
          "measures[0].transform.clip: unknown key (expected kind, lo, hi)");
    CHECK(error_of(with_transform(R"({"kind": "log"})")) ==
          "measures[0].transform.kind: unknown transform string 'log' (expected linear, bands, "
          "percentile, boolean)");
    CHECK(error_of(with_transform(R"({"kind": "percentile", "reference": [1, 3, 2]})")) ==
          "measures[0].transform.reference[2]: must be sorted (below the value before it)");
    CHECK(error_of(R"({"version": 2})") == "version: unsupported version 2 (expected 1)");
    CHECK(error_of(R"({"groups": []})") == "version: missing (this library reads version 1)");
    CHECK(error_of(R"({"version": 1, "groups": [{"name": "g"}], "measures": [{"name": "x",
        "group": "h", "transform": {"kind": "boolean"}}]})") ==
          "measures[0].group: unknown group 'h' (groups: g)");
    CHECK(error_of(R"({"version": 1, "groups": [{"name": "g"}, {"name": "h"}], "measures":
        [{"name": "x", "group": "g", "transform": {"kind": "boolean"}}]})") ==
          "groups[1]: no measure belongs to group 'h'");
    CHECK(error_of(R"({"version": 1, "groups": [{"name": "g", "weight": 0}], "measures":
        [{"name": "x", "group": "g", "transform": {"kind": "boolean"}}]})") ==
          "groups: no group has both a positive weight and a measure of positive weight, so the "
          "model scores nothing");
    CHECK(error_of(R"({"version": 1, "groups": [{"name": "score"}], "measures":
        [{"name": "x", "group": "score", "transform": {"kind": "boolean"}}]})") ==
          "groups[0].name: 'score' is reserved (a column of the scored frame)");
    CHECK(error_of(R"({"version": 1, "groups": [{"name": "g"}], "measures": [{"name": "x",
        "group": "g", "weight": -1, "transform": {"kind": "boolean"}}]})") ==
          "measures[0].weight: must be a finite number >= 0, got -1");
    CHECK(error_of(R"({"version": 1, "groups": [{"name": "g"}], "measures": [{"name": "x",
        "group": "g", "transform": {"kind": "boolean"}}, {"name": "x", "group": "g",
        "transform": {"kind": "boolean"}}]})") ==
          "measures[1].name: duplicate measure name 'x' (also measures[0])");
    CHECK(error_of(R"({"version": 1, "groups": [{"name": "g"}], "measures": [{"name": "x",
        "group": "g", "transform": {"kind": "boolean"}}], "missing": "skip"})") ==
          "missing: unknown policy string 'skip' (expected reweight, neutral, zero, error)");
    CHECK(error_of(R"({"version": 1, "groups": [{"name": "g"}], "measures": [{"name": "x",
        "group": "g", "transform": {"kind": "boolean"}}], "grades": [{"min": 10, "label": "a"}]})") ==
          "grades[0].min: the first grade starts at 0, got 10");
    CHECK(error_of(R"({"version": 1, "groups": [{"name": "g"}], "measures": [{"name": "x",
        "group": "g", "transform": {"kind": "boolean"}}], "grades": [{"min": 0, "label": "a"},
        {"min": 0, "label": "b"}]})") == "grades[1].min: must be above the min before it (0)");
    CHECK(error_of(R"({"version": 1, "colour": "red"})") ==
          "colour: unknown key (expected version, name, groups, measures, missing, grades)");
    CHECK(error_of("{").starts_with("model: not valid JSON"));
}

TEST_CASE("health: the document round-trips exactly") {
    const auto model = HealthModel::from_json(issue_model());
    const auto again = HealthModel::from_json(model.to_json());
    CHECK(again == model);
    CHECK(again.to_json() == model.to_json());
    CHECK(model.required_columns() == std::vector<std::string>{"active_users_30d", "nps",
                                                               "open_tickets", "seat_util",
                                                               "exec_sponsor"});
    CHECK(model.name() == "default");
    CHECK(to_string(model.missing()) == "reweight");
}

TEST_CASE("health: a document as an nlohmann::json makes the model its text makes") {
    const auto document = nlohmann::json::parse(issue_model());
    const auto model = health_model_from_json(document);
    const auto from_text = HealthModel::from_json(issue_model());
    CHECK(model == from_text);
    CHECK(model.to_json() == from_text.to_json());
    CHECK(model.to_json() == document.dump());
    CHECK(model.effective_weights() == from_text.effective_weights());
    CHECK(same_scores(model.score(names, columns).score, from_text.score(names, columns).score));
    CHECK(to_json_document(model) == document);
    CHECK(health_model_from_json(to_json_document(model)) == model);

    // Built in code: the same validation, naming the same paths.
    nlohmann::json built = document;
    built["measures"][1]["transform"]["edges"] = {9, 7};
    CHECK_THROWS_WITH_AS(health_model_from_json(built),
                         "measures[1].transform.edges: must be strictly increasing (edges[1] is "
                         "not above edges[0])",
                         ConfigError);
    try {
        health_model_from_json(built);
    } catch (const ConfigError& e) {
        CHECK(e.path() == "measures[1].transform.edges");
    }
    CHECK(error_of(built.dump()) ==
          "measures[1].transform.edges: must be strictly increasing (edges[1] is not above "
          "edges[0])");
    CHECK_THROWS_WITH_AS(health_model_from_json(nlohmann::json::array()),
                         "model: expected an object with version, groups, measures; got list",
                         ConfigError);

    // Equality is of JSON values (1 == 1.0), and a different weight is a different model.
    built = document;
    built["measures"][0]["weight"] = 2.0;
    CHECK(health_model_from_json(built) == model);
    built["measures"][0]["weight"] = 3;
    CHECK_FALSE(health_model_from_json(built) == model);
}

TEST_CASE("health: copies share a model's document, a moved-from model reads as null") {
    const auto model = HealthModel::from_json(issue_model());
    auto copy = model;
    CHECK(copy == model);
    const auto moved = std::move(copy);
    CHECK(moved == model);
    CHECK(same_scores(moved.score(names, columns).score, model.score(names, columns).score));
    CHECK(copy.to_json() == "null");
}

TEST_CASE("health: a model set scores each row with its model") {
    // onboarding: one group "setup" of seat_util linear 0..1, grades at_risk / on_track;
    // adoption: the issue's model.
    const auto onboarding = HealthModel::from_json(R"({"version": 1,
        "groups": [{"name": "setup"}, {"name": "customer"}],
        "measures": [{"name": "seat_util", "group": "setup",
                      "transform": {"kind": "linear", "lo": 0, "hi": 1}},
                     {"name": "exec_sponsor", "group": "customer", "transform": {"kind": "boolean"}}],
        "grades": [{"min": 0, "label": "at_risk"}, {"min": 50, "label": "on_track"}]})");
    const ModelSet set({"adoption", "onboarding"},
                       {HealthModel::from_json(issue_model()), onboarding});
    CHECK(set.group_names() ==
          std::vector<std::string>{"usage", "satisfaction", "customer", "setup"});
    CHECK(set.grade_labels() ==
          std::vector<std::string>{"red", "yellow", "green", "at_risk", "on_track"});
    // Rows A (adoption), B (onboarding), C (adoption).
    const std::vector<std::int32_t> which = {0, 1, 0};
    const auto s = set.score(which, names, columns);
    CHECK(s.score[0] == doctest::Approx(63));  // as in the first test case
    CHECK(s.grade[0] == 1);
    // B under onboarding: setup 0.95 -> 95, customer 0; score (95 + 0) / 2 = 47.5, at_risk.
    CHECK(s.score[1] == doctest::Approx(47.5));
    CHECK(s.grade[1] == 3);
    CHECK(s.groups[3][1] == doctest::Approx(95));
    CHECK(std::isnan(s.groups[0][1]));  // onboarding has no usage group
    CHECK(std::isnan(s.groups[3][0]));
    CHECK(std::isnan(s.score[2]));
    // Errors name the row of the whole table, not of the model's share of it.
    const std::vector<double> bad_seat = {0.5, 0.95, INFINITY};
    CHECK_THROWS_WITH_AS(set.score(which, {"seat_util"}, {std::span<const double>(bad_seat)}),
                         "column 'seat_util', row 2: infinite value (features are finite, NaN "
                         "if missing)",
                         InputError);
    const std::vector<std::int32_t> unknown = {0, 2, 0};
    CHECK_THROWS_WITH_AS(set.score(unknown, names, columns),
                         "model_of_row: row 1: code 2 is not a model (0..1)", InputError);
    CHECK_THROWS_AS(ModelSet({"a", "a"}, {onboarding, onboarding}), InputError);
}

namespace {

// Percentile scores of `q` against a stored reference, through a one-measure model: its score is
// the measure score itself, so this reads the library's rank table.
std::vector<double> ranks_against(const std::vector<double>& sorted_reference,
                                  const std::vector<double>& q) {
    nlohmann::json document = nlohmann::json::parse(with_transform(R"({"kind": "percentile"})"));
    document["measures"][0]["transform"]["reference"] = sorted_reference;
    return health_model_from_json(document).score({"x"}, {std::span<const double>(q)}).score;
}

}  // namespace

TEST_CASE("health: the radix sort and the percentile table agree with the definition") {
    // Values with ties, negatives, -0.0 and 0.0, and a wide range; ranks by counting.
    std::vector<double> x = {3.5, -2, 0.0, -0.0, 1e300, -1e-300, 3.5, 7, -2, 3.5, 1e-9, -7.25};
    for (int i = 0; i < 500; ++i) x.push_back(static_cast<double>((i * 7919) % 211) / 8 - 13);
    auto sorted = x;
    detail::radix_sort(sorted);
    auto expected = x;
    std::sort(expected.begin(), expected.end());
    CHECK(sorted == expected);
    const std::vector<double> qs = {-1e308, -13.0, -2.0, -1.0, 0.0, 3.5, 3.6, 12.0, 1e300, 1e308};
    const auto ranks = ranks_against(sorted, qs);
    for (std::size_t k = 0; k < qs.size(); ++k) {
        double below = 0, equal = 0;
        for (double v : x) below += v < qs[k], equal += v == qs[k];
        CHECK(ranks[k] == doctest::Approx(100 * (below + equal / 2) / x.size()).epsilon(1e-12));
    }
    // A crowded population (many distinct values in one bucket) takes the binary-search path.
    std::vector<double> crowded = {0, 1e6};
    for (int i = 1; i <= 100; ++i) crowded.push_back(i * 1e-6);
    std::sort(crowded.begin(), crowded.end());
    const std::vector<double> cq = {0.0, 3e-5, 50 * 1e-6, 2.0};
    const auto skewed = ranks_against(crowded, cq);
    for (std::size_t k = 0; k < cq.size(); ++k) {
        double below = 0, equal = 0;
        for (double v : crowded) below += v < cq[k], equal += v == cq[k];
        CHECK(skewed[k] == doctest::Approx(100 * (below + equal / 2) / crowded.size()));
    }
}

TEST_CASE("health: an infinite value meets the table's padding safely and is reported") {
    // A three-value reference: +inf scans into the +inf padding after the last value.
    const auto model =
        HealthModel::from_json(with_transform(R"({"kind": "percentile", "reference": [1, 2, 3]})"));
    const std::vector<double> x = {2, INFINITY, -INFINITY};
    CHECK_THROWS_WITH_AS(model.score({"x"}, {std::span<const double>(x)}),
                         "column 'x', row 1: infinite value (features are finite, NaN if missing)",
                         InputError);
}

namespace {

// The issue's document with a label on active users (the other measures keep the default).
HealthModel labelled_model(const std::string& missing_policy = "reweight") {
    std::string text = issue_model(missing_policy);
    const std::string anchor = R"("name": "active_users_30d",)";
    text.insert(text.find(anchor) + anchor.size(), R"( "label": "active users in 30 days",)");
    return HealthModel::from_json(text);
}

// The points lost of one row, by measure (0 for a measure the row does not list).
std::vector<double> points_of_row(const HealthReasons& r, std::int64_t row, std::size_t M) {
    std::vector<double> out(M, 0.0);
    for (std::size_t i = 0; i < r.row.size(); ++i)
        if (r.row[i] == row) out[static_cast<std::size_t>(r.measure[i])] = r.points[i];
    return out;
}

}  // namespace

TEST_CASE("health: measure labels default to the name with spaces, round-trip, are checked") {
    const auto model = labelled_model();
    CHECK(model.measures()[0].label == "active users in 30 days");
    CHECK(model.measures()[3].label == "seat utilization");
    CHECK(model.measures()[1].label == "nps");
    CHECK(HealthModel::from_json(model.to_json()) == model);
    CHECK(to_json_document(model)["measures"][0]["label"] == "active users in 30 days");
    CHECK_FALSE(to_json_document(model)["measures"][1].contains("label"));  // as given
    const std::string two = R"({"version": 1, "groups": [{"name": "g"}], "measures": [
        {"name": "x", "group": "g", "transform": {"kind": "boolean"}},
        {"name": "y", "group": "g", "label": LABEL, "transform": {"kind": "boolean"}}]})";
    const auto with_label = [&](const std::string& label) {
        std::string text = two;
        return error_of(text.replace(text.find("LABEL"), 5, label));
    };
    CHECK(with_label(R"("")") == "measures[1].label: expected a non-empty label, got string ''");
    CHECK(with_label("3") == "measures[1].label: expected a non-empty label, got number");
    CHECK(with_label("null") == "measures[1].label: expected a non-empty label, got null");
    CHECK(error_of(R"({"version": 1, "groups": [{"name": "g"}], "measures": [{"name": "x",
        "group": "g", "lable": "X", "transform": {"kind": "boolean"}}]})")
              .starts_with("measures[0].lable: unknown key"));
}

TEST_CASE("health: reasons, worked by hand") {
    // Effective weights with everything present: active 0.5*2/3 = 1/3, nps 0.3*1/1.5 = 0.2,
    // tickets 0.3*0.5/1.5 = 0.1, seat 0.5*1/3 = 1/6, sponsor 0.2 (sum 1).
    // A: measure scores active 50, nps 50, tickets 80, seat 50, sponsor 100. Points lost
    // w x (100 - s): active 1/3*50 = 16.67, nps 0.2*50 = 10, tickets 0.1*20 = 2,
    // seat 1/6*50 = 8.33, sponsor 0.2*0 = 0. Sum 37 = 100 - 63 (A's score).
    // B (reweight): active left out, so usage is seat alone: seat w = 0.5, scored 100 -> 0;
    // nps 100 -> 0; tickets 12 -> 0 -> 0.1*100 = 10; sponsor 0 -> 0.2*100 = 20. Sum 30 = 100 - 70.
    // C: nothing present, score NaN: no reasons.
    const auto model = labelled_model();
    const auto r = model.reasons(names, columns, 3);
    REQUIRE(r.row.size() == 5);
    CHECK(r.row == std::vector<std::int64_t>{0, 0, 0, 1, 1});
    CHECK(r.rank == std::vector<std::int32_t>{1, 2, 3, 1, 2});
    CHECK(r.measure == std::vector<std::int32_t>{0, 1, 3, 4, 2});  // A: active, nps, seat
    CHECK(r.points[0] == doctest::Approx(50.0 / 3));
    CHECK(r.points[1] == doctest::Approx(10));
    CHECK(r.points[2] == doctest::Approx(25.0 / 3));
    CHECK(r.points[3] == doctest::Approx(20));
    CHECK(r.points[4] == doctest::Approx(10));
    CHECK(r.value == std::vector<double>{10, 8, 0.5, 0, 12});
    CHECK(r.measure_score == std::vector<double>{50, 50, 50, 0, 0});

    // All five measures of A: the fourth is tickets (2), sponsor (0 points) is not listed; the
    // points of every measure sum to 100 - score.
    const auto all = model.reasons(names, columns, 10);
    const auto a = points_of_row(all, 0, 5);
    CHECK(a[2] == doctest::Approx(2));
    CHECK(a[4] == 0);
    CHECK(a[0] + a[1] + a[2] + a[3] + a[4] == doctest::Approx(100 - 63));
    const auto b = points_of_row(all, 1, 5);
    CHECK(b[0] + b[1] + b[2] + b[3] + b[4] == doctest::Approx(100 - 70));
    CHECK(std::count(all.row.begin(), all.row.end(), 0) == 4);
    CHECK(std::count(all.row.begin(), all.row.end(), 2) == 0);

    // neutral: B's missing active users count as 50 at their full weight 1/3 (usage
    // (2*50 + 100)/3): 1/3*50 = 16.67; seat 1/6*0; tickets 10, sponsor 20. Sum 46.67 = 100 -
    // (0.5*200/3 + 20) = 100 - 53.33. Ranked: sponsor 20, active 16.67, tickets 10.
    const auto neutral = labelled_model("neutral").reasons(names, columns, 3);
    REQUIRE(neutral.row.size() == 6);
    CHECK(neutral.measure == std::vector<std::int32_t>{0, 1, 3, 4, 0, 2});
    CHECK(neutral.points[4] == doctest::Approx(50.0 / 3));
    CHECK(neutral.measure_score[4] == 50);
    CHECK(std::isnan(neutral.value[4]));
    const auto nb = points_of_row(labelled_model("neutral").reasons(names, columns, 5), 1, 5);
    CHECK(nb[0] + nb[1] + nb[2] + nb[3] + nb[4] == doctest::Approx(100 - (100.0 / 3 + 20)));
    // zero: the missing active users count as 0: 1/3*100 = 33.33, now the first reason.
    const auto zero = labelled_model("zero").reasons(names, columns, 1);
    CHECK(zero.row == std::vector<std::int64_t>{0, 1});
    CHECK(zero.measure == std::vector<std::int32_t>{0, 0});
    CHECK(zero.points[1] == doctest::Approx(100.0 / 3));
    CHECK(zero.measure_score[1] == 0);
}

TEST_CASE("health: reason sentences") {
    const auto model = labelled_model("neutral");
    // Active users 4 -> (4 - 0)/20 = 20 of 100, weight 0.3 -> 0.3*80 = 24 points.
    CHECK(model.reason_text(0, 4, 20, 24) ==
          "active users in 30 days: 4 \xE2\x80\x94 scores 20 of 100, costs 24.0 points");
    CHECK(model.reason_text(1, missing, 50, 12.5) ==
          "nps: missing \xE2\x80\x94 counted as 50 of 100, costs 12.5 points");
    // Values as %g but whole numbers in full; measure scores to one decimal, ".0" dropped.
    CHECK(model.reason_text(3, 0.125, 100.0 / 3, 1.0 / 3) ==
          "seat utilization: 0.125 \xE2\x80\x94 scores 33.3 of 100, costs 0.3 points");
    CHECK(model.reason_text(3, 1500000, 99.96, 0.04) ==
          "seat utilization: 1500000 \xE2\x80\x94 scores 100 of 100, costs 0.0 points");
    CHECK(model.change_text(1, 9, 5, -12) == "nps: 9 \xE2\x86\x92 5, -12.0 points");
    CHECK(model.change_text(0, missing, 20, 100.0 / 3) ==
          "active users in 30 days: missing \xE2\x86\x92 20, +33.3 points");
    CHECK_THROWS_AS((void)model.reason_text(5, 1, 1, 1), InputError);
    CHECK_THROWS_AS((void)model.change_text(9, 1, 1, 1), InputError);
}

TEST_CASE("health: reasons of a change, worked by hand") {
    const auto model = labelled_model();
    // Row 0, A -> A with nps 10 (100) and tickets 5 (50): nps +0.2*(100 - 50) = +10,
    // tickets +0.1*(50 - 80) = -3; score 63 -> 70.
    // Row 1, A -> nothing present: the later score is NaN, no reasons.
    // Row 2 (reweight), active missing -> 20 (100), seat 0.5 (50), nps 10, tickets 12, no
    // sponsor: before usage is seat alone, w 0.5, contribution 25; after active 1/3*100 =
    // 33.33 and seat 1/6*50 = 8.33. Changes: active +33.33, seat -16.67 (score 45 -> 61.67).
    const std::vector<double> b_active = {10, 10, missing}, b_nps = {8, 8, 10},
                              b_tickets = {2, 2, 12}, b_seat = {0.5, 0.5, 0.5},
                              b_sponsor = {1, 1, 0};
    const std::vector<double> a_active = {10, missing, 20}, a_nps = {10, missing, 10},
                              a_tickets = {5, missing, 12}, a_seat = {0.5, missing, 0.5},
                              a_sponsor = {1, missing, 0};
    const auto r = model.reasons_change(names, {b_active, b_nps, b_tickets, b_seat, b_sponsor},
                                        names, {a_active, a_nps, a_tickets, a_seat, a_sponsor}, 3);
    CHECK(r.row == std::vector<std::int64_t>{0, 0, 2, 2});
    CHECK(r.rank == std::vector<std::int32_t>{1, 2, 1, 2});
    CHECK(r.measure == std::vector<std::int32_t>{1, 2, 0, 3});
    CHECK(r.points[0] == doctest::Approx(10));
    CHECK(r.points[1] == doctest::Approx(-3));
    CHECK(r.points[2] == doctest::Approx(100.0 / 3));
    CHECK(r.points[3] == doctest::Approx(-50.0 / 3));
    CHECK(r.points[2] + r.points[3] == doctest::Approx(50.0 / 3));  // 61.67 - 45
    CHECK(r.value_before[0] == 8);
    CHECK(r.value_before[1] == 2);
    CHECK(std::isnan(r.value_before[2]));
    CHECK(r.value_before[3] == 0.5);
    CHECK(r.value == std::vector<double>{10, 5, 20, 0.5});
    CHECK(model.change_text(static_cast<std::size_t>(r.measure[1]), r.value_before[1], r.value[1],
                            r.points[1]) == "open tickets: 2 \xE2\x86\x92 5, -3.0 points");
    // top 1 keeps the largest move of each row.
    const auto one =
        model.reasons_change(names, {b_active, b_nps, b_tickets, b_seat, b_sponsor}, names,
                             {a_active, a_nps, a_tickets, a_seat, a_sponsor}, 1);
    CHECK(one.measure == std::vector<std::int32_t>{1, 0});
}

TEST_CASE("health: reasons check their arguments and do not depend on threads") {
    const auto model = labelled_model();
    CHECK_THROWS_WITH_AS(model.reasons(names, columns, 0), "top: must be >= 1, got 0", InputError);
    CHECK_THROWS_WITH_AS(model.reasons_change(names, columns, names, columns, -1),
                         "top: must be >= 1, got -1", InputError);
    const std::vector<double> short_nps = {8};
    CHECK_THROWS_AS(model.reasons_change(names, columns, {"nps"}, {short_nps}), InputError);
    const std::vector<double> bad = {1, INFINITY, 3};
    CHECK_THROWS_WITH_AS(model.reasons({"nps"}, {std::span<const double>(bad)}),
                         "column 'nps', row 1: infinite value (features are finite, NaN if "
                         "missing)",
                         InputError);
    CHECK_THROWS_AS(labelled_model("error").reasons({"nps"}, {std::span<const double>(nps)}),
                    ColumnError);

    std::vector<std::vector<double>> data(5, std::vector<double>(5'000));
    for (std::size_t i = 0; i < 5'000; ++i) {
        data[0][i] = i % 7 == 0 ? missing : static_cast<double>(i % 23);
        data[1][i] = static_cast<double>(i % 11);
        data[2][i] = i % 5 == 0 ? missing : static_cast<double>(i % 13);
        data[3][i] = static_cast<double>(i % 101) / 100;
        data[4][i] = static_cast<double>(i % 2);
    }
    const std::vector<std::span<const double>> cols(data.begin(), data.end());
    for (const char* policy : {"reweight", "neutral", "zero"}) {
        const auto m = labelled_model(policy);
        const auto one = m.reasons(names, cols, 2, 1);
        const auto three = m.reasons(names, cols, 2, 3);
        CHECK(one.row == three.row);
        CHECK(one.measure == three.measure);
        CHECK(one.points == three.points);
    }
}

TEST_CASE("health: reasons that cost the same points go in model order") {
    // Two groups of weight 1, one boolean measure each: each weighs 1/2 * 1/1 = 0.5 exactly, and
    // a 0 costs 0.5 * 100 = 50 points. Row 0: both 0 (a tie, so document order); row 1: only
    // the second is 0.
    const auto model = HealthModel::from_json(R"({"version": 1,
        "groups": [{"name": "a"}, {"name": "b"}],
        "measures": [{"name": "y_first", "group": "b", "transform": {"kind": "boolean"}},
                     {"name": "x_second", "group": "a", "transform": {"kind": "boolean"}}]})");
    const std::vector<double> x = {0, 1}, y = {0, 0};
    const auto r = model.reasons({"x_second", "y_first"}, {x, y}, 3);
    CHECK(r.row == std::vector<std::int64_t>{0, 0, 1});
    CHECK(r.measure == std::vector<std::int32_t>{0, 1, 0});
    CHECK(r.points == std::vector<double>{50, 50, 50});
    CHECK(model.measures()[1].label == "x second");
}

// The three accounts of `columns` as a row-major matrix with an unused column between the
// model's ones, as pd.DataFrame(matrix) holds a feature pipeline's output: each model column is
// read in place, 6 doubles apart.
struct FeatureMatrix {
    std::vector<std::string> names = {"active_users_30d", "unused",    "nps",
                                      "open_tickets",     "seat_util", "exec_sponsor"};
    std::vector<double> values;
    FeatureMatrix() {
        for (std::size_t row = 0; row < 3; ++row)
            for (const auto* c : {&active, &sponsor, &nps, &tickets, &seat, &sponsor})
                values.push_back((*c)[row]);
    }
};

TEST_CASE("health: a row-major matrix scores in place as its columns do, worked by hand") {
    const auto model = HealthModel::from_json(issue_model());
    const FeatureMatrix m;
    const auto views = matrix_columns(m.values, m.names.size());
    REQUIRE(views.size() == 6);
    CHECK(views[2].stride == 6);
    CHECK(views[2].size == 3);
    CHECK(views[2][1] == 10);  // nps of B
    const auto s = model.score(m.names, views);
    // As in "the issue's document, worked by hand": A 63 yellow, B 70 green, C nothing.
    CHECK(s.score[0] == doctest::Approx(63));
    CHECK(s.groups[1][0] == doctest::Approx(60));
    CHECK(s.score[1] == doctest::Approx(70));
    CHECK(s.coverage[1] == doctest::Approx(2.0 / 3));
    CHECK(s.grade == std::vector<std::int32_t>{1, 2, -1});
    CHECK(std::isnan(s.score[2]));
    CHECK(std::isnan(s.groups[0][2]));
    // Identical, not merely close, to the contiguous columns.
    const auto c = model.score(names, columns);
    const auto same = [](const std::vector<double>& a, const std::vector<double>& b) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
        return true;
    };
    CHECK(same(s.score, c.score));
    CHECK(same(s.coverage, c.coverage));
    for (std::size_t g = 0; g < 3; ++g) CHECK(same(s.groups[g], c.groups[g]));
    // explain and reasons read the views as score does.
    const auto e = model.explain(m.names, views);
    CHECK(e.contribution[0][0] == doctest::Approx(50.0 / 3));  // active: 0.5 * 2/3 * 50
    CHECK(std::isnan(e.measure_score[0][1]));                  // B lacks active users
    const auto r = model.reasons(m.names, views, 3);
    CHECK(r.measure == model.reasons(names, columns, 3).measure);
    CHECK(r.value[0] == 10);  // A's active users, read through the stride
}

TEST_CASE("health: strided columns of many rows match contiguous copies on any thread count") {
    // A uncalibrated percentile measure ranks against the strided column's own values, so the
    // population is read through the stride too. 3001 rows: blocks end mid-matrix.
    auto model = HealthModel::from_json(issue_model());
    const std::size_t rows = 3001, k = 7;
    std::vector<double> matrix(rows * k);
    for (std::size_t i = 0; i < rows; ++i) {
        double* r = matrix.data() + i * k;
        r[0] = i % 7 == 0 ? missing : static_cast<double>(i % 23);
        r[1] = -1;  // not the model's
        r[2] = static_cast<double>(i % 11);
        r[3] = i % 5 == 0 ? missing : static_cast<double>(i % 13);
        r[4] = static_cast<double>(i % 101) / 100;
        r[5] = static_cast<double>(i % 2);
        r[6] = i % 3 == 0 ? missing : static_cast<double>(i % 17);
    }
    const std::vector<std::string> matrix_names = {
        "active_users_30d", "other", "nps", "open_tickets", "seat_util", "exec_sponsor", "nps_alt"};
    const auto views = matrix_columns(matrix, k);
    std::vector<std::vector<double>> copies(k);
    for (std::size_t j = 0; j < k; ++j)
        for (std::size_t i = 0; i < rows; ++i) copies[j].push_back(views[j][i]);
    const std::vector<std::span<const double>> spans(copies.begin(), copies.end());
    const auto plain = model.score(matrix_names, spans, 1);
    for (int threads : {1, 2, 3}) {
        const auto s = model.score(matrix_names, views, threads);
        CHECK(s.grade == plain.grade);
        for (std::size_t i = 0; i < rows; ++i) {
            const bool both_nan = std::isnan(s.score[i]) && std::isnan(plain.score[i]);
            CHECK((both_nan || s.score[i] == plain.score[i]));
            CHECK(s.coverage[i] == plain.coverage[i]);
        }
    }
    // Every other row: a stride of two matrix rows.
    const std::size_t half = (rows + 1) / 2;
    std::vector<StridedColumn> every_other;
    for (const auto& v : views) every_other.emplace_back(v.data, half, 2 * k);
    const auto s = model.score(matrix_names, every_other, 2);
    REQUIRE(s.score.size() == half);
    std::vector<std::vector<double>> picked(k);
    for (std::size_t j = 0; j < k; ++j)
        for (std::size_t i = 0; i < rows; i += 2) picked[j].push_back(copies[j][i]);
    const std::vector<std::span<const double>> picked_spans(picked.begin(), picked.end());
    const auto expected = model.score(matrix_names, picked_spans, 1);
    CHECK(s.grade == expected.grade);
    for (std::size_t i = 0; i < half; ++i)
        CHECK((s.score[i] == expected.score[i] ||
               (std::isnan(s.score[i]) && std::isnan(expected.score[i]))));
}

TEST_CASE("health: bad strided inputs name what is wrong") {
    const auto model = HealthModel::from_json(issue_model());
    FeatureMatrix m;
    m.values[2 * 6 + 2] = INFINITY;  // nps of row 2
    CHECK_THROWS_WITH_AS(model.score(m.names, matrix_columns(m.values, 6)),
                         "column 'nps', row 2: infinite value (features are finite, NaN if "
                         "missing)",
                         InputError);
    CHECK_THROWS_WITH_AS(matrix_columns(m.values, 5),
                         "matrix: 18 values are not whole rows of 5 columns", InputError);
    CHECK_THROWS_AS(matrix_columns(m.values, 0), InputError);
    const std::vector<StridedColumn> flat = {StridedColumn(m.values.data(), 3, 0)};
    CHECK_THROWS_WITH_AS(model.score({"nps"}, flat),
                         "column 'nps': stride 0 (every row the same value)", InputError);
}

TEST_CASE("health: percentiles of few and of many distinct values, by the definition") {
    // rank = 100 * (count below + count equal / 2) / n. Few values (counted) and many (sorted)
    // take different paths to the population; both must give the definition's ranks.
    const auto model = HealthModel::from_json(
        R"({"version": 1, "groups": [{"name": "g"}], "measures": [{"name": "x", "group": "g",
            "transform": {"kind": "percentile"}}]})");
    // Few: 0, 1, 2, 3 repeated 250 times each, one NaN, a -0.0 that equals 0.0.
    std::vector<double> few(1002);
    for (std::size_t i = 0; i < 1000; ++i) few[i] = static_cast<double>((i * 7) % 4);
    few[1000] = missing;
    few[1001] = -0.0;
    const auto f = model.score({"x"}, {std::span<const double>(few)});
    // 1001 values: 251 zeros (with -0.0), 250 of each other. 0: (0 + 251/2) / 1001;
    // 2: (251 + 250 + 250/2) / 1001.
    CHECK(f.score[0] == doctest::Approx(100.0 * 125.5 / 1001));  // x = 0
    CHECK(f.score[1001] == doctest::Approx(100.0 * 125.5 / 1001));
    CHECK(f.score[2] == doctest::Approx(100.0 * (251 + 250 + 125) / 1001));  // 14 % 4 = 2
    CHECK(std::isnan(f.score[1000]));
    // Many: 0 .. 9999 in a scrambled order, each once: x ranks (x + 1/2) / 10000.
    std::vector<double> many(10'000);
    for (std::size_t i = 0; i < many.size(); ++i)
        many[i] = static_cast<double>((i * 7919) % 10'000);
    const auto m = model.score({"x"}, {std::span<const double>(many)}, 2);
    for (std::size_t i : {0u, 1u, 4321u, 9999u})
        CHECK(m.score[i] == doctest::Approx(100.0 * (many[i] + 0.5) / 10'000));
    // An infinite value is found on either path, by column and row.
    few[7] = INFINITY;
    many[9000] = -INFINITY;
    CHECK_THROWS_WITH_AS(model.score({"x"}, {std::span<const double>(few)}),
                         "column 'x', row 7: infinite value (features are finite, NaN if missing)",
                         InputError);
    CHECK_THROWS_WITH_AS(model.score({"x"}, {std::span<const double>(many)}),
                         "column 'x', row 9000: infinite value (features are finite, NaN if "
                         "missing)",
                         InputError);
}
