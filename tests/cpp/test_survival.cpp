#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <retain/book.hpp>
#include <retain/survival.hpp>
#include <retain/tenure.hpp>
#include <string>
#include <vector>

using namespace retain;
using doctest::Approx;

namespace {
// durations 3, 1, 4, 1, 5, 2.5, 4 with events 1, 0, 1, 1, 0, 1, 1:
// times 0, 1, 2.5, 3, 4, 5; at risk 7, 7, 5, 4, 3, 1; events 0, 1, 1, 1, 2, 0.
const std::vector<double> durations = {3, 1, 4, 1, 5, 2.5, 4};
const std::vector<double> observed = {1, 0, 1, 1, 0, 1, 1};
}  // namespace

TEST_CASE("the normal quantile to full precision") {
    CHECK(survival::normal_quantile(0.975) == Approx(1.959963984540054).epsilon(1e-15));
    CHECK(survival::normal_quantile(0.5) == Approx(0.0));
    CHECK(survival::normal_quantile(0.01) == Approx(-2.3263478740408408).epsilon(1e-14));
    CHECK(survival::normal_quantile(1e-10) == Approx(-6.361340902404056).epsilon(1e-13));
    CHECK_THROWS_AS(survival::normal_quantile(1.0), InputError);
}

TEST_CASE("Kaplan-Meier by hand: counts, product-limit survival, Greenwood log(-log) interval") {
    const auto km = survival::kaplan_meier(durations, observed);
    CHECK(km.time == std::vector<double>{0, 1, 2.5, 3, 4, 5});
    CHECK(km.at_risk == std::vector<std::int64_t>{7, 7, 5, 4, 3, 1});
    CHECK(km.events == std::vector<std::int64_t>{0, 1, 1, 1, 2, 0});
    CHECK(km.censored == std::vector<std::int64_t>{0, 1, 0, 0, 0, 1});
    const std::vector<double> s = {1,
                                   6.0 / 7,
                                   6.0 / 7 * 4 / 5,
                                   6.0 / 7 * 4 / 5 * 3 / 4,
                                   6.0 / 7 * 4 / 5 * 3 / 4 / 3,
                                   6.0 / 7 * 4 / 5 * 3 / 4 / 3};
    for (std::size_t j = 0; j < s.size(); ++j) CHECK(km.survival[j] == Approx(s[j]).epsilon(1e-14));
    // At t = 1: Greenwood sum 1 / (7 x 6); interval exp(-exp(log(-log S) -/+ z sqrt(g) / log S)).
    const double v = std::log(6.0 / 7), g = 1.0 / 42, z = 1.959963984540054;
    CHECK(km.ci_lower[1] == Approx(std::exp(-std::exp(std::log(-v) - z * std::sqrt(g) / v))));
    CHECK(km.ci_upper[1] == Approx(std::exp(-std::exp(std::log(-v) + z * std::sqrt(g) / v))));
    CHECK(km.ci_lower[1] == Approx(0.334054).epsilon(1e-6));  // lifelines prints 0.334054
    CHECK(km.ci_lower[0] == 1.0);                             // undefined at S = 1: 1
    CHECK(km.ci_upper[0] == 1.0);
    CHECK(survival::median_survival(km) == 4.0);
    // 1 x 1 + S(1) x 1.5 + S(2.5) x 0.5 + S(3) x 1 + S(4) x 0.5
    CHECK(survival::restricted_mean(km, 4.5) ==
          Approx(1 + s[1] * 1.5 + s[2] * 0.5 + s[3] + s[4] * 0.5).epsilon(1e-14));
    CHECK(survival::restricted_mean(km, 0.5) == Approx(0.5));
}

TEST_CASE("whole-number durations (the counting path) give the same curve as the sorting path") {
    const std::vector<double> whole = {3, 1, 4, 1, 5, 2, 4, 0, 7};
    const std::vector<double> flags = {1, 0, 1, 1, 0, 1, 1, 1, 0};
    std::vector<double> shifted(whole.size());  // + 0.5: no longer whole, same order
    for (std::size_t i = 0; i < whole.size(); ++i) shifted[i] = whole[i] + 0.5;
    const auto a = survival::kaplan_meier(whole, flags);
    const auto b = survival::kaplan_meier(shifted, flags);
    CHECK(a.time.front() == 0.0);       // a duration of 0 is its own first row
    REQUIRE(a.size() + 1 == b.size());  // b has an extra row at 0
    for (std::size_t j = 0; j < a.size(); ++j) {
        CHECK(a.time[j] + 0.5 == b.time[j + 1]);
        CHECK(a.at_risk[j] == b.at_risk[j + 1]);
        CHECK(a.events[j] == b.events[j + 1]);
        CHECK(a.survival[j] == Approx(b.survival[j + 1]).epsilon(1e-15));
    }
}

