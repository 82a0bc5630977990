#pragma once
// Point-in-time lookups: "the latest row at or before time d" and "how many rows by time d", per
// key (an account, or an account x milestone pair), for many queries at once. The building block
// of leakage-free snapshots: a query never reads a row dated after it.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "retain/error.hpp"

namespace retain::point_in_time {

/// A missing time (numpy's NaT, the smallest int64).
inline constexpr std::int64_t missing_time = std::numeric_limits<std::int64_t>::min();

/// Rows grouped by key and sorted by (time, rank, row) inside each key, for point-in-time queries.
/// Times are any int64 ordering (day numbers, timestamps, month numbers) that queries share.
class Timeline {
  public:
    Timeline() = default;

    /// Builds the timeline of rows (key[r], time[r]). Keys are codes in [0, n_keys); a negative
    /// key leaves the row out (e.g. an account not asked about). `rank` (empty, or one per row)
    /// orders rows of the same key and time, so that "latest" never depends on row order; without
    /// it, ties go to the later row. A missing time (missing_time) in a kept row is an InputError
    /// naming `time_column` and the row; so is a key >= n_keys.
    Timeline(std::span<const std::int64_t> key, std::size_t n_keys,
             std::span<const std::int64_t> time, std::span<const std::int64_t> rank = {},
             const std::string& time_column = "time")
        : offsets_(n_keys + 1, 0) {
        if (key.size() != time.size() || (!rank.empty() && rank.size() != time.size()))
            throw InputError::argument(time_column, "must have one value per row");
        for (std::size_t r = 0; r < key.size(); ++r) {
            if (key[r] < 0) continue;
            if (static_cast<std::size_t>(key[r]) >= n_keys)
                throw InputError::at(time_column, r, "key code out of range");
            if (time[r] == missing_time) throw InputError::at(time_column, r, "missing date (NaT)");
            ++offsets_[static_cast<std::size_t>(key[r]) + 1];
        }
        for (std::size_t k = 0; k < n_keys; ++k) offsets_[k + 1] += offsets_[k];
        std::vector<Entry> entries(offsets_[n_keys]);
        std::vector<std::size_t> fill(offsets_.begin(), offsets_.end() - 1);
        for (std::size_t r = 0; r < key.size(); ++r) {
            if (key[r] < 0) continue;
            entries[fill[static_cast<std::size_t>(key[r])]++] =
                Entry{time[r], rank.empty() ? 0 : rank[r], static_cast<std::int64_t>(r)};
        }
        times_.resize(entries.size());
        rows_.resize(entries.size());
        for (std::size_t k = 0; k < n_keys; ++k) {
            const auto first = entries.begin() + static_cast<std::ptrdiff_t>(offsets_[k]);
            const auto last = entries.begin() + static_cast<std::ptrdiff_t>(offsets_[k + 1]);
            if (!std::is_sorted(first, last)) std::sort(first, last);
        }
        for (std::size_t i = 0; i < entries.size(); ++i) {
            times_[i] = entries[i].time;
            rows_[i] = entries[i].row;
        }
    }

    /// Number of keys.
    std::size_t n_keys() const noexcept { return offsets_.empty() ? 0 : offsets_.size() - 1; }
    /// Number of rows kept.
    std::size_t size() const noexcept { return rows_.size(); }

    /// How many rows of `key` have time <= through. Throws InputError naming the key and the
    /// number of keys when key >= n_keys().
    std::size_t count_through(std::size_t key, std::int64_t through) const {
        const std::size_t end = end_through(key, through);  // checks the key first
        return end - offsets_[key];
    }

    /// The input row of the latest row of `key` with time <= through (the largest (time, rank),
    /// then the later row), or -1 when there is none. Throws InputError naming the key and the
    /// number of keys when key >= n_keys().
    std::int64_t latest(std::size_t key, std::int64_t through) const {
        const std::size_t end = end_through(key, through);
        return end == offsets_[key] ? -1 : rows_[end - 1];
    }

    /// count_through for each query (key[i], through[i]); a negative key counts 0.
    std::vector<std::int64_t> count_through(std::span<const std::int64_t> key,
                                            std::span<const std::int64_t> through) const {
        check_queries(key, through);
        std::vector<std::int64_t> out(key.size(), 0);
        for (std::size_t i = 0; i < key.size(); ++i)
            if (key[i] >= 0)
                out[i] = static_cast<std::int64_t>(
                    count_through(static_cast<std::size_t>(key[i]), through[i]));
        return out;
    }

    /// latest for each query (key[i], through[i]); a negative key gives -1.
    std::vector<std::int64_t> latest(std::span<const std::int64_t> key,
                                     std::span<const std::int64_t> through) const {
        check_queries(key, through);
        std::vector<std::int64_t> out(key.size(), -1);
        for (std::size_t i = 0; i < key.size(); ++i)
            if (key[i] >= 0) out[i] = latest(static_cast<std::size_t>(key[i]), through[i]);
        return out;
    }

  private:
    struct Entry {
        std::int64_t time, rank, row;
        bool operator<(const Entry& o) const noexcept {
            return std::tie(time, rank, row) < std::tie(o.time, o.rank, o.row);
        }
    };

    std::size_t end_through(std::size_t key, std::int64_t through) const {
        if (key >= n_keys()) throw InputError::out_of_range("key", key, n_keys());
        const auto first = times_.begin() + static_cast<std::ptrdiff_t>(offsets_[key]);
        const auto last = times_.begin() + static_cast<std::ptrdiff_t>(offsets_[key + 1]);
        return static_cast<std::size_t>(std::upper_bound(first, last, through) - times_.begin());
    }

    void check_queries(std::span<const std::int64_t> key,
                       std::span<const std::int64_t> through) const {
        if (key.size() != through.size())
            throw InputError::argument("through", "must have one value per query key");
        for (std::size_t i = 0; i < key.size(); ++i)
            if (key[i] >= 0 && static_cast<std::size_t>(key[i]) >= n_keys())
                throw InputError::at(
                    "key", i,
                    "key " + std::to_string(key[i]) + " out of range: there " +
                        (n_keys() == 1 ? "is 1 key" : "are " + std::to_string(n_keys()) + " keys"));
    }

    std::vector<std::size_t> offsets_;
    std::vector<std::int64_t> times_;  // by key, then (time, rank, row)
    std::vector<std::int64_t> rows_;   // the input row of each entry
};

}  // namespace retain::point_in_time
