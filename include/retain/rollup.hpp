#pragma once
// Parent-account health from its children: a holding company's score as the weighted mean of its
// subsidiaries' scores (weighted by ARR, or equally), with the worst child kept beside it, so that
// a healthy average does not hide one subsidiary on its way out.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "retain/detail/sum.hpp"
#include "retain/error.hpp"

namespace retain {

/// One entry per parent code 0..n_parents-1.
///   score           = sum(w_i s_i) / sum(w_i) over the parent's *scored* children (score not
///                     NaN). NaN when no child is scored, and NaN when every scored child has
///                     weight 0 (there is no weight to average with; the worst child is still
///                     reported, since a free subsidiary in trouble is still worth a look).
///   children        = rows with this parent; scored_children = those with a score.
///   weight          = sum of the weights of *all* the parent's children, scored or not (the
///                     parent's ARR when weighted by ARR; the number of children with equal
///                     weights).
///   worst_child     = the row of the lowest-scored child, whatever its weight; on ties the first
///                     in row order; -1 when no child is scored.
/// A parent without any child has score NaN, counts 0, weight 0, worst_child -1.
struct Rollup {
    std::vector<double> score;
    std::vector<std::int64_t> children;
    std::vector<std::int64_t> scored_children;
    std::vector<double> weight;
    std::vector<std::int64_t> worst_child;

    std::size_t size() const noexcept { return score.size(); }
};

/// Column names used in error messages, so that they name the user's columns.
struct RollupColumns {
    std::string parent = "parent";
    std::string score = "score";
    std::string weight = "weight";
};

/// Rolls child scores up to their parents. `parent_codes[i]` is the dense code
/// (0 <= code < n_parents) of row i's parent; `score[i]` its score (NaN: not scored; +/-inf is an
/// InputError naming the row); `weight[i]` its weight (finite, >= 0; anything else is an
/// InputError naming the row). An empty `weight` gives every child weight 1. Sums are
/// compensated, so the result does not depend on row order beyond rounding of the last bit.
inline Rollup rollup(std::span<const std::int64_t> parent_codes, std::size_t n_parents,
                     std::span<const double> score, std::span<const double> weight = {},
                     const RollupColumns& columns = {}) {
    const std::size_t n = parent_codes.size();
    const auto lengths = [&](const std::string& other, std::size_t m) {
        if (m != n)
            throw InputError("columns differ in length: '" + columns.parent + "' has " +
                             std::to_string(n) + " rows, '" + other + "' " + std::to_string(m));
    };
    lengths(columns.score, score.size());
    if (!weight.empty()) lengths(columns.weight, weight.size());

    Rollup out;
    out.score.assign(n_parents, std::numeric_limits<double>::quiet_NaN());
    out.children.assign(n_parents, 0);
    out.scored_children.assign(n_parents, 0);
    out.weight.assign(n_parents, 0.0);
    out.worst_child.assign(n_parents, -1);
    std::vector<detail::CompensatedSum> weighted(n_parents), scored_weight(n_parents),
        all_weight(n_parents);
    // Weights or scores near the largest double would overflow w x score and the sums (an inf or
    // NaN score): they are scaled by a power of two, exact and no change to a weighted mean, and
    // the results scaled back. Usual weights and scores are not.
    const auto shift_for = [](std::span<const double> values) {
        double largest = 0.0;
        for (const double v : values)
            if (std::isfinite(v)) largest = std::max(largest, std::abs(v));
        return largest > 0x1p500 ? std::ilogb(largest) : 0;
    };
    const int shift = shift_for(weight), score_shift = shift_for(score);

    for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t code = parent_codes[i];
        if (code < 0 || static_cast<std::size_t>(code) >= n_parents)
            throw InputError::at(columns.parent, i,
                                 "parent code " + std::to_string(code) + " is not in [0, " +
                                     std::to_string(n_parents) + ")");
        const double w = weight.empty() ? 1.0 : std::ldexp(weight[i], -shift);
        if (!(std::isfinite(w) && w >= 0.0)) {
            std::ostringstream what;
            what << "weight must be a finite number >= 0, got " << weight[i];
            throw InputError::at(columns.weight, i, what.str());
        }
        const double s = score[i];
        if (std::isinf(s)) {
            std::ostringstream what;
            what << "score must be finite or missing (NaN), got " << s;
            throw InputError::at(columns.score, i, what.str());
        }
        const auto p = static_cast<std::size_t>(code);
        ++out.children[p];
        all_weight[p].add(w);
        if (std::isnan(s)) continue;
        ++out.scored_children[p];
        weighted[p].add(w * std::ldexp(s, -score_shift));
        scored_weight[p].add(w);
        const std::int64_t worst = out.worst_child[p];
        if (worst < 0 || s < score[static_cast<std::size_t>(worst)])
            out.worst_child[p] = static_cast<std::int64_t>(i);
    }
    for (std::size_t p = 0; p < n_parents; ++p) {
        out.weight[p] = std::ldexp(all_weight[p].value(), shift);
        const double total = scored_weight[p].value();
        if (total > 0.0) out.score[p] = std::ldexp(weighted[p].value() / total, score_shift);
    }
    return out;
}

}  // namespace retain
