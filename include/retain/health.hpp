#pragma once
// Health scores: one 0-100 number per account, a weighted mean of measure scores (usage,
// satisfaction, customer facts), configured by a model document so that a CS team can read,
// version and backtest it.
//
// The document (JSON, version 1):
//   {"version": 1, "name": "default",
//    "groups": [{"name": "usage", "weight": 0.5}, {"name": "satisfaction", "weight": 0.3}],
//    "measures": [
//      {"name": "active_users_30d", "group": "usage", "weight": 2,
//       "label": "active users in 30 days",
//       "transform": {"kind": "linear", "lo": 0, "hi": 20}},
//      {"name": "nps", "group": "satisfaction",
//       "transform": {"kind": "bands", "edges": [7, 9], "scores": [0, 50, 100]}},
//      {"name": "seat_utilization", "column": "seat_util", "group": "usage",
//       "transform": {"kind": "percentile"}}],
//    "missing": "reweight",
//    "grades": [{"min": 0, "label": "red"}, {"min": 40, "label": "yellow"},
//               {"min": 70, "label": "green"}]}
//
// A measure reads `column` (default: its name), has `weight` (default 1; 0 or from 1e-100 to
// 1e100), an optional `label` that reasons show to people (a non-empty string; default: the name
// with each '_' read as a space, "active users 30d") and a transform to a measure score in
// [0, 100]:
//   linear      100 * clip((x - lo) / (hi - lo), 0, 1); lo > hi means lower is better.
//   bands       scores[k], k = the number of edges <= x (edges strictly increasing).
//   percentile  100 * (count(ref < x) + count(ref == x) / 2) / len(ref), ref = the stored
//               `reference` (sorted) or else the non-missing values being scored.
//   boolean     100 when x != 0, else 0.
// Groups have a weight too (default 1, in the same range). A measure is present in a row when its
// column is there and its value is not NaN. Each measure's nominal effective weight is
//   e_m = W_g / sum(W of live groups) * w_m / sum(w of the measures of g),
// a group being live when its measures' weights sum to more than 0; the e_m sum to 1, and a row's
// coverage is the sum of e_m over its present measures. A row with coverage 0 (nothing present)
// scores NaN. Otherwise missing measures follow `missing`: "reweight" (left out), "neutral"
// (scored 50), "zero" (scored 0) or "error" (any missing value, even in a row where nothing is
// present, and any absent column, even of an empty table, is an error); a group's score is the
// weighted mean of its included measures (NaN when their weights sum to 0), and the score the
// weighted mean of the groups that have a score. The grade is the label of the highest `min` not
// above the score.
//
// Ranked reasons: the points a measure costs a row are w x (100 - measure score), w being its
// effective weight in that row's score (its contribution over its measure score: e_m renormalised
// over what counts in the row, so a measure left out under "reweight" costs nothing, while under
// "neutral" and "zero" a missing one counts as scored 50 or 0 and does cost points). Over all
// measures of a row they sum to 100 - score.
//
// Every fault of a document is a ConfigError naming the key's path, e.g.
// "measures[2].transform.edges: must be strictly increasing"; unknown keys are errors.
//
// Documents come and go as JSON text. Code that holds a parsed nlohmann::json uses
// retain/json.hpp instead, which this header does not include: nlohmann/json.hpp alone costs
// seconds of compile time in every file that includes retain.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "retain/detail/shared.hpp"
#include "retain/error.hpp"
#include "retain/threads.hpp"

namespace retain {

namespace detail {
struct HealthModelState;  // defined in the library: the parsed document and its rank tables
}

/// One column of a feature table, read where it lies: `size` values, value i at
/// `data[i * stride]` (stride in doubles, >= 1). A contiguous column (a std::span) has stride 1;
/// column j of a row-major n x k matrix starts at `matrix + j` with stride k, so a table held as
/// one matrix (a feature pipeline's output, numpy's pd.DataFrame(matrix)) is scored without
/// copying it: the scoring reads it in blocks of rows, each cache line of the matrix once.
struct StridedColumn {
    const double* data = nullptr;
    std::size_t size = 0;
    std::size_t stride = 1;

    StridedColumn() = default;
    /// A contiguous column. Explicit, so that a braced list of spans still picks the span
    /// overloads unambiguously.
    explicit StridedColumn(std::span<const double> values) noexcept
        : data(values.data()), size(values.size()) {}
    StridedColumn(const double* data_, std::size_t size_, std::size_t stride_) noexcept
        : data(data_), size(size_), stride(stride_) {}

