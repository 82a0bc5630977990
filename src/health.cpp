#include "retain/health.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

#include "detail/percentile.hpp"
#include "detail/shared_impl.hpp"
#include "document.hpp"
#include "retain/detail/parallel.hpp"
#include "retain/detail/radix_sort.hpp"
#include "retain/json.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace retain {

namespace detail {

// What a model keeps beyond its public fields: the document as given (for to_json, equality
// and calibrate) and the rank table of each percentile measure with a stored reference (empty
// for the others), built once rather than on every score.
struct HealthModelState {
    std::atomic<std::size_t> refs{1};  // the HealthModels (and copies) that share it
    json document;
    std::vector<PercentileTable> references;

    // Validates `document` into a model (any fault a ConfigError naming its path).
    static HealthModel build(json document) {
        HealthModel::State state(new HealthModelState());
        state.get()->document = std::move(document);
        return HealthModel(std::move(state));
    }

    // A moved-from model has no state; its document is null, as a moved-from json's would be.
    static const json& document_of(const HealthModel& model) {
        static const json null;
        const HealthModelState* state = model.state_.get();
        return state ? state->document : null;
    }

    static const std::vector<PercentileTable>& references_of(const HealthModel& model) {
        static const std::vector<PercentileTable> none;
        const HealthModelState* state = model.state_.get();
        return state ? state->references : none;
    }
};

}  // namespace detail

template class detail::Shared<detail::HealthModelState>;

namespace {

using detail::config_fail;
using detail::indexed;
using detail::json;
using detail::json_kind;
using detail::json_name;
using detail::json_number;
using detail::only_keys;

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

constexpr std::string_view policy_names[] = {"reweight", "neutral", "zero", "error"};
constexpr std::string_view kind_names[] = {"linear", "bands", "percentile", "boolean"};

// Output columns of a scored frame: a group may not take their names.
constexpr std::string_view reserved_names[] = {"score",        "grade",          "coverage",
                                               "score_change", "previous_grade", "computed_score",
                                               "overridden",   "model"};

// Scores are weighted sums of weight x score (up to 100): a weight near the top of the double
// range overflows them (1e307 x 100 is inf), a subnormal one rounds them to a few digits. Weights
// are relative, so a positive one within these bounds loses nothing, in a model of any size.
constexpr double min_weight = 1e-100, max_weight = 1e100;

double weight_at(const json& object, const std::string& path) {
    if (!object.contains("weight")) return 1.0;
    const double w = json_number(object["weight"], path + ".weight");
    if (!(w >= 0) || std::isinf(w))
        config_fail(path + ".weight",
                    "must be a finite number >= 0, got " + object["weight"].dump());
    if (w != 0 && !(w >= min_weight && w <= max_weight))
        config_fail(path + ".weight",
                    "must be 0 or from 1e-100 to 1e100 (weights are relative), got " +
                        object["weight"].dump());
    return w;
}

std::vector<double> number_list(const json& j, const std::string& path, std::string_view what) {
    if (!j.is_array() || j.empty())
        config_fail(path,
                    "expected a non-empty list of " + std::string(what) + ", got " + json_kind(j));
    std::vector<double> out;
    out.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) {
        const double x = json_number(j[i], indexed(path, i));
        if (!std::isfinite(x)) config_fail(indexed(path, i), "must be finite");
        out.push_back(x);
    }
    return out;
}

MeasureTransform parse_transform(const json& t, const std::string& path) {
    if (!t.is_object()) config_fail(path, "expected an object with a kind, got " + json_kind(t));
    if (!t.contains("kind")) config_fail(path + ".kind", "missing");
    const json& kind = t["kind"];
    std::size_t k = 0;
    while (k < std::size(kind_names) && !(kind.is_string() && kind == kind_names[k])) ++k;
    if (k == std::size(kind_names))
        config_fail(path + ".kind", "unknown transform " + json_kind(kind) +
                                        " (expected linear, bands, percentile, boolean)");
    MeasureTransform out;
    out.kind = static_cast<MeasureTransform::Kind>(k);
    switch (out.kind) {
        case MeasureTransform::Kind::linear:
            only_keys(t, path, {"kind", "lo", "hi"});
            for (const char* key : {"lo", "hi"})
                if (!t.contains(key)) config_fail(path + "." + key, "missing");
            out.lo = json_number(t["lo"], path + ".lo");
            out.hi = json_number(t["hi"], path + ".hi");
            if (!std::isfinite(out.lo)) config_fail(path + ".lo", "must be finite");
            if (!std::isfinite(out.hi)) config_fail(path + ".hi", "must be finite");
            if (out.lo == out.hi)
                config_fail(path + ".hi", "must differ from lo (both " + t["lo"].dump() +
                                              "); lo > hi means lower is better");
            // Scores divide by hi - lo: were it infinite, every value would score 0.
            if (!std::isfinite(out.hi - out.lo))
                config_fail(path + ".hi", "is too far from lo (hi - lo overflows a double: " +
                                              t["lo"].dump() + " to " + t["hi"].dump() + ")");
            break;
        case MeasureTransform::Kind::bands:
            only_keys(t, path, {"kind", "edges", "scores"});
            for (const char* key : {"edges", "scores"})
                if (!t.contains(key)) config_fail(path + "." + key, "missing");
            out.edges = number_list(t["edges"], path + ".edges", "edges");
            for (std::size_t i = 1; i < out.edges.size(); ++i)
                if (!(out.edges[i - 1] < out.edges[i]))
                    config_fail(path + ".edges", "must be strictly increasing (edges[" +
                                                     std::to_string(i) + "] is not above edges[" +
                                                     std::to_string(i - 1) + "])");
            out.scores = number_list(t["scores"], path + ".scores", "scores");
            if (out.scores.size() != out.edges.size() + 1)
                config_fail(path + ".scores", "needs one more score than edges (" +
                                                  std::to_string(out.edges.size()) + " edges, " +
                                                  std::to_string(out.scores.size()) + " scores)");
            for (std::size_t i = 0; i < out.scores.size(); ++i)
                if (!(out.scores[i] >= 0 && out.scores[i] <= 100))
                    config_fail(indexed(path + ".scores", i),
                                "must be in [0, 100], got " + t["scores"][i].dump());
            break;
        case MeasureTransform::Kind::percentile:
            only_keys(t, path, {"kind", "reference"});
            if (t.contains("reference")) {
                out.reference = number_list(t["reference"], path + ".reference", "values");
                for (std::size_t i = 1; i < out.reference.size(); ++i)
                    if (out.reference[i] < out.reference[i - 1])
                        config_fail(indexed(path + ".reference", i),
                                    "must be sorted (below the value before it)");
            }
            break;
        case MeasureTransform::Kind::boolean:
            only_keys(t, path, {"kind"});
            break;
    }
    return out;
}

