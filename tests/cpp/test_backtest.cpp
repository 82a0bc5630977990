#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <retain/backtest.hpp>
#include <retain/labels.hpp>
#include <retain/logistic.hpp>
#include <retain/matrix.hpp>
#include <retain/metrics.hpp>
#include <span>
#include <string>
#include <vector>

using namespace retain;

TEST_CASE("backtest: metrics per date, worked by hand") {
    // The README's example: Jan 1 rows (a, b, c, d) and Feb 1 rows (a, c, d), rows interleaved.
    // Jan: b churns, risk 0.9 above every stayer: AUC 1. Feb: d (0.3) beats a (0.2), loses to
    // c (0.4): AUC 1/2. Top 10 % of 4 rows is 0.4 of b's row: precision 1, lift 1 / (1/4) = 4.
    const std::vector<std::int64_t> date = {0, 1, 0, 1, 0, 1, 0};
    const std::vector<double> y = {0, 0, 1, 0, 0, 1, 0};
    const std::vector<double> risk = {0.1, 0.2, 0.9, 0.4, 0.5, 0.3, 0.3};
    const auto by_date = backtest::evaluate_by_date(date, 2, y, risk, false, 2);
    REQUIRE(by_date.size() == 2);
    CHECK(by_date[0].n == 4);
    CHECK(by_date[0].churners == 1);
    CHECK(by_date[0].roc_auc == doctest::Approx(1.0));
    CHECK(by_date[0].precision_top10 == doctest::Approx(1.0));
    CHECK(by_date[0].lift_top10 == doctest::Approx(4.0));
    CHECK(by_date[1].roc_auc == doctest::Approx(0.5));
    CHECK(std::isnan(by_date[1].brier));  // not probabilities
    // Pooled: b beats 5 stayers, d 2 wins + a tie of 5: 7.5 / 10.
    CHECK(backtest::evaluate(y, risk, false).roc_auc == doctest::Approx(0.75));
    // Probabilities add Brier: ((0.1)^2 + (0.9 - 1)^2) / 2 on two rows.
    const std::vector<double> y2 = {0, 1}, p2 = {0.1, 0.9};
    CHECK(backtest::evaluate(y2, p2, true).brier == doctest::Approx(0.01));
}

TEST_CASE("backtest: a date of one class is NaN with a reason, not an error") {
    const std::vector<std::int64_t> date = {0, 0, 1, 1, 2};
    const std::vector<double> y = {0, 0, 1, 0, 1};
    const std::vector<double> risk = {0.1, 0.2, 0.9, 0.4, 0.5};
    const auto by_date = backtest::evaluate_by_date(date, 4, y, risk, false);
    CHECK(by_date[0].reason == "no churner");
    CHECK(std::isnan(by_date[0].roc_auc));
    CHECK(by_date[1].reason.empty());
    CHECK(by_date[2].reason == "all churned");
    CHECK(by_date[3].reason == "no rows");
    CHECK(by_date[3].n == 0);
    const std::vector<std::int64_t> bad = {0, 0, 7, 1, 2};
    CHECK_THROWS_WITH_AS(backtest::evaluate_by_date(bad, 4, y, risk, false),
                         "date_code: row 2: code 7 is not in [0, 4)", InputError);
}

TEST_CASE("backtest: the walk-forward fits only on labels known at each date") {
    // 6 monthly days (30 apart), 40 accounts; horizon 60: at day t the fit may use days <= t-60.
    // Feature 0 is a leak: equal to the label from day 90 on, a fixed pattern before (unrelated
    // to the label). A fit that saw day 90's rows would learn it and score day 120 perfectly;
    // at day 120 the walk-forward fits on days <= 60 only, so it cannot.
    const int accounts = 40, days = 6;
    const std::size_t n = static_cast<std::size_t>(accounts * days);
    std::vector<double> x(n);  // one feature column
    std::vector<double> y(n);
    std::vector<std::int64_t> day(n);
    for (int d = 0; d < days; ++d)
        for (int a = 0; a < accounts; ++a) {
            const std::size_t i = static_cast<std::size_t>(d * accounts + a);
            day[i] = 30 * d;
            y[i] = (a * 7 + d * 3) % 5 == 0 ? 1.0 : 0.0;
            x[i] = d >= 3 ? y[i] : ((a % 2 == 0) ? 1.0 : 0.0);
        }
    const auto features = MatrixView::column_major(x.data(), n, 1);
    const auto walk = backtest::walk_forward_logistic(features, y, day, 60, 2);
    // Day 60 has days 0 (one train day: skipped with min 2); days 90..150 are scored.
    CHECK(walk.dates_skipped == 3);  // days 0, 30, 60
    CHECK(walk.dates_scored == 3);
    // Day 120 is scored by a model of days 0..60, where the feature is the a % 2 pattern.
    std::vector<double> y120, r120;
    for (std::size_t k = 0; k < walk.rows.size(); ++k)
        if (day[static_cast<std::size_t>(walk.rows[k])] == 120) {
            y120.push_back(y[static_cast<std::size_t>(walk.rows[k])]);
            r120.push_back(walk.risk[k]);
        }
    REQUIRE(y120.size() == 40);
    CHECK(metrics::roc_auc(y120, r120) < 0.9);
    // The look-ahead bug, a fit on every day before 120 (day 90 included), scores it perfectly.
    // Rows are day-major: the days before 120 are the first 4 * 40 rows, day 120 the next 40.
    const std::size_t before = 4 * accounts;
    const std::vector<double> yb(y.begin(), y.begin() + static_cast<std::ptrdiff_t>(before));
    const auto cheat = fit_logistic(features.middle_rows(0, before), yb, {}, LogisticOptions{});
    const std::vector<double> p =
        logistic_probability(features.middle_rows(before, accounts), cheat);
    CHECK(metrics::roc_auc(y120, p) == 1.0);
    CHECK_THROWS_AS(backtest::walk_forward_logistic(features, y, day, 0, 2), InputError);
    CHECK_THROWS_AS(backtest::walk_forward_logistic(features.middle_rows(0, 10), y, day, 60, 2),
                    InputError);
}

