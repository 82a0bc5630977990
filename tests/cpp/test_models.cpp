// The shipped default model (include/retain/models.hpp), scored by hand.
#include <doctest/doctest.h>

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include <retain/models.hpp>

using retain::models::default_model;

TEST_CASE("models: the default model is the shipped document") {
    const auto model = default_model();
    CHECK(model == retain::HealthModel::from_json(retain::models::default_model_json()));
    REQUIRE(model.grades().size() == 3);
    CHECK(model.grades()[0].label == "red");
    CHECK(model.grades()[1].min == 50);
    CHECK(model.grades()[2].label == "green");
    CHECK(model.grades()[2].min == 75);
    // Group weights 0.4 / 0.25 / 0.1 / 0.1 / 0.15; usage splits 2:1:1:1, satisfaction 2:1.
    const auto& e = model.effective_weights();
    REQUIRE(e.size() == 10);
    CHECK(e[0] == doctest::Approx(0.4 * 2 / 5));
    CHECK(e[1] == doctest::Approx(0.4 / 5));
    CHECK(e[4] == doctest::Approx(0.25 * 2 / 3));
    CHECK(e[6] == doctest::Approx(0.1));
    CHECK(e[9] == doctest::Approx(0.15 / 2));
}

TEST_CASE("models: the default model scores two rows by hand") {
    // Row a: every measure at its best; row b at its worst. events_30d is a percentile among the
    // two rows: a 100 x (1 + 1/2) / 2 = 75, b 25. Usage weights 2, 1, 1, 1: a (2 x 100 + 75 +
    // 100 + 100) / 5 = 95, b 25 / 5 = 5; every other group is 100 for a and 0 for b.
    // a: 0.4 x 95 + 0.6 x 100 = 98, green; b: 0.4 x 5 = 2, red.
    const std::vector<std::string> names{
        "active_days_30d", "events_30d",      "trend_30d",    "days_since_last_event",
        "nps_score",       "csat_score",      "open_tickets", "milestones_reached",
        "tenure_days",     "days_since_touch"};
    const std::vector<std::vector<double>> values{
        {20, 0}, {100, 0}, {1.0, 0.5}, {3, 30}, {9, 6}, {4, 2}, {0, 5}, {4, 0}, {365, 0}, {14, 90}};
    std::vector<std::span<const double>> columns(values.begin(), values.end());
    const auto s = default_model().score(names, columns);
    CHECK(s.score[0] == doctest::Approx(98.0));
    CHECK(s.score[1] == doctest::Approx(2.0));
    CHECK(s.grade[0] == 2);
    CHECK(s.grade[1] == 0);
}