// --- scoring -------------------------------------------------------------------------------

// The scoring loops are compiled twice on x86-64 Linux with GCC, for AVX2 and for the baseline,
// and the loader picks the one the CPU runs: twice the doubles per instruction in loops that do
// little else. AVX2 without FMA rounds every operation as the baseline does, so the scores are
// the same to the last bit on either path. Not under a sanitizer: the loader runs the choosing
// function (an ifunc resolver) before the sanitizer's runtime is up, and ThreadSanitizer's
// instrumented resolver then crashes.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define RETAIN_WIDE_LOOPS [[gnu::target_clones("avx2", "default")]]
#else
#define RETAIN_WIDE_LOOPS
#endif

// The measure columns of one call, found once.
struct Inputs {
    std::size_t rows = 0;
    std::vector<StridedColumn> data;   // per measure; data == nullptr: column absent
    std::vector<std::size_t> strided;  // the measures whose column is strided
    std::vector<std::string> column;   // per measure, for messages
    // Per percentile measure: the ranks it looks up, the model's stored reference or else the
    // population of the values being scored.
    std::vector<detail::PercentileTable> population;
    std::vector<const detail::PercentileTable*> ranks;
};

// An empty vector with room for n values, advised onto huge pages, as numpy does for its big
// arrays: the kernel then faults the memory in 2 MiB at a time, where 4 KiB pages cost a fault
// each, some 11,000 (tens of ms) for the 44 MB a million-row score writes. Only advice: where it
// is refused, or elsewhere than Linux, the vector is the same.
template <class T>
std::vector<T> with_room(std::size_t n) {
    std::vector<T> out;
    out.reserve(n);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t huge = std::uintptr_t{1} << 21;
    const auto first = reinterpret_cast<std::uintptr_t>(out.data());
    const std::uintptr_t from = (first + huge - 1) & ~(huge - 1);
    const std::uintptr_t to = (first + n * sizeof(T)) & ~(huge - 1);
    if (to > from) madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
#endif
    return out;
}

// A vector of n zeros (see with_room).
template <class T>
std::vector<T> zeros(std::size_t n) {
    std::vector<T> out = with_room<T>(n);
    out.resize(n);
    return out;
}

std::vector<StridedColumn> contiguous(const std::vector<std::span<const double>>& columns) {
    std::vector<StridedColumn> out;
    out.reserve(columns.size());
    for (const auto& c : columns) out.emplace_back(c);
    return out;
}

std::size_t check_table(const std::vector<std::string>& names,
                        const std::vector<StridedColumn>& columns) {
    if (names.size() != columns.size())
        throw InputError("score: " + std::to_string(names.size()) + " column names for " +
                         std::to_string(columns.size()) + " columns");
    const std::size_t n = columns.empty() ? 0 : columns[0].size;
    for (std::size_t c = 0; c < columns.size(); ++c) {
        if (columns[c].size != n)
            throw InputError("column '" + names[c] + "' has " + std::to_string(columns[c].size) +
                                 " values, column '" + names[0] + "' " + std::to_string(n),
                             ErrorSite{{}, names[c], {}, {}});
        if (columns[c].stride == 0)
            throw InputError("column '" + names[c] + "': stride 0 (every row the same value)",
                             ErrorSite{{}, names[c], {}, {}});
    }
    return n;
}

// Rows [begin, begin + n) of the strided columns of `measures` into out[j * step + i] (the j-th
// measure's i-th row), row by row: the values of a row of a row-major matrix lie together, so
// this streams through the matrix once, where a gather column by column would wait on a cache
// line per value. `step` should not be a multiple of 4096 / 8: stores that far apart compete
// for one set of the L1 cache, and a row's values would evict each other (padded_step).
constexpr std::size_t padded_step(std::size_t n) noexcept {
    return n + 8;  // one cache line more
}

void gather_rows(const Inputs& in, const std::vector<std::size_t>& measures, std::size_t begin,
                 std::size_t n, double* out, std::size_t step) {
    const std::size_t k = measures.size();
    std::vector<const double*> from(k);
    std::vector<std::size_t> stride(k);
    for (std::size_t j = 0; j < k; ++j) {
        const StridedColumn& c = in.data[measures[j]];
        from[j] = c.data + begin * c.stride;
        stride[j] = c.stride;
    }
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < k; ++j) out[j * step + i] = from[j][i * stride[j]];
}

// The sorted finite values of a column whose values are few: feature columns often hold a few
// hundred distinct values (counts, NPS answers, percents), and counting them in a small hash
// table, then sorting only the distinct ones, is several times faster than a radix sort of
// every value. False (and `out` untouched) once more than `most` distinct values turn up.
bool sorted_by_counting(const StridedColumn& x, const std::string& column,
                        std::vector<double>& out) {
    constexpr std::size_t most = 4096, slots = 4 * most;  // a quarter full at most
    struct Slot {
        std::uint64_t key = 0;  // a sort key; 0 is none (it would be a NaN's)
        std::size_t count = 0;
    };
    std::vector<Slot> table(slots);
    std::size_t distinct = 0, present = 0;
    for (std::size_t i = 0; i < x.size; ++i) {
        const double v = x[i];
        if (std::isnan(v)) continue;
        if (std::isinf(v)) throw InputError::at(column, i, detail::infinite_feature);
        const std::uint64_t key = detail::double_sort_key(v);
        std::size_t at = static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 50);
        while (table[at].key != key && table[at].key != 0) at = (at + 1) & (slots - 1);
        if (table[at].key == 0) {
            if (++distinct > most) return false;
            table[at].key = key;
        }
        ++table[at].count;
        ++present;
    }
    std::erase_if(table, [](const Slot& slot) { return slot.key == 0; });
    // In sort-key order, as the radix sort orders them (-0.0 just before 0.0).
    std::sort(table.begin(), table.end(),
              [](const Slot& a, const Slot& b) { return a.key < b.key; });
    out = with_room<double>(present);
    for (const Slot& slot : table)
        out.insert(out.end(), slot.count, detail::double_from_sort_key(slot.key));
    return true;
}