namespace {
// Counts per distinct duration straight from the definition (a sorted map), and the product-limit
// survival from them: the oracle for the large inputs below.
struct ByHand {
    std::vector<double> time;
    std::vector<std::int64_t> at_risk, events, censored;
    std::vector<double> survival;
};

ByHand by_hand(const std::vector<double>& d, const std::vector<std::uint8_t>& flags) {
    std::map<double, std::pair<std::int64_t, std::int64_t>> at;  // time -> (events, censored)
    for (std::size_t i = 0; i < d.size(); ++i) ++(flags[i] ? at[d[i]].first : at[d[i]].second);
    ByHand out;
    auto risk = static_cast<std::int64_t>(d.size());
    double s = 1;
    if (!at.count(0.0)) {
        out.time.push_back(0);
        out.at_risk.push_back(risk);
        out.events.push_back(0);
        out.censored.push_back(0);
        out.survival.push_back(1);
    }
    for (const auto& [t, c] : at) {
        s *= 1 - static_cast<double>(c.first) / static_cast<double>(risk);
        out.time.push_back(t);
        out.at_risk.push_back(risk);
        out.events.push_back(c.first);
        out.censored.push_back(c.second);
        out.survival.push_back(s);
        risk -= c.first + c.second;
    }
    return out;
}

void check_against(const survival::KaplanMeier& km, const ByHand& expected) {
    REQUIRE(km.size() == expected.time.size());
    CHECK(km.time == expected.time);
    CHECK(km.at_risk == expected.at_risk);
    CHECK(km.events == expected.events);
    CHECK(km.censored == expected.censored);
    for (std::size_t j = 0; j < km.size(); j += 97)
        CHECK(km.survival[j] == Approx(expected.survival[j]).epsilon(1e-9));
}

// Every column bit for bit (NaN never occurs in a table).
bool same_table(const survival::KaplanMeier& a, const survival::KaplanMeier& b) {
    return a.time == b.time && a.at_risk == b.at_risk && a.events == b.events &&
           a.censored == b.censored && a.survival == b.survival && a.ci_lower == b.ci_lower &&
           a.ci_upper == b.ci_upper;
}

std::vector<double> as_doubles(const std::vector<std::uint8_t>& flags) {
    return {flags.begin(), flags.end()};
}
}  // namespace

TEST_CASE("decimal durations (the fixed-point counting path) keep their own doubles, by hand") {
    // 0.25 x 2 (1 event), 0.5 x 2 (2 events), 1.75 (event), 3.1 (censored; not a binary fraction,
    // so its time must be the very double given, not a rounded neighbour).
    const std::vector<double> d = {0.5, 0.25, 0.5, 1.75, 0.25, 3.1};
    const std::vector<std::uint8_t> flags = {1, 0, 1, 1, 1, 0};
    for (const int threads : {1, 2}) {
        const auto km = survival::kaplan_meier_flags(d, flags, {}, 0.05, {}, threads);
        CHECK(km.time == std::vector<double>{0, 0.25, 0.5, 1.75, 3.1});
        CHECK(km.at_risk == std::vector<std::int64_t>{6, 6, 4, 2, 1});
        CHECK(km.events == std::vector<std::int64_t>{0, 1, 2, 1, 0});
        CHECK(km.censored == std::vector<std::int64_t>{0, 1, 0, 0, 1});
        const std::vector<double> s = {1, 5.0 / 6, 5.0 / 12, 5.0 / 24, 5.0 / 24};
        for (std::size_t j = 0; j < s.size(); ++j)
            CHECK(km.survival[j] == Approx(s[j]).epsilon(1e-15));
        CHECK(same_table(km, survival::kaplan_meier(d, as_doubles(flags))));
    }
}

TEST_CASE("large inputs: every counting path equals the definition, on 1 or 2 threads alike") {
    std::mt19937_64 rng(7);
    std::exponential_distribution<double> months(1.0 / 14);
    const std::size_t n = 70000;  // enough for two workers in every path
    std::vector<std::uint8_t> flags(n);
    for (auto& f : flags) f = rng() % 10 < 6;
    std::vector<double> days(n), cents(n), raw(n), wide(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double m = months(rng);
        days[i] = std::floor(m * 30);            // few bins: counted directly
        cents[i] = std::round(m * 1000) / 1000;  // ~200,000 bins: partitioned, then counted
        raw[i] = i % 3 == 0 ? raw[i / 2] : m;    // any doubles, with ties: sorted
        wide[i] = std::floor(m * 1e6);           // whole, but too many bins: sorted
    }
    for (const auto* d : {&days, &cents, &raw, &wide}) {
        const ByHand expected = by_hand(*d, flags);
        const auto one = survival::kaplan_meier_flags(*d, flags, {}, 0.05, {}, 1);
        const auto two = survival::kaplan_meier_flags(*d, flags, {}, 0.05, {}, 2);
        check_against(one, expected);
        CHECK(same_table(one, two));
        CHECK(same_table(one, survival::kaplan_meier(*d, as_doubles(flags), {}, 0.05, {}, 2)));
    }
}

TEST_CASE("flags as bytes: a byte other than 0 or 1, or a bad duration, names the row") {
    const std::vector<std::uint8_t> flags = {1, 0, 2};
    CHECK_THROWS_WITH_AS(
        survival::kaplan_meier_flags(std::vector<double>{1, 2, 3}, flags, {}, 0.05,
                                     {"tenure", "churned"}),
        "column 'churned', row 2: observed flag must be 0 (censored) or 1 (event), got 2",
        InputError);
    const std::vector<std::uint8_t> ok = {1, 0, 1};
    CHECK_THROWS_WITH_AS(survival::kaplan_meier_flags(std::vector<double>{1, NAN, 3}, ok, {}, 0.05,
                                                      {"tenure", "churned"}),
                         "column 'tenure', row 1: duration must be a finite number >= 0, got nan",
                         InputError);
    CHECK_THROWS_WITH_AS(
        survival::kaplan_meier_flags(std::vector<double>{1, 2, -0.5}, ok),
        "column 'duration', row 2: duration must be a finite number >= 0, got -0.5", InputError);
    CHECK_THROWS_AS(survival::kaplan_meier_flags(std::vector<double>{1, 2}, ok), InputError);
    // Deep inside a long column (the checks run several values at a time), each still named.
    std::vector<double> many(100000, 2.5);
    std::vector<std::uint8_t> many_flags(many.size(), 1);
    many[70001] = -1;
    CHECK_THROWS_WITH_AS(survival::kaplan_meier_flags(many, many_flags, {}, 0.05, {}, 2),
                         "column 'duration', row 70001: duration must be a finite number >= 0, "
                         "got -1",
                         InputError);
    many[70001] = 2.5;
    many[517] = INFINITY;
    CHECK_THROWS_WITH_AS(survival::kaplan_meier(many, {}, {}, 0.05, {}, 2),
                         "column 'duration', row 517: duration must be a finite number >= 0, "
                         "got inf",
                         InputError);
    many[517] = 2.5;
    many_flags[99998] = 7;
    CHECK_THROWS_WITH_AS(survival::kaplan_meier_flags(many, many_flags, {}, 0.05, {}, 2),
                         "column 'observed', row 99998: observed flag must be 0 (censored) or 1 "
                         "(event), got 7",
                         InputError);
}