    double operator[](std::size_t i) const noexcept { return data[i * stride]; }
};

/// The columns of a row-major (C-order) matrix with `n_columns` columns, each a StridedColumn
/// into `matrix` (no copy; `matrix` must outlive them). An InputError when `n_columns` is 0 or
/// does not divide matrix.size().
std::vector<StridedColumn> matrix_columns(std::span<const double> matrix, std::size_t n_columns);

/// How a measure's raw value becomes a measure score in [0, 100].
struct MeasureTransform {
    enum class Kind { linear, bands, percentile, boolean };
    Kind kind = Kind::linear;
    double lo = 0, hi = 0;              ///< linear
    std::vector<double> edges, scores;  ///< bands: scores.size() == edges.size() + 1
    std::vector<double> reference;      ///< percentile: sorted; empty = the values scored
};

/// What a missing measure value counts as.
enum class MissingPolicy { reweight, neutral, zero, error };

/// Scores of a table's rows, one entry per row (groups: one vector per group, in model order).
struct HealthScores {
    std::vector<double> score;                ///< NaN when nothing is present
    std::vector<std::int32_t> grade;          ///< index into HealthModel::grades(); -1 for none
    std::vector<std::vector<double>> groups;  ///< [group][row]; NaN for a group without a score
    std::vector<double> coverage;             ///< share of the nominal weight present, in [0, 1]
};

/// Ranked reasons of a table's rows (HealthModel::reasons), one entry per (row, rank): rows
/// ascending, ranks 1, 2, ... within a row. A row lists at most `top` measures, those that cost
/// it points (points > 0), most points first and ties in model order; a row whose score is NaN
/// lists none.
struct HealthReasons {
    std::vector<std::int64_t> row;      ///< 0-based row of the table
    std::vector<std::int32_t> rank;     ///< 1 = the measure that cost the most
    std::vector<std::int32_t> measure;  ///< index into HealthModel::measures()
    std::vector<double> value;          ///< the raw feature value; NaN when missing
    std::vector<double> measure_score;  ///< 0-100, as scored (50 or 0 for an imputed one)
    std::vector<double> points;         ///< points lost: effective weight x (100 - score)
};

/// What moved rows' scores between two tables (HealthModel::reasons_change), one entry per
/// (row, rank) as in HealthReasons: the measures whose contribution changed, largest |change|
/// first, ties in model order; none for a row whose score is NaN in either table.
struct HealthReasonChanges {
    std::vector<std::int64_t> row;
    std::vector<std::int32_t> rank;
    std::vector<std::int32_t> measure;
    std::vector<double> value_before;  ///< raw value in the earlier table; NaN when missing
    std::vector<double> value;         ///< raw value in the later table; NaN when missing
    std::vector<double> points;        ///< change of contribution (after - before), signed
};

/// Why rows scored what they did: contribution[m][row] = effective weight x measure score,
/// summing over m to score[row] (contributions of left-out measures are 0; all NaN when the
/// score is NaN), and the measure scores used (NaN for a left-out measure).
struct HealthExplanation {
    std::vector<double> score;
    std::vector<std::vector<double>> contribution;   ///< [measure][row]
    std::vector<std::vector<double>> measure_score;  ///< [measure][row]
};

class HealthModel {
  public:
    struct Group {
        std::string name;
        double weight = 1;
    };
    struct Measure {
        std::string name;
        std::string column;
        std::size_t group = 0;  ///< index into groups()
        double weight = 1;
        MeasureTransform transform;
        std::string label;  ///< for people: the document's label, else name with '_' as ' '
    };
    struct Grade {
        double min = 0;
        std::string label;
    };

    /// Parses and validates JSON text; any fault is a ConfigError naming the key's path (a
    /// syntax error is a ConfigError too). From an nlohmann::json: retain/json.hpp.
    static HealthModel from_json(std::string_view text);

    /// The document as given (compact JSON, keys sorted); from_json(to_json()) == *this.
    std::string to_json() const;

    const std::string& name() const noexcept { return name_; }
    const std::vector<Group>& groups() const noexcept { return groups_; }
    const std::vector<Measure>& measures() const noexcept { return measures_; }
    const std::vector<Grade>& grades() const noexcept { return grades_; }
    MissingPolicy missing() const noexcept { return missing_; }
    /// Each measure's nominal effective weight e_m (summing to 1), in model order.
    const std::vector<double>& effective_weights() const noexcept { return effective_; }
    /// The columns the measures read, each once, in order of first use.
    std::vector<std::string> required_columns() const;

    /// The grade index of a score (-1 for NaN or when the model has no grades).
    std::int32_t grade_of(double score) const noexcept;

    /// Scores the rows of a columnar table: `columns[c]` holds column `column_names[c]`, all of
    /// one length; NaN is missing, and so is a whole column the model reads but the table lacks
    /// (under the "error" policy that is a ColumnError, a NaN an InputError naming column and
    /// row). An infinite value is an InputError naming column and row. Extra columns are
    /// ignored. Rows are scored in fixed blocks on up to `n_threads` threads (0 = every core);
    /// the result does not depend on the thread count.
    HealthScores score(const std::vector<std::string>& column_names,
                       const std::vector<std::span<const double>>& columns,
                       Threads n_threads = {}) const;