// The sorted finite values of a column, NaN left out (an infinite value is an error naming it).
std::vector<double> sorted_values(const StridedColumn& x, const std::string& column) {
    if (std::vector<double> few; sorted_by_counting(x, column, few)) return few;
    std::vector<std::uint64_t> keys = with_room<std::uint64_t>(x.size);
    for (std::size_t i = 0; i < x.size; ++i) {
        const double v = x[i];
        if (std::isnan(v)) continue;
        if (std::isinf(v)) throw InputError::at(column, i, detail::infinite_feature);
        keys.push_back(detail::double_sort_key(v));
    }
    detail::radix_sort(keys);
    std::vector<double> out = with_room<double>(keys.size());
    for (const std::uint64_t key : keys) out.push_back(detail::double_from_sort_key(key));
    return out;
}

Inputs find_inputs(const HealthModel& model, const std::vector<std::string>& names,
                   const std::vector<StridedColumn>& columns,
                   const std::vector<detail::PercentileTable>& references, Threads n_threads) {
    Inputs in;
    in.rows = check_table(names, columns);
    const auto& measures = model.measures();
    in.data.resize(measures.size());
    in.population.resize(measures.size());
    in.ranks.resize(measures.size(), nullptr);
    std::vector<std::size_t> to_rank;  // percentile measures ranked against their own values
    for (std::size_t m = 0; m < measures.size(); ++m) {
        const auto& measure = measures[m];
        in.column.push_back(measure.column);
        const auto it = std::find(names.begin(), names.end(), measure.column);
        if (it == names.end()) {
            if (model.missing() == MissingPolicy::error)
                throw ColumnError(
                    "measures[" + std::to_string(m) + "].column: no column '" + measure.column +
                        "' in the data (the model's missing policy is 'error')",
                    ErrorSite{{}, measure.column, {}, indexed("measures", m) + ".column"});
            continue;
        }
        in.data[m] = columns[static_cast<std::size_t>(it - names.begin())];
        if (measure.transform.kind != MeasureTransform::Kind::percentile) continue;
        if (references[m].empty())
            to_rank.push_back(m);
        else
            in.ranks[m] = &references[m];
    }
    for (std::size_t m = 0; m < measures.size(); ++m)
        if (in.data[m].data != nullptr && in.data[m].stride != 1) in.strided.push_back(m);
    // The strided columns to rank, copied first in one pass over the rows (see gather_rows).
    std::vector<std::size_t> strided_to_rank;
    for (std::size_t m : to_rank)
        if (in.data[m].stride != 1) strided_to_rank.push_back(m);
    const std::size_t step = padded_step(in.rows);
    std::vector<double> copies = zeros<double>(strided_to_rank.size() * step);
    if (!copies.empty())
        detail::for_each_block(
            in.rows, 4096, n_threads, [&](std::size_t, std::size_t begin, std::size_t end) {
                gather_rows(in, strided_to_rank, begin, end - begin, copies.data() + begin, step);
            });
    // Sorting each population is the costly part of ranking: one measure per thread.
    detail::for_each_block(
        to_rank.size(), 1, n_threads, [&](std::size_t, std::size_t k, std::size_t) {
            const std::size_t m = to_rank[k];
            const auto at = std::find(strided_to_rank.begin(), strided_to_rank.end(), m);
            const auto j = static_cast<std::size_t>(at - strided_to_rank.begin());
            const StridedColumn column = at == strided_to_rank.end()
                                             ? in.data[m]
                                             : StridedColumn(copies.data() + j * step, in.rows, 1);
            const auto values = sorted_values(column, in.column[m]);
            if (!values.empty()) in.population[m] = detail::PercentileTable(values);
        });
    for (std::size_t m : to_rank) in.ranks[m] = &in.population[m];
    return in;
}

// Measure scores of x[0, n) into s. A NaN x gets some score, which the caller discards: every
// loop stays free of branches on missing values, and all but the percentile one vectorise.
[[gnu::always_inline]] inline void measure_scores(const MeasureTransform& t,
                                                  const detail::PercentileTable* ranks,
                                                  const double* x, std::size_t n, double* s) {
    switch (t.kind) {
        case MeasureTransform::Kind::linear: {
            const double lo = t.lo, span = t.hi - t.lo;
            for (std::size_t i = 0; i < n; ++i) {
                const double u = (x[i] - lo) / span;
                s[i] = 100.0 * (u < 0.0 ? 0.0 : (u > 1.0 ? 1.0 : u));
            }
            break;
        }
        case MeasureTransform::Kind::bands: {
            // The score of the last edge at or below x, edge by edge (edges increase): a select
            // per edge vectorises, where a band index would need a gather.
            std::fill(s, s + n, t.scores[0]);
            for (std::size_t k = 0; k < t.edges.size(); ++k) {
                const double edge = t.edges[k], above = t.scores[k + 1];
                for (std::size_t i = 0; i < n; ++i) s[i] = x[i] >= edge ? above : s[i];
            }
            break;
        }
        case MeasureTransform::Kind::percentile:
            for (std::size_t i = 0; i < n; ++i) s[i] = x[i] == x[i] ? (*ranks)(x[i]) : 0.0;
            break;
        case MeasureTransform::Kind::boolean:
            for (std::size_t i = 0; i < n; ++i) s[i] = x[i] != 0.0 ? 100.0 : 0.0;
            break;
    }
}

// Values a block cannot take as they are.
struct BlockFlags {
    bool infinite = false;
    bool missing = false;  // looked for under the "error" policy only
};