TEST_CASE("a given timeline reads the step function and counts what happened in between") {
    const std::vector<double> timeline = {-1, 0.5, 1, 2, 3.5, 10};
    const auto km = survival::kaplan_meier(durations, observed, timeline);
    const auto own = survival::kaplan_meier(durations, observed);
    CHECK(km.time == timeline);
    CHECK(km.survival[0] == 1.0);
    CHECK(km.survival[1] == 1.0);
    CHECK(km.survival[2] == own.survival[1]);
    CHECK(km.survival[4] == own.survival[3]);  // 3.5 reads the step at 3
    CHECK(km.survival[5] == own.survival[5]);
    CHECK(km.at_risk == std::vector<std::int64_t>{7, 7, 7, 5, 3, 0});
    CHECK(km.events == std::vector<std::int64_t>{0, 0, 1, 0, 2, 2});  // (2, 3.5]: 2.5 and 3
    CHECK(km.censored == std::vector<std::int64_t>{0, 0, 1, 0, 0, 1});
}

TEST_CASE("everyone churns: survival reaches 0, the median is the time it crosses 0.5") {
    const auto km = survival::kaplan_meier(std::vector<double>{1, 2}, {});
    CHECK(km.survival.back() == 0.0);
    CHECK(survival::median_survival(km) == 1.0);
    const auto never = survival::kaplan_meier(std::vector<double>{1, 2}, std::vector<double>{0, 0});
    CHECK(std::isinf(survival::median_survival(never)));
    const auto empty = survival::kaplan_meier({}, {});
    CHECK(empty.size() == 0);
    CHECK(std::isnan(survival::median_survival(empty)));
}

TEST_CASE("bad survival input names the column and row") {
    CHECK_THROWS_WITH_AS(
        survival::kaplan_meier(std::vector<double>{1, -2}, {}, {}, 0.05, {"tenure", "churned"}),
        "column 'tenure', row 1: duration must be a finite number >= 0, got -2", InputError);
    CHECK_THROWS_AS(survival::kaplan_meier(std::vector<double>{1, NAN}, {}), InputError);
    CHECK_THROWS_WITH_AS(
        survival::kaplan_meier(std::vector<double>{1, 2}, std::vector<double>{1, 2}, {}, 0.05,
                               {"tenure", "churned"}),
        "column 'churned', row 1: observed flag must be 0 (censored) or 1 "
        "(event), got 2",
        InputError);
    CHECK_THROWS_AS(survival::kaplan_meier(std::vector<double>{1, 2}, std::vector<double>{1}),
                    InputError);
    CHECK_THROWS_AS(survival::kaplan_meier(std::vector<double>{1}, {}, std::vector<double>{2, 1}),
                    InputError);
    CHECK_THROWS_AS(survival::kaplan_meier(std::vector<double>{1}, {}, {}, 1.5), InputError);
    const auto km = survival::kaplan_meier(durations, observed);
    CHECK_THROWS_AS(survival::restricted_mean(km, -1), InputError);
}

TEST_CASE("sBG fits reproduce Fader and Hardie's published ones (2007, years 0-7)") {
    // "Regular" and "high end" customers: survivors of 1000 over the first seven years.
    const std::vector<double> regular = {1000, 631, 468, 382, 326, 289, 262, 241};
    const std::vector<double> high_end = {1000, 869, 743, 653, 593, 551, 517, 491};
    const auto r = survival::ShiftedBetaGeometric::fit(regular);
    CHECK(r.alpha() == Approx(0.704).epsilon(5e-4));
    CHECK(r.beta() == Approx(1.182).epsilon(5e-4));
    const auto h = survival::ShiftedBetaGeometric::fit(high_end);
    CHECK(h.alpha() == Approx(0.668).epsilon(5e-4));
    CHECK(h.beta() == Approx(3.806).epsilon(5e-4));
    CHECK(r.converged());
    CHECK(h.converged());
    // At the optimum the likelihood is flat: nudging either parameter lowers it.
    const auto ll = [&](double a, double b) {
        double v = 0;
        const survival::ShiftedBetaGeometric m(a, b);
        for (std::size_t t = 1; t < regular.size(); ++t)
            v += (regular[t - 1] - regular[t]) * std::log(m.churn_probability(double(t)));
        return v + regular.back() * std::log(m.survival(double(regular.size() - 1)));
    };
    CHECK(r.log_likelihood() == Approx(ll(r.alpha(), r.beta())).epsilon(1e-12));
    for (const double e : {1e-4, -1e-4}) {
        CHECK(ll(r.alpha() + e, r.beta()) < r.log_likelihood());
        CHECK(ll(r.alpha(), r.beta() + e) < r.log_likelihood());
    }
}