    /// score() of a table whose columns may be strided (see StridedColumn and matrix_columns):
    /// the same results as from contiguous copies of the columns. A stride of 0 is an
    /// InputError naming the column.
    HealthScores score(const std::vector<std::string>& column_names,
                       const std::vector<StridedColumn>& columns, Threads n_threads = {}) const;

    /// Per-measure contributions and measure scores of the rows (see HealthExplanation).
    HealthExplanation explain(const std::vector<std::string>& column_names,
                              const std::vector<std::span<const double>>& columns,
                              Threads n_threads = {}) const;
    /// explain() of a table whose columns may be strided (see StridedColumn).
    HealthExplanation explain(const std::vector<std::string>& column_names,
                              const std::vector<StridedColumn>& columns,
                              Threads n_threads = {}) const;

    /// Why scores moved between two tables of the same accounts in the same row order:
    /// contribution[m][row] is the change of measure m's contribution, and these sum to
    /// score_after - score_before (NaN where either score is NaN). `score` holds the change.
    HealthExplanation explain_change(const std::vector<std::string>& before_names,
                                     const std::vector<std::span<const double>>& before,
                                     const std::vector<std::string>& after_names,
                                     const std::vector<std::span<const double>>& after,
                                     Threads n_threads = {}) const;

    /// The `top` (>= 1) measures that cost each row the most points (see HealthReasons and the
    /// header comment); the table is read, and the threads used, as score() does.
    HealthReasons reasons(const std::vector<std::string>& column_names,
                          const std::vector<std::span<const double>>& columns, int top = 3,
                          Threads n_threads = {}) const;
    /// reasons() of a table whose columns may be strided (see StridedColumn).
    HealthReasons reasons(const std::vector<std::string>& column_names,
                          const std::vector<StridedColumn>& columns, int top = 3,
                          Threads n_threads = {}) const;

    /// The `top` (>= 1) measures whose contribution moved each row's score the most between
    /// `before` and `after` (the same accounts in the same row order, as explain_change takes
    /// them; see HealthReasonChanges).
    HealthReasonChanges reasons_change(const std::vector<std::string>& before_names,
                                       const std::vector<std::span<const double>>& before,
                                       const std::vector<std::string>& after_names,
                                       const std::vector<std::span<const double>>& after,
                                       int top = 3, Threads n_threads = {}) const;

    /// One reason as a sentence: "active users in 30 days: 4 — scores 20 of 100, costs
    /// 24.0 points", or for a missing value "nps: missing — counted as 50 of 100, costs
    /// 12.5 points" (measure: an index into measures()).
    std::string reason_text(std::size_t measure, double value, double measure_score,
                            double points) const;

    /// One change as a sentence: "nps: 9 → 5, -12.0 points" ("missing" for a NaN value).
    std::string change_text(std::size_t measure, double value_before, double value,
                            double points) const;

    /// A model whose percentile measures carry `reference`: the sorted non-missing values of
    /// their column in this table, so that later scores are ranked against this population
    /// (comparable across dates, and no peeking in a backtest). A percentile measure whose
    /// column is absent or has no value is an InputError.
    HealthModel calibrate(const std::vector<std::string>& column_names,
                          const std::vector<std::span<const double>>& columns) const;

    /// Same document (as JSON values: 1 and 1.0 are the same number).
    friend bool operator==(const HealthModel& a, const HealthModel& b);

  private:
    // What the library keeps of a model beyond the fields above (the parsed document and its rank
    // tables): immutable once built, so copies share it.
    using State = detail::Shared<detail::HealthModelState>;

    // Only the library builds models, from a parsed document (HealthModelState::build).
    friend struct detail::HealthModelState;
    explicit HealthModel(State state);

    State state_;
    std::string name_;
    std::vector<Group> groups_;
    std::vector<Measure> measures_;
    std::vector<Grade> grades_;
    MissingPolicy missing_ = MissingPolicy::reweight;
    std::vector<double> effective_;
};

namespace detail {
// The two things a feature value can be that a model will not take, as messages say them.
inline constexpr std::string_view infinite_feature =
    "infinite value (features are finite, NaN if missing)";
inline constexpr std::string_view missing_feature =
    "missing value (the model's missing policy is 'error')";
}  // namespace detail

/// The spelling of a policy in the document: "reweight", "neutral", "zero", "error".
std::string_view to_string(MissingPolicy policy) noexcept;
/// The spelling of a transform kind: "linear", "bands", "percentile", "boolean".
std::string_view to_string(MeasureTransform::Kind kind) noexcept;

}  // namespace retain