// Adds measure m's weighted scores of x[0, n) into its group's sums. Imputing: missing values
// count as `fill` (neutral, zero); else they are left out (reweight, error). An infinite x turns
// its row's coverage into NaN (0 * inf), which the block checks once at the end: a counter
// here would be a reduction, and GCC does not vectorise this loop with one. Not inlined: GCC
// 12 vectorises it standalone but not once inlined into the block loop.
template <bool Imputing>
[[gnu::noinline]] RETAIN_WIDE_LOOPS void accumulate(const double* x, const double* s, std::size_t n,
                                                    double w, double e, double fill, double* gnum,
                                                    double* gden, double* coverage) {
    for (std::size_t i = 0; i < n; ++i) {
        const double xi = x[i];
        const bool present = xi == xi;
        const double si = s[i];  // loaded unconditionally, or GCC sees a branch and gives up
        if constexpr (Imputing) {
            gnum[i] += w * (present ? si : fill);
            gden[i] += w;
        } else {
            gnum[i] += present ? w * si : 0.0;
            gden[i] += present ? w : 0.0;
        }
        coverage[i] += present ? e + 0.0 * xi : 0.0;
    }
}

// Whether x[0, n) has a NaN: the "error" policy's check, off the common path.
bool any_missing(const double* x, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        if (x[i] != x[i]) return true;
    return false;
}

// Optional per-measure outputs of explain(); `weight` (the effective weight in the row) only
// when non-empty, for reasons(): a measure scored 0 contributes 0 whatever its weight, so the
// weight cannot be recovered from the contribution.
struct ExplainSink {
    std::vector<double*> contribution;
    std::vector<double*> measure_score;
    std::vector<double*> weight;
};

// Contributions of rows [begin, end) from the measure scores already in `sink`: effective
// weight in the row (group weight share x measure weight share) x measure score.
void explain_block(const HealthModel& model, const Inputs& in, std::size_t begin, std::size_t end,
                   const double* den, const double* total_weight, const double* score,
                   ExplainSink& sink) {
    const std::size_t n = end - begin;
    for (std::size_t m = 0; m < model.measures().size(); ++m) {
        const auto& measure = model.measures()[m];
        const double W = model.groups()[measure.group].weight;
        const double* gden = den + measure.group * n;
        double* ms = sink.measure_score[m] + begin;
        double* c = sink.contribution[m] + begin;
        double* weight = sink.weight.empty() ? nullptr : sink.weight[m] + begin;
        for (std::size_t i = 0; i < n; ++i) {
            double w = 0.0;
            if (score[i] != score[i]) {
                c[i] = nan;
                w = nan;
                const StridedColumn& x = in.data[m];
                if (x.data == nullptr || std::isnan(x[begin + i])) ms[i] = nan;
            } else if (ms[i] != ms[i] || gden[i] == 0.0) {
                c[i] = 0.0;
            } else {
                w = W / total_weight[i] * (measure.weight / gden[i]);
                c[i] = w * ms[i];
            }
            if (weight) weight[i] = w;
        }
    }
}

// Scores rows [begin, end): the one loop behind score() and explain(). Work goes column by
// column (measure by measure, then group by group) over a block small enough to stay in cache,
// so that every inner loop reads contiguous memory.
RETAIN_WIDE_LOOPS BlockFlags score_block(const HealthModel& model, const Inputs& in,
                                         std::size_t begin, std::size_t end, HealthScores& out,
                                         ExplainSink* explain) {
    const auto& measures = model.measures();
    const auto& groups = model.groups();
    const auto& effective = model.effective_weights();
    const std::size_t n = end - begin, G = groups.size();
    const MissingPolicy policy = model.missing();
    const bool imputing = policy == MissingPolicy::neutral || policy == MissingPolicy::zero;
    const double fill = policy == MissingPolicy::neutral ? 50.0 : 0.0;

    // One allocation for the block's scratch: group sums, coverage, a measure's scores, the
    // total and its weight, and the strided columns' values gathered (see gather_rows).
    const std::size_t n_strided = in.strided.size();
    const std::size_t step = padded_step(n);
    std::vector<double> scratch((2 * G + 4) * n + n_strided * step, 0.0);
    double* num = scratch.data();
    double* den = num + G * n;
    double* coverage = den + G * n;
    double* s = coverage + n;
    double* total = s + n;
    double* total_weight = total + n;
    double* gathered = total_weight + n;
    if (n_strided > 0) gather_rows(in, in.strided, begin, n, gathered, step);
    BlockFlags flags;
    for (std::size_t m = 0; m < measures.size(); ++m) {
        const auto& measure = measures[m];
        double* gnum = num + measure.group * n;
        double* gden = den + measure.group * n;
        const double w = measure.weight;
        double* ms = explain ? explain->measure_score[m] + begin : nullptr;
        if (in.data[m].data == nullptr) {  // an absent column: missing in every row
            if (imputing)
                for (std::size_t i = 0; i < n; ++i) gnum[i] += w * fill, gden[i] += w;
            if (ms) std::fill(ms, ms + n, imputing ? fill : nan);
            continue;
        }
        const double* x = in.data[m].data + begin;
        if (in.data[m].stride != 1) {
            const auto at = std::find(in.strided.begin(), in.strided.end(), m);
            x = gathered + static_cast<std::size_t>(at - in.strided.begin()) * step;
        }
        measure_scores(measure.transform, in.ranks[m], x, n, s);
        if (imputing)
            accumulate<true>(x, s, n, w, effective[m], fill, gnum, gden, coverage);
        else
            accumulate<false>(x, s, n, w, effective[m], fill, gnum, gden, coverage);
        if (policy == MissingPolicy::error) flags.missing = flags.missing || any_missing(x, n);
        if (ms)
            for (std::size_t i = 0; i < n; ++i)
                ms[i] = x[i] == x[i] ? s[i] : (imputing ? fill : nan);
    }

    flags.infinite = any_missing(coverage, n);

    // Group scores and the weighted mean of those that exist; a row with nothing present has
    // no group score either.
    for (std::size_t g = 0; g < G; ++g) {
        const double W = groups[g].weight;
        const double* gnum = num + g * n;
        const double* gden = den + g * n;
        double* gs = out.groups[g].data() + begin;
        for (std::size_t i = 0; i < n; ++i) {
            const bool has = gden[i] > 0.0;
            const double mean = gnum[i] / gden[i];  // 0/0 where !has, then discarded
            gs[i] = has && coverage[i] != 0.0 ? mean : nan;
            total[i] += has ? W * mean : 0.0;
            total_weight[i] += has ? W : 0.0;
        }
    }
    double* score = out.score.data() + begin;
    for (std::size_t i = 0; i < n; ++i) {
        const double mean = total[i] / total_weight[i];
        score[i] = coverage[i] == 0.0 ? nan : mean;
    }
    // The grade: the number of grade minimums at or below the score, less one (the first
    // minimum is 0, and a NaN score is at or above none of them: -1).
    std::int32_t* grade = out.grade.data() + begin;
    std::fill(grade, grade + n, -1);
    for (const auto& g : model.grades()) {
        const double min = g.min;
        for (std::size_t i = 0; i < n; ++i) grade[i] += score[i] >= min ? 1 : 0;
    }
    // The effective weights sum to 1 only to rounding: every measure present is coverage 1, not
    // 1 + 2^-52, and coverage stays in [0, 1] as documented.
    std::transform(coverage, coverage + n, out.coverage.begin() + static_cast<std::ptrdiff_t>(begin),
                   [](double c) { return std::min(c, 1.0); });
    if (explain) explain_block(model, in, begin, end, den, total_weight, score, *explain);
    return flags;
}