TEST_CASE("sBG retention, survival and churn probabilities by hand") {
    const survival::ShiftedBetaGeometric m(1.0, 2.0);
    // r(t) = (beta + t - 1) / (alpha + beta + t - 1): 2/3, 3/4, 4/5
    CHECK(m.retention(1) == Approx(2.0 / 3));
    CHECK(m.retention(3) == Approx(4.0 / 5));
    CHECK(m.survival(0) == Approx(1.0));
    CHECK(m.survival(3) == Approx(2.0 / 3 * 3.0 / 4 * 4.0 / 5));
    CHECK(m.churn_probability(1) == Approx(1.0 / 3));  // alpha / (alpha + beta)
    CHECK(m.churn_probability(2) == Approx(2.0 / 3 - 2.0 / 3 * 3.0 / 4));
    // DEL: sum S(t) / 1.1^t; DERL after 2 renewals: sum over t >= 3 of S(t) / S(2) / 1.1^(t - 3).
    double del = 0, derl = 0;
    for (int t = 0; t < 4000; ++t) {
        del += m.survival(t) / std::pow(1.1, t);
        if (t >= 3) derl += m.survival(t) / m.survival(2) / std::pow(1.1, t - 3);
    }
    CHECK(m.discounted_expected_lifetime(0.1) == Approx(del).epsilon(1e-10));
    CHECK(m.discounted_residual_lifetime(0.1, 2) == Approx(derl).epsilon(1e-10));
    CHECK_THROWS_AS(m.discounted_expected_lifetime(0.0), InputError);
    CHECK_THROWS_AS(m.retention(0), InputError);
    CHECK_THROWS_AS(survival::ShiftedBetaGeometric(0.0, 1.0), InputError);
}

TEST_CASE("sBG fit rejects impossible survivor counts, naming the entry") {
    using survival::ShiftedBetaGeometric;
    // Rising counts (returning accounts) point at the fit that counts first churns.
    CHECK_THROWS_WITH_AS(ShiftedBetaGeometric::fit(std::vector<double>{100, 80, 90}),
                         "survivors[2]: survivors cannot increase: 90 after 80 (returning "
                         "accounts? count each account as lost at its first churn, as "
                         "fit_cohorts on a Book's cohort survivors does)",
                         InputError);
    CHECK_THROWS_WITH_AS(ShiftedBetaGeometric::fit(std::vector<double>{100, 80.5, 70}),
                         "survivors[1]: must be a whole number of customers >= 0, got 80.5",
                         InputError);
    CHECK_THROWS_AS(ShiftedBetaGeometric::fit(std::vector<double>{0, 0}), InputError);
    CHECK_THROWS_AS(ShiftedBetaGeometric::fit(std::vector<double>{100, 60}), InputError);
    CHECK_THROWS_AS(ShiftedBetaGeometric::fit(std::vector<double>{100, 100, 100}), InputError);
    CHECK_THROWS_AS(ShiftedBetaGeometric::fit(std::vector<double>{100, NAN}), InputError);
}

TEST_CASE("retention curves: each segment's curve is Kaplan-Meier of its own rows") {
    // Segments 0, 1, 0, 2(empty), interleaved.
    const std::vector<std::int64_t> group = {0, 1, 0, 1, 0, 1, 0};
    const auto curves = survival::retention_curves(group, 3, durations, observed);
    REQUIRE(curves.size() == 3);
    const auto zero =
        survival::kaplan_meier(std::vector<double>{3, 4, 5, 4}, std::vector<double>{1, 1, 0, 1});
    const auto one =
        survival::kaplan_meier(std::vector<double>{1, 1, 2.5}, std::vector<double>{0, 1, 1});
    CHECK(curves[0].time == zero.time);
    CHECK(curves[0].survival == zero.survival);
    CHECK(curves[1].survival == one.survival);
    CHECK(curves[1].at_risk == one.at_risk);
    CHECK(curves[2].size() == 0);
    CHECK_THROWS_WITH_AS(survival::retention_curves(std::vector<std::int64_t>{0, 3, 0, 0, 0, 0, 0},
                                                    3, durations, observed, {}, 0.05, {}, "plan"),
                         "column 'plan', row 1: segment code 3 is not below 3", InputError);
}

// ---------------------------------------------------------------------------- late entry

namespace {
// Entries 0, 1, 5, 2, 0, 3, 9, 4 (two entering and leaving at the same time: 5 and 9).
const std::vector<double> late_durations = {3, 5, 5, 6, 7, 8, 9, 9};
const std::vector<double> late_observed = {1, 1, 1, 0, 1, 1, 1, 0};
const std::vector<double> late_entry = {0, 1, 5, 2, 0, 3, 9, 4};
}  // namespace

