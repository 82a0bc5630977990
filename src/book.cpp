#include "retain/book.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <exception>
#include <numeric>
#include <sstream>

#include "retain/detail/parallel.hpp"
#include "retain/error.hpp"
#include "retain/labels.hpp"

namespace retain {

namespace {

constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

void check_length(std::size_t expected, std::size_t got, std::string_view table,
                  std::string_view column, bool optional = false) {
    if (got == expected || (optional && got == 0)) return;
    std::ostringstream what;
    what << "table '" << table << "': column '" << column << "' has " << got << " rows, the "
         << "table " << expected;
    throw InputError(what.str());
}

// Rows grouped by account code (CSR), each group in input order; rows with code -1 left out.
struct Grouped {
    std::vector<std::size_t> offsets, rows;
};

Grouped group_by_code(std::span<const std::int64_t> code, std::size_t n) {
    Grouped g;
    g.offsets.assign(n + 1, 0);
    for (const std::int64_t c : code)
        if (c >= 0) ++g.offsets[static_cast<std::size_t>(c) + 1];
    std::partial_sum(g.offsets.begin(), g.offsets.end(), g.offsets.begin());
    g.rows.resize(g.offsets[n]);
    std::vector<std::size_t> fill(g.offsets.begin(), g.offsets.end() - 1);
    for (std::size_t r = 0; r < code.size(); ++r)
        if (code[r] >= 0) g.rows[fill[static_cast<std::size_t>(code[r])]++] = r;
    return g;
}

// Codes of the distinct values of a column (ints shown as text), in order of first appearance.
// With `blank_is_none`, an empty label (a missing value, as the adapters pass it) is code -1.
std::vector<std::int64_t> intern_labels(const IdColumn& column, std::vector<std::string>& names,
                                        bool blank_is_none = false) {
    std::vector<std::int64_t> out(column.size());
    IdIndex<std::string> index;
    // Labels repeat: text is looked up in place, and only a new label is copied.
    for (std::size_t i = 0; i < column.size(); ++i)
        out[i] = column.is_text() ? index.intern(column.text_at(i))
                                  : index.intern(std::to_string(column.int_at(i)));
    names.assign(index.ids().begin(), index.ids().end());
    if (blank_is_none) {
        const auto blank = std::find(names.begin(), names.end(), std::string());
        if (blank != names.end()) {
            const auto b = static_cast<std::int64_t>(blank - names.begin());
            names.erase(blank);
            for (auto& c : out) c = c == b ? -1 : c > b ? c - 1 : c;
        }
    }
    return out;
}

// intern_labels with the names sorted (codes follow), blanks none; int32 codes.
std::vector<std::int32_t> sorted_labels(const IdColumn& column, std::vector<std::string>& names) {
    names.clear();
    if (column.empty()) return {};
    std::vector<std::string> seen;
    const auto first = intern_labels(column, seen, true);
    std::vector<std::size_t> order(seen.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t x, std::size_t y) { return seen[x] < seen[y]; });
    std::vector<std::int32_t> rank(seen.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        rank[order[k]] = static_cast<std::int32_t>(k);
        names.push_back(seen[order[k]]);
    }
    std::vector<std::int32_t> out(first.size());
    for (std::size_t i = 0; i < first.size(); ++i)
        out[i] = first[i] < 0 ? -1 : rank[static_cast<std::size_t>(first[i])];
    return out;
}

// Days a Book's times may fall on, as the event log and the onboarding KPIs take them:
// |day| <= 10^8 (273,000 years either way). A time beyond is mis-encoded, and its day would not
// fit a Day.
constexpr std::int64_t max_abs_day = 100'000'000;

// The day of a time that is there (not NaT), checked to be in range.
Day day_in_range(Time t, std::size_t row, std::string_view table, std::string_view column) {
    const std::int64_t day = detail::floor_div(t, 86'400);
    if (day < -max_abs_day || day > max_abs_day)
        throw InputError::in_table(table, column, row,
                                   "date out of range (" + std::to_string(t) +
                                       " seconds is more than 10^8 days from 1970-01-01)");
    return static_cast<Day>(day);
}

// The day of row `row`'s time, which is required: NaT is an error, as is a day out of range.
Day required_day(std::span<const Time> times, std::size_t row, std::string_view table,
                 std::string_view column) {
    if (times[row] == no_time) throw InputError::in_table(table, column, row, "missing date");
    return day_in_range(times[row], row, table, column);
}

}  // namespace

std::vector<std::int64_t> id_buckets(const IdColumn& ids, std::int64_t n_buckets, Threads threads) {
    if (n_buckets < 1)
        throw InputError::argument("n_buckets", "must be >= 1, got " + std::to_string(n_buckets));
    const auto fnv1a = [](std::string_view text) {
        std::uint64_t h = 14695981039346656037ull;
        for (const char c : text) {
            h ^= static_cast<unsigned char>(c);
            h *= 1099511628211ull;
        }
        return h;
    };
    const auto n = static_cast<std::uint64_t>(n_buckets);
    std::vector<std::int64_t> out(ids.size());
    detail::for_each_block(
        ids.size(), std::size_t{1} << 16, threads, [&](std::size_t, std::size_t lo, std::size_t hi) {
            if (ids.is_text()) {
                for (std::size_t i = lo; i < hi; ++i)
                    out[i] = static_cast<std::int64_t>(fnv1a(ids.text_at(i)) % n);
                return;
            }
            char digits[24];
            for (std::size_t i = lo; i < hi; ++i) {
                const auto end = std::to_chars(digits, digits + sizeof digits, ids.int_at(i)).ptr;
                out[i] = static_cast<std::int64_t>(
                    fnv1a(std::string_view(digits, static_cast<std::size_t>(end - digits))) % n);
            }
        });
    return out;
}

InternedIds intern_ids(const IdColumn& ids, Threads threads) {
    const std::size_t n = ids.size();
    InternedIds out;
    out.code.resize(n);
    const auto first_rows = [&](std::size_t lo, std::size_t hi, std::vector<std::size_t>& first) {
        for (std::size_t i = lo; i < hi; ++i)
            if (static_cast<std::size_t>(out.code[i]) == first.size()) first.push_back(i);
    };
    if (!ids.is_text()) {
        IdIndex<std::int64_t> index;
        index.intern_all(
            0, n, [&](std::size_t i) { return ids.int_at(i); }, out.code.data());
        first_rows(0, n, out.first_row);
        return out;
    }
    // Each part interns its own rows; the parts' distinct ids are then merged in part order, which
    // is row order, so a global code is still the rank of its first appearance.
    const std::size_t parts =
        std::clamp<std::size_t>(n / (std::size_t{1} << 16), 1, detail::resolve_threads(threads));
    std::vector<IdIndex<std::string>> local(parts);
    std::vector<std::vector<std::size_t>> local_first(parts);
    const std::size_t per_part = (n + parts - 1) / parts;
    detail::for_each_block(
        n, per_part, threads, [&](std::size_t p, std::size_t lo, std::size_t hi) {
            local[p].intern_all(
                lo, hi, [&](std::size_t i) { return ids.text_at(i); }, out.code.data());
            first_rows(lo, hi, local_first[p]);
        });
    // Blank text is missing (-1), and takes no global code.
    IdIndex<std::string> global;
    std::vector<std::vector<std::int64_t>> to_global(parts);
    for (std::size_t p = 0; p < parts; ++p)
        for (std::size_t k = 0; k < local[p].size(); ++k) {
            if (local[p].ids()[k].empty()) {
                to_global[p].push_back(-1);
                continue;
            }
            const std::int64_t g = global.intern(local[p].ids()[k]);
            to_global[p].push_back(g);
            if (static_cast<std::size_t>(g) == out.first_row.size())
                out.first_row.push_back(local_first[p][k]);
        }
    detail::for_each_block(
        n, per_part, threads, [&](std::size_t p, std::size_t lo, std::size_t hi) {
            for (std::size_t i = lo; i < hi; ++i)
                out.code[i] = to_global[p][static_cast<std::size_t>(out.code[i])];
        });
    return out;
}

Book::Book(const AccountsInput& accounts, UnknownAccounts unknown, Threads threads)
    : unknown_(unknown), threads_(threads) {
    const std::size_t n = accounts.id.size();
    check_length(n, accounts.signed_at.size(), "accounts", accounts.signed_at_column);
    signed_.resize(n);
    auto intern_all = [&](auto& index, auto key_of) {
        for (std::size_t i = 0; i < n; ++i) {
            const std::int64_t code = index.intern(key_of(i));
            if (static_cast<std::size_t>(code) != i)
                throw InputError::in_table("accounts", accounts.id_column, i,
                                           "account " + accounts.id.show(i) +
                                               " appears twice (first in row " +
                                               std::to_string(code) + ")");
        }
    };
    if (accounts.id.is_text()) {
        IdIndex<std::string> index;
        intern_all(index, [&](std::size_t i) {
            // Blank text is a missing id, as a blank cell is missing in pandas.
            if (accounts.id.text_at(i).empty())
                throw InputError::in_table("accounts", accounts.id_column, i, "missing account id");
            return accounts.id.text_at(i);
        });
        ids_ = std::move(index);
    } else {
        IdIndex<std::int64_t> index;
        intern_all(index, [&](std::size_t i) { return accounts.id.int_at(i); });
        ids_ = std::move(index);
    }
    for (std::size_t i = 0; i < n; ++i) {
        signed_[i] = required_day(accounts.signed_at, i, "accounts", accounts.signed_at_column);
    }
    mrr_ = MrrTable({}, n, {}, {});
    mrr_off_.assign(n + 1, 0);
    for (int k = 0; k < 2; ++k) answer_off_[k].assign(n + 1, 0);
    open_off_.assign(n + 1, 0);
    close_off_.assign(n + 1, 0);
    milestone_off_.assign(n + 1, 0);
    touch_off_.assign(n + 1, 0);
}

std::int64_t Book::code_of(std::int64_t id) const noexcept {
    if (const auto* index = std::get_if<IdIndex<std::int64_t>>(&ids_)) return index->find(id);
    return -1;
}

std::int64_t Book::code_of(std::string_view id) const noexcept {
    if (const auto* index = std::get_if<IdIndex<std::string>>(&ids_)) return index->find(id);
    return -1;
}

bool Book::has(std::string_view table) const {
    return std::find(tables_.begin(), tables_.end(), table) != tables_.end();
}

Book::Adding::Adding(Book& book, std::string_view table)
    : book_(book), table_(table), exceptions_(std::uncaught_exceptions()) {
    if (book.has(table))
        throw InputError("table '" + table_ + "': the Book already has this table; give it once",
                         ErrorSite{table_, {}, std::nullopt, {}});
}

Book::Adding::~Adding() {
    if (std::uncaught_exceptions() > exceptions_)
        book_.dropped_.erase(table_);  // rows counted before the table was rejected
    else
        book_.tables_.push_back(table_);
}
std::vector<std::int64_t> Book::codes(const IdColumn& ids, std::string_view table,
                                      std::string_view column) {
    std::vector<std::int64_t> out(ids.size());
    check_id_kind(ids, table, column);
    // Lookups only read the index: blocks of rows in parallel, then the first unknown row.
    detail::for_each_block(
        ids.size(), std::size_t{1} << 16, threads_,
        [&](std::size_t, std::size_t begin, std::size_t end) {
            if (const auto* text = std::get_if<IdIndex<std::string>>(&ids_); text && ids.is_text())
                text->find_all(
                    begin, end, [&](std::size_t i) { return ids.text_at(i); }, out.data());
            else if (const auto* ints = std::get_if<IdIndex<std::int64_t>>(&ids_);
                     ints && !ids.is_text())
                ints->find_all(
                    begin, end, [&](std::size_t i) { return ids.int_at(i); }, out.data());
            else
                std::fill(out.begin() + static_cast<std::ptrdiff_t>(begin),
                          out.begin() + static_cast<std::ptrdiff_t>(end), std::int64_t{-1});
        });
    std::size_t dropped = 0;
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (out[i] < 0 && account_code(ids, i, table, column) < 0) ++dropped;
    if (dropped > 0) dropped_[std::string(table)] += dropped;
    return out;
}

namespace {
// An account's rows in a CSR table: checked against the Book's accounts (an index past them is an
// InputError naming both), and empty when the table was never added.
template <class T>
std::span<const T> account_rows(const std::vector<T>& rows, const std::vector<std::size_t>& off,
                                std::size_t account, std::size_t n_accounts) {
    if (account >= n_accounts) throw InputError::out_of_range("account", account, n_accounts);
    if (off.size() <= account + 1) return {};
    return {rows.data() + off[account], off[account + 1] - off[account]};
}
}  // namespace

std::span<const Month> Book::mrr_months(std::size_t a) const {
    return account_rows(mrr_month_, mrr_off_, a, n_accounts());
}
std::span<const double> Book::mrr_amounts(std::size_t a) const {
    return account_rows(mrr_amount_, mrr_off_, a, n_accounts());
}
std::span<const std::int32_t> Book::mrr_plans(std::size_t a) const {
    return account_rows(mrr_plan_, mrr_off_, a, n_accounts());
}

void Book::set_mrr(const MrrInput& in) {
    constexpr std::string_view table = "mrr";
    const std::size_t n = in.account.size();
    check_length(n, in.month.size(), table, in.period_column);
    check_length(n, in.mrr.size(), table, in.mrr_column);
    check_length(n, in.plan.size(), table, in.plan_column, true);
    const Adding adding(*this, table);
    const auto code = codes(in.account, table, in.account_column);
    std::int64_t lo = std::numeric_limits<std::int64_t>::max();
    std::int64_t real_hi = std::numeric_limits<std::int64_t>::min();
    std::size_t hi_row = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (code[i] < 0) continue;
        if (!std::isfinite(in.mrr[i]))
            throw InputError::in_table(table, in.mrr_column, i, "MRR must be a finite number");
        if (std::abs(in.mrr[i]) > MrrTable::max_mrr) {
            std::ostringstream what;
            what << "MRR must be at most " << MrrTable::max_mrr << " in size (a larger amount "
                 << "overflows the sums), got " << in.mrr[i];
            throw InputError::in_table(table, in.mrr_column, i, what.str());
        }
        if (!in.plan.empty() &&
            (in.plan[i] < -1 || in.plan[i] >= static_cast<std::int64_t>(in.plan_names.size())))
            throw InputError::in_table(table, in.plan_column, i,
                                       "plan code " + std::to_string(in.plan[i]) +
                                           " out of range (-1 for none, or below the " +
                                           std::to_string(in.plan_names.size()) + " plan names)");
        // Bounded before the span below is taken (it could overflow) and before a month is
        // narrowed to a Month (a huge one would wrap to a plausible month).
        if (in.month[i] == std::numeric_limits<std::int64_t>::min())
            throw InputError::in_table(table, in.period_column, i, "missing period (NaT)");
        if (in.month[i] < -MrrTable::max_span_months * 100 ||
            in.month[i] > MrrTable::max_span_months * 100)
            throw InputError::in_table(table, in.period_column, i,
                                       "month number " + std::to_string(in.month[i]) +
                                           " is out of range; is the period mis-encoded?");
        lo = std::min(lo, in.month[i]);
        if (in.month[i] > real_hi) real_hi = in.month[i], hi_row = i;
    }
    // The widest span MrrTable accepts, checked here so that the row named is the caller's.
    if (real_hi != std::numeric_limits<std::int64_t>::min() &&
        real_hi - lo >= MrrTable::max_span_months)
        throw InputError::in_table(table, in.period_column, hi_row,
                                   "periods span month numbers " + std::to_string(lo) + " to " +
                                       std::to_string(real_hi) +
                                       "; is a period mis-encoded (yyyymm read as a month "
                                       "number)?");