// After a block reported a bad value: the first one in row order, as the error it is.
[[noreturn]] void throw_first_bad(const Inputs& in, bool missing_is_error) {
    for (std::size_t row = 0; row < in.rows; ++row)
        for (std::size_t m = 0; m < in.data.size(); ++m) {
            if (in.data[m].data == nullptr) continue;
            const double x = in.data[m][row];
            if (std::isinf(x)) throw InputError::at(in.column[m], row, detail::infinite_feature);
            if (missing_is_error && std::isnan(x))
                throw InputError::at(in.column[m], row, detail::missing_feature);
        }
    throw Error("health score: a block reported a bad value that is not there");  // unreachable
}

constexpr std::size_t block_rows = 512;

HealthScores run(const HealthModel& model, const Inputs& in, Threads n_threads,
                 ExplainSink* explain) {
    HealthScores out;
    out.score = zeros<double>(in.rows);
    out.coverage = zeros<double>(in.rows);
    out.grade = zeros<std::int32_t>(in.rows);
    for (std::size_t g = 0; g < model.groups().size(); ++g)
        out.groups.push_back(zeros<double>(in.rows));
    const std::size_t n_blocks = (in.rows + block_rows - 1) / block_rows;
    std::vector<BlockFlags> flags(n_blocks);
    detail::for_each_block(in.rows, block_rows, n_threads,
                           [&](std::size_t b, std::size_t begin, std::size_t end) {
                               flags[b] = score_block(model, in, begin, end, out, explain);
                           });
    const bool strict = model.missing() == MissingPolicy::error;
    bool infinite = false, missing = false;
    for (const auto& f : flags) infinite |= f.infinite, missing |= f.missing;
    if (infinite || missing) throw_first_bad(in, strict);
    return out;
}

void check_threads(Threads n_threads) {
    if (n_threads.count() < 0)
        throw InputError::argument("n_threads", "must be >= 0 (0 = the process default), got " +
                                                    std::to_string(n_threads.count()));
}

void check_top(int top) {
    if (top < 1) throw InputError::argument("top", "must be >= 1, got " + std::to_string(top));
}

// The data of `column` in a table, nullptr when the table lacks it.
const double* column_data(const std::vector<std::string>& names,
                          const std::vector<std::span<const double>>& columns,
                          const std::string& column) {
    const auto it = std::find(names.begin(), names.end(), column);
    return it == names.end() ? nullptr
                             : columns[static_cast<std::size_t>(it - names.begin())].data();
}

// Which measures each row lists: those with key(m, row) > 0 (a NaN key never), at most `top`,
// largest key first and ties in model order. Rows go in fixed blocks, each ranked into its own
// part, and the parts are joined in row order: the same entries on any number of threads.
struct Ranked {
    std::vector<std::int64_t> row;
    std::vector<std::int32_t> rank, measure;
};

template <class Key>
Ranked rank_measures(std::size_t rows, std::size_t n_measures, int top, Threads n_threads,
                     const Key& key) {
    const std::size_t n_blocks = (rows + block_rows - 1) / block_rows;
    std::vector<Ranked> parts(n_blocks);
    detail::for_each_block(
        rows, block_rows, n_threads, [&](std::size_t b, std::size_t begin, std::size_t end) {
            Ranked& part = parts[b];
            std::vector<std::size_t> listed;
            std::vector<double> k(n_measures);
            for (std::size_t row = begin; row < end; ++row) {
                listed.clear();
                for (std::size_t m = 0; m < n_measures; ++m) {
                    k[m] = key(m, row);
                    if (k[m] > 0.0) listed.push_back(m);
                }
                const std::size_t shown = std::min(listed.size(), static_cast<std::size_t>(top));
                std::partial_sort(listed.begin(), listed.begin() + shown, listed.end(),
                                  [&](std::size_t a, std::size_t z) {
                                      return k[a] > k[z] || (k[a] == k[z] && a < z);
                                  });
                for (std::size_t r = 0; r < shown; ++r) {
                    part.row.push_back(static_cast<std::int64_t>(row));
                    part.rank.push_back(static_cast<std::int32_t>(r + 1));
                    part.measure.push_back(static_cast<std::int32_t>(listed[r]));
                }
            }
        });
    Ranked out;
    for (const auto& part : parts) {
        out.row.insert(out.row.end(), part.row.begin(), part.row.end());
        out.rank.insert(out.rank.end(), part.rank.begin(), part.rank.end());
        out.measure.insert(out.measure.end(), part.measure.begin(), part.measure.end());
    }
    return out;
}

// Numbers as a sentence shows them. A value: whole numbers in full ("1500000", not "1.5e+06"),
// others as %g; "missing" for NaN.
std::string value_text(double x) {
    if (std::isnan(x)) return "missing";
    char buffer[64];
    if (x == std::trunc(x) && std::fabs(x) < 1e15)
        std::snprintf(buffer, sizeof buffer, "%.0f", x == 0.0 ? 0.0 : x);  // no "-0"
    else
        std::snprintf(buffer, sizeof buffer, "%g", x);
    return buffer;
}