TEST_CASE("Kaplan-Meier with late entry by hand: risk sets leave out who enters at the time") {
    const auto km =
        survival::kaplan_meier(late_durations, late_observed, {}, 0.05, {}, {}, late_entry);
    // Times: every distinct entry and duration. at_risk: entry <= t <= duration.
    CHECK(km.time == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(km.at_risk == std::vector<std::int64_t>{2, 3, 4, 5, 5, 6, 4, 3, 2, 2});
    CHECK(km.events == std::vector<std::int64_t>{0, 0, 0, 1, 0, 2, 0, 1, 1, 1});
    CHECK(km.censored == std::vector<std::int64_t>{0, 0, 0, 0, 0, 0, 1, 0, 0, 1});
    // Risk sets of the product: at 3, 5 of 5 at risk less the one entering at 3 -> 4;
    // at 5, 6 less the one entering at 5 -> 5 (the entrant's event still counts: lifelines);
    // at 7: 3; at 8: 2; at 9: 2 less the entrant -> 1, with 1 event: survival 0.
    const std::vector<double> s = {1, 1, 1, 0.75, 0.75, 0.45, 0.45, 0.3, 0.15, 0};
    for (std::size_t j = 0; j < s.size(); ++j) CHECK(km.survival[j] == Approx(s[j]).epsilon(1e-14));
    // Greenwood at 5: 1 / (4 x 3) + 2 / (5 x 3).
    const double v = std::log(0.45), g = 1.0 / 12 + 2.0 / 15, z = 1.959963984540054;
    CHECK(km.ci_lower[5] == Approx(std::exp(-std::exp(std::log(-v) - z * std::sqrt(g) / v))));
    CHECK(km.ci_upper[5] == Approx(std::exp(-std::exp(std::log(-v) + z * std::sqrt(g) / v))));
    CHECK(km.ci_lower[5] == Approx(0.081834).epsilon(1e-5));  // lifelines prints 0.081834
}

TEST_CASE("entries of 0 give the curve without entries, and entries shift the risk sets only") {
    const std::vector<double> zeros(durations.size(), 0.0);
    const auto plain = survival::kaplan_meier(durations, observed);
    const auto entered = survival::kaplan_meier(durations, observed, {}, 0.05, {}, {}, zeros);
    CHECK(entered.time == plain.time);
    CHECK(entered.at_risk == plain.at_risk);
    CHECK(entered.survival == plain.survival);
    CHECK(entered.ci_lower == plain.ci_lower);
}

TEST_CASE("where entrants' events outnumber the risk set, survival does not step (as lifelines)") {
    // At 3: 3 at risk, 2 of them entering at 3, so a risk set of 1 against 3 events.
    const auto km = survival::kaplan_meier(std::vector<double>{1, 3, 3, 3}, {}, {}, 0.05, {}, {},
                                           std::vector<double>{0, 0, 3, 3});
    CHECK(km.time == std::vector<double>{0, 1, 3});
    CHECK(km.survival == std::vector<double>{1, 0.5, 0.5});
    // The variance term 3 / (1 x (1 - 3)) makes Greenwood's sum negative: no interval (1).
    CHECK(km.ci_lower[2] == 1.0);
    CHECK(km.ci_upper[2] == 1.0);
}

TEST_CASE("a timeline with late entry counts those entered by each time and not yet gone") {
    const std::vector<double> timeline = {-1, 0.5, 3, 5, 8.5, 20};
    const auto km =
        survival::kaplan_meier(late_durations, late_observed, timeline, 0.05, {}, {}, late_entry);
    const auto own =
        survival::kaplan_meier(late_durations, late_observed, {}, 0.05, {}, {}, late_entry);
    CHECK(km.at_risk ==
          std::vector<std::int64_t>{0, 2, 5, 6, 1, 0});  // at 8.5: the other 9 enters at 9
    CHECK(km.events == std::vector<std::int64_t>{0, 0, 1, 2, 2, 1});
    CHECK(km.censored == std::vector<std::int64_t>{0, 0, 0, 0, 1, 1});
    CHECK(km.survival[0] == 1.0);
    CHECK(km.survival[3] == own.survival[5]);
    CHECK(km.survival[4] == own.survival[8]);
}

TEST_CASE("retention curves with late entry: each segment with its own entries") {
    const std::vector<std::int64_t> group = {0, 1, 0, 1, 0, 1, 0, 1};
    const auto curves = survival::retention_curves(group, 2, late_durations, late_observed, {},
                                                   0.05, {}, "plan", {}, late_entry);
    const auto zero =
        survival::kaplan_meier(std::vector<double>{3, 5, 7, 9}, std::vector<double>{1, 1, 1, 1}, {},
                               0.05, {}, {}, std::vector<double>{0, 5, 0, 9});
    CHECK(curves[0].time == zero.time);
    CHECK(curves[0].at_risk == zero.at_risk);
    CHECK(curves[0].survival == zero.survival);
}

TEST_CASE("bad entries name the column and row") {
    const std::vector<double> d = {3, 5, 4};
    CHECK_THROWS_WITH_AS(
        survival::kaplan_meier(d, {}, {}, 0.05, {}, {}, std::vector<double>{0, 6, 1}),
        "column 'entry', row 1: entry 6 is after the duration 5 (an account comes under "
        "observation before it leaves)",
        InputError);
    CHECK_THROWS_WITH_AS(survival::kaplan_meier(d, {}, {}, 0.05, {"tenure", "churned", "joined"},
                                                {}, std::vector<double>{0, 1, -1}),
                         "column 'joined', row 2: entry must be a finite number >= 0, got -1",
                         InputError);
    CHECK_THROWS_AS(survival::kaplan_meier(d, {}, {}, 0.05, {}, {}, std::vector<double>{0, NAN, 1}),
                    InputError);
    CHECK_THROWS_WITH_AS(survival::kaplan_meier(d, {}, {}, 0.05, {}, {}, std::vector<double>{0, 1}),
                         "columns differ in length: 'duration' has 3 rows, 'entry' 2", InputError);
}

// ------------------------------------------------------------------- discounted lifetime

TEST_CASE("discounted lifetime by hand: payments at the start of each period while there") {
    survival::KaplanMeier km;
    km.time = {0, 2, 5};
    km.survival = {1, 0.5, 0.2};
    // Periods of 1 up to 7: S at 0..6 = 1, 1, .5, .5, .5, .2, .2.
    const std::vector<double> s = {1, 1, 0.5, 0.5, 0.5, 0.2, 0.2};
    double expected = 0;
    for (std::size_t t = 0; t < s.size(); ++t) expected += s[t] / std::pow(1.1, double(t));
    CHECK(survival::discounted_lifetime(km, 7, 0.1) == Approx(expected).epsilon(1e-14));
    // Periods of 2 up to 7: S at 0, 2, 4, 6 = 1, .5, .5, .2; discounted per period.
    CHECK(survival::discounted_lifetime(km, 7, 0.1, 2) ==
          Approx(1 + 0.5 / 1.1 + 0.5 / 1.21 + 0.2 / 1.331).epsilon(1e-14));
    // Undiscounted, a horizon on a payment's time excludes it: t = 0..4 -> 1 + 1 + 3 x 0.5.
    CHECK(survival::discounted_lifetime(km, 5, 0) == Approx(3.5).epsilon(1e-15));
    CHECK(survival::discounted_lifetime(km, 0, 0.1) == 0.0);
    // An infinite horizon: the last level forever, 0.2 x sum over t >= 5 of 1.1^-t.
    CHECK(survival::discounted_lifetime(km, INFINITY, 0.1) ==
          Approx(1 + 1 / 1.1 + 0.5 * (1 / 1.21 + 1 / 1.331 + 1 / 1.4641) +
                 0.2 / std::pow(1.1, 5) * 11)
              .epsilon(1e-13));
    // Periods that do not divide the times: 3 x 0.1 is just above 0.3, so S(0.3) there.
    survival::KaplanMeier step;
    step.time = {0, 0.3};
    step.survival = {1, 0.5};
    CHECK(survival::discounted_lifetime(step, 0.35, 0, 0.1) == Approx(3.5).epsilon(1e-15));
}

TEST_CASE("discounted lifetime of a geometric curve is (1 + d) / (d + c), the LTV formula") {
    const double c = 0.05, d = 0.01;
    survival::KaplanMeier km;
    for (int t = 0; t <= 3000; ++t) {
        km.time.push_back(t);
        km.survival.push_back(std::pow(1 - c, t));
    }
    CHECK(survival::discounted_lifetime(km, 3001, d) == Approx((1 + d) / (d + c)).epsilon(1e-12));
    // A curve that reaches 0 has a finite undiscounted lifetime even without a horizon.
    survival::KaplanMeier gone;
    gone.time = {0, 1, 3};
    gone.survival = {1, 0.5, 0};
    CHECK(survival::discounted_lifetime(gone, INFINITY, 0) == Approx(2.0));
}

TEST_CASE("discounted lifetime rejects bad arguments") {
    survival::KaplanMeier km;
    km.time = {0, 1};
    km.survival = {1, 0.5};
    CHECK_THROWS_WITH_AS(survival::discounted_lifetime(km, -1, 0.1),
                         "horizon: must be a number >= 0 (+infinity allowed)", InputError);
    CHECK_THROWS_AS(survival::discounted_lifetime(km, NAN, 0.1), InputError);
    CHECK_THROWS_WITH_AS(survival::discounted_lifetime(km, 5, -0.1),
                         "discount_rate: must be a finite number >= 0", InputError);
    CHECK_THROWS_WITH_AS(survival::discounted_lifetime(km, 5, 0.1, 0),
                         "period: must be a finite number > 0", InputError);
    CHECK_THROWS_AS(survival::discounted_lifetime(km, INFINITY, 0), InputError);
    CHECK_THROWS_WITH_AS(survival::discounted_lifetime(survival::KaplanMeier{}, 5, 0.1),
                         "km: the survival table is empty", InputError);
    km.survival[1] = 1.5;
    CHECK_THROWS_AS(survival::discounted_lifetime(km, 5, 0.1), InputError);
}

// ------------------------------------------------------------------------- sBG, cohorts

namespace {
// The multi-cohort log-likelihood written from its definition, P and S from the model.
double joint_log_likelihood(const std::vector<std::vector<double>>& cohorts, double a, double b) {
    const survival::ShiftedBetaGeometric m(a, b);
    double v = 0;
    for (const auto& n : cohorts) {
        for (std::size_t t = 1; t < n.size(); ++t)
            v += (n[t - 1] - n[t]) * std::log(m.churn_probability(double(t)));
        v += n.back() * std::log(m.survival(double(n.size() - 1)));
    }
    return v;
}
}  // namespace

TEST_CASE("sBG fit_cohorts: one cohort is fit, several share one maximum") {
    using survival::ShiftedBetaGeometric;
    const std::vector<double> regular = {1000, 631, 468, 382, 326, 289, 262, 241};
    const auto one = ShiftedBetaGeometric::fit_cohorts({regular});
    const auto fit = ShiftedBetaGeometric::fit(regular);
    CHECK(one.alpha() == Approx(fit.alpha()).epsilon(1e-12));
    CHECK(one.beta() == Approx(fit.beta()).epsilon(1e-12));
    // Cohorts of different lengths (later cohorts seen for fewer periods), and one without a
    // completed period, which adds nothing.
    const std::vector<std::vector<double>> cohorts = {
        regular, {500, 330, 250, 200}, {800, 510}, {300}};
    const auto joint = ShiftedBetaGeometric::fit_cohorts(cohorts);
    CHECK(joint.converged());
    const double best = joint_log_likelihood(cohorts, joint.alpha(), joint.beta());
    CHECK(joint.log_likelihood() == Approx(best).epsilon(1e-12));
    for (const double e : {1e-4, -1e-4}) {
        CHECK(joint_log_likelihood(cohorts, joint.alpha() + e, joint.beta()) < best);
        CHECK(joint_log_likelihood(cohorts, joint.alpha(), joint.beta() + e) < best);
    }
    // The same counts twice: the same maximum.
    const auto twice = ShiftedBetaGeometric::fit_cohorts({regular, regular});
    CHECK(twice.alpha() == Approx(fit.alpha()).epsilon(1e-9));
}

TEST_CASE("sBG fit_cohorts: cohorts too small to fit are an error listing them") {
    using survival::ShiftedBetaGeometric;
    const std::vector<std::string> names = {"2024-01", "2024-02"};
    CHECK_THROWS_WITH_AS(ShiftedBetaGeometric::fit_cohorts({{10}, {5}}, 100, 1e-10, names),
                         "the cohorts are too small to fit the sBG model: no cohort has a "
                         "completed period; survivors: cohort 2024-01: 10; cohort 2024-02: 5",
                         InputError);
    CHECK_THROWS_WITH_AS(ShiftedBetaGeometric::fit_cohorts({{10, 10, 10}, {5, 5}}),
                         "the cohorts are too small to fit the sBG model: nobody churned, so "
                         "alpha and beta are not identified; survivors: survivors[0]: 10, 10, "
                         "10; survivors[1]: 5, 5",
                         InputError);
    CHECK_THROWS_WITH_AS(ShiftedBetaGeometric::fit_cohorts({{10, 8}, {5, 4}}),
                         "the cohorts are too small to fit the sBG model: no cohort has two "
                         "completed periods (one period fixes only alpha / (alpha + beta)); "
                         "survivors: survivors[0]: 10, 8; survivors[1]: 5, 4",
                         InputError);
    CHECK_THROWS_AS(ShiftedBetaGeometric::fit_cohorts({}), InputError);
    CHECK_THROWS_WITH_AS(
        ShiftedBetaGeometric::fit_cohorts({{10, 8, 7}, {5, 4, 6}}, 100, 1e-10, names),
        "survivors[1][2]: cohort 2024-02: survivors cannot increase: 6 after 4 (returning "
        "accounts? count each account as lost at its first churn, as fit_cohorts on a Book's "
        "cohort survivors does)",
        InputError);
    CHECK_THROWS_AS(ShiftedBetaGeometric::fit_cohorts({{10, 8, 7}, {}}), InputError);
    CHECK_THROWS_AS(ShiftedBetaGeometric::fit_cohorts({{10, 8, 7}, {0, 0}}), InputError);
    CHECK_THROWS_AS(ShiftedBetaGeometric::fit_cohorts({{10, 8, 7}}, 100, 1e-10, names), InputError);
}

// ------------------------------------------------------------------------ tenure of a Book

namespace {
Time at(int y, int m, int d) {
    return Time{day_of(y, m, d)} * 86'400;
}

// Accounts 1-6 (see the tenure test); MRR from 2024-01 to 2024-06.
struct SmallBook {
    std::vector<std::int64_t> ids = {1, 2, 3, 4, 5, 6};
    std::vector<Time> signed_at = {at(2023, 11, 10), at(2024, 1, 15), at(2023, 6, 1),
                                   at(2024, 7, 5),   at(2024, 2, 29), at(2023, 12, 20)};
    std::vector<std::int64_t> mrr_ids = {1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 5, 5, 5, 5, 6};
    std::vector<std::int64_t> mrr_months = {
        month_of(2024, 1), month_of(2024, 2), month_of(2024, 3), month_of(2024, 4),
        month_of(2024, 5), month_of(2024, 6), month_of(2024, 1), month_of(2024, 2),
        month_of(2024, 4), month_of(2024, 5), month_of(2024, 3), month_of(2024, 4),
        month_of(2024, 5), month_of(2024, 6), month_of(2024, 1)};
    std::vector<double> mrr = std::vector<double>(15, 100.0);
    // Account 2 churns, returns, churns again; 3 churns before the MRR starts; 5 after as_of;
    // 6 on the first day of the MRR.
    std::vector<std::int64_t> churn_ids = {2, 2, 3, 5, 6};
    std::vector<Time> churned_at = {at(2024, 3, 10), at(2024, 5, 20), at(2023, 12, 15),
                                    at(2024, 7, 15), at(2024, 1, 1)};
    std::vector<Time> returned_at = {at(2024, 4, 1), no_time, no_time, no_time, no_time};

    Book make(bool with_churns) const {
        Book book(AccountsInput{ids, signed_at});
        book.set_mrr(MrrInput{.account = mrr_ids, .month = mrr_months, .mrr = mrr});
        if (with_churns)
            book.set_churns(ChurnsInput{
                .account = churn_ids, .churned_at = churned_at, .returned_at = returned_at});
        return book;
    }
};
}  // namespace

TEST_CASE("tenure from a Book's churns: first churn, late entry, left out before start") {
    const SmallBook data;
    const Book book = data.make(true);
    const Day as_of = day_of(2024, 6, 30), start = day_of(2024, 1, 1);
    CHECK(survival::observation_start(book) == start);
    const auto t = survival::tenure(book, as_of);
    CHECK(t.start == start);
    // Account 4 signed after as_of; account 3 churned before start (left out).
    CHECK(t.account == std::vector<std::int64_t>{0, 1, 4, 5});
    CHECK(t.left_out == 1);
    CHECK(t.duration == std::vector<std::int64_t>{
                            as_of - day_of(2023, 11, 10),                 // still there
                            day_of(2024, 3, 10) - day_of(2024, 1, 15),    // first churn: 55
                            as_of - day_of(2024, 2, 29),                  // churns after as_of
                            day_of(2024, 1, 1) - day_of(2023, 12, 20)});  // churns at start: 12
    CHECK(t.churned == std::vector<std::uint8_t>{0, 1, 0, 1});
    CHECK(t.entry == std::vector<std::int64_t>{52, 0, 0, 12});
    CHECK(t.duration[1] == 55);
    // Without truncation (start at the earliest signing), account 3 is in, with no entries.
    const auto all = survival::tenure(book, as_of, day_of(2023, 6, 1));
    CHECK(all.account == std::vector<std::int64_t>{0, 1, 2, 4, 5});
    CHECK(all.entry == std::vector<std::int64_t>{0, 0, 0, 0, 0});
    CHECK(all.left_out == 0);
}

TEST_CASE("tenure without a churns table: the first month the MRR bridge stops paying") {
    const SmallBook data;
    const Book book = data.make(false);
    const auto t = survival::tenure(book, day_of(2024, 6, 30));
    // Account 2 stops in March (returns in April): lost on 2024-03-01. Account 6 stops in
    // February. Account 3 never paid: censored, from its entry. Account 1 and 5 pay to June.
    CHECK(t.account == std::vector<std::int64_t>{0, 1, 2, 4, 5});
    CHECK(t.churned == std::vector<std::uint8_t>{0, 1, 0, 0, 1});
    CHECK(t.duration[1] == day_of(2024, 3, 1) - day_of(2024, 1, 15));
    CHECK(t.duration[4] == day_of(2024, 2, 1) - day_of(2023, 12, 20));
    CHECK(t.entry[2] == day_of(2024, 1, 1) - day_of(2023, 6, 1));
    // As of 2024-02-15 the March stop is not yet seen; June is the table's last month, so no
    // stop is read after it.
    const auto early = survival::tenure(book, day_of(2024, 2, 15));
    CHECK(early.churned == std::vector<std::uint8_t>{0, 0, 0, 1});
}

TEST_CASE("tenure with a churns table also counts the bridge's unrecorded churns") {
    SmallBook data;
    // Account 6's record goes: it paid in January only, so the bridge churns it in February with
    // no record near (January or February): lost on 2024-02-01, 43 days after signing on
    // 2023-12-20. Account 2's bridge churns (March, June) have records: its first record counts.
    data.churn_ids = {2, 2, 3, 5};
    data.churned_at.pop_back();
    data.returned_at.pop_back();
    const Book book = data.make(true);
    const auto t = survival::tenure(book, day_of(2024, 6, 30));
    CHECK(t.account == std::vector<std::int64_t>{0, 1, 4, 5});
    CHECK(t.churned == std::vector<std::uint8_t>{0, 1, 0, 1});
    CHECK(t.duration[1] == 55);
    CHECK(t.duration[3] == 43);
}

TEST_CASE("tenure errors: a churn before signing names the account, start after as_of") {
    const std::vector<std::int64_t> ids = {7, 8};
    const std::vector<Time> signed_at = {at(2024, 1, 1), at(2024, 3, 1)};
    Book book(AccountsInput{ids, signed_at});
    CHECK_THROWS_WITH_AS(survival::tenure(book, day_of(2024, 6, 1)),
                         "the Book has neither a churns nor an MRR table, so no churn can be "
                         "seen; build it with churns= (or mrr=, whose bridge shows when accounts "
                         "stop paying)",
                         InputError);
    const std::vector<std::int64_t> churn_ids = {8};
    const std::vector<Time> churned_at = {at(2024, 2, 1)};
    book.set_churns(ChurnsInput{.account = churn_ids, .churned_at = churned_at});
    try {
        (void)survival::tenure(book, day_of(2024, 6, 1));
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()) ==
              "account in row 1 of the accounts table: its first churn (2024-02-01, from the "
              "churns table) is before it signed (2024-03-01)");
        CHECK(e.row() == 1);
        CHECK(e.table() == "accounts");
    }
    CHECK_THROWS_WITH_AS(survival::tenure(book, day_of(2024, 2, 15), day_of(2024, 3, 1)),
                         "start: is after as_of (2024-03-01 > 2024-02-15)", InputError);
}

