// HealthModel::from_json on arbitrary text. A retain::Error is the expected rejection; anything
// else escaping, a sanitizer report or a broken invariant below is a bug. A model that parses
// must survive its own to_json, and must score a small table as health.hpp defines it: each
// measure score by its transform's formula, effective weights summing to 1, full rows a finite
// score in [0, 100] whose reasons sum to 100 - score, rows with nothing present NaN. A document
// the validation lets through but the scoring cannot take shows up here.

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
#include <retain/health.hpp>
#include <retain/threads.hpp>

#include "check.hpp"

namespace {

using fuzz::check;
using retain::HealthModel;

constexpr double missing = std::numeric_limits<double>::quiet_NaN();

bool near(double a, double b, double tolerance) { return std::fabs(a - b) <= tolerance; }

void check_round_trip(const HealthModel& model) {
    const std::string text = model.to_json();
    std::optional<HealthModel> again;
    try {
        again = HealthModel::from_json(text);
    } catch (const retain::Error& e) {
        check(false, "from_json rejects the model's own to_json", e.what());
    }
    check(*again == model, "from_json(to_json()) differs from the model", text);
    check(again->to_json() == text, "to_json of the round trip differs", text);
}

void check_effective_weights(const HealthModel& model) {
    double sum = 0;
    for (const double e : model.effective_weights()) {
        check(std::isfinite(e) && e >= 0, "an effective weight is not finite and >= 0");
        sum += e;
    }
    check(near(sum, 1.0, 1e-9), "effective weights do not sum to 1", model.to_json());
}

// A measure score by health.hpp's definition, in long double: wide enough that no difference of
// finite doubles overflows. `population` is the column's values, for a percentile without a
// stored reference.
double defined_score(const retain::MeasureTransform& t, double x,
                     const std::vector<double>& population) {
    using Kind = retain::MeasureTransform::Kind;
    switch (t.kind) {
        case Kind::linear: {
            const long double u = (static_cast<long double>(x) - t.lo) /
                                  (static_cast<long double>(t.hi) - t.lo);
            return static_cast<double>(100 * std::clamp(u, 0.0L, 1.0L));
        }
        case Kind::bands: {
            std::size_t k = 0;
            while (k < t.edges.size() && t.edges[k] <= x) ++k;
            return t.scores[k];
        }
        case Kind::percentile: {
            const auto& ref = t.reference.empty() ? population : t.reference;
            long double below = 0, equal = 0;
            for (const double v : ref) below += v < x, equal += v == x;
            return static_cast<double>(100 * (below + equal / 2) / ref.size());
        }
        case Kind::boolean:
            return x != 0 ? 100 : 0;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

// Every column the model reads, each row a different mix of typical and extreme values; a last
// row with nothing present unless the policy makes a missing value an error.
void check_scores(const HealthModel& model) {
    static constexpr double values[] = {0, 1, 3.5, 8, 20, 365, -2, 1e9};
    constexpr std::size_t full_rows = std::size(values);
    const bool with_empty_row = model.missing() != retain::MissingPolicy::error;
    const std::vector<std::string> names = model.required_columns();
    std::vector<std::vector<double>> data(names.size());
    for (std::size_t c = 0; c < names.size(); ++c) {
        for (std::size_t r = 0; r < full_rows; ++r) data[c].push_back(values[(r + c) % full_rows]);
        if (with_empty_row) data[c].push_back(missing);
    }
    const std::vector<std::span<const double>> columns(data.begin(), data.end());

    const retain::HealthScores scores = model.score(names, columns, 1);
    const retain::HealthReasons reasons =
        model.reasons(names, columns, static_cast<int>(model.measures().size()), 1);
    std::vector<double> points(full_rows + 1, 0.0);
    for (std::size_t i = 0; i < reasons.row.size(); ++i)
        points[static_cast<std::size_t>(reasons.row[i])] += reasons.points[i];

    // Each measure's transform as defined, on the full rows.
    const retain::HealthExplanation explained = model.explain(names, columns, 1);
    for (std::size_t m = 0; m < model.measures().size(); ++m) {
        const auto& measure = model.measures()[m];
        const auto c = static_cast<std::size_t>(
            std::find(names.begin(), names.end(), measure.column) - names.begin());
        const std::vector<double> population(data[c].begin(), data[c].begin() + full_rows);
        for (std::size_t r = 0; r < full_rows; ++r)
            check(near(explained.measure_score[m][r],
                       defined_score(measure.transform, data[c][r], population), 1e-9),
                  "a measure score differs from its transform's definition", model.to_json());
    }

    for (std::size_t r = 0; r < full_rows; ++r) {
        const double s = scores.score[r];
        check(std::isfinite(s) && s >= -1e-9 && s <= 100 + 1e-9,
              "a full row's score is not in [0, 100]", model.to_json());
        check(near(scores.coverage[r], 1.0, 1e-9), "a full row's coverage is not 1");
        check(scores.grade[r] == model.grade_of(s), "a row's grade is not grade_of(score)");
        for (const auto& group : scores.groups)
            check(std::isnan(group[r]) || (group[r] >= -1e-9 && group[r] <= 100 + 1e-9),
                  "a group score is outside [0, 100]");
        check(near(points[r], 100 - s, 1e-6), "a row's reasons do not sum to 100 - score",
              model.to_json());
    }
    if (with_empty_row) {
        check(std::isnan(scores.score[full_rows]), "a row with nothing present has a score");
        check(scores.coverage[full_rows] == 0, "a row with nothing present has coverage");
        check(scores.grade[full_rows] == -1, "a row with nothing present has a grade");
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    retain::set_default_threads(1);  // one input at a time; threads would only add noise
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::optional<HealthModel> model;
    try {
        model = HealthModel::from_json(fuzz::text_of(data, size));
    } catch (const retain::Error&) {
        return 0;
    }
    check_round_trip(*model);
    check_effective_weights(*model);
    check_scores(*model);
    return 0;
}
