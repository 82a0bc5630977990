#pragma once
// The whole churn backtest of a health model on a Book, in C++: snapshots at each as-of date,
// churn labels, scores and the per-date metrics. What rt.backtest(model, book, as_of=...) does,
// for a C++ product that has no Python.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "retain/backtest.hpp"
#include "retain/book.hpp"
#include "retain/health.hpp"
#include "retain/snapshot.hpp"

namespace retain {

/// The rows, labels, risks and metrics of a Book backtest. Snapshot row r has label[r] (0, 1, or
/// a negative backtest::label_* code for a dropped row) and risk[r] = 100 - score (NaN where the
/// model could score nothing). per_date[q] measures the labelled, scored rows of dates[q].
struct HealthBacktest {
    Snapshots snapshots;
    std::vector<std::int8_t> label;
    std::vector<double> risk;
    std::vector<std::int64_t> dates;
    std::vector<backtest::Evaluation> per_date;
};

/// Backtests `model` on `book` at the as-of days `as_of` (distinct): labels over
/// (t, t + horizon_days] with outcomes known through `observed_until` (a day). Each date is scored
/// on its own rows only, so an uncalibrated percentile measure ranks an account among the
/// accounts of the same date: adding or removing other dates never changes a date's risks.
HealthBacktest backtest_health(const Book& book, const HealthModel& model,
                               std::span<const std::int64_t> as_of, std::int64_t horizon_days,
                               std::int64_t observed_until, const SnapshotOptions& options = {});

/// The columns of a feature table as float64 (ints and flags converted, category codes with -1
/// as NaN), named, for HealthModel::score. Rows [begin, end).
struct NumericColumns {
    std::vector<std::string> names;
    std::vector<std::vector<double>> values;
};
NumericColumns numeric_columns(const Snapshots& snapshots, std::size_t begin, std::size_t end);

}  // namespace retain
