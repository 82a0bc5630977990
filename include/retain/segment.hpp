#pragma once
// Segmentation: accounts into service tiers (high touch, low touch, tech touch) by a rules
// document, so that a CS team's coverage model is data, not code.
//
// The document (JSON):
//   {"tiers": [
//     {"name": "high_touch", "when": [{"column": "arr", "op": ">=", "value": 100000}]},
//     {"name": "low_touch", "when": [{"column": "arr", "op": ">=", "value": 10000},
//                                    {"column": "score", "op": ">=", "value": 40}]},
//     {"name": "tech_touch"}]}
// An account gets the first tier whose conditions all hold; a tier without "when" (or with an
// empty one) matches every account. Ops: < <= > >= == != (value a number), in (value a non-empty
// list of numbers), between (value [lo, hi], lo <= hi, inclusive at both ends). Conditions read
// numeric columns; a NaN value makes any condition false (so NaN never matches, not even "!=").
// An account matching no tier gets code -1 (no tier).
//
// Rules come and go as JSON text; code that holds a parsed nlohmann::json uses retain/json.hpp,
// kept out of this header for its compile time.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "retain/detail/shared.hpp"
#include "retain/error.hpp"

namespace retain {

namespace detail {
struct SegmenterState;  // defined in the library: the parsed document
}

class Segmenter {
  public:
    /// One comparison of a tier, as parsed from the document.
    enum class Op { lt, le, gt, ge, eq, ne, in, between };
    struct Condition {
        std::string column;
        Op op = Op::eq;
        std::vector<double> values;  ///< one number; the list for `in`; lo, hi for `between`
        std::string path;            ///< e.g. "tiers[1].when[0]", for error messages
    };
    struct Tier {
        std::string name;
        std::vector<Condition> when;
    };

    /// Parses and validates JSON text. Any fault is a ConfigError naming the key's path, e.g.
    /// "tiers[1].when[0].op: unknown op '=>' (expected < <= > >= == != in between)" (a parse
    /// error is a ConfigError too). Unknown keys are errors; tier names are non-empty and
    /// unique; there is at least one tier. From an nlohmann::json: retain/json.hpp.
    static Segmenter from_json(std::string_view text);

    /// The document as given (compact JSON, keys sorted); from_json(to_json()) == *this.
    std::string to_json() const;

    /// Tier names in document order: code k of assign() is tier_names()[k].
    std::vector<std::string> tier_names() const;
    /// Every column a condition reads, each once, in order of first use.
    std::vector<std::string> required_columns() const;
    const std::vector<Tier>& tiers() const noexcept { return tiers_; }

    /// The tier code of each row of a columnar table: `columns[c]` holds the values of column
    /// `column_names[c]`, all of one length. Code -1 for a row matching no tier. A column a rule
    /// reads that is not among `column_names` is a ColumnError naming it and the rule's path;
    /// columns of different lengths are an InputError. Extra columns are ignored.
    std::vector<std::int32_t> assign(const std::vector<std::string>& column_names,
                                     const std::vector<std::span<const double>>& columns) const;

    /// Same document (hence same tiers), compared as JSON values.
    friend bool operator==(const Segmenter& a, const Segmenter& b);

  private:
    // The rules document as given: immutable, so copies share it.
    using State = detail::Shared<detail::SegmenterState>;

    // Only the library builds segmenters, from a parsed document (SegmenterState::build).
    friend struct detail::SegmenterState;
    explicit Segmenter(State state);

    State state_;
    std::vector<Tier> tiers_;
};

/// The spelling of an op in the document: "<", ..., "in", "between".
std::string_view to_string(Segmenter::Op op) noexcept;

}  // namespace retain