    // Each account's rows by month, stable (line items add up in input order). A table sorted by
    // (account, month) is read in place; any other is first moved into account order (its rows
    // would otherwise be gathered one cache miss at a time), then each account's few rows are
    // sorted by insertion. A line keeps no row number: an error's row is found again (rows_of).
    struct Line {
        double mrr;
        Month month;
        std::int32_t plan;
    };
    const auto line_of = [&](std::size_t r) {
        return Line{in.mrr[r], static_cast<Month>(in.month[r]),
                    in.plan.empty() ? -1 : static_cast<std::int32_t>(in.plan[r])};
    };
    bool in_order = n == 0 || code[0] >= 0;
    for (std::size_t i = 1; i < n && in_order; ++i)
        in_order =
            code[i] > code[i - 1] || (code[i] == code[i - 1] && in.month[i] >= in.month[i - 1]);
    std::vector<std::size_t> start(n_accounts() + 1, 0);
    for (const std::int64_t c : code)
        if (c >= 0) ++start[static_cast<std::size_t>(c) + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    std::vector<Line> lines;
    if (!in_order) {
        lines.resize(start.back());
        // Each part owns a range of accounts (cut at equal row counts) and reads every row for
        // its own: the reads repeat, the scattered writes are shared out.
        const std::size_t parts = std::min<std::size_t>(detail::resolve_threads(threads_), 8);
        std::vector<std::size_t> cut(parts + 1, n_accounts());
        cut[0] = 0;
        for (std::size_t t = 1; t < parts; ++t)
            cut[t] = static_cast<std::size_t>(
                std::lower_bound(start.begin() + 1, start.end(), start.back() * t / parts) -
                (start.begin() + 1));
        detail::for_each_block(parts, 1, threads_, [&](std::size_t t, std::size_t, std::size_t) {
            const auto lo = static_cast<std::int64_t>(cut[t]),
                       hi = static_cast<std::int64_t>(cut[t + 1]);
            std::vector<std::size_t> fill(start.begin() + lo, start.begin() + hi);
            for (std::size_t r = 0; r < n; ++r)
                if (code[r] >= lo && code[r] < hi)
                    lines[fill[static_cast<std::size_t>(code[r] - lo)]++] = line_of(r);
            for (auto a = static_cast<std::size_t>(lo); a < static_cast<std::size_t>(hi); ++a)
                for (std::size_t k = start[a] + 1; k < start[a + 1]; ++k) {
                    const Line moving = lines[k];
                    std::size_t j = k;
                    for (; j > start[a] && lines[j - 1].month > moving.month; --j)
                        lines[j] = lines[j - 1];
                    lines[j] = moving;
                }
        });
    }
    const auto line_at = [&](std::size_t k) { return in_order ? line_of(k) : lines[k]; };
    // The input rows of account a in month m, in input order (for an error message only).
    const auto rows_of = [&](std::size_t a, Month m) {
        std::vector<std::size_t> rows;
        for (std::size_t r = 0; r < n; ++r)
            if (code[r] == static_cast<std::int64_t>(a) && in.month[r] == m) rows.push_back(r);
        return rows;
    };

    std::vector<std::int64_t> agg_code, agg_month;
    std::vector<double> agg_mrr;
    agg_code.reserve(start.back()), agg_month.reserve(start.back()), agg_mrr.reserve(start.back());
    mrr_off_.assign(n_accounts() + 1, 0);
    mrr_plan_.clear();
    mrr_plan_.reserve(start.back());
    for (std::size_t a = 0; a < n_accounts(); ++a) {
        for (std::size_t k = start[a]; k < start[a + 1];) {
            const Month m = line_at(k).month;
            double total = 0, scale = 0;
            std::int32_t plan = -1;
            bool two_plans = false;
            for (; k < start[a + 1]; ++k) {
                const Line line = line_at(k);
                if (line.month != m) break;
                total += line.mrr;
                scale += std::abs(line.mrr);
                if (line.plan >= 0) {
                    two_plans = two_plans || (plan >= 0 && line.plan != plan);
                    plan = line.plan;
                }
            }
            if (two_plans) {
                std::size_t first = none;
                for (const std::size_t r : rows_of(a, m)) {
                    if (in.plan[r] < 0) continue;
                    if (first == none) {
                        first = r;
                    } else if (in.plan[r] != in.plan[first]) {
                        throw InputError::in_table(
                            table, in.plan_column, r,
                            "account " + in.account.show(r) + " has two plans ('" +
                                in.plan_names[static_cast<std::size_t>(in.plan[first])] +
                                "' in row " + std::to_string(first) + ", '" +
                                in.plan_names[static_cast<std::size_t>(in.plan[r])] +
                                "') in month " + format_month(m));
                    } else {
                        first = r;  // the message names the last row of the plan it changes from
                    }
                }
            }
            // A credit note cancelling a charge leaves rounding dust, not revenue.
            if (std::abs(total) <= 1e-9 * scale) total = 0;
            if (total < 0) {
                std::size_t negative_row = none;
                for (const std::size_t r : rows_of(a, m))
                    if (in.mrr[r] < 0) {
                        negative_row = r;
                        break;
                    }
                throw InputError::in_table(
                    table, in.mrr_column, negative_row,
                    "account " + in.account.show(negative_row) + " sums to " +
                        std::to_string(total) + " in month " + format_month(m) +
                        " (a credit note may reduce a month's MRR, not below 0)");
            }
            // A month that sums to 0 is kept: it has rows (and a plan), and it widens the
            // table's span, though MrrTable stores no revenue for it.
            agg_code.push_back(static_cast<std::int64_t>(a));
            agg_month.push_back(m);
            agg_mrr.push_back(total);
            mrr_plan_.push_back(plan);
        }
        mrr_off_[a + 1] = agg_code.size();
    }
    MrrColumns names{in.account_column, in.period_column, in.mrr_column};
    mrr_ = MrrTable(agg_code, n_accounts(), agg_month, agg_mrr, names, threads_);
    mrr_month_.assign(agg_month.begin(), agg_month.end());
    mrr_amount_ = std::move(agg_mrr);
    plan_names_ = in.plan_names;
    has_mrr_plans_ = !in.plan.empty();
}

namespace {
// The (account, user) pairs of an event log as the Book meets them, each numbered once: an open
// addressing table keyed by the account and the user's key (its cell's address for a column of
// cells, else its user code). Two cells of one user give two numbers; the log merges them. A slot
// holds a number and a tag of the hash, the keys live by number: 8 bytes a slot keep the table
// small beside the events.
class Memberships {
  public:
    Memberships() : slots_(1024) {}
    void prefetch(std::uint64_t user, std::int32_t account) const noexcept {
        __builtin_prefetch(&slots_[hash(user, account) & (slots_.size() - 1)]);
    }
    // The number of the pair; `user_code()` gives the user's code the first time it is met.
    template <class UserCode>
    std::int32_t intern(std::uint64_t user, std::int32_t account, UserCode&& user_code) {
        const std::uint64_t h = hash(user, account);
        const auto tag = static_cast<std::uint32_t>(h >> 32);
        for (std::size_t k = h & (slots_.size() - 1);; k = (k + 1) & (slots_.size() - 1)) {
            Slot& slot = slots_[k];
            if (slot.number < 0) {
                if (key_.size() == static_cast<std::size_t>(
                                       std::numeric_limits<std::int32_t>::max()))
                    throw InputError("more than 2^31 - 1 (account, user) pairs are not supported");
                const auto number = static_cast<std::int32_t>(key_.size());
                user_.push_back(user_code());
                key_.push_back(user);
                account_.push_back(account);
                slot = {number, tag};
                if (2 * key_.size() > slots_.size()) grow();
                return number;
            }
            const auto m = static_cast<std::size_t>(slot.number);
            if (slot.tag == tag && key_[m] == user && account_[m] == account) return slot.number;
        }
    }
    std::span<const std::int32_t> accounts() const noexcept { return account_; }
    std::span<const std::int32_t> users() const noexcept { return user_; }

