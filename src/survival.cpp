// Survival curves and the shifted-beta-geometric model declared in retain/survival.hpp. The
// Newton fit needs Eigen and Boost.Math's digamma and trigamma; keeping them here spares every
// user of the header their parse.

#include "retain/survival.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <bit>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <cmath>
#include <limits>
#include <numbers>
#include <ostream>
#include <sstream>
#include <type_traits>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "retain/detail/parallel.hpp"
#include "retain/detail/radix_sort.hpp"

namespace retain::survival {

double normal_quantile(double p) {
    if (!(p > 0.0 && p < 1.0)) throw InputError::argument("p", "must be strictly between 0 and 1");
    // Acklam's rational approximation (relative error 1e-9), then one Halley step on the exact
    // normal CDF (via erfc) brings it to full double precision.
    static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                   -2.759285104469687e+02, 1.383577518672690e+02,
                                   -3.066479806614716e+01, 2.506628277459239e+00};
    static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                   -1.556989798598866e+02, 6.680131188771972e+01,
                                   -1.328068155288572e+01};
    static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                   -2.400758277161838e+00, -2.549732539343734e+00,
                                   4.374664141464968e+00,  2.938163982698783e+00};
    static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                   2.445134137142996e+00, 3.754408661907416e+00};
    constexpr double low = 0.02425;
    double x;
    if (p < low) {
        const double q = std::sqrt(-2 * std::log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - low) {
        const double q = p - 0.5, r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        const double q = std::sqrt(-2 * std::log1p(-p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
    const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
    return x - u / (1 + x * u / 2);
}

namespace detail {
namespace {

constexpr double two52 = 4503599627370496.0;  // 2^52: whole doubles step by 1 below it
constexpr double largest = std::numeric_limits<double>::max();

// Durations are cut into blocks of this many for the parallel reads: fixed by the data, so the
// blocks (and anything combined from them) are the same on any number of threads.
constexpr std::size_t scan_block = std::size_t{1} << 16;

// Whether duration i is an event: its flag (a double or a byte, 0 or 1), every one without flags.
template <class Flag>
std::uint64_t event_flag(std::span<const Flag> observed, std::size_t i) {
    return observed.empty() ? 1u : static_cast<std::uint64_t>(observed[i] != Flag{0});
}

// What one read of the durations finds: their range, whether all are whole numbers, and whether
// any duration or flag is bad (then the row is looked for, so valid input pays one pass).
struct DurationScan {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -std::numeric_limits<double>::infinity();
    bool whole = true, bad = false;
};

template <class Flag>
DurationScan scan_durations(std::span<const double> durations, std::span<const Flag> observed,
                            Threads threads) {
    const std::size_t n = durations.size();
    std::vector<DurationScan> parts((n + scan_block - 1) / scan_block);
    retain::detail::for_each_block(
        n, scan_block, threads, [&](std::size_t b, std::size_t begin, std::size_t end) {
            // Below 2^52, adding and taking away 2^52 rounds x to a whole number, which leaves x
            // unchanged exactly when it is one; above, every double is whole.
            constexpr double inf = std::numeric_limits<double>::infinity();
            DurationScan s;
            std::size_t i = begin;
#if defined(__SSE2__)
            // Compilers do not vectorise a min or max of doubles (NaN and -0 rules), nor these
            // tests with them: two lanes by hand, in two sets for the pipelines. minpd(x, lo) is
            // x < lo ? x : lo, as the scalar tail.
            const __m128d big = _mm_set1_pd(largest), shift = _mm_set1_pd(two52);
            const __m128d zero = _mm_setzero_pd();
            __m128d lo[2] = {_mm_set1_pd(inf), _mm_set1_pd(inf)};
            __m128d hi[2] = {_mm_set1_pd(-inf), _mm_set1_pd(-inf)};
            __m128d whole[2] = {_mm_cmpeq_pd(zero, zero), _mm_cmpeq_pd(zero, zero)};
            __m128d good[2] = {whole[0], whole[1]};
            for (; i + 4 <= end; i += 4)
                for (int a = 0; a < 2; ++a) {
                    const __m128d x = _mm_loadu_pd(durations.data() + i + 2 * a);
                    lo[a] = _mm_min_pd(x, lo[a]);
                    hi[a] = _mm_max_pd(x, hi[a]);
                    const __m128d rounded = _mm_sub_pd(_mm_add_pd(x, shift), shift);
                    whole[a] = _mm_and_pd(
                        whole[a], _mm_or_pd(_mm_cmpge_pd(x, shift), _mm_cmpeq_pd(rounded, x)));
                    good[a] = _mm_and_pd(good[a],
                                         _mm_and_pd(_mm_cmpge_pd(x, zero), _mm_cmple_pd(x, big)));
                }
            double lanes[2];
            for (int a = 0; a < 2; ++a) {
                _mm_storeu_pd(lanes, lo[a]);
                s.lo = std::min({s.lo, lanes[0], lanes[1]});
                _mm_storeu_pd(lanes, hi[a]);
                s.hi = std::max({s.hi, lanes[0], lanes[1]});
                s.whole &= _mm_movemask_pd(whole[a]) == 3;
                s.bad |= _mm_movemask_pd(good[a]) != 3;
            }
#endif
            for (; i < end; ++i) {
                const double x = durations[i];
                s.lo = x < s.lo ? x : s.lo;
                s.hi = x > s.hi ? x : s.hi;
                s.whole &= (x >= two52) | (((x + two52) - two52) == x);
                s.bad |= !((x >= 0.0) & (x <= largest));
            }
            if constexpr (std::is_same_v<Flag, std::uint8_t>) {
                std::uint8_t high = 0;  // a flag byte other than 0 and 1 has a high bit set
                const std::uint8_t* flag = observed.data();
                for (std::size_t j = observed.empty() ? end : begin; j < end; ++j)
                    high |= flag[j] & 0xfe;
                s.bad |= high != 0;
            } else {
                bool other = false;
                for (std::size_t j = observed.empty() ? end : begin; j < end; ++j)
                    other |= (observed[j] != 0.0) & (observed[j] != 1.0);
                s.bad |= other;
            }
            parts[b] = s;
        });
    DurationScan all;
    for (const DurationScan& s : parts) {
        all.lo = std::min(all.lo, s.lo);
        all.hi = std::max(all.hi, s.hi);
        all.whole &= s.whole;
        all.bad |= s.bad;
    }
    return all;
}

// Counts per distinct duration, ascending: how many durations end there and how many of them
// are events.
struct DurationCounts {
    std::vector<double> time;
    std::vector<std::int64_t> removed, events;
};

// The scale s (1, 10, ..., 10^6) at which every duration x is k / s for a whole k, the k spanning
// at most `max_span` values; 0 when there is none. Durations in days, or months kept to a few
// decimals (as exports and rounding leave them), then need no sort: one counting pass over the
// k does. rint(x s) / s == x both proves x is such a k / s (the division is correctly rounded, so
// it gives back the double nearest the decimal) and makes k a strictly increasing function of x.
double fixed_point_scale(std::span<const double> durations, const DurationScan& scan,
                         double max_span, Threads threads) {
    if (durations.empty() || !(scan.hi < two52)) return 0.0;
    if (scan.whole) return scan.hi - scan.lo + 1 <= max_span ? 1.0 : 0.0;
    // A decimal with fewer digits passes at every larger scale too: only the largest scale whose
    // span fits needs checking.
    double scale = 0.0;
    for (double s = 10; s <= 1e6; s *= 10)
        if ((scan.hi - scan.lo) * s + 1 <= max_span && scan.hi * s < two52) scale = s;
    if (scale == 0.0) return 0.0;
    std::atomic<bool> fails{false};
    auto check = [&](std::size_t, std::size_t begin, std::size_t end) {
        if (fails.load(std::memory_order_relaxed)) return;  // any block decides
        bool ok = true;
        // x s < 2^52, so adding and taking away 2^52 is rint(x s).
        for (std::size_t i = begin; i < end; ++i)
            ok &= ((durations[i] * scale + two52) - two52) / scale == durations[i];
        if (!ok) fails.store(true, std::memory_order_relaxed);
    };
    retain::detail::for_each_block(durations.size(), scan_block, threads, check);
    return fails.load() ? 0.0 : scale;
}

// Counting over the fixed-point codes k = rint(x s) - rint(lo s), 0 <= k < span. Counts are
// integers, so however the work is split among threads they come out the same.
template <class Flag>
DurationCounts count_fixed_point(std::span<const double> durations, std::span<const Flag> observed,
                                 double scale, double lo, std::size_t span, Threads threads) {
    const std::size_t n = durations.size();
    const auto base = static_cast<std::int64_t>((lo * scale + two52) - two52);
    auto code = [&](std::size_t i) {
        return static_cast<std::size_t>(
            static_cast<std::int64_t>((durations[i] * scale + two52) - two52) - base);
    };
    // base + k is a whole number below 2^53, so exact; dividing by the scale gives back the
    // duration's own double (see fixed_point_scale).
    auto time_of = [&](std::size_t k) {
        return static_cast<double>(base + static_cast<std::int64_t>(k)) / scale;
    };
    // Chunks of durations fixed by the data, several per thread, so that a thread the system
    // holds back (on a shared machine) leaves its share to the others instead of being waited on.
    const std::size_t chunks = std::clamp<std::size_t>(n >> 17, 1, 16);
    auto chunk_begin = [&](std::size_t c) { return n * c / chunks; };
    DurationCounts out;
    // A bin holds both counts, removed in its low 32 bits and events in its high ones (a chunk
    // has fewer than 2^32 durations).
    constexpr std::uint64_t one = 1;
    if (span <= (std::size_t{1} << 16)) {
        // Few bins (days): each chunk of durations counts into its own bins, in cache.
        std::vector<std::vector<std::uint64_t>> bins(chunks);
        retain::detail::for_each_block(
            chunks, 1, threads, [&](std::size_t c, std::size_t, std::size_t) {
                std::vector<std::uint64_t>& bin = bins[c];
                bin.assign(span, 0);
                for (std::size_t i = chunk_begin(c); i < chunk_begin(c + 1); ++i)
                    bin[code(i)] += one + (event_flag(observed, i) << 32);
            });
        for (std::size_t k = 0; k < span; ++k) {
            std::int64_t removed = 0, events = 0;
            for (const std::vector<std::uint64_t>& bin : bins) {
                removed += static_cast<std::int64_t>(bin[k] & 0xffffffffu);
                events += static_cast<std::int64_t>(bin[k] >> 32);
            }
            if (removed == 0) continue;
            out.time.push_back(time_of(k));
            out.removed.push_back(removed);
            out.events.push_back(events);
        }
        return out;
    }
    // Many bins (months to four decimals): counting straight into them would miss the cache on
    // nearly every duration. The codes are first partitioned by their high bits into buckets of
    // 2^11 bins, then each bucket is counted in bins that fit the L1 cache.
    constexpr int low_bits = 11;
    constexpr std::size_t bucket_bins = std::size_t{1} << low_bits;
    const std::size_t n_buckets = (span + bucket_bins - 1) >> low_bits;
    std::vector<std::uint32_t> bucketed(n);                  // code << 1 | event (span < 2^31)
    std::vector<std::size_t> offset(chunks * n_buckets, 0);  // per chunk, per bucket
    retain::detail::for_each_block(
        chunks, 1, threads, [&](std::size_t c, std::size_t, std::size_t) {
            std::size_t* count = offset.data() + c * n_buckets;
            for (std::size_t i = chunk_begin(c); i < chunk_begin(c + 1); ++i)
                ++count[code(i) >> low_bits];
        });
    std::vector<std::size_t> bucket_begin(n_buckets + 1, 0);
    for (std::size_t b = 0, at = 0; b < n_buckets; ++b) {
        bucket_begin[b] = at;
        for (std::size_t c = 0; c < chunks; ++c) {
            const std::size_t here = offset[c * n_buckets + b];
            offset[c * n_buckets + b] = at;
            at += here;
        }
        bucket_begin[b + 1] = at;
    }
    retain::detail::for_each_block(
        chunks, 1, threads, [&](std::size_t c, std::size_t, std::size_t) {
            std::size_t* to = offset.data() + c * n_buckets;
            for (std::size_t i = chunk_begin(c); i < chunk_begin(c + 1); ++i) {
                const std::size_t k = code(i);
                bucketed[to[k >> low_bits]++] =
                    static_cast<std::uint32_t>((k << 1) | event_flag(observed, i));
            }
        });
    // Buckets in groups of a fixed size; each group writes its distinct times from where the
    // groups before it could at most have ended (a bucket has at most as many as its durations
    // and its bins), then the groups are moved together.
    constexpr std::size_t group = 64;
    const std::size_t n_groups = (n_buckets + group - 1) / group;
    std::vector<std::size_t> room(n_groups + 1, 0), used(n_groups, 0);
    for (std::size_t b = 0; b < n_buckets; ++b)
        room[b / group + 1] += std::min(bucket_begin[b + 1] - bucket_begin[b], bucket_bins);
    for (std::size_t g = 0; g < n_groups; ++g) room[g + 1] += room[g];
    // One spare row in front, for the table's row at time 0.
    for (auto* v : {&out.removed, &out.events}) v->reserve(room[n_groups] + 1);
    out.time.reserve(room[n_groups] + 1);
    out.time.resize(room[n_groups]);
    out.removed.resize(room[n_groups]);
    out.events.resize(room[n_groups]);
    retain::detail::for_each_block(
        n_groups, 1, threads, [&](std::size_t g, std::size_t, std::size_t) {
            std::vector<std::uint64_t> bin(bucket_bins);
            std::size_t row = room[g];
            for (std::size_t b = g * group; b < std::min(n_buckets, (g + 1) * group); ++b) {
                if (b > g * group) std::fill(bin.begin(), bin.end(), 0);
                for (std::size_t i = bucket_begin[b]; i < bucket_begin[b + 1]; ++i)
                    bin[(bucketed[i] >> 1) & (bucket_bins - 1)] +=
                        one + (static_cast<std::uint64_t>(bucketed[i] & 1) << 32);
                for (std::size_t k = 0; k < bucket_bins; ++k) {
                    if (bin[k] == 0) continue;
                    out.time[row] = time_of((b << low_bits) + k);
                    out.removed[row] = static_cast<std::int64_t>(bin[k] & 0xffffffffu);
                    out.events[row] = static_cast<std::int64_t>(bin[k] >> 32);
                    ++row;
                }
            }
            used[g] = row - room[g];
        });
    std::size_t rows = 0;
    for (std::size_t g = 0; g < n_groups; ++g) {
        // Moving down (rows <= room[g]), so a forward copy is safe.
        std::copy_n(out.time.begin() + room[g], used[g], out.time.begin() + rows);
        std::copy_n(out.removed.begin() + room[g], used[g], out.removed.begin() + rows);
        std::copy_n(out.events.begin() + room[g], used[g], out.events.begin() + rows);
        rows += used[g];
    }
    out.time.resize(rows);
    out.removed.resize(rows);
    out.events.resize(rows);
    return out;
}

// Run-length counts of sorted keys (a duration's bits shifted left by one, its event flag in the
// low bit) appended to `out`.
void append_runs(std::span<const std::uint64_t> keys, DurationCounts& out) {
    // At most one row per key, and one spare in front for the table's row at time 0.
    const std::size_t most = out.time.size() + keys.size() + 1;
    out.time.reserve(most);
    out.removed.reserve(most);
    out.events.reserve(most);
    for (std::size_t i = 0; i < keys.size();) {
        const std::uint64_t time_bits = keys[i] >> 1;
        std::int64_t removed = 0, events = 0;
        for (; i < keys.size() && (keys[i] >> 1) == time_bits; ++i) {
            ++removed;
            events += static_cast<std::int64_t>(keys[i] & 1);
        }
        out.time.push_back(std::bit_cast<double>(time_bits));
        out.removed.push_back(removed);
        out.events.push_back(events);
    }
}

// Any durations: sort. For doubles >= 0 the bit pattern orders like the value, and its sign bit
// is 0: shifting it out makes room for the event flag, so one integer key carries both. Each
// worker sorts a slice; the sorted slices are then cut at common times into ranges that the
// workers merge and count. A sort has one result, so the counts are the same on any number of
// threads.
template <class Flag>
DurationCounts count_sorted(std::span<const double> durations, std::span<const Flag> observed,
                            Threads threads) {
    const std::size_t n = durations.size();
    const std::size_t workers = std::min<std::size_t>(retain::detail::resolve_threads(threads),
                                                      std::max<std::size_t>(1, n >> 15));
    auto key = [&](std::size_t i) {
        return (std::bit_cast<std::uint64_t>(durations[i] + 0.0) << 1) | event_flag(observed, i);
    };
    std::vector<std::vector<std::uint64_t>> runs(workers);
    retain::detail::for_each_block(
        workers, 1, threads, [&](std::size_t w, std::size_t, std::size_t) {
            const std::size_t begin = n * w / workers, end = n * (w + 1) / workers;
            std::vector<std::uint64_t>& run = runs[w];
            run.resize(end - begin);
            for (std::size_t i = begin; i < end; ++i) run[i - begin] = key(i);
            if (run.size() < 2048)
                std::sort(run.begin(), run.end());
            else
                retain::detail::radix_sort(run);
        });
    DurationCounts out;
    if (workers == 1) {
        append_runs(runs[0], out);
        return out;
    }
    // Cut points: times at even quantiles of the first run; each range holds the keys of every
    // run from one cut time (inclusive) to the next (exclusive), so no time is split.
    std::vector<std::uint64_t> cut(workers + 1, 0);
    cut[workers] = std::numeric_limits<std::uint64_t>::max();
    for (std::size_t r = 1; r < workers; ++r) {
        const std::vector<std::uint64_t>& r0 = runs[0];
        cut[r] = r0.empty() ? 0 : (r0[r0.size() * r / workers] >> 1) << 1;
        cut[r] = std::max(cut[r], cut[r - 1]);
    }
    std::vector<DurationCounts> ranges(workers);
    retain::detail::for_each_block(
        workers, 1, threads, [&](std::size_t r, std::size_t, std::size_t) {
            std::vector<std::uint64_t> merged, next;
            for (const std::vector<std::uint64_t>& run : runs) {
                const auto from = std::lower_bound(run.begin(), run.end(), cut[r]);
                const auto to =
                    r + 1 == workers ? run.end() : std::lower_bound(from, run.end(), cut[r + 1]);
                next.resize(merged.size() + static_cast<std::size_t>(to - from));
                std::merge(merged.begin(), merged.end(), from, to, next.begin());
                merged.swap(next);
            }
            append_runs(merged, ranges[r]);
        });
    for (DurationCounts& range : ranges) {
        out.time.insert(out.time.end(), range.time.begin(), range.time.end());
        out.removed.insert(out.removed.end(), range.removed.begin(), range.removed.end());
        out.events.insert(out.events.end(), range.events.begin(), range.events.end());
    }
    return out;
}

template <class Flag>
DurationCounts count_durations(std::span<const double> durations, std::span<const Flag> observed,
                               const DurationScan& scan, Threads threads) {
    const std::size_t n = durations.size();
    if (n == 0) return {};
    // A counting pass beats the sort while the bins are not many more than the durations.
    // (and codes with their event flag fit 32 bits)
    const double max_span = std::min(4.0 * static_cast<double>(n) + 4096, 2147483647.0);
    const double scale =
        n < (std::size_t{1} << 32) ? fixed_point_scale(durations, scan, max_span, threads) : 0.0;
    if (scale > 0.0) {
        const double span =
            ((scan.hi * scale + two52) - two52) - ((scan.lo * scale + two52) - two52);
        return count_fixed_point(durations, observed, scale, scan.lo,
                                 static_cast<std::size_t>(span) + 1, threads);
    }
    return count_sorted(durations, observed, threads);
}

// The normal quantile of a two-sided interval at level 1 - alpha. For an alpha so small that
// 1 - alpha / 2 rounds to 1, from the lower tail instead (the same number by symmetry), where
// normal_quantile(1) would blame its own argument, not alpha.
double interval_z(double alpha) {
    const double upper = 1.0 - alpha / 2.0;
    return upper < 1.0 ? normal_quantile(upper) : -normal_quantile(alpha / 2.0);
}

// A table may be made by hand: what reads it in step needs its survival beside every time.
void check_curve(const KaplanMeier& km) {
    if (km.survival.size() != km.size())
        throw InputError::argument("km", "time and survival differ in length (" +
                                             std::to_string(km.size()) + " times, " +
                                             std::to_string(km.survival.size()) + " survivals)");
}

void validate_lengths(std::size_t n_durations, std::size_t n_observed,
                      const SurvivalColumns& columns) {
    if (n_observed != 0 && n_observed != n_durations) {
        std::ostringstream msg;
        msg << "columns differ in length: '" << columns.duration << "' has " << n_durations
            << " rows, '" << columns.observed << "' " << n_observed;
        throw InputError(msg.str());
    }
}

void validate_timeline(std::span<const double> timeline, double alpha) {
    for (std::size_t i = 0; i < timeline.size(); ++i)
        if (!std::isfinite(timeline[i]) || (i > 0 && !(timeline[i] > timeline[i - 1])))
            throw InputError::argument(
                "timeline",
                "must be finite and strictly increasing (at position " + std::to_string(i) + ")");
    if (!(alpha > 0.0 && alpha < 1.0))
        throw InputError::argument("alpha", "must be strictly between 0 and 1");
}

// Checks the arguments, then reads the durations once; the first bad row is looked for only when
// that read found one.
template <class Flag>
DurationScan validate(std::span<const double> durations, std::span<const Flag> observed,
                      std::span<const double> timeline, double alpha,
                      const SurvivalColumns& columns, Threads threads) {
    validate_lengths(durations.size(), observed.size(), columns);
    const DurationScan scan = scan_durations(durations, observed, threads);
    for (std::size_t i = 0; scan.bad && i < durations.size(); ++i) {
        const double t = durations[i];
        if (!(t >= 0.0) || std::isinf(t)) {
            std::ostringstream what;
            what << "duration must be a finite number >= 0, got " << t;
            throw InputError::at(columns.duration, i, what.str());
        }
    }
    for (std::size_t i = 0; scan.bad && i < observed.size(); ++i)
        if (observed[i] != Flag{0} && observed[i] != Flag{1}) {
            std::ostringstream what;
            what << "observed flag must be 0 (censored) or 1 (event), got "
                 << static_cast<double>(observed[i]);
            throw InputError::at(columns.observed, i, what.str());
        }
    validate_timeline(timeline, alpha);
    return scan;
}

void validate_entry(std::span<const double> durations, std::span<const double> entry,
                    const SurvivalColumns& columns) {
    if (entry.empty()) return;
    if (entry.size() != durations.size()) {
        std::ostringstream msg;
        msg << "columns differ in length: '" << columns.duration << "' has " << durations.size()
            << " rows, '" << columns.entry << "' " << entry.size();
        throw InputError(msg.str(), ErrorSite{{}, columns.entry, std::nullopt, {}});
    }
    // Durations are finite here, so entry <= duration also rules out +infinity; NaN fails both.
    bool bad = false;
    for (std::size_t i = 0; i < entry.size(); ++i)
        bad |= !((entry[i] >= 0.0) & (entry[i] <= durations[i]));
    for (std::size_t i = 0; bad && i < entry.size(); ++i) {
        const double e = entry[i];
        std::ostringstream what;
        if (!(e >= 0.0) || std::isinf(e))
            what << "entry must be a finite number >= 0, got " << e;
        else if (e > durations[i])
            what << "entry " << e << " is after the duration " << durations[i]
                 << " (an account comes under observation before it leaves)";
        else
            continue;
        throw InputError::at(columns.entry, i, what.str());
    }
}

// Survival and its interval from a row's running sums: v = log S and Greenwood's sum.
inline void interval_at(double v, double greenwood, double z, double& surv, double& lower,
                        double& upper) {
    surv = std::exp(v);
    // log(-log) interval exp(-exp(log(-v) -/+ spread)) = exp(v e^-/+spread), v = log S.
    // Where v is 0 (S = 1), or the variance is negative (see KaplanMeier), it is undefined
    // (NaN) and, as lifelines, 1.
    const double e = std::exp(z * std::sqrt(greenwood) / v);
    lower = std::exp(v / e);
    upper = std::exp(v * e);
    if (std::isnan(lower)) lower = 1.0;
    if (std::isnan(upper)) upper = 1.0;
}

// Rows per block of the table's parallel loops.
constexpr std::size_t row_block = std::size_t{1} << 14;

// The table at its own times without late entry: everyone is at risk from 0, so a row at 0 leads
// (the first duration's own when one is 0), and the risk set at each time is every duration not
// gone before it. The logs and variance terms of the rows are computed in parallel and summed in
// row order, as the definition adds them, so every thread count gives the same bits.
KaplanMeier table_without_entry(DurationCounts&& counts, std::size_t n, double alpha,
                                Threads threads) {
    // The counts' arrays become the table's columns (a row at 0 put in front when needed).
    if (counts.time.front() != 0.0) {
        counts.time.insert(counts.time.begin(), 0.0);
        counts.removed.insert(counts.removed.begin(), 0);
        counts.events.insert(counts.events.begin(), 0);
    }
    const std::size_t m = counts.time.size();
    KaplanMeier km;
    km.alpha = alpha;
    km.time = std::move(counts.time);
    km.events = std::move(counts.events);
    km.censored = std::move(counts.removed);  // removed until each row's censored is written
    km.at_risk.resize(m);
    for (auto* v : {&km.survival, &km.ci_lower, &km.ci_upper}) v->resize(m);
    const std::size_t n_blocks = (m + row_block - 1) / row_block;
    std::vector<std::int64_t> gone(n_blocks + 1, 0);
    retain::detail::for_each_block(m, row_block, threads,
                                   [&](std::size_t b, std::size_t begin, std::size_t end) {
                                       std::int64_t sum = 0;
                                       for (std::size_t j = begin; j < end; ++j)
                                           sum += km.censored[j];
                                       gone[b + 1] = sum;
                                   });
    for (std::size_t b = 0; b < n_blocks; ++b) gone[b + 1] += gone[b];
    // survival and ci_upper hold each row's log(1 - d/n) and Greenwood term until summed.
    std::vector<double>&log_term = km.survival, &var_term = km.ci_upper;
    retain::detail::for_each_block(
        m, row_block, threads, [&](std::size_t b, std::size_t begin, std::size_t end) {
            std::int64_t before = gone[b];
            for (std::size_t j = begin; j < end; ++j) {
                const std::int64_t removed = km.censored[j], events = km.events[j];
                const std::int64_t at_risk = static_cast<std::int64_t>(n) - before;
                km.at_risk[j] = at_risk;
                km.censored[j] = removed - events;
                const auto d = static_cast<double>(events), r = static_cast<double>(at_risk);
                // log(1 - d/n), as lifelines' log(n - d) - log(n); -infinity where n == d, where
                // lifelines sets the variance term's infinity to 0.
                log_term[j] = events > 0 ? std::log1p(-d / r) : 0.0;
                var_term[j] = events > 0 && events != at_risk ? d / (r * (r - d)) : 0.0;
                before += removed;
            }
        });
    double log_total = 0.0, var_total = 0.0;
    for (std::size_t j = 0; j < m; ++j) {
        if (km.events[j] > 0) {
            log_total += log_term[j];
            if (km.events[j] != km.at_risk[j]) var_total += var_term[j];
        }
        log_term[j] = log_total;
        var_term[j] = var_total;
    }
    const double z = detail::interval_z(alpha);
    retain::detail::for_each_block(
        m, row_block, threads, [&](std::size_t, std::size_t begin, std::size_t end) {
            // A row without events has its predecessor's sums, hence its values: copied.
            for (std::size_t j = begin; j < end; ++j) {
                if (j > begin && km.events[j] == 0) {
                    km.survival[j] = km.survival[j - 1];
                    km.ci_lower[j] = km.ci_lower[j - 1];
                    km.ci_upper[j] = km.ci_upper[j - 1];
                    continue;
                }
                interval_at(km.survival[j], km.ci_upper[j], z, km.survival[j], km.ci_lower[j],
                            km.ci_upper[j]);
            }
        });
    return km;
}

// The table at its own times (every distinct entry and duration), with the running sums of the
// product-limit estimate and of Greenwood's variance at each.
struct OwnTable {
    std::vector<double> time, log_s, greenwood;
    std::vector<std::int64_t> at_risk, events, censored, entered, removed;
};

template <class Flag>
OwnTable own_table(std::span<const double> durations, std::span<const Flag> observed,
                   const DurationScan& scan, std::span<const double> entry, Threads threads) {
    const DurationCounts out = count_durations(durations, observed, scan, threads);
    // Without entries every account is there from time 0: one entry time holding them all.
    DurationCounts in;
    if (entry.empty()) {
        in.time = {0.0};
        in.removed = {static_cast<std::int64_t>(durations.size())};
    } else {
        const std::span<const double> none;
        in = count_durations(entry, none, scan_durations(entry, none, threads), threads);
    }
    OwnTable t;
    const std::size_t reserve = out.time.size() + in.time.size();
    for (auto* v : {&t.time, &t.log_s, &t.greenwood}) v->reserve(reserve);
    double log_total = 0.0, var_total = 0.0;
    std::int64_t entered_total = 0, removed_before = 0;
    std::size_t i = 0, k = 0;
    while (i < out.time.size() || k < in.time.size()) {
        const double u = i == out.time.size()  ? in.time[k]
                         : k == in.time.size() ? out.time[i]
                                               : std::min(out.time[i], in.time[k]);
        std::int64_t entered_at = 0, removed_at = 0, events_at = 0;
        if (k < in.time.size() && in.time[k] == u) entered_at = in.removed[k++];
        if (i < out.time.size() && out.time[i] == u) {
            removed_at = out.removed[i];
            events_at = out.events[i];
            ++i;
        }
        entered_total += entered_at;
        const std::int64_t at_risk = entered_total - removed_before;
        // Accounts entering at u join after u's events (left truncation), except at the first
        // time, where nobody was there before them (lifelines' convention).
        const std::int64_t n = t.time.empty() ? at_risk : at_risk - entered_at;
        if (events_at > 0) {
            const auto d = static_cast<double>(events_at), r = static_cast<double>(n);
            // log(1 - d/n), as lifelines' log(n - d) - log(n); -infinity where n == d. Where
            // d > n (accounts entering and leaving at u) lifelines' log is undefined and skipped.
            if (events_at <= n) log_total += std::log1p(-d / r);
            // No variance term where n == d (lifelines sets its infinity to 0); where d > n
            // lifelines keeps the (negative, or -infinity at n = 0) term: so does retain.
            if (events_at != n) var_total += d / (r * (r - d));
        }
        t.time.push_back(u);
        t.at_risk.push_back(at_risk);
        t.events.push_back(events_at);
        t.censored.push_back(removed_at - events_at);
        t.entered.push_back(entered_at);
        t.removed.push_back(removed_at);
        t.log_s.push_back(log_total);
        t.greenwood.push_back(var_total);
        removed_before += removed_at;
    }
    return t;
}

template <class Flag>
KaplanMeier kaplan_meier_of(std::span<const double> durations, std::span<const Flag> observed,
                            std::span<const double> timeline, double alpha,
                            const SurvivalColumns& columns, Threads n_threads,
                            std::span<const double> entry) {
    const DurationScan scan = validate(durations, observed, timeline, alpha, columns, n_threads);
    validate_entry(durations, entry, columns);
    KaplanMeier km;
    km.alpha = alpha;
    if (durations.empty()) return km;
    if (entry.empty() && timeline.empty())
        return table_without_entry(count_durations(durations, observed, scan, n_threads),
                                   durations.size(), alpha, n_threads);
    OwnTable own = own_table(durations, observed, scan, entry, n_threads);
    const std::size_t m = own.time.size();
    const double z = detail::interval_z(alpha);
    auto interval = [&](std::size_t j, double& surv, double& lower, double& upper) {
        interval_at(own.log_s[j], own.greenwood[j], z, surv, lower, upper);
    };
    if (timeline.empty()) {
        km.time = std::move(own.time);
        km.at_risk = std::move(own.at_risk);
        km.events = std::move(own.events);
        km.censored = std::move(own.censored);
        km.survival.resize(m);
        km.ci_lower.resize(m);
        km.ci_upper.resize(m);
        // Each row's interval depends only on its own sums: rows are filled in parallel blocks.
        retain::detail::for_each_block(
            m, 1 << 14, n_threads, [&](std::size_t, std::size_t b, std::size_t e) {
                for (std::size_t j = b; j < e; ++j)
                    interval(j, km.survival[j], km.ci_lower[j], km.ci_upper[j]);
            });
        return km;
    }
    // Read the step function at the given times, counting what happened since the previous one.
    const auto n = static_cast<std::int64_t>(durations.size());
    std::size_t j = 0;  // rows of the own table with time <= the current timeline time
    std::int64_t events_before = 0, removed_before = 0, events_upto = 0, removed_upto = 0;
    std::int64_t entered_upto = 0;
    for (const double x : timeline) {
        while (j < m && own.time[j] <= x) {
            events_upto += own.events[j];
            removed_upto += own.removed[j];
            entered_upto += own.entered[j];
            ++j;
        }
        km.time.push_back(x);
        // At risk at x: entered by x (everyone, without entries) and not gone before x.
        const std::int64_t gone_before =
            removed_upto - (j > 0 && own.time[j - 1] == x ? own.removed[j - 1] : 0);
        km.at_risk.push_back((entry.empty() ? n : entered_upto) - gone_before);
        km.events.push_back(events_upto - events_before);
        km.censored.push_back((removed_upto - events_upto) - (removed_before - events_before));
        events_before = events_upto;
        removed_before = removed_upto;
        if (j == 0) {  // before the curve starts: survival 1
            km.survival.push_back(1.0);
            km.ci_lower.push_back(1.0);
            km.ci_upper.push_back(1.0);
        } else {
            double surv, lower, upper;
            interval(j - 1, surv, lower, upper);
            km.survival.push_back(surv);
            km.ci_lower.push_back(lower);
            km.ci_upper.push_back(upper);
        }
    }
    return km;
}

}  // namespace
}  // namespace detail

KaplanMeier kaplan_meier(std::span<const double> durations, std::span<const double> observed,
                         std::span<const double> timeline, double alpha,
                         const SurvivalColumns& columns, Threads n_threads,
                         std::span<const double> entry) {
    return detail::kaplan_meier_of(durations, observed, timeline, alpha, columns, n_threads, entry);
}

KaplanMeier kaplan_meier_flags(std::span<const double> durations,
                               std::span<const std::uint8_t> observed,
                               std::span<const double> timeline, double alpha,
                               const SurvivalColumns& columns, Threads n_threads,
                               std::span<const double> entry) {
    return detail::kaplan_meier_of(durations, observed, timeline, alpha, columns, n_threads, entry);
}

std::vector<KaplanMeier> retention_curves(std::span<const std::int64_t> group, std::size_t n_groups,
                                          std::span<const double> durations,
                                          std::span<const double> observed,
                                          std::span<const double> timeline, double alpha,
                                          const SurvivalColumns& columns,
                                          std::string_view group_column, Threads n_threads,
                                          std::span<const double> entry) {
    detail::validate(durations, observed, timeline, alpha, columns, n_threads);
    detail::validate_entry(durations, entry, columns);
    if (group.size() != durations.size())
        throw InputError("columns differ in length: '" + std::string(group_column) + "' has " +
                         std::to_string(group.size()) + " rows, '" + columns.duration + "' " +
                         std::to_string(durations.size()));
    // Bucket the rows by segment (a counting sort), then one curve per segment, in parallel.
    std::vector<std::size_t> start(n_groups + 1, 0);
    for (std::size_t i = 0; i < group.size(); ++i) {
        if (group[i] < 0 || static_cast<std::size_t>(group[i]) >= n_groups)
            throw InputError::at(group_column, i,
                                 "segment code " + std::to_string(group[i]) + " is not below " +
                                     std::to_string(n_groups));
        ++start[static_cast<std::size_t>(group[i]) + 1];
    }
    for (std::size_t g = 0; g < n_groups; ++g) start[g + 1] += start[g];
    std::vector<double> d(durations.size()), o(observed.size()), e(entry.size());
    std::vector<std::size_t> cursor(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < group.size(); ++i) {
        const std::size_t pos = cursor[static_cast<std::size_t>(group[i])]++;
        d[pos] = durations[i];
        if (!observed.empty()) o[pos] = observed[i];
        if (!entry.empty()) e[pos] = entry[i];
    }
    std::vector<KaplanMeier> curves(n_groups);
    // Segments are the parallel blocks; each curve is then built on its block's thread alone.
    auto part = [](const std::vector<double>& v, std::size_t b, std::size_t n) {
        return v.empty() ? std::span<const double>{} : std::span<const double>(v).subspan(b, n);
    };
    retain::detail::for_each_block(
        n_groups, 1, n_threads, [&](std::size_t g, std::size_t, std::size_t) {
            const std::size_t b = start[g], n = start[g + 1] - b;
            curves[g] = kaplan_meier(part(d, b, n), part(o, b, n), timeline, alpha, columns, 1,
                                     part(e, b, n));
        });
    return curves;
}

double median_survival(const KaplanMeier& km) {
    detail::check_curve(km);
    if (km.size() == 0) return std::numeric_limits<double>::quiet_NaN();
    for (std::size_t j = 0; j < km.size(); ++j)
        if (km.survival[j] <= 0.5) return km.time[j];
    return std::numeric_limits<double>::infinity();
}

double restricted_mean(const KaplanMeier& km, double horizon) {
    if (!(horizon >= 0.0) || std::isinf(horizon))
        throw InputError::argument("horizon", "must be a finite number >= 0");
    detail::check_curve(km);
    if (km.size() == 0) return std::numeric_limits<double>::quiet_NaN();
    double area = 0.0, from = 0.0, level = 1.0;
    for (std::size_t j = 0; j < km.size() && km.time[j] < horizon; ++j) {
        if (km.time[j] > from) {
            area += level * (km.time[j] - from);
            from = km.time[j];
        }
        level = km.survival[j];
    }
    return area + level * (horizon - from);
}

double discounted_lifetime(const KaplanMeier& km, double horizon, double discount_rate,
                           double period) {
    if (!(horizon >= 0.0))
        throw InputError::argument("horizon", "must be a number >= 0 (+infinity allowed)");
    if (!(discount_rate >= 0.0) || std::isinf(discount_rate))
        throw InputError::argument("discount_rate", "must be a finite number >= 0");
    if (!(period > 0.0) || std::isinf(period))
        throw InputError::argument("period", "must be a finite number > 0");
    if (km.size() == 0) throw InputError::argument("km", "the survival table is empty");
    detail::check_curve(km);
    for (std::size_t j = 0; j < km.size(); ++j) {
        if (!std::isfinite(km.time[j]) || (j > 0 && !(km.time[j] > km.time[j - 1])))
            throw InputError::at("time", j, "times must be finite and strictly increasing");
        if (!(km.survival[j] >= 0.0 && km.survival[j] <= 1.0))
            throw InputError::at("survival", j, "survival must be a number in [0, 1]");
    }
    // The first whole t with t x period >= x: payments t before it fall before x. Checked on the
    // product itself, so that a time such as 0.3 with period 0.1 lands where S(t x period) does.
    constexpr double exact = 4503599627370496.0;  // 2^52: whole doubles step by 1 below it
    auto first_at = [&](double x) {
        if (x <= 0.0) return 0.0;
        if (std::isinf(x)) return x;
        double t = std::ceil(x / period);
        if (t < exact) {
            while (t > 0 && (t - 1) * period >= x) t -= 1;
            while (t * period < x) t += 1;
        }
        return t;
    };
    // Sum over whole t in [a, b) of (1 + d)^-t, in closed form; log1p and expm1 keep it exact for
    // small rates, and b may be +infinity when d > 0.
    const double log_rate = std::log1p(discount_rate);
    auto discounted_count = [&](double a, double b) {
        if (!(b > a)) return 0.0;
        if (log_rate == 0.0) return b - a;
        const double head = std::exp(-a * log_rate), per = -std::expm1(-log_rate);
        return std::isinf(b) ? head / per : head * -std::expm1(-(b - a) * log_rate) / per;
    };
    const double end = first_at(horizon);
    // Survival 1 before the first time, then each row's level until the next row (the last until
    // the horizon); a level of 0 adds nothing even over an infinite stretch.
    double total = discounted_count(0.0, std::min(first_at(km.time[0]), end));
    for (std::size_t j = 0; j < km.size(); ++j) {
        const double level = km.survival[j];
        if (level == 0.0) continue;
        const double from = first_at(km.time[j]);
        const double to = j + 1 < km.size() ? std::min(first_at(km.time[j + 1]), end) : end;
        if (std::isinf(to) && log_rate == 0.0)
            throw InputError::argument(
                "horizon", "is infinite while discount_rate is 0 and survival stays at " +
                               std::to_string(level) + ": the lifetime has no finite sum");
        total += level * discounted_count(from, to);
    }
    return total;
}

namespace detail {
namespace {

// Boost's lgamma, not std::lgamma: the C library's writes the sign to the global `signgam`, a
// data race when fits run on several threads at once (clang-tidy's concurrency-mt-unsafe).
// Errors give inf or NaN, as std::lgamma's do, for the optimiser to step back from.
using QuietPolicy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>>;
double log_beta(double a, double b) {
    const auto lgamma = [](double x) { return boost::math::lgamma(x, QuietPolicy{}); };
    return lgamma(a) + lgamma(b) - lgamma(a + b);
}

// Log-likelihood of cohorts' survivor counts n_0 >= n_1 >= ... >= n_T (T per cohort) and its
// gradient and Hessian in (alpha, beta): summed over cohorts, sum_t (n_{t-1} - n_t) log P(T = t)
// + n_T log S(T), with P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta) and S(T) = B(alpha,
// beta + T) / B(alpha, beta).
struct SbgLikelihood {
    double value = 0;
    Eigen::Vector2d gradient = Eigen::Vector2d::Zero();
    Eigen::Matrix2d hessian = Eigen::Matrix2d::Zero();
};

SbgLikelihood sbg_likelihood(const std::vector<std::vector<double>>& cohorts, double a, double b) {
    using boost::math::digamma;
    using boost::math::trigamma;
    SbgLikelihood out;
    // Far out (alpha or beta under- or overflowing) the likelihood is taken as -infinity, so the
    // step that got there is halved instead of evaluated.
    const double tiny = 1e-300;
    if (!(a > tiny && b > tiny && a < 1e300 && b < 1e300)) {
        out.value = -std::numeric_limits<double>::infinity();
        return out;
    }
    // d log B(x, y) / dx = psi(x) - psi(x + y), and so on; each term adds c log B(x, y) - c log
    // B(a, b).
    auto add = [&](double c, double x, double y) {
        if (c == 0) return;
        const double pxy = digamma(x + y), txy = trigamma(x + y);
        out.value += c * log_beta(x, y);
        out.gradient(0) += c * (digamma(x) - pxy);
        out.gradient(1) += c * (digamma(y) - pxy);
        out.hessian(0, 0) += c * (trigamma(x) - txy);
        out.hessian(1, 1) += c * (trigamma(y) - txy);
        out.hessian(0, 1) -= c * txy;
    };
    for (const std::vector<double>& n : cohorts) {
        if (n.size() < 2) continue;  // a cohort without a period: S(0) = 1 adds nothing
        const std::size_t T = n.size() - 1;
        for (std::size_t t = 1; t <= T; ++t)
            add(n[t - 1] - n[t], a + 1, b + static_cast<double>(t) - 1);
        add(n[T], a, b + static_cast<double>(T));
        add(-n[0], a, b);  // every customer's probability is over B(alpha, beta)
    }
    out.hessian(1, 0) = out.hessian(0, 1);
    return out;
}

}  // namespace
}  // namespace detail

ShiftedBetaGeometric::ShiftedBetaGeometric(double alpha, double beta) : alpha_(alpha), beta_(beta) {
    // Beyond these bounds the formulas lose their digits: beta + t - 1 rounds to 0 for a tiny
    // beta, and log B differences of huge arguments cancel to NaN (survival of (1e308, 1e308)).
    constexpr double lo = 1e-6, hi = 1e6;
    if (!(alpha >= lo && alpha <= hi && beta >= lo && beta <= hi)) {
        std::ostringstream what;
        what << "must both be finite numbers from 1e-6 to 1e6, got " << alpha << ", " << beta;
        throw InputError::argument("alpha, beta", what.str());
    }
}

namespace detail {
namespace {

// What is wrong with count t of a cohort's survivors (empty when nothing is).
std::string survivor_count_problem(const std::vector<double>& n, std::size_t t) {
    const double c = n[t];
    std::ostringstream what;
    if (!(c >= 0) || std::isinf(c) || c != std::floor(c))
        what << "must be a whole number of customers >= 0, got " << c;
    else if (c > 0x1p53)  // past 2^53 a double holds no odd number: no count is told whole
        what << "must be at most 2^53 customers (a larger count is no exact whole number), got "
             << c;
    else if (t == 0 && c == 0)
        what << "the cohort is empty";
    else if (t > 0 && c > n[t - 1])
        what << "survivors cannot increase: " << c << " after " << n[t - 1]
             << " (returning accounts? count each account as lost at its first churn, as "
                "fit_cohorts on a Book's cohort survivors does)";
    return what.str();
}

}  // namespace
}  // namespace detail

ShiftedBetaGeometric ShiftedBetaGeometric::fit(std::span<const double> survivors, int max_iter,
                                               double tol) {
    // One period only fixes alpha / (alpha + beta): two are needed to tell alpha from beta.
    if (survivors.size() < 3)
        throw InputError::argument("survivors",
                                   "needs the cohort size and at least two periods of survivors");
    const std::vector<std::vector<double>> cohort{{survivors.begin(), survivors.end()}};
    for (std::size_t t = 0; t < survivors.size(); ++t) {
        const std::string what = detail::survivor_count_problem(cohort[0], t);
        if (!what.empty()) throw InputError::argument("survivors[" + std::to_string(t) + "]", what);
    }
    if (survivors.back() == survivors.front())
        throw InputError::argument("survivors",
                                   "nobody churned: alpha and beta are not identified");
    return fit_joint(cohort, max_iter, tol);
}

ShiftedBetaGeometric ShiftedBetaGeometric::fit_cohorts(
    const std::vector<std::vector<double>>& survivors, int max_iter, double tol,
    std::span<const std::string> cohort_names) {
    if (!cohort_names.empty() && cohort_names.size() != survivors.size())
        throw InputError::argument(
            "cohort_names", "give one name per cohort (" + std::to_string(survivors.size()) +
                                " cohorts, " + std::to_string(cohort_names.size()) + " names)");
    auto name = [&](std::size_t k) {
        return cohort_names.empty() ? "survivors[" + std::to_string(k) + "]"
                                    : "cohort " + cohort_names[k];
    };
    double periods = 0, churned = 0;
    std::size_t longest = 0;
    for (std::size_t k = 0; k < survivors.size(); ++k) {
        const std::vector<double>& n = survivors[k];
        const std::string where = "survivors[" + std::to_string(k) + "]";
        if (n.empty())
            throw InputError::argument(where, name(k) + " has no size (give at least " + where +
                                                  "[0], its customers at the start)");
        for (std::size_t t = 0; t < n.size(); ++t) {
            const std::string what = detail::survivor_count_problem(n, t);
            if (!what.empty())
                throw InputError::argument(where + "[" + std::to_string(t) + "]",
                                           cohort_names.empty() ? what : name(k) + ": " + what);
        }
        periods += static_cast<double>(n.size() - 1);
        churned += n.front() - n.back();
        longest = std::max(longest, n.size() - 1);
    }
    std::string why;
    if (survivors.empty())
        why = "no cohort was given";
    else if (periods == 0)
        why = "no cohort has a completed period";
    else if (churned == 0)
        why = "nobody churned, so alpha and beta are not identified";
    else if (longest < 2)
        why = "no cohort has two completed periods (one period fixes only alpha / (alpha + beta))";
    if (!why.empty()) {
        std::ostringstream msg;
        msg << "the cohorts are too small to fit the sBG model: " << why;
        constexpr std::size_t shown = 12;
        for (std::size_t k = 0; k < survivors.size() && k < shown; ++k) {
            msg << (k == 0 ? "; survivors: " : "; ") << name(k) << ":";
            for (std::size_t t = 0; t < survivors[k].size(); ++t)
                msg << (t == 0 ? " " : ", ") << survivors[k][t];
        }
        if (survivors.size() > shown) msg << "; and " << survivors.size() - shown << " more";
        throw InputError(msg.str(), ErrorSite{{}, "survivors", std::nullopt, {}});
    }
    return fit_joint(survivors, max_iter, tol);
}

ShiftedBetaGeometric ShiftedBetaGeometric::fit_joint(const std::vector<std::vector<double>>& n,
                                                     int max_iter, double tol) {
    // Newton's method on theta = (log alpha, log beta), which keeps both positive, with step
    // halving so the likelihood never falls; a gradient step where the Hessian is not negative.
    Eigen::Vector2d theta(0.0, 0.0);
    auto at = [&](const Eigen::Vector2d& th) {
        return detail::sbg_likelihood(n, std::exp(th(0)), std::exp(th(1)));
    };
    detail::SbgLikelihood cur = at(theta);
    ShiftedBetaGeometric model(1.0, 1.0);
    for (int iter = 0; iter < max_iter; ++iter) {
        const Eigen::Vector2d p = theta.array().exp();
        const Eigen::Vector2d g = cur.gradient.cwiseProduct(p);
        Eigen::Matrix2d h = p.asDiagonal() * cur.hessian * p.asDiagonal();
        h.diagonal() += g;
        Eigen::Vector2d step;
        const Eigen::LLT<Eigen::Matrix2d> negated(-h);
        if (negated.info() == Eigen::Success)
            step = negated.solve(g);
        else
            step = g / std::max(1.0, g.norm());
        // At most a factor e^2 on either parameter per iteration: far from the optimum Newton's
        // quadratic model can point absurdly far.
        step *= std::min(1.0, 2.0 / std::max(step.cwiseAbs().maxCoeff(), 1e-300));
        double scale = 1.0;
        detail::SbgLikelihood next = at(theta + step);
        while (!(next.value >= cur.value) && scale > 1e-10) {
            scale /= 2;
            next = at(theta + scale * step);
        }
        if (!(next.value >= cur.value)) break;
        theta += scale * step;
        model.converged_ = (scale * step).cwiseAbs().maxCoeff() < tol;
        cur = next;
        model.iterations_ = iter + 1;
        if (model.converged_) break;
    }
    model.alpha_ = std::exp(theta(0));
    model.beta_ = std::exp(theta(1));
    model.log_likelihood_ = cur.value;
    return model;
}

double ShiftedBetaGeometric::retention(double t) const {
    if (!(t >= 1) || std::isinf(t) || t != std::floor(t))
        throw InputError::argument("t", "must be a whole period >= 1");
    return (beta_ + t - 1) / (alpha_ + beta_ + t - 1);
}

double ShiftedBetaGeometric::survival(double t) const {
    if (!(t >= 0) || std::isinf(t) || t != std::floor(t))
        throw InputError::argument("t", "must be a whole period >= 0");
    return std::exp(detail::log_beta(alpha_, beta_ + t) - detail::log_beta(alpha_, beta_));
}

double ShiftedBetaGeometric::churn_probability(double t) const {
    if (!(t >= 1) || std::isinf(t) || t != std::floor(t))
        throw InputError::argument("t", "must be a whole period >= 1");
    return std::exp(detail::log_beta(alpha_ + 1, beta_ + t - 1) - detail::log_beta(alpha_, beta_));
}

namespace detail {
namespace {

// sum over k >= 0 of term_k, term_0 = first, term_k = term_{k-1} r(t0 + k) / (1 + d); the terms
// fall at least geometrically, so the sum stops when they no longer change it.
double discounted_sum(double alpha, double beta, double discount_rate, double first, double t0) {
    if (!(discount_rate > 0) || std::isinf(discount_rate))
        throw InputError::argument("discount_rate",
                                   "must be > 0 (undiscounted lifetimes may be infinite)");
    const double q = 1.0 / (1.0 + discount_rate);
    double term = first, total = 0.0;
    for (double t = t0 + 1; term >= 1e-17 * total; t += 1) {
        total += term;
        term *= q * (beta + t - 1) / (alpha + beta + t - 1);
    }
    return total;
}

}  // namespace
}  // namespace detail

double ShiftedBetaGeometric::discounted_expected_lifetime(double discount_rate) const {
    // S(0) = 1, then S(t) = S(t - 1) r(t).
    return detail::discounted_sum(alpha_, beta_, discount_rate, 1.0, 0.0);
}

double ShiftedBetaGeometric::discounted_residual_lifetime(double discount_rate,
                                                          double renewals) const {
    if (!(renewals >= 0) || std::isinf(renewals) || renewals != std::floor(renewals))
        throw InputError::argument("renewals", "must be a whole number >= 0");
    // The first term is S(n) / S(n - 1) = r(n), n = renewals + 1.
    const double n = renewals + 1;
    return detail::discounted_sum(alpha_, beta_, discount_rate, retention(n), n);
}

std::ostream& operator<<(std::ostream& out, const ShiftedBetaGeometric& m) {
    return out << "ShiftedBetaGeometric(alpha=" << m.alpha() << ", beta=" << m.beta() << ")";
}

}  // namespace retain::survival
