#include "retain/book_backtest.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace retain {

NumericColumns numeric_columns(const Snapshots& s, std::size_t begin, std::size_t end) {
    // Snapshots may be made by hand: rows and columns are checked before any value is read.
    const std::size_t n = s.n_rows();
    if (begin > end || end > n)
        throw InputError::argument(
            "begin, end", "rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                              ") are not within the " + std::to_string(n) +
                              " rows of the snapshots (begin <= end <= " + std::to_string(n) + ")");
    for (const FeatureColumn& c : s.columns) {
        const std::size_t size = c.kind == FeatureColumn::Kind::float64   ? c.floats.size()
                                 : c.kind == FeatureColumn::Kind::boolean ? c.flags.size()
                                                                          : c.ints.size();
        if (size != n)
            throw InputError("snapshots: column '" + c.name + "' has " + std::to_string(size) +
                                 " values for " + std::to_string(n) + " rows",
                             ErrorSite{"snapshots", c.name, std::nullopt, {}});
    }
    NumericColumns out;
    for (const FeatureColumn& c : s.columns) {
        std::vector<double> v(end - begin);
        for (std::size_t r = begin; r < end; ++r) {
            double x = 0;
            switch (c.kind) {
                case FeatureColumn::Kind::float64:
                    x = c.floats[r];
                    break;
                case FeatureColumn::Kind::int64:
                    x = static_cast<double>(c.ints[r]);
                    break;
                case FeatureColumn::Kind::boolean:
                    x = c.flags[r];
                    break;
                case FeatureColumn::Kind::category:
                    x = c.ints[r] < 0 ? std::numeric_limits<double>::quiet_NaN()
                                      : static_cast<double>(c.ints[r]);
                    break;
            }
            v[r - begin] = x;
        }
        out.names.push_back(c.name);
        out.values.push_back(std::move(v));
    }
    return out;
}

HealthBacktest backtest_health(const Book& book, const HealthModel& model,
                               std::span<const std::int64_t> as_of, std::int64_t horizon_days,
                               std::int64_t observed_until, const SnapshotOptions& options) {
    HealthBacktest out;
    out.snapshots = snapshots(book, as_of, options);
    const Snapshots& s = out.snapshots;
    const std::size_t n = s.n_rows();
    out.label =
        label_churn(book, s.account, s.as_of, horizon_days, observed_until, options.n_threads)
            .label;
    out.dates.assign(as_of.begin(), as_of.end());
    std::sort(out.dates.begin(), out.dates.end());
    out.risk.assign(n, std::numeric_limits<double>::quiet_NaN());
    // Rows are date-major: each date's rows are one run, scored alone (point in time).
    std::vector<std::int64_t> date_code(n, 0);
    for (std::size_t begin = 0, q = 0; begin < n; ++q) {
        while (out.dates[q] != s.as_of[begin]) ++q;
        std::size_t end = begin;
        while (end < n && s.as_of[end] == s.as_of[begin])
            date_code[end++] = static_cast<std::int64_t>(q);
        const NumericColumns cols = numeric_columns(s, begin, end);
        std::vector<std::span<const double>> spans(cols.values.begin(), cols.values.end());
        const HealthScores scores = model.score(cols.names, spans, options.n_threads);
        for (std::size_t r = begin; r < end; ++r) out.risk[r] = 100.0 - scores.score[r - begin];
        begin = end;
    }
    std::vector<std::int64_t> code;
    std::vector<double> y, risk;
    for (std::size_t r = 0; r < n; ++r) {
        if (out.label[r] < 0 || std::isnan(out.risk[r])) continue;
        code.push_back(date_code[r]);
        y.push_back(out.label[r]);
        risk.push_back(out.risk[r]);
    }
    out.per_date =
        backtest::evaluate_by_date(code, out.dates.size(), y, risk, false, options.n_threads);
    return out;
}

}  // namespace retain