  private:
    struct Slot {
        std::int32_t number = -1;
        std::uint32_t tag = 0;
    };
    static std::uint64_t hash(std::uint64_t user, std::int32_t account) noexcept {
        return detail::hash_id(static_cast<std::int64_t>(
            user + 0x9e3779b97f4a7c15ULL * (static_cast<std::uint64_t>(account) + 1)));
    }
    void grow() {
        slots_.assign(slots_.size() * 2, Slot{});
        for (std::size_t m = 0; m < key_.size(); ++m) {
            const std::uint64_t h = hash(key_[m], account_[m]);
            std::size_t k = h & (slots_.size() - 1);
            while (slots_[k].number >= 0) k = (k + 1) & (slots_.size() - 1);
            slots_[k] = {static_cast<std::int32_t>(m), static_cast<std::uint32_t>(h >> 32)};
        }
    }
    std::vector<Slot> slots_;
    std::vector<std::uint64_t> key_;
    std::vector<std::int32_t> account_, user_;
};

// A cell's address as a key.
std::uint64_t address(const void* cell) noexcept {
    return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(cell));
}

// UTC times of a unit brought to the wall clock by a zone's offsets (EventsInput::utc); NaT stays
// no_time, and a time whose day cannot be an event's comes out beyond every event's range.
class WallClock {
  public:
    WallClock(TimeUnit unit, ZoneOffsets zone, bool used) : zone_(zone) {
        if (!used) return;
        if (unit == TimeUnit::day)
            throw InputError::argument("utc_unit", "give UTC times in seconds or finer");
        per_second_ = units_per_day(unit) / 86'400;
        if (zone.since.size() != zone.offset.size())
            throw InputError::argument("zone", "has " + std::to_string(zone.since.size()) +
                                                   " starts for " +
                                                   std::to_string(zone.offset.size()) +
                                                   " offsets");
        for (std::size_t k = 0; k < zone.since.size(); ++k) {
            if (k > 0 && zone.since[k] <= zone.since[k - 1])
                throw InputError::argument("zone", "the starts must increase (at " +
                                                       std::to_string(k) + ")");
            if (std::abs(zone.offset[k]) >= 86'400)
                throw InputError::argument("zone", "offset " + std::to_string(zone.offset[k]) +
                                                       " s is a day or more");
        }
    }
    Time operator()(std::int64_t t) const noexcept {
        if (t == no_time) return no_time;
        const std::int64_t s = detail::floor_div(t, per_second_);
        // Far outside any event's days (and any offset): keep it so, without overflow.
        if (s < -far || s > far) return s < 0 ? -far - 86'400 : far + 86'400;
        if (zone_.offset.empty()) return s;
        const auto after = std::upper_bound(zone_.since.begin(), zone_.since.end(), s);
        const auto k = std::max<std::ptrdiff_t>(after - zone_.since.begin() - 1, 0);
        return s + zone_.offset[static_cast<std::size_t>(k)];
    }

  private:
    static constexpr std::int64_t far = 2 * engagement::max_abs_event_day * 86'400;
    ZoneOffsets zone_;
    std::int64_t per_second_ = 1;
};
}  // namespace

void Book::check_id_kind(const IdColumn& ids, std::string_view table,
                         std::string_view column) const {
    const bool text_ids = std::holds_alternative<IdIndex<std::string>>(ids_);
    if (!ids.empty() && ids.is_text() != text_ids && n_accounts() > 0)
        throw InputError::in_table(table, column, 0,
                                   std::string("ids are ") + (ids.is_text() ? "text" : "integers") +
                                       " but the accounts table's ids are " +
                                       (text_ids ? "text" : "integers"));
}

std::int64_t Book::find_account(const IdColumn& ids, std::size_t i) const noexcept {
    if (ids.is_text()) {
        const std::string_view id = ids.text_at(i);
        if (id.empty()) return -2;
        const auto* index = std::get_if<IdIndex<std::string>>(&ids_);
        return index != nullptr ? index->find(id) : -1;
    }
    const auto* index = std::get_if<IdIndex<std::int64_t>>(&ids_);
    return index != nullptr ? index->find(ids.int_at(i)) : -1;
}

std::int64_t Book::account_code(const IdColumn& ids, std::size_t i, std::string_view table,
                                std::string_view column) const {
    const std::int64_t code = find_account(ids, i);
    if (code == -2) throw InputError::in_table(table, column, i, "missing account id");
    if (code < 0 && unknown_ == UnknownAccounts::error)
        throw InputError::in_table(table, column, i,
                                   "account " + ids.show(i) +
                                       " is not in the accounts table (to drop such rows: "
                                       "unknown_accounts='drop', in C++ UnknownAccounts::drop)");
    return code;
}

void Book::set_events(const EventsInput& in) {
    constexpr std::string_view table = "events";
    const std::size_t n = in.account.size();
    if (in.utc.empty() && (!in.zone.since.empty() || !in.zone.offset.empty()))
        throw InputError::argument("zone", "applies to utc times only (timestamp is on the "
                                           "Book's wall clock already)");
    if (n > 0 && in.utc.empty() && in.timestamp.empty())
        throw InputError::argument("timestamp", "give the events' times: timestamp (on the "
                                                "Book's wall clock) or utc");
    check_length(n, in.user.size(), table, in.user_column);
    check_length(n, in.utc.empty() ? in.timestamp.size() : in.utc.size(), table,
                 in.timestamp_column);
    check_length(n, in.feature.size(), table, in.feature_column, true);
    const bool utc = !in.utc.empty();
    if (utc && !in.timestamp.empty())
        throw InputError::argument("utc", "give the times once: timestamp or utc, not both");
    const WallClock clock(in.utc_unit, in.zone, utc);
    const Adding adding(*this, table);
    check_id_kind(in.account, table, in.account_column);
    if (n_accounts() > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
        throw InputError("an event log takes at most 2^31 - 1 accounts");
    const auto time_at = [&](std::size_t i) {
        return utc ? clock(in.utc[i]) : in.timestamp[i];
    };
    // The rows are read straight into the log's Event rows, which the log then sorts in place: no
    // code or view per row is kept beside them, so a Book of many events needs little more than
    // its tables. First on every core, each row's day and account (kept for now in the user
    // field; -1 for a row left out); each block notes its first bad row, and the lowest is
    // reported whatever the thread count.
    std::vector<engagement::Event> rows(n);
    constexpr std::size_t block = std::size_t{1} << 16;
    constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
    const std::size_t n_blocks = (n + block - 1) / block;
    std::vector<std::size_t> bad(n_blocks, none);
    const auto day_fits = [](Time t) {
        const std::int64_t day = detail::floor_div(t, 86'400);
        return t != no_time && day >= -engagement::max_abs_event_day &&
               day <= engagement::max_abs_event_day;
    };
    detail::for_each_block(n, block, threads_, [&](std::size_t b, std::size_t lo, std::size_t hi) {
        // The account of a cell just seen (equal ids often share one object): a small table by
        // address saves reading the cell's text and the lookup.
        std::vector<std::pair<const void*, std::int64_t>> seen(4096, {nullptr, 0});
        for (std::size_t i = lo; i < hi; ++i) {
            const void* cell = in.account.cell_at(i);
            auto& memo = seen[(address(cell) >> 4) % seen.size()];
            std::int64_t a = 0;
            if (cell != nullptr && memo.first == cell) {
                a = memo.second;
            } else {
                a = find_account(in.account, i);
                memo = {cell, a};
            }
            const Time t = a >= 0 ? time_at(i) : 0;
            if (a == -2 || (a < 0 && unknown_ == UnknownAccounts::error) || !day_fits(t)) {
                bad[b] = i;
                return;
            }
            rows[i] = {day_of_time(t), static_cast<std::int32_t>(a), -1};
        }
    });
    for (const std::size_t i : bad) {
        if (i == none) continue;
        (void)account_code(in.account, i, table, in.account_column);
        if (time_at(i) == no_time)
            throw InputError::in_table(table, in.timestamp_column, i, "missing date");
        throw InputError::in_table(table, in.timestamp_column, i,
                                   "date out of range (" +
                                       (utc ? std::to_string(in.utc[i]) + " since 1970-01-01 UTC"
                                            : std::to_string(in.timestamp[i]) + " seconds") +
                                       " is more than 10^7 days from 1970-01-01)");
    }
    // Then in order, each row's (account, user) pair and feature, the rows left out dropped.
    Memberships members;
    // Users by their text, which stays put while the Book reads it: no copy of it is kept.
    std::variant<IdIndex<std::string_view>, IdIndex<std::int64_t>> users;
    if (!in.user.is_text()) users = IdIndex<std::int64_t>();
    const auto user_code = [&](std::size_t i) -> std::int32_t {
        std::int64_t u = 0;
        if (auto* ints = std::get_if<IdIndex<std::int64_t>>(&users)) {
            u = ints->intern(in.user.int_at(i));
        } else {
            const std::string_view id = in.user.text_at(i);
            if (id.empty()) throw InputError::in_table(table, in.user_column, i, "missing user id");
            u = std::get<IdIndex<std::string_view>>(users).intern(id);
        }
        if (u > std::numeric_limits<std::int32_t>::max())
            throw InputError::in_table(table, in.user_column, i,
                                       "more than 2^31 - 1 distinct users are not supported");
        return static_cast<std::int32_t>(u);
    };
    const bool user_cells = n > 0 && in.user.cell_at(0) != nullptr;
    IdIndex<std::string> features;
    std::vector<std::pair<const void*, std::int32_t>> feature_seen(64, {nullptr, -1});
    const auto feature_code = [&](std::size_t i) -> std::int32_t {
        const void* cell = in.feature.cell_at(i);
        auto& memo = feature_seen[(address(cell) >> 4) % feature_seen.size()];
        if (cell != nullptr && memo.first == cell) return memo.second;
        const std::int64_t f = in.feature.is_text()
                                   ? features.intern(in.feature.text_at(i))
                                   : features.intern(std::to_string(in.feature.int_at(i)));
        if (f > std::numeric_limits<std::int32_t>::max())
            throw InputError::in_table(table, in.feature_column, i,
                                       "more than 2^31 - 1 distinct features are not supported");
        memo = {cell, static_cast<std::int32_t>(f)};
        return memo.second;
    };
    constexpr std::size_t ahead = 8;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (user_cells && i + ahead < n && rows[i + ahead].user >= 0)
            members.prefetch(address(in.user.cell_at(i + ahead)), rows[i + ahead].user);
        const engagement::Event e = rows[i];
        if (e.user < 0) continue;
        const std::int32_t m =
            user_cells ? members.intern(address(in.user.cell_at(i)), e.user,
                                        [&] { return user_code(i); })
                       : [&] {
                             const std::int32_t u = user_code(i);
                             return members.intern(static_cast<std::uint64_t>(u), e.user,
                                                   [u] { return u; });
                         }();
        rows[kept++] = {e.day, m, in.feature.empty() ? -1 : feature_code(i)};
    }
    if (kept < n) dropped_[std::string(table)] += n - kept;
    rows.resize(kept);
    const std::size_t n_users = std::visit([](const auto& index) { return index.size(); }, users);
    events_ = engagement::EventLog::from_memberships(
        std::move(rows), members.accounts(), members.users(), n_accounts(),
        std::max<std::size_t>(n_users, 1), features.size(), in.has_feature_column, threads_);
}

void Book::set_surveys(const SurveysInput& in) {
    constexpr std::string_view table = "surveys";
    const std::size_t n = in.account.size();
    check_length(n, in.answered_at.size(), table, in.answered_at_column);
    check_length(n, in.score.size(), table, in.score_column);
    check_length(n, in.kind.size(), table, in.kind_column, true);
    const Adding adding(*this, table);
    const auto code = codes(in.account, table, in.account_column);
    std::vector<std::int64_t> key(n, -1);
    for (std::size_t i = 0; i < n; ++i) {
        if (code[i] < 0) continue;
        (void)required_day(in.answered_at, i, table, in.answered_at_column);
        const int kind = in.kind.empty() ? 0 : in.kind[i];
        if (kind != 0 && kind != 1)
            throw InputError::in_table(table, in.kind_column, i, "kind must be 'nps' or 'csat'");
        const double s = in.score[i];
        const double lo = kind == 0 ? 0 : 1, hi = kind == 0 ? 10 : 5;
        if (!(s >= lo && s <= hi && s == std::round(s)))
            throw InputError::in_table(
                table, in.score_column, i,
                std::string(kind == 0 ? "an NPS answer must be a whole number 0-10"
                                      : "a CSAT answer must be a whole number 1-5") +
                    ", got " + std::to_string(s) + " (drop unanswered surveys first)");
        key[i] = code[i] * 2 + kind;
    }
    const Grouped g = group_by_code(key, 2 * n_accounts());
    for (int kind = 0; kind < 2; ++kind) {
        auto& off = answer_off_[kind];
        auto& out = answers_[kind];
        off.assign(n_accounts() + 1, 0);
        out.clear();
        for (std::size_t a = 0; a < n_accounts(); ++a) {
            const std::size_t k = 2 * a + static_cast<std::size_t>(kind);
            for (std::size_t j = g.offsets[k]; j < g.offsets[k + 1]; ++j)
                out.push_back({in.answered_at[g.rows[j]], in.score[g.rows[j]]});
            std::sort(out.begin() + static_cast<std::ptrdiff_t>(off[a]), out.end(),
                      [](const Answer& x, const Answer& y) {
                          return x.at != y.at ? x.at < y.at : x.score < y.score;
                      });
            off[a + 1] = out.size();
        }
    }
}

std::span<const Book::Answer> Book::answers(std::size_t account, SurveyKind kind) const {
    const auto k = static_cast<std::size_t>(kind);
    return account_rows(answers_[k], answer_off_[k], account, n_accounts());
}

namespace {
// Sorted days per account (CSR) of the rows with a day.
void days_by_account(std::span<const std::int64_t> code, std::size_t n_accounts,
                     const std::vector<Day>& day, std::vector<std::size_t>& off,
                     std::vector<Day>& out) {
    const Grouped g = group_by_code(code, n_accounts);
    off = g.offsets;
    out.resize(g.rows.size());
    for (std::size_t j = 0; j < g.rows.size(); ++j) out[j] = day[g.rows[j]];
    for (std::size_t a = 0; a < n_accounts; ++a)
        std::sort(out.begin() + static_cast<std::ptrdiff_t>(off[a]),
                  out.begin() + static_cast<std::ptrdiff_t>(off[a + 1]));
}
}  // namespace

void Book::set_tickets(const TicketsInput& in) {
    constexpr std::string_view table = "tickets";
    const std::size_t n = in.account.size();
    check_length(n, in.opened_at.size(), table, in.opened_at_column);
    check_length(n, in.closed_at.size(), table, in.closed_at_column, true);
    const Adding adding(*this, table);
    const auto code = codes(in.account, table, in.account_column);
    std::vector<std::int64_t> closed_code(n, -1);
    std::vector<Day> open(n, 0), close(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        if (code[i] < 0) continue;
        open[i] = required_day(in.opened_at, i, table, in.opened_at_column);
        if (in.closed_at.empty() || in.closed_at[i] == no_time) continue;
        close[i] = day_in_range(in.closed_at[i], i, table, in.closed_at_column);
        if (in.closed_at[i] < in.opened_at[i])
            throw InputError::in_table(table, in.closed_at_column, i,
                                       "account " + in.account.show(i) + ": closed on " +
                                           format_day(close[i]) + ", before it was opened on " +
                                           format_day(open[i]));
        closed_code[i] = code[i];
    }
    days_by_account(code, n_accounts(), open, open_off_, opens_);
    days_by_account(closed_code, n_accounts(), close, close_off_, closes_);
}

std::span<const Day> Book::ticket_opens(std::size_t a) const {
    return account_rows(opens_, open_off_, a, n_accounts());
}
std::span<const Day> Book::ticket_closes(std::size_t a) const {
    return account_rows(closes_, close_off_, a, n_accounts());
}

void Book::set_milestones(const MilestonesInput& in) {
    constexpr std::string_view table = "milestones";
    const std::size_t n = in.account.size();
    check_length(n, in.milestone.size(), table, in.milestone_column);
    check_length(n, in.reached_at.size(), table, in.reached_at_column);
    const Adding adding(*this, table);
    const auto code = codes(in.account, table, in.account_column);
    std::vector<std::string> names;
    const auto first_seen = intern_labels(in.milestone, names);
    // Codes in name order, so the reached_<name> columns come sorted.
    std::vector<std::int32_t> rank(names.size());
    std::vector<std::size_t> order(names.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t x, std::size_t y) { return names[x] < names[y]; });
    milestone_names_.clear();
    for (std::size_t k = 0; k < order.size(); ++k) {
        rank[order[k]] = static_cast<std::int32_t>(k);
        milestone_names_.push_back(names[order[k]]);
    }
    for (std::size_t i = 0; i < n; ++i)
        if (code[i] >= 0) (void)required_day(in.reached_at, i, table, in.reached_at_column);
    const Grouped g = group_by_code(code, n_accounts());
    milestone_off_ = g.offsets;
    milestones_.resize(g.rows.size());
    for (std::size_t j = 0; j < g.rows.size(); ++j) {
        const std::size_t r = g.rows[j];
        milestones_[j] = {rank[static_cast<std::size_t>(first_seen[r])],
                          day_of_time(in.reached_at[r])};
    }
    for (std::size_t a = 0; a < n_accounts(); ++a)
        std::sort(milestones_.begin() + static_cast<std::ptrdiff_t>(milestone_off_[a]),
                  milestones_.begin() + static_cast<std::ptrdiff_t>(milestone_off_[a + 1]));
}

std::span<const std::pair<std::int32_t, Day>> Book::milestones(std::size_t a) const {
    return account_rows(milestones_, milestone_off_, a, n_accounts());
}

Book::MonthMrr Book::mrr_in(std::size_t a, Month m) const {
    const auto months = mrr_months(a);
    const auto it = std::lower_bound(months.begin(), months.end(), m);
    if (it == months.end() || *it != m) return {};
    const auto k = static_cast<std::size_t>(it - months.begin());
    return {mrr_amounts(a)[k], mrr_plans(a)[k]};
}

bool Book::paying(std::size_t a, Month m) const {
    return mrr_in(a, m).mrr > 0;
}

const Book::Churn* Book::record_near(std::size_t a, Month g) const {
    for (const Churn& c : churns_of(a)) {
        const Month m = month_of_day(c.day);
        if (m == g || m == g - 1) return &c;
    }
    return nullptr;
}

std::int64_t Book::inferred_return(std::size_t a, Day churned) const {
    const Month m = month_of_day(churned);
    const Month gap = !paying(a, m) ? m : !paying(a, m + 1) ? m + 1 : m - 1;
    // Kept paying through M + 1: the bill says the account is still there, so it is back on the
    // first day of M + 1 (a paying customer must not stay churned on the strength of a record).
    if (gap < m) return day_of(year_of(m + 1), month_in_year(m + 1), 1);
    for (const Month r : mrr_months(a))
        if (r > gap && paying(a, r)) return day_of(year_of(r), month_in_year(r), 1);
    return backtest::missing_day;
}

std::vector<Book::EarlyRows> Book::before_signing() const {
    EarlyRows mrr{"mrr"}, churns{"churns"};
    const auto note = [](EarlyRows& rows, std::size_t a, std::int64_t date) {
        if (rows.accounts++ == 0) {
            rows.first_account = a;
            rows.first_date = date;
        }
    };
    for (std::size_t a = 0; a < n_accounts(); ++a) {
        const Month signed_month = month_of_day(signed_[a]);
        const auto months = mrr_months(a);
        const auto amounts = mrr_amounts(a);
        for (std::size_t k = 0; k < months.size() && months[k] < signed_month; ++k)
            if (amounts[k] > 0) {
                note(mrr, a, months[k]);
                break;
            }
        const auto records = churns_of(a);
        if (!records.empty() && records.front().day < signed_[a])
            note(churns, a, records.front().day);
    }
    std::vector<EarlyRows> out;
    for (EarlyRows* rows : {&mrr, &churns})
        if (rows->accounts > 0) out.push_back(std::move(*rows));
    return out;
}

std::vector<Book::Disagreement> Book::reconcile() const {
    std::vector<Disagreement> out;
    if (!has("mrr") || !has("churns")) return out;
    const Month last = mrr_.empty() ? 0 : mrr_.last_month();
    for (std::size_t a = 0; a < n_accounts(); ++a) {
        for (const Churn& c : churns_of(a)) {
            const Month m = month_of_day(c.day);
            if (paying(a, m) && paying(a, m + 1))
                out.push_back({static_cast<std::int64_t>(a),
                               Disagreement::Kind::record_without_bridge_churn, m, c.day});
        }
        for (const Month g_prev : mrr_months(a)) {
            const Month g = g_prev + 1;
            if (!paying(a, g_prev) || paying(a, g) || g > last) continue;
            if (record_near(a, g) == nullptr)
                out.push_back({static_cast<std::int64_t>(a),
                               Disagreement::Kind::bridge_churn_without_record, g,
                               backtest::missing_day});
        }
    }
    return out;
}

void Book::set_churns(const ChurnsInput& in) {
    constexpr std::string_view table = "churns";
    const std::size_t n = in.account.size();
    check_length(n, in.churned_at.size(), table, in.churned_at_column);
    check_length(n, in.returned_at.size(), table, in.returned_at_column, true);
    check_length(n, in.reason.size(), table, in.reason_column, true);
    check_length(n, in.voluntary.size(), table, in.kind_column, true);
    const Adding adding(*this, table);
    const auto code = codes(in.account, table, in.account_column);
    std::vector<std::int64_t> reason;
    std::vector<std::string> reason_names;
    if (!in.reason.empty()) reason = intern_labels(in.reason, reason_names, true);
    reasons_ = std::move(reason_names);
    churns_.clear();
    returns_inferred_ = false;
    for (std::size_t i = 0; i < n; ++i) {
        if (code[i] < 0) continue;
        Churn c{code[i], required_day(in.churned_at, i, table, in.churned_at_column),
                backtest::missing_day, -1, -1};
        if (!in.returned_at.empty() && in.returned_at[i] != no_time) {
            if (in.returned_at[i] < in.churned_at[i])
                throw InputError::in_table(table, in.returned_at_column, i,
                                           "returned before churning");
            c.returned = day_in_range(in.returned_at[i], i, table, in.returned_at_column);
        }
        // A blank return (or no returned_at column) is read from MRR when the Book has it:
        // paying again after the churned month is a return, whatever the churns table says.
        if (c.returned == backtest::missing_day && has("mrr")) {
            c.returned = inferred_return(static_cast<std::size_t>(code[i]), c.day);
            returns_inferred_ = returns_inferred_ || c.returned != backtest::missing_day;
        }
        if (!reason.empty()) c.reason = static_cast<std::int32_t>(reason[i]);
        if (!in.voluntary.empty()) {
            if (in.voluntary[i] < -1 || in.voluntary[i] > 1)
                throw InputError::in_table(table, in.kind_column, i,
                                           "kind must be voluntary, involuntary or missing");
            c.voluntary = in.voluntary[i];
        }
        churns_.push_back(c);
    }
    std::stable_sort(churns_.begin(), churns_.end(), [](const Churn& x, const Churn& y) {
        return x.account != y.account ? x.account < y.account : x.day < y.day;
    });
    churn_off_.assign(n_accounts() + 1, 0);
    for (const Churn& c : churns_) ++churn_off_[static_cast<std::size_t>(c.account) + 1];
    std::partial_sum(churn_off_.begin(), churn_off_.end(), churn_off_.begin());
}

std::span<const Book::Churn> Book::churns_of(std::size_t a) const {
    if (churn_off_.empty()) {
        if (a >= n_accounts()) throw InputError::out_of_range("account", a, n_accounts());
        return {};
    }
    return account_rows(churns_, churn_off_, a, n_accounts());
}

bool Book::active_at(std::size_t a, Day t) const {
    if (a >= n_accounts()) throw InputError::out_of_range("account", a, n_accounts());
    if (signed_[a] > t) return false;
    if (has("mrr") && !paying(a, month_of_day(t))) return false;
    for (const Churn& c : churns_of(a)) {
        if (c.day > t) break;
        if (c.returned == backtest::missing_day || c.returned > t) return false;
    }
    return true;
}

void Book::set_activities(const ActivitiesInput& in) {
    constexpr std::string_view table = "activities";
    const std::size_t n = in.account.size();
    check_length(n, in.at.size(), table, in.at_column);
    const Adding adding(*this, table);
    const auto code = codes(in.account, table, in.account_column);
    check_length(n, in.type.size(), table, in.type_column, true);
    check_length(n, in.owner.size(), table, in.owner_column, true);
    std::vector<std::string> types, owners;
    const auto type = sorted_labels(in.type, types);
    const auto owner = sorted_labels(in.owner, owners);
    if (!in.internal_types.empty() && in.type.empty() && n > 0)
        throw InputError("table 'activities': internal types are named ('" +
                             in.internal_types.front() + "', ...) but the table has no column '" +
                             in.type_column + "' to find them in",
                         ErrorSite{std::string(table), in.type_column, std::nullopt, {}});
    // A named type the table lacks is no error: a month's export without notes is still fine.
    std::vector<std::uint8_t> internal(types.size(), 0);
    for (const std::string& name : in.internal_types) {
        const auto it = std::lower_bound(types.begin(), types.end(), name);
        if (it != types.end() && *it == name)
            internal[static_cast<std::size_t>(it - types.begin())] = 1;
    }
    std::vector<std::int64_t> touch_code(code);
    std::vector<Day> day(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        if (code[i] < 0) continue;
        day[i] = required_day(in.at, i, table, in.at_column);
        if (!type.empty() && type[i] >= 0 && internal[static_cast<std::size_t>(type[i])])
            touch_code[i] = -1;
    }
    // Each account's touches by day (type and owner along), ties in table order.
    Grouped g = group_by_code(touch_code, n_accounts());
    for (std::size_t a = 0; a < n_accounts(); ++a)
        std::stable_sort(g.rows.begin() + static_cast<std::ptrdiff_t>(g.offsets[a]),
                         g.rows.begin() + static_cast<std::ptrdiff_t>(g.offsets[a + 1]),
                         [&](std::size_t x, std::size_t y) { return day[x] < day[y]; });
    std::vector<Day> days(g.rows.size());
    std::vector<std::int32_t> type_of(g.rows.size(), -1), owner_of(g.rows.size(), -1);
    for (std::size_t j = 0; j < g.rows.size(); ++j) {
        const std::size_t r = g.rows[j];
        days[j] = day[r];
        if (!type.empty()) type_of[j] = type[r];
        if (!owner.empty()) owner_of[j] = owner[r];
    }
    touch_off_ = g.offsets;
    touches_ = std::move(days);
    touch_type_ = std::move(type_of);
    touch_owner_ = std::move(owner_of);
    activity_types_ = std::move(types);
    activity_owners_ = std::move(owners);
}

std::span<const Day> Book::touches(std::size_t a) const {
    return account_rows(touches_, touch_off_, a, n_accounts());
}
std::span<const std::int32_t> Book::touch_types(std::size_t a) const {
    return account_rows(touch_type_, touch_off_, a, n_accounts());
}
std::span<const std::int32_t> Book::touch_owners(std::size_t a) const {
    return account_rows(touch_owner_, touch_off_, a, n_accounts());
}

}  // namespace retain