TEST_CASE("backtest: fitted weights follow the regression, the wrong way gets 0") {
    // Two linear measures on one group: "good" rises with the column g (churners have low g),
    // "bad" rises with the column b, which is higher for churners (the wrong way).
    const auto model = HealthModel::from_json(R"({"version": 1, "groups": [{"name": "all"}],
        "measures": [{"name": "good", "column": "g", "group": "all",
                      "transform": {"kind": "linear", "lo": 0, "hi": 10}},
                     {"name": "bad", "column": "b", "group": "all",
                      "transform": {"kind": "linear", "lo": 0, "hi": 10}}]})");
    std::vector<double> g, b, y;
    for (int i = 0; i < 200; ++i) {
        const bool churned = i % 4 == 0;
        y.push_back(churned ? 1 : 0);
        g.push_back(churned ? (i % 7) : 3 + (i % 8));
        b.push_back(churned ? 5 + (i % 5) : (i % 6));
    }
    const std::vector<std::uint8_t> train(200, 1);
    const auto fit = backtest::fit_weights(model, {"g", "b"}, {g, b}, y, train, 1.0, 1);
    CHECK(fit.coefficients[0] < 0);
    CHECK(fit.coefficients[1] > 0);
    CHECK(fit.wrong_way == std::vector<std::string>{"bad"});
    CHECK(fit.model.measures()[0].weight == doctest::Approx(-fit.coefficients[0]));
    CHECK(fit.model.measures()[1].weight == 0);
    CHECK(fit.model.groups()[0].weight == doctest::Approx(-fit.coefficients[0]));
}

TEST_CASE("from churn labels to a ROC AUC: int8 labels and std::vector scores, no conversions") {
    // 3 as-of days x 50 accounts; account a churns 40 days after its first snapshot when its
    // usage (the feature) is low. Days 0 and 30 are labelled with a 60-day horizon, day 60 is
    // past observed_until and comes back unresolved; an account churned before an as-of day
    // comes back inactive.
    const int accounts = 50;
    std::vector<std::int64_t> snap_account, snap_day, churn_account, churn_day;
    std::vector<double> features;  // row by row: usage, tenure
    for (int d = 0; d < 3; ++d)
        for (int a = 0; a < accounts; ++a) {
            snap_account.push_back(a);
            snap_day.push_back(30 * d);
            features.push_back(static_cast<double>((a * 37) % 100));  // usage
            features.push_back(static_cast<double>(a % 7 + d));       // tenure, noise
        }
    for (int a = 0; a < accounts; ++a)
        if ((a * 37) % 100 < 30 || a % 9 == 0) {
            churn_account.push_back(a);
            churn_day.push_back(a % 2 == 0 ? 20 : 40);
        }
    const backtest::LabelResult labels = backtest::label_churn(
        snap_account, snap_day, churn_account, churn_day, {}, accounts, 60, 90);
    CHECK(labels.unresolved > 0);
    CHECK(labels.inactive > 0);

    // The labelled rows, as the labels and features come: int8 labels, a row-major matrix.
    std::vector<std::int8_t> y;
    std::vector<double> x;
    for (std::size_t r = 0; r < labels.label.size(); ++r)
        if (labels.label[r] >= 0) {
            y.push_back(labels.label[r]);
            x.insert(x.end(), features.begin() + static_cast<std::ptrdiff_t>(2 * r),
                     features.begin() + static_cast<std::ptrdiff_t>(2 * r + 2));
        }
    const auto rows = MatrixView::row_major(x.data(), y.size(), 2);

    LogisticChurnModel model;
    model.fit(rows, y);
    const std::vector<double> risk = model.predict_proba(rows);
    const double auc = metrics::roc_auc(y, risk);
    CHECK(auc > 0.8);
    CHECK(model.result().coef[0] < 0);  // more usage, less churn
    // The same AUC as the labels converted to double by hand.
    const std::vector<double> y_double(y.begin(), y.end());
    CHECK(metrics::roc_auc(y_double, risk) == auc);
}