TEST_CASE("month anniversaries clamp to the month's end") {
    CHECK(survival::month_anniversary(day_of(2024, 1, 31), 1) == day_of(2024, 2, 29));
    CHECK(survival::month_anniversary(day_of(2023, 1, 31), 1) == day_of(2023, 2, 28));
    CHECK(survival::month_anniversary(day_of(2024, 3, 31), 1) == day_of(2024, 4, 30));
    CHECK(survival::month_anniversary(day_of(2024, 1, 15), 0) == day_of(2024, 1, 15));
    CHECK(survival::month_anniversary(day_of(2023, 11, 30), 3) == day_of(2024, 2, 29));
    CHECK(survival::month_anniversary(day_of(2024, 2, 29), 12) == day_of(2025, 2, 28));
}

TEST_CASE("cohort survivors by hand: anniversaries, fully observed periods, skipped cohorts") {
    // 2023-12: one account (before start 2024-01-01). 2024-01: signed Jan 15 (churns Feb 16:
    // after its 1-month anniversary Feb 15, period 2), Jan 15 (churns Mar 15, on its 2-month
    // anniversary: period 2), Jan 31 (churns Feb 29 = its anniversary: period 1), Jan 31 (stays).
    // 2024-02: Feb 10 (churns the day it signs: period 1), Feb 20 (stays). 2024-04: Apr 5.
    const std::vector<std::int64_t> ids = {1, 2, 3, 4, 5, 6, 7, 8};
    const std::vector<Time> signed_at = {at(2023, 12, 10), at(2024, 1, 15), at(2024, 1, 15),
                                         at(2024, 1, 31),  at(2024, 1, 31), at(2024, 2, 10),
                                         at(2024, 2, 20),  at(2024, 4, 5)};
    const std::vector<std::int64_t> churn_ids = {2, 3, 4, 6};
    const std::vector<Time> churned_at = {at(2024, 2, 16), at(2024, 3, 15), at(2024, 2, 29),
                                          at(2024, 2, 10)};
    Book book(AccountsInput{ids, signed_at});
    book.set_churns(ChurnsInput{.account = churn_ids, .churned_at = churned_at});
    const auto c = survival::cohort_survivors(book, day_of(2024, 4, 30), day_of(2024, 1, 1));
    CHECK(c.cohort == std::vector<Month>{month_of(2024, 1), month_of(2024, 2)});
    // 2024-01: its latest signer (Jan 31) completes 3 periods on Apr 30 = as_of.
    CHECK(c.survivors[0] == std::vector<double>{4, 3, 1, 1});
    // 2024-02: Feb 20 completes 2 periods on Apr 20; the third on May 20 is after as_of.
    CHECK(c.survivors[1] == std::vector<double>{2, 1, 1});
    CHECK(c.before_start == std::vector<Month>{month_of(2023, 12)});
    CHECK(c.unobserved == std::vector<Month>{month_of(2024, 4)});
    // A day earlier the 2024-01 cohort has only two full periods.
    const auto earlier = survival::cohort_survivors(book, day_of(2024, 4, 29), day_of(2024, 1, 1));
    CHECK(earlier.survivors[0] == std::vector<double>{4, 3, 1});
    // The default start is the earliest signing (no MRR): every cohort counts.
    const auto all = survival::cohort_survivors(book, day_of(2024, 4, 30));
    CHECK(all.cohort.front() == month_of(2023, 12));
    CHECK(all.survivors[0] == std::vector<double>{1, 1, 1, 1, 1});
}