// A measure score: a whole number when it rounds to one at one decimal, else one decimal.
std::string measure_score_text(double s) {
    const double tenths = std::round(s * 10.0) / 10.0;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, tenths == std::trunc(tenths) ? "%.0f" : "%.1f", tenths);
    return buffer;
}

std::string points_text(double points, bool signed_) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, signed_ ? "%+.1f" : "%.1f", points);
    return buffer;
}

}  // namespace

std::string_view to_string(MissingPolicy policy) noexcept {
    return policy_names[static_cast<std::size_t>(policy)];
}

std::string_view to_string(MeasureTransform::Kind kind) noexcept {
    return kind_names[static_cast<std::size_t>(kind)];
}

HealthModel::HealthModel(State state) {
    // Not shared yet: the rank tables are filled in here, and never changed after.
    detail::HealthModelState& built = *state.get();
    const json& d = built.document;
    if (!d.is_object())
        config_fail("model",
                    "expected an object with version, groups, measures; got " + json_kind(d));
    only_keys(d, "", {"version", "name", "groups", "measures", "missing", "grades"});
    if (!d.contains("version")) config_fail("version", "missing (this library reads version 1)");
    if (!d["version"].is_number() || d["version"].get<double>() != 1.0) {
        // A list or object is named, not written out: dump() recurses once per level of nesting,
        // and a deeply nested value would overflow the stack.
        const json& version = d["version"];
        const std::string given =
            version.is_structured() ? json_kind(version) : detail::shown(version);
        config_fail("version", "unsupported version " + given + " (expected 1)");
    }
    if (d.contains("name")) {
        if (!d["name"].is_string())
            config_fail("name", "expected a string, got " + json_kind(d["name"]));
        name_ = d["name"].get<std::string>();
    }

    // Groups.
    if (!d.contains("groups")) config_fail("groups", "missing");
    const json& groups = d["groups"];
    if (!groups.is_array() || groups.empty())
        config_fail("groups", "expected a non-empty list of groups, got " + json_kind(groups));
    std::unordered_map<std::string, std::size_t> group_index;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const std::string path = indexed("groups", g);
        const json& group = groups[g];
        if (!group.is_object())
            config_fail(path, "expected an object with name, weight; got " + json_kind(group));
        only_keys(group, path, {"name", "weight"});
        if (!group.contains("name")) config_fail(path + ".name", "missing");
        Group out{json_name(group["name"], path + ".name", "group name"), weight_at(group, path)};
        for (auto reserved : reserved_names)
            if (out.name == reserved)
                config_fail(path + ".name",
                            "'" + out.name + "' is reserved (a column of the scored frame)");
        if (auto [it, fresh] = group_index.emplace(out.name, g); !fresh)
            config_fail(path + ".name", "duplicate group name '" + out.name + "' (also " +
                                            indexed("groups", it->second) + ")");
        groups_.push_back(std::move(out));
    }

    // Measures.
    if (!d.contains("measures")) config_fail("measures", "missing");
    const json& measures = d["measures"];
    if (!measures.is_array() || measures.empty())
        config_fail("measures",
                    "expected a non-empty list of measures, got " + json_kind(measures));
    std::unordered_map<std::string, std::size_t> measure_index;
    for (std::size_t m = 0; m < measures.size(); ++m) {
        const std::string path = indexed("measures", m);
        const json& measure = measures[m];
        if (!measure.is_object())
            config_fail(
                path, "expected an object with name, group, transform; got " + json_kind(measure));
        only_keys(measure, path, {"name", "column", "group", "weight", "transform", "label"});
        for (const char* key : {"name", "group", "transform"})
            if (!measure.contains(key)) config_fail(path + "." + key, "missing");
        Measure out;
        out.name = json_name(measure["name"], path + ".name", "measure name");
        if (auto [it, fresh] = measure_index.emplace(out.name, m); !fresh)
            config_fail(path + ".name", "duplicate measure name '" + out.name + "' (also " +
                                            indexed("measures", it->second) + ")");
        out.column = measure.contains("column")
                         ? json_name(measure["column"], path + ".column", "column name")
                         : out.name;
        const std::string group = json_name(measure["group"], path + ".group", "group name");
        const auto it = group_index.find(group);
        if (it == group_index.end()) {
            std::string known;
            for (const auto& g : groups_) known += (known.empty() ? "" : ", ") + g.name;
            config_fail(path + ".group", "unknown group '" + group + "' (groups: " + known + ")");
        }
        out.group = it->second;
        out.weight = weight_at(measure, path);
        if (measure.contains("label")) {
            out.label = json_name(measure["label"], path + ".label", "label");
        } else {
            out.label = out.name;
            std::replace(out.label.begin(), out.label.end(), '_', ' ');
        }
        out.transform = parse_transform(measure["transform"], path + ".transform");
        built.references.push_back(out.transform.reference.empty()
                                       ? detail::PercentileTable()
                                       : detail::PercentileTable(out.transform.reference));
        measures_.push_back(std::move(out));
    }

    // Every group is used, and the weights can score something.
    std::vector<double> measure_weight(groups_.size(), 0.0);
    std::vector<bool> used(groups_.size(), false);
    for (const auto& m : measures_) measure_weight[m.group] += m.weight, used[m.group] = true;
    for (std::size_t g = 0; g < groups_.size(); ++g)
        if (!used[g])
            config_fail(indexed("groups", g),
                        "no measure belongs to group '" + groups_[g].name + "'");
    double live_weight = 0.0;
    for (std::size_t g = 0; g < groups_.size(); ++g)
        if (measure_weight[g] > 0.0) live_weight += groups_[g].weight;
    if (!(live_weight > 0.0))
        config_fail("groups",
                    "no group has both a positive weight and a measure of positive "
                    "weight, so the model scores nothing");
    for (const auto& m : measures_)
        effective_.push_back(measure_weight[m.group] > 0.0
                                 ? groups_[m.group].weight / live_weight *
                                       (m.weight / measure_weight[m.group])
                                 : 0.0);

    if (d.contains("missing")) {
        const json& missing = d["missing"];
        std::size_t k = 0;
        while (k < std::size(policy_names) && !(missing.is_string() && missing == policy_names[k]))
            ++k;
        if (k == std::size(policy_names))
            config_fail("missing", "unknown policy " + json_kind(missing) +
                                       " (expected reweight, neutral, zero, error)");
        missing_ = static_cast<MissingPolicy>(k);
    }

    if (d.contains("grades")) {
        const json& grades = d["grades"];
        if (!grades.is_array())
            config_fail("grades", "expected a list of {min, label}, got " + json_kind(grades));
        std::unordered_map<std::string, std::size_t> labels;
        for (std::size_t k = 0; k < grades.size(); ++k) {
            const std::string path = indexed("grades", k);
            const json& grade = grades[k];
            if (!grade.is_object())
                config_fail(path, "expected an object with min, label; got " + json_kind(grade));
            only_keys(grade, path, {"min", "label"});
            for (const char* key : {"min", "label"})
                if (!grade.contains(key)) config_fail(path + "." + key, "missing");
            Grade out{json_number(grade["min"], path + ".min"),
                      json_name(grade["label"], path + ".label", "label")};
            if (k == 0 && out.min != 0.0)
                config_fail(path + ".min",
                            "the first grade starts at 0, got " + grade["min"].dump());
            if (k > 0 && !(out.min > grades_.back().min))
                config_fail(path + ".min", "must be above the min before it (" +
                                               grades[k - 1]["min"].dump() + ")");
            if (out.min > 100.0)
                config_fail(path + ".min",
                            "must be at most 100 (scores are 0-100), got " + grade["min"].dump());
            if (auto [it, fresh] = labels.emplace(out.label, k); !fresh)
                config_fail(path + ".label", "duplicate label '" + out.label + "' (also " +
                                                 indexed("grades", it->second) + ")");
            grades_.push_back(std::move(out));
        }
    }
    // Last, once the document is known to be shallow: to_json() must be able to write it back.
    detail::require_utf8(d, "");
    state_ = std::move(state);
}

