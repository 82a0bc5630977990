// Building the MRR table: validation and placement run in blocks on the caller's threads.

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <utility>

#include "retain/account.hpp"
#include "retain/detail/parallel.hpp"

namespace retain {

namespace detail {

// What one block of rows tells about the table: the first invalid row, the month range, whether
// its account codes never decrease, and how many rows pay.
struct RowScan {
    std::size_t bad = std::numeric_limits<std::size_t>::max();
    std::int64_t lo = std::numeric_limits<std::int64_t>::max();
    std::int64_t hi = std::numeric_limits<std::int64_t>::min();
    bool grouped = true;
    std::int64_t first_code = 0, last_code = 0;
    std::size_t paying = 0;  // rows with MRR > 0
};

// The whole table's scan, once every block is known to be valid.
struct TableScan {
    std::int64_t lo = std::numeric_limits<std::int64_t>::max();
    std::int64_t hi = std::numeric_limits<std::int64_t>::min();
    bool grouped = true;
    std::size_t paying = 0;
    std::vector<std::size_t> paying_before;  // paying rows before each block
};

constexpr std::size_t row_block = std::size_t{1} << 16;

void check_lengths(std::size_t n, std::size_t n_month, std::size_t n_mrr,
                   const MrrColumns& columns) {
    if (n_month == n && n_mrr == n) return;
    std::ostringstream msg;
    msg << "columns differ in length: '" << columns.account << "' has " << n << " rows, '"
        << columns.period << "' " << n_month << ", '" << columns.mrr << "' " << n_mrr;
    throw InputError(msg.str());
}

// Validates every row over blocks in parallel and reports the lowest invalid row, whatever the
// thread count. `account` holds codes to check, or is empty when the caller made the codes
// itself (MrrTable::from_ids) and only the values need checking.
TableScan scan_rows(std::span<const std::int64_t> account, std::size_t n_accounts,
                    std::span<const std::int64_t> month, std::span<const double> mrr,
                    const MrrColumns& columns, Threads threads) {
    const std::size_t n = month.size();
    const bool codes = !account.empty();
    std::vector<RowScan> scans((n + row_block - 1) / row_block);
    for_each_block(n, row_block, threads, [&](std::size_t b, std::size_t begin, std::size_t end) {
        RowScan s;
        std::int64_t previous = codes ? account[begin] : 0;
        s.first_code = previous;
        for (std::size_t i = begin; i < end; ++i) {
            const double v = mrr[i];
            const std::int64_t a = codes ? account[i] : 0;
            const bool bad_code = codes && (a < 0 || static_cast<std::size_t>(a) >= n_accounts);
            if (bad_code || !(v >= 0.0 && v <= MrrTable::max_mrr)) {
                s.bad = i;
                break;
            }
            s.grouped = s.grouped && a >= previous;
            previous = a;
            s.paying += v > 0.0;
            s.lo = std::min(s.lo, month[i]);
            s.hi = std::max(s.hi, month[i]);
        }
        s.last_code = previous;
        scans[b] = s;
    });
    TableScan t;
    for (std::size_t b = 0; b < scans.size(); ++b) {
        const RowScan& s = scans[b];
        if (s.bad != std::numeric_limits<std::size_t>::max()) {
            const std::size_t i = s.bad;
            if (codes && account[i] < 0)
                throw InputError::at(columns.account, i, "missing account id");
            if (codes && static_cast<std::size_t>(account[i]) >= n_accounts)
                throw InputError::at(columns.account, i,
                                     "account code " + std::to_string(account[i]) +
                                         " is not below " + std::to_string(n_accounts));
            std::ostringstream what;
            if (std::isfinite(mrr[i]) && mrr[i] > 0)
                what << "MRR must be at most " << MrrTable::max_mrr << " (a larger amount overflows "
                     << "the sums), got " << mrr[i];
            else
                what << "MRR must be a finite number >= 0, got " << mrr[i];
            throw InputError::at(columns.mrr, i, what.str());
        }
        t.lo = std::min(t.lo, s.lo);
        t.hi = std::max(t.hi, s.hi);
        t.grouped = t.grouped && s.grouped && (b == 0 || s.first_code >= scans[b - 1].last_code);
        t.paying_before.push_back(t.paying);
        t.paying += s.paying;
    }
    return t;
}

}  // namespace detail

void MrrTable::set_span(std::int64_t lo, std::int64_t hi, std::span<const std::int64_t> month,
                        const MrrColumns& columns) {
    // The bounds first: hi - lo of a NaT (the smallest int64) month would overflow. The row named
    // is the bound at fault: a too-low month's, else the highest.
    const bool too_low = lo < -max_span_months * 100;
    if (too_low || hi > max_span_months * 100 || hi - lo >= max_span_months) {
        std::ostringstream what;
        if (lo == std::numeric_limits<std::int64_t>::min())
            what << "missing period (NaT)";
        else
            what << "periods span month numbers " << lo << " to " << hi << "; at most "
                 << max_span_months << " months are supported (is a period mis-encoded?)";
        const auto row = std::find(month.begin(), month.end(), too_low ? lo : hi) - month.begin();
        throw InputError::at(columns.period, static_cast<std::size_t>(row), what.str());
    }
    first_month_ = static_cast<Month>(lo);
    n_months_ = static_cast<std::int32_t>(hi - lo + 1);
}

MrrTable::MrrTable(std::span<const std::int64_t> account, std::size_t n_accounts,
                   std::span<const std::int64_t> month, std::span<const double> mrr,
                   const MrrColumns& columns, Threads threads) {
    const std::size_t n = account.size();
    detail::check_lengths(n, month.size(), mrr.size(), columns);
    offsets_.assign(n_accounts + 1, 0);
    if (n == 0) return;
    // Pass 1: validate, and notice whether rows come grouped by account in code order (codes
    // from IdIndex are, for a table sorted by account).
    const detail::TableScan scan =
        detail::scan_rows(account, n_accounts, month, mrr, columns, threads);
    set_span(scan.lo, scan.hi, month, columns);
    const bool grouped = scan.grouped;
    const std::size_t paying = scan.paying;

    // Pass 2: per-account runs of the paying rows. A row with MRR 0 adds no revenue: it widens
    // the span (above) but is not stored, which saves memory and time on tables that list
    // non-paying months explicitly.
    months_.resize(paying);
    amounts_.resize(paying);
    if (grouped) {
        // Rows are in place but for the zeros: each block copies its paying rows from the slot its
        // predecessors end at, and a row that starts code c starts the runs of the codes since
        // the previous row's (codes without paying rows get empty runs).
        const std::vector<std::size_t>& start = scan.paying_before;
        detail::for_each_block(n, detail::row_block, threads,
                               [&](std::size_t b, std::size_t begin, std::size_t end) {
                                   std::size_t write = start[b];
                                   std::int64_t previous = begin == 0 ? -1 : account[begin - 1];
                                   for (std::size_t i = begin; i < end; ++i) {
                                       for (std::int64_t c = previous + 1; c <= account[i]; ++c)
                                           offsets_[static_cast<std::size_t>(c)] = write;
                                       previous = account[i];
                                       if (mrr[i] > 0.0) {
                                           months_[write] = static_cast<Month>(month[i]);
                                           amounts_[write] = mrr[i];
                                           ++write;
                                       }
                                   }
                               });
        for (auto c = static_cast<std::size_t>(account[n - 1] + 1); c <= n_accounts; ++c)
            offsets_[c] = paying;
    } else {
        for (std::size_t i = 0; i < n; ++i)
            offsets_[static_cast<std::size_t>(account[i]) + 1] += mrr[i] > 0.0;
        std::partial_sum(offsets_.begin(), offsets_.end(), offsets_.begin());
        scatter_by_account(account, month, mrr, threads);
    }
    sum_line_items(threads);
}

// Moves every paying row to its account's run, rows of one account keeping their input order. Each
// thread owns a range of accounts (cut at equal paying-row counts) and scans all rows for its own:
// the reads repeat, the scattered writes are shared out. Positions do not depend on the cut.
void MrrTable::scatter_by_account(std::span<const std::int64_t> account,
                                  std::span<const std::int64_t> month, std::span<const double> mrr,
                                  Threads threads) {
    const std::size_t n = account.size(), n_acc = n_accounts();
    const unsigned parts = std::min<unsigned>(detail::resolve_threads(threads), 8);
    std::vector<std::size_t> cut(parts + 1, n_acc);
    cut[0] = 0;
    for (unsigned t = 1; t < parts; ++t) {
        const auto target = offsets_.begin() + static_cast<std::ptrdiff_t>(1);
        cut[t] = static_cast<std::size_t>(
            std::lower_bound(target, offsets_.end(), offsets_.back() * t / parts) - target);
    }
    std::vector<std::size_t> cursor(offsets_.begin(), offsets_.end() - 1);
    detail::for_each_block(parts, 1, threads, [&](std::size_t t, std::size_t, std::size_t) {
        const std::size_t a_lo = cut[t], a_hi = cut[t + 1];
        for (std::size_t i = 0; i < n; ++i) {
            const auto a = static_cast<std::size_t>(account[i]);
            if (a < a_lo || a >= a_hi || !(mrr[i] > 0.0)) continue;
            const std::size_t pos = cursor[a]++;
            months_[pos] = static_cast<Month>(month[i]);
            amounts_[pos] = mrr[i];
        }
    });
}

template <class Id>
MrrTable MrrTable::from_ids(IdIndex<Id>& index, std::span<const typename IdIndex<Id>::key_type> ids,
                            std::span<const std::int64_t> month, std::span<const double> mrr,
                            const MrrColumns& columns, Threads threads) {
    const std::size_t n = ids.size();
    detail::check_lengths(n, month.size(), mrr.size(), columns);
    // Runs of equal ids, each interned once. Grouped means every run brings a code above the
    // previous run's: each account's rows are together (and in index order, for a pre-filled
    // index). Otherwise intern row by row and take the general path.
    std::vector<std::size_t> run_start;
    std::vector<std::int64_t> run_code;
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0 && ids[i] == ids[i - 1]) continue;
        const std::int64_t code = index.intern(ids[i]);
        if (!run_code.empty() && code <= run_code.back()) {
            const auto codes = index.intern(ids);
            return MrrTable(codes, index.size(), month, mrr, columns, threads);
        }
        run_start.push_back(i);
        run_code.push_back(code);
    }
    MrrTable t;
    t.offsets_.assign(index.size() + 1, 0);
    if (n == 0) return t;
    const detail::TableScan scan =
        detail::scan_rows({}, index.size(), month, mrr, columns, threads);
    t.set_span(scan.lo, scan.hi, month, columns);
    t.months_.resize(scan.paying);
    t.amounts_.resize(scan.paying);
    // Copy the paying rows run by run; an account's run starts where the previous ones end.
    // A table sorted by account and month without line items has every run strictly increasing
    // already: then there is nothing to sort or sum.
    std::size_t write = 0, next_code = 0;
    bool increasing = true;
    for (std::size_t r = 0; r < run_start.size(); ++r) {
        const auto code = static_cast<std::size_t>(run_code[r]);
        for (; next_code <= code; ++next_code) t.offsets_[next_code] = write;
        const std::size_t end = r + 1 < run_start.size() ? run_start[r + 1] : n;
        const std::size_t run_begin = write;
        for (std::size_t i = run_start[r]; i < end; ++i) {
            if (!(mrr[i] > 0.0)) continue;
            const auto m = static_cast<Month>(month[i]);
            increasing = increasing && (write == run_begin || t.months_[write - 1] < m);
            t.months_[write] = m;
            t.amounts_[write] = mrr[i];
            ++write;
        }
    }
    for (; next_code < t.offsets_.size(); ++next_code) t.offsets_[next_code] = write;
    if (!increasing) t.sum_line_items(threads);
    return t;
}

