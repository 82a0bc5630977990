#pragma once
// Percentile ranks against a fixed population, looked up fast. A plain binary search over a
// million sorted values misses the cache at almost every step and mispredicts half its
// branches; here the population is reduced to its distinct values, the rank of every distinct
// value and of every gap between two is computed once, and a bucket index on the value range
// leaves a handful of neighbouring entries, counted without a branch.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace retain::detail {

class PercentileTable {
  public:
    PercentileTable() = default;

    /// The table of a sorted population (non-empty, finite values).
    explicit PercentileTable(std::span<const double> sorted) {
        const double n = static_cast<double>(sorted.size());
        // Written as scipy's percentileofscore(kind="mean") writes it, (left + right) * 50 / n,
        // so that both agree to the last bit.
        auto rank = [n](std::size_t left, std::size_t right) {
            return (static_cast<double>(left) + static_cast<double>(right)) * (50.0 / n);
        };
        for (std::size_t i = 0; i < sorted.size();) {
            std::size_t j = i;
            while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
            values_.push_back(sorted[i]);
            below_.push_back(rank(i, i));  // strictly between the previous value and this one
            at_.push_back(rank(i, j));
            i = j;
        }
        below_.push_back(100.0);  // above every value
        at_.push_back(100.0);  // x == +inf meets the padding (callers reject it, but read safely)
        build_index();
    }

    bool empty() const noexcept { return values_.empty(); }

    /// 100 * (count below x + count equal to x / 2) / n, for a non-NaN x.
    double operator()(double x) const noexcept {
        const std::size_t b = bucket(x);
        std::size_t k = start_[b];
        if (scan_ > 0) {
            // Entries past the bucket are above x (or the +inf padding), so they add nothing.
            const double* v = values_.data() + k;
            for (std::size_t j = 0; j < scan_; ++j) k += v[j] < x;
        } else {
            const auto first = values_.begin() + static_cast<std::ptrdiff_t>(k);
            const auto last = values_.begin() + start_[b + 1];
            k = static_cast<std::size_t>(std::lower_bound(first, last, x) - values_.begin());
        }
        return values_[k] == x ? at_[k] : below_[k];
    }

  private:
    // A monotone map from values to buckets: a value's lower bound lies within its bucket's
    // range of distinct values, whatever rounding does, because no value of a later bucket is
    // below x and no value of an earlier one is at or above it.
    std::size_t bucket(double x) const noexcept {
        double t = (x - lo_) * scale_;
        t = t < 0.0 ? 0.0 : (t > top_ ? top_ : t);
        return static_cast<std::size_t>(t);
    }

    void build_index() {
        // About two buckets per distinct value, at most 2^20 (4 MiB of index).
        const std::size_t buckets =
            std::clamp<std::size_t>(2 * values_.size(), 1, std::size_t{1} << 20);
        lo_ = values_.front();
        const double range = values_.back() - values_.front();
        scale_ = range > 0.0 ? static_cast<double>(buckets) / range : 0.0;
        top_ = static_cast<double>(buckets - 1);
        start_.assign(buckets + 1, static_cast<std::uint32_t>(values_.size()));
        for (std::size_t j = values_.size(); j-- > 0;)
            start_[bucket(values_[j])] = static_cast<std::uint32_t>(j);
        // Empty buckets start where the next non-empty one does.
        for (std::size_t b = buckets; b-- > 0;) start_[b] = std::min(start_[b], start_[b + 1]);
        // A fixed-length branchless scan when no bucket is crowded; a binary search otherwise.
        std::size_t crowded = 0;
        for (std::size_t b = 0; b < buckets; ++b)
            crowded = std::max<std::size_t>(crowded, start_[b + 1] - start_[b]);
        scan_ = crowded <= max_scan ? crowded : 0;
        values_.insert(values_.end(), max_scan + 1, std::numeric_limits<double>::infinity());
    }

    static constexpr std::size_t max_scan = 8;

    std::vector<double> values_;  // distinct values, increasing, then +inf padding
    std::vector<double> at_;      // rank of x == values_[k]
    std::vector<double> below_;   // rank of values_[k-1] < x < values_[k]; below_.back() = 100
    std::vector<std::uint32_t> start_;  // first distinct value of each bucket
    double lo_ = 0, scale_ = 0, top_ = 0;
    std::size_t scan_ = 0;  // entries each lookup scans; 0: binary search in the bucket
};

}  // namespace retain::detail