HealthModel HealthModel::from_json(std::string_view text) {
    return detail::HealthModelState::build(detail::parse_document(text, "model"));
}

std::string HealthModel::to_json() const {
    return detail::HealthModelState::document_of(*this).dump();
}

bool operator==(const HealthModel& a, const HealthModel& b) {
    using detail::HealthModelState;
    return a.state_.get() == b.state_.get() ||
           HealthModelState::document_of(a) == HealthModelState::document_of(b);
}

HealthModel health_model_from_json(nlohmann::json document) {
    return detail::HealthModelState::build(std::move(document));
}

nlohmann::json to_json_document(const HealthModel& model) {
    return detail::HealthModelState::document_of(model);
}

std::vector<std::string> HealthModel::required_columns() const {
    std::vector<std::string> out;
    for (const auto& m : measures_)
        if (std::find(out.begin(), out.end(), m.column) == out.end()) out.push_back(m.column);
    return out;
}

std::int32_t HealthModel::grade_of(double score) const noexcept {
    if (std::isnan(score)) return -1;
    std::int32_t k = -1;
    for (std::size_t i = 0; i < grades_.size() && grades_[i].min <= score; ++i)
        k = static_cast<std::int32_t>(i);
    return k;
}

std::vector<StridedColumn> matrix_columns(std::span<const double> matrix, std::size_t n_columns) {
    if (n_columns == 0)
        throw InputError::argument("n_columns", "must be >= 1 (the matrix's columns), got 0");
    if (matrix.size() % n_columns != 0)
        throw InputError::argument("matrix", std::to_string(matrix.size()) +
                                                 " values are not whole rows of " +
                                                 std::to_string(n_columns) + " columns");
    const std::size_t rows = matrix.size() / n_columns;
    std::vector<StridedColumn> out;
    out.reserve(n_columns);
    for (std::size_t j = 0; j < n_columns; ++j)
        out.emplace_back(matrix.data() + j, rows, n_columns);
    return out;
}

HealthScores HealthModel::score(const std::vector<std::string>& column_names,
                                const std::vector<std::span<const double>>& columns,
                                Threads n_threads) const {
    return score(column_names, contiguous(columns), n_threads);
}

HealthScores HealthModel::score(const std::vector<std::string>& column_names,
                                const std::vector<StridedColumn>& columns,
                                Threads n_threads) const {
    check_threads(n_threads);
    return run(*this,
               find_inputs(*this, column_names, columns,
                           detail::HealthModelState::references_of(*this), n_threads),
               n_threads, nullptr);
}

HealthExplanation HealthModel::explain(const std::vector<std::string>& column_names,
                                       const std::vector<std::span<const double>>& columns,
                                       Threads n_threads) const {
    return explain(column_names, contiguous(columns), n_threads);
}

HealthExplanation HealthModel::explain(const std::vector<std::string>& column_names,
                                       const std::vector<StridedColumn>& columns,
                                       Threads n_threads) const {
    check_threads(n_threads);
    const Inputs in = find_inputs(*this, column_names, columns,
                                  detail::HealthModelState::references_of(*this), n_threads);
    HealthExplanation out;
    for (std::size_t m = 0; m < measures_.size(); ++m) {
        out.contribution.push_back(zeros<double>(in.rows));
        out.measure_score.push_back(zeros<double>(in.rows));
    }
    ExplainSink sink;
    for (std::size_t m = 0; m < measures_.size(); ++m) {
        sink.contribution.push_back(out.contribution[m].data());
        sink.measure_score.push_back(out.measure_score[m].data());
    }
    out.score = run(*this, in, n_threads, &sink).score;
    return out;
}

HealthExplanation HealthModel::explain_change(const std::vector<std::string>& before_names,
                                              const std::vector<std::span<const double>>& before,
                                              const std::vector<std::string>& after_names,
                                              const std::vector<std::span<const double>>& after,
                                              Threads n_threads) const {
    HealthExplanation b = explain(before_names, before, n_threads);
    HealthExplanation a = explain(after_names, after, n_threads);
    if (a.score.size() != b.score.size())
        throw InputError("explain_change: 'before' has " + std::to_string(b.score.size()) +
                         " rows, 'after' " + std::to_string(a.score.size()) +
                         " (the same accounts in the same order are needed)");
    for (std::size_t row = 0; row < a.score.size(); ++row) {
        const bool defined = !std::isnan(a.score[row]) && !std::isnan(b.score[row]);
        a.score[row] = defined ? a.score[row] - b.score[row] : nan;
        for (std::size_t m = 0; m < measures_.size(); ++m) {
            double& c = a.contribution[m][row];
            c = defined ? c - b.contribution[m][row] : nan;
            double& ms = a.measure_score[m][row];
            ms = ms - b.measure_score[m][row];
        }
    }
    return a;
}

