#pragma once
// Health alerts: which accounts need a CSM's attention now, because their score fell sharply since
// the last scoring or their grade moved into one a CSM must act on (red, say).

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "retain/error.hpp"

namespace retain {

/// The alerting rows, biggest drop first: ordered by score_change ascending, rows without a
/// score_change (NaN) last, ties in row order. dropped[k] and entered[k] say why rows[k] alerts
/// (at least one of them is 1).
struct Alerts {
    std::vector<std::int64_t> rows;
    std::vector<std::uint8_t> dropped;
    std::vector<std::uint8_t> entered;

    std::size_t size() const noexcept { return rows.size(); }
};

/// Column names used in error messages.
struct AlertColumns {
    std::string score_change = "score_change";
    std::string previous_grade = "previous_grade";
    std::string grade = "grade";
};

/// The accounts to alert on. Per row i (one account): `score_change[i]` = score now - score
/// before (NaN when there is no previous score, or no score now; +/-inf is an InputError naming
/// the row); `previous_grade[i]` and `grade[i]` grade codes in 0..n_grades-1, -1 for none (any
/// other code is an InputError naming the row). `into` holds grade codes (each in
/// 0..n_grades-1, else an InputError naming `into`).
///   dropped: score_change <= -min_drop (min_drop > 0 and finite, else an InputError naming
///            `min_drop`);
///   entered: the grade now is in `into`, the previous grade is not, and there was a previous
///            score: a previous grade other than -1, or else a score_change that is not NaN (a
///            score before that had no grade, which is not in `into`). An account with neither
///            did not move into the grade, it arrived there (new, or unscored before): that is
///            not a change to alert on.
/// A row alerts when dropped or entered.
inline Alerts alerts(std::span<const double> score_change,
                     std::span<const std::int32_t> previous_grade,
                     std::span<const std::int32_t> grade, std::size_t n_grades, double min_drop,
                     std::span<const std::int32_t> into, const AlertColumns& columns = {}) {
    const std::size_t n = score_change.size();
    const auto lengths = [&](const std::string& other, std::size_t m) {
        if (m != n)
            throw InputError("columns differ in length: '" + columns.score_change + "' has " +
                             std::to_string(n) + " rows, '" + other + "' " + std::to_string(m));
    };
    lengths(columns.previous_grade, previous_grade.size());
    lengths(columns.grade, grade.size());
    if (!(std::isfinite(min_drop) && min_drop > 0.0)) {
        std::ostringstream what;
        what << "must be a positive finite number, got " << min_drop;
        throw InputError::argument("min_drop", what.str());
    }
    std::vector<std::uint8_t> is_into(n_grades, 0);
    for (const std::int32_t code : into) {
        if (code < 0 || static_cast<std::size_t>(code) >= n_grades)
            throw InputError::argument("into", "grade code " + std::to_string(code) +
                                                   " is not in [0, " + std::to_string(n_grades) +
                                                   ")");
        is_into[static_cast<std::size_t>(code)] = 1;
    }
    const auto check_code = [&](const std::string& column, std::size_t row, std::int32_t code) {
        if (code < -1 || (code >= 0 && static_cast<std::size_t>(code) >= n_grades))
            throw InputError::at(column, row,
                                 "grade code " + std::to_string(code) +
                                     " is not -1 (none) or in [0, " + std::to_string(n_grades) +
                                     ")");
    };

    Alerts out;
    for (std::size_t i = 0; i < n; ++i) {
        const double change = score_change[i];
        if (std::isinf(change)) {
            std::ostringstream what;
            what << "score change must be finite or missing (NaN), got " << change;
            throw InputError::at(columns.score_change, i, what.str());
        }
        const std::int32_t before = previous_grade[i], now = grade[i];
        check_code(columns.previous_grade, i, before);
        check_code(columns.grade, i, now);
        const bool dropped = change <= -min_drop;  // false for NaN
        const bool was_scored = before >= 0 || !std::isnan(change);
        const bool entered = now >= 0 && is_into[static_cast<std::size_t>(now)] && was_scored &&
                             !(before >= 0 && is_into[static_cast<std::size_t>(before)]);
        if (!dropped && !entered) continue;
        out.rows.push_back(static_cast<std::int64_t>(i));
        out.dropped.push_back(dropped);
        out.entered.push_back(entered);
    }

    // Biggest drop first, NaN last; a stable sort keeps row order among ties.
    std::vector<std::size_t> order(out.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    const auto change_of = [&](std::size_t k) {
        return score_change[static_cast<std::size_t>(out.rows[k])];
    };
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const double x = change_of(a), y = change_of(b);
        if (std::isnan(x)) return false;
        return std::isnan(y) || x < y;
    });
    Alerts sorted;
    sorted.rows.reserve(out.size());
    sorted.dropped.reserve(out.size());
    sorted.entered.reserve(out.size());
    for (const std::size_t k : order) {
        sorted.rows.push_back(out.rows[k]);
        sorted.dropped.push_back(out.dropped[k]);
        sorted.entered.push_back(out.entered[k]);
    }
    return sorted;
}

}  // namespace retain
