#pragma once
// Point-in-time snapshots of a Book: one row of features per (account, as-of date), each computed
// only from rows dated on or before the cutoff (as-of day - lead_days). The feature table that
// health scores, churn labels and backtests read; free of look-ahead by construction.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "retain/book.hpp"
#include "retain/labels.hpp"
#include "retain/threads.hpp"

namespace retain {

/// One typed column of a feature table. `kind` says which vector holds the values; a category
/// column holds codes into `categories` in `ints` (-1: missing).
struct FeatureColumn {
    enum class Kind { int64, float64, boolean, category };
    std::string name;
    Kind kind = Kind::float64;
    std::vector<std::int64_t> ints;
    std::vector<double> floats;
    std::vector<std::uint8_t> flags;
    std::vector<std::string> categories;
};

/// Settings of Book snapshots.
struct SnapshotOptions {
    std::int64_t lead_days = 0;                    ///< cutoff = as-of day - lead_days (>= 0)
    std::vector<std::int64_t> windows{7, 30, 90};  ///< usage windows, whole days
    bool active_only = true;                       ///< keep only rows whose `active` is true
    Threads n_threads = {};                        ///< 0: every core; never changes results
};

/// The snapshot table: rows by as-of date (ascending), then account code. `account` holds codes,
/// `as_of` the as-of day of each row; `columns` the features in the documented order; `warnings`
/// what the caller should hear (a cutoff past the end of a table the features read).
struct Snapshots {
    std::vector<std::int64_t> account;
    std::vector<std::int64_t> as_of;
    std::vector<FeatureColumn> columns;
    std::vector<std::string> warnings;

    std::size_t n_rows() const noexcept { return account.size(); }
    /// The column named `name`; ColumnError when there is none.
    const FeatureColumn& column(std::string_view name) const;
};

/// The features of every account signed by each cutoff, at each day of `as_of` (distinct days,
/// any order). Columns, each only when its table is in the Book:
/// - tenure_days (int64): cutoff - signing day;
/// - active (boolean): false when the Book has MRR and the cutoff's month has none, or has churns
///   and a churn dated on or before the cutoff has no return on or before it; else true;
/// - mrr (float64, the cutoff month's MRR, 0 without), plan (category, that month's plan);
/// - per window w: events_{w}d, active_users_{w}d, active_days_{w}d, distinct_features_{w}d (with
///   a feature column), trend_{w}d; then days_since_last_event (see engagement::usage_features);
/// - nps_score, nps_age_days, csat_score, csat_age_days (the latest answer of its kind answered
///   by the end of the cutoff day, ties at one instant to the higher score; NaN without);
/// - open_tickets (int64): opened by the cutoff and not closed by it;
/// - milestones_reached (int64), then reached_<name> (boolean) per milestone, sorted by name;
/// - days_since_touch (float64, NaN without a touch), touches_30d, touches_90d (int64).
/// Throws InputError for no or repeated as-of days, a negative lead, or bad windows.
Snapshots snapshots(const Book& book, std::span<const std::int64_t> as_of,
                    const SnapshotOptions& options = {});

/// Churn labels of snapshot rows (account codes, as-of days) from the Book's churns: the rules of
/// backtest::label_churn (inactive and unresolved rows coded negative).
backtest::LabelResult label_churn(const Book& book, std::span<const std::int64_t> account,
                                  std::span<const std::int64_t> as_of, std::int64_t horizon_days,
                                  std::int64_t observed_until, Threads n_threads = {});

}  // namespace retain