HealthReasons HealthModel::reasons(const std::vector<std::string>& column_names,
                                   const std::vector<std::span<const double>>& columns, int top,
                                   Threads n_threads) const {
    return reasons(column_names, contiguous(columns), top, n_threads);
}

HealthReasons HealthModel::reasons(const std::vector<std::string>& column_names,
                                   const std::vector<StridedColumn>& columns, int top,
                                   Threads n_threads) const {
    check_threads(n_threads);
    check_top(top);
    const Inputs in = find_inputs(*this, column_names, columns,
                                  detail::HealthModelState::references_of(*this), n_threads);
    const std::size_t M = measures_.size();
    std::vector<std::vector<double>> contribution(M, std::vector<double>(in.rows)),
        measure_score(M, std::vector<double>(in.rows)), weight(M, std::vector<double>(in.rows));
    ExplainSink sink;
    for (std::size_t m = 0; m < M; ++m) {
        sink.contribution.push_back(contribution[m].data());
        sink.measure_score.push_back(measure_score[m].data());
        sink.weight.push_back(weight[m].data());
    }
    run(*this, in, n_threads, &sink);
    // A left-out measure has weight 0 and a NaN measure score, a row scoring NaN a NaN weight:
    // both give a key that is not > 0, so neither is listed.
    const auto points = [&](std::size_t m, std::size_t row) {
        return weight[m][row] * (100.0 - measure_score[m][row]);
    };
    Ranked ranked = rank_measures(in.rows, M, top, n_threads, points);
    HealthReasons out;
    const std::size_t n = ranked.row.size();
    out.value.resize(n);
    out.measure_score.resize(n);
    out.points.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto row = static_cast<std::size_t>(ranked.row[i]);
        const auto m = static_cast<std::size_t>(ranked.measure[i]);
        out.value[i] = in.data[m].data ? in.data[m][row] : nan;
        out.measure_score[i] = measure_score[m][row];
        out.points[i] = points(m, row);
    }
    out.row = std::move(ranked.row);
    out.rank = std::move(ranked.rank);
    out.measure = std::move(ranked.measure);
    return out;
}

HealthReasonChanges HealthModel::reasons_change(const std::vector<std::string>& before_names,
                                                const std::vector<std::span<const double>>& before,
                                                const std::vector<std::string>& after_names,
                                                const std::vector<std::span<const double>>& after,
                                                int top, Threads n_threads) const {
    check_top(top);
    const HealthExplanation change =
        explain_change(before_names, before, after_names, after, n_threads);
    const std::size_t M = measures_.size(), rows = change.score.size();
    // Where either score is NaN the changes are NaN, whose magnitude is not > 0: not listed.
    Ranked ranked = rank_measures(rows, M, top, n_threads, [&](std::size_t m, std::size_t row) {
        return std::fabs(change.contribution[m][row]);
    });
    std::vector<const double*> was(M), now(M);
    for (std::size_t m = 0; m < M; ++m) {
        was[m] = column_data(before_names, before, measures_[m].column);
        now[m] = column_data(after_names, after, measures_[m].column);
    }
    HealthReasonChanges out;
    const std::size_t n = ranked.row.size();
    out.value_before.resize(n);
    out.value.resize(n);
    out.points.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto row = static_cast<std::size_t>(ranked.row[i]);
        const auto m = static_cast<std::size_t>(ranked.measure[i]);
        out.value_before[i] = was[m] ? was[m][row] : nan;
        out.value[i] = now[m] ? now[m][row] : nan;
        out.points[i] = change.contribution[m][row];
    }
    out.row = std::move(ranked.row);
    out.rank = std::move(ranked.rank);
    out.measure = std::move(ranked.measure);
    return out;
}

std::string HealthModel::reason_text(std::size_t measure, double value, double measure_score,
                                     double points) const {
    if (measure >= measures_.size())
        throw InputError::out_of_range("measure", measure, measures_.size());
    // U+2014 EM DASH, spelt as bytes so that the sentence is UTF-8 whatever the source charset.
    const std::string dash = " \xE2\x80\x94 ";
    return measures_[measure].label + ": " + value_text(value) + dash +
           (std::isnan(value) ? "counted as " : "scores ") + measure_score_text(measure_score) +
           " of 100, costs " + points_text(points, false) + " points";
}

std::string HealthModel::change_text(std::size_t measure, double value_before, double value,
                                     double points) const {
    if (measure >= measures_.size())
        throw InputError::out_of_range("measure", measure, measures_.size());
    const std::string arrow = " \xE2\x86\x92 ";  // U+2192 RIGHTWARDS ARROW, as UTF-8
    return measures_[measure].label + ": " + value_text(value_before) + arrow + value_text(value) +
           ", " + points_text(points, true) + " points";
}

HealthModel HealthModel::calibrate(const std::vector<std::string>& column_names,
                                   const std::vector<std::span<const double>>& columns) const {
    check_table(column_names, contiguous(columns));
    json document = detail::HealthModelState::document_of(*this);
    for (std::size_t m = 0; m < measures_.size(); ++m) {
        const auto& measure = measures_[m];
        if (measure.transform.kind != MeasureTransform::Kind::percentile) continue;
        const std::string path = indexed("measures", m);
        const auto it = std::find(column_names.begin(), column_names.end(), measure.column);
        if (it == column_names.end())
            throw ColumnError(path + ".column: cannot calibrate percentile measure '" +
                                  measure.name + "': no column '" + measure.column +
                                  "' in the data",
                              ErrorSite{{}, measure.column, {}, path + ".column"});
        auto values = sorted_values(
            StridedColumn(columns[static_cast<std::size_t>(it - column_names.begin())]),
            measure.column);
        if (values.empty())
            throw InputError(path + ": cannot calibrate percentile measure '" + measure.name +
                                 "': column '" + measure.column + "' has no value",
                             ErrorSite{{}, measure.column, {}, path});
        document["measures"][m]["transform"]["reference"] = std::move(values);
    }
    return detail::HealthModelState::build(std::move(document));
}

}  // namespace retain