// Sorts each account's run by month and amount (so line items add up in one order, whatever the
// input's) and sums entries of the same month; every stored amount is > 0 (zero rows are never stored), so every sum is too.
// Blocks of accounts are compacted in parallel,
// each within its own range, then moved together; the result is the same for any thread count.
void MrrTable::sum_line_items(Threads threads) {
    const std::size_t n_acc = n_accounts();
    const std::size_t block = detail::account_block(n_acc);
    const std::size_t n_blocks = (n_acc + block - 1) / block;
    std::vector<std::size_t> kept(n_blocks, 0);  // entries each block keeps
    std::vector<std::size_t> run_end(offsets_.begin() + 1, offsets_.end());
    detail::for_each_block(
        n_acc, block, threads, [&](std::size_t b, std::size_t begin, std::size_t end) {
            std::vector<std::pair<Month, double>> scratch;
            std::size_t write = offsets_[begin];
            for (std::size_t a = begin; a < end; ++a) {
                const std::size_t first = offsets_[a], last = run_end[a];
                offsets_[a] = write;
                // By month, then by amount: a month's line items add up in one order whatever the
                // input's, so a sum never depends on how the rows came (to the last bit).
                const auto by_month_amount = [&](std::size_t i, std::size_t j) {
                    return months_[i] < months_[j] ||
                           (months_[i] == months_[j] && amounts_[i] < amounts_[j]);
                };
                bool ordered = true;
                for (std::size_t i = first; i + 1 < last && ordered; ++i)
                    ordered = !by_month_amount(i + 1, i);
                if (!ordered) {
                    scratch.clear();
                    for (std::size_t i = first; i < last; ++i)
                        scratch.emplace_back(months_[i], amounts_[i]);
                    std::sort(scratch.begin(), scratch.end());
                    for (std::size_t i = first; i < last; ++i) {
                        months_[i] = scratch[i - first].first;
                        amounts_[i] = scratch[i - first].second;
                    }
                }
                for (std::size_t i = first; i < last;) {
                    const Month m = months_[i];
                    double total = amounts_[i++];
                    while (i < last && months_[i] == m) total += amounts_[i++];
                    months_[write] = m;
                    amounts_[write] = total;
                    ++write;
                }
            }
            kept[b] = write - offsets_[begin];
        });
    // Close the gaps between blocks, front to back (each block only moves towards the front).
    std::size_t write = 0;
    for (std::size_t b = 0; b < n_blocks; ++b) {
        const std::size_t begin = b * block, end = std::min(n_acc, begin + block);
        const std::size_t from = offsets_[begin];
        const std::ptrdiff_t shift = static_cast<std::ptrdiff_t>(from - write);
        if (shift != 0) {
            std::copy(months_.begin() + static_cast<std::ptrdiff_t>(from),
                      months_.begin() + static_cast<std::ptrdiff_t>(from + kept[b]),
                      months_.begin() + static_cast<std::ptrdiff_t>(write));
            std::copy(amounts_.begin() + static_cast<std::ptrdiff_t>(from),
                      amounts_.begin() + static_cast<std::ptrdiff_t>(from + kept[b]),
                      amounts_.begin() + static_cast<std::ptrdiff_t>(write));
            for (std::size_t a = begin; a < end; ++a)
                offsets_[a] -= static_cast<std::size_t>(shift);
        }
        write += kept[b];
    }
    offsets_.back() = write;
    months_.resize(write);
    amounts_.resize(write);
}

MrrTable MrrTable::from_ids(IdIndex<std::string>& index, std::span<const std::string> ids,
                            std::span<const std::int64_t> month, std::span<const double> mrr,
                            const MrrColumns& columns, Threads threads) {
    const std::vector<std::string_view> views(ids.begin(), ids.end());
    return from_ids<std::string>(index, views, month, mrr, columns, threads);
}

template MrrTable MrrTable::from_ids<std::int64_t>(IdIndex<std::int64_t>&,
                                                   std::span<const std::int64_t>,
                                                   std::span<const std::int64_t>,
                                                   std::span<const double>, const MrrColumns&,
                                                   Threads);
template MrrTable MrrTable::from_ids<std::string>(IdIndex<std::string>&,
                                                  std::span<const std::string_view>,
                                                  std::span<const std::int64_t>,
                                                  std::span<const double>, const MrrColumns&,
                                                  Threads);

}  // namespace retain
