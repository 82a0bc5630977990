// Churn labels (retain/labels.hpp): compiled once here rather than in every file that includes
// the header.

#include "retain/labels.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "retain/detail/parallel.hpp"
#include "retain/time.hpp"

namespace retain::backtest {

namespace {

// Rows grouped by code (CSR): rows of code c are order[offsets[c] .. offsets[c + 1]), in input
// order. Codes outside [0, n_codes) are left out.
struct Groups {
    std::vector<std::size_t> offsets;
    std::vector<std::size_t> order;
};

Groups group_rows(std::span<const std::int64_t> code, std::size_t n_codes) {
    Groups g;
    g.offsets.assign(n_codes + 1, 0);
    for (const std::int64_t c : code)
        if (c >= 0 && static_cast<std::size_t>(c) < n_codes)
            ++g.offsets[static_cast<std::size_t>(c) + 1];
    for (std::size_t c = 0; c < n_codes; ++c) g.offsets[c + 1] += g.offsets[c];
    g.order.resize(g.offsets[n_codes]);
    std::vector<std::size_t> fill(g.offsets.begin(), g.offsets.end() - 1);
    for (std::size_t r = 0; r < code.size(); ++r) {
        const std::int64_t c = code[r];
        if (c >= 0 && static_cast<std::size_t>(c) < n_codes)
            g.order[fill[static_cast<std::size_t>(c)]++] = r;
    }
    return g;
}

std::string accounts_text(std::size_t n) {
    return n == 1 ? "there is 1 account" : "there are " + std::to_string(n) + " accounts";
}

}  // namespace

LabelResult label_churn(std::span<const std::int64_t> snap_account,
                        std::span<const std::int64_t> snap_day,
                        std::span<const std::int64_t> churn_account,
                        std::span<const std::int64_t> churn_day,
                        std::span<const std::int64_t> returned_day, std::size_t n_accounts,
                        std::int64_t horizon_days, std::int64_t observed_until,
                        const LabelColumns& columns, Threads n_threads) {
    if (horizon_days < 1)
        throw InputError::argument("horizon_days", "must be a whole number of days >= 1, got " +
                                                       std::to_string(horizon_days));
    if (snap_account.size() != snap_day.size())
        throw InputError::argument(columns.as_of, "must have one value per snapshot row");
    if (churn_account.size() != churn_day.size() ||
        (!returned_day.empty() && returned_day.size() != churn_day.size()))
        throw InputError::argument(columns.churn_date, "must have one value per churn row");
    constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
    // Far enough from the int64 limits that t + horizon cannot overflow.
    constexpr std::int64_t max_day = std::int64_t{1} << 40;

    for (std::size_t r = 0; r < snap_day.size(); ++r) {
        if (snap_day[r] == missing_day)
            throw InputError::at(columns.as_of, r, "missing date (NaT)");
        if (snap_account[r] < 0 || static_cast<std::size_t>(snap_account[r]) >= n_accounts)
            throw InputError::at(columns.account, r,
                                 "account code " + std::to_string(snap_account[r]) +
                                     " out of range: " + accounts_text(n_accounts));
    }
    for (std::size_t j = 0; j < churn_day.size(); ++j) {
        // -1 is the one "no such account" mark; any other code outside the accounts is a caller's
        // bug that would otherwise drop the churn silently.
        if (churn_account[j] < -1 ||
            (churn_account[j] >= 0 && static_cast<std::size_t>(churn_account[j]) >= n_accounts))
            throw InputError::at(columns.account, j,
                                 "churn account code " + std::to_string(churn_account[j]) +
                                     " out of range: " + accounts_text(n_accounts) +
                                     " (-1 marks an account without snapshots)");
        if (churn_day[j] == missing_day)
            throw InputError::at(columns.churn_date, j, "missing date (NaT)");
        if (!returned_day.empty() && returned_day[j] != missing_day &&
            returned_day[j] < churn_day[j])
            throw InputError::at(columns.returned_at, j,
                                 "returned on " + format_day(returned_day[j]) +
                                     ", before churning on " + format_day(churn_day[j]));
    }
    if (horizon_days > max_day) throw InputError::argument("horizon_days", "is too large");

    // Each account's churns by day, with the latest return among the churns so far: an account is
    // gone at t when the churns dated <= t include one not returned by t, i.e. when the largest
    // return day (never for "not returned") among them is > t.
    const auto churns = group_rows(churn_account, n_accounts);
    std::vector<std::int64_t> day(churns.order.size()), latest_return(churns.order.size());
    {
        std::vector<std::pair<std::int64_t, std::int64_t>> run;
        for (std::size_t a = 0; a < n_accounts; ++a) {
            const std::size_t lo = churns.offsets[a], hi = churns.offsets[a + 1];
            run.clear();
            for (std::size_t k = lo; k < hi; ++k) {
                const std::size_t j = churns.order[k];
                const std::int64_t ret = returned_day.empty() || returned_day[j] == missing_day
                                             ? never
                                             : returned_day[j];
                run.emplace_back(churn_day[j], ret);
            }
            std::sort(run.begin(), run.end());
            std::int64_t running = std::numeric_limits<std::int64_t>::min();
            for (std::size_t k = lo; k < hi; ++k) {
                day[k] = run[k - lo].first;
                running = std::max(running, run[k - lo].second);
                latest_return[k] = running;
            }
        }
    }

    // Duplicate (account, as-of) rows: group the snapshot rows by account, sort each group by day.
    {
        const auto snaps = group_rows(snap_account, n_accounts);
        std::vector<std::pair<std::int64_t, std::size_t>> run;
        for (std::size_t a = 0; a < n_accounts; ++a) {
            run.clear();
            for (std::size_t k = snaps.offsets[a]; k < snaps.offsets[a + 1]; ++k)
                run.emplace_back(snap_day[snaps.order[k]], snaps.order[k]);
            std::sort(run.begin(), run.end());
            for (std::size_t k = 1; k < run.size(); ++k)
                if (run[k].first == run[k - 1].first)
                    throw InputError::at(columns.as_of, run[k].second,
                                         "the account already has a snapshot on " +
                                             format_day(run[k].first) + " (row " +
                                             std::to_string(run[k - 1].second) +
                                             "); give one row per (account, as-of date)");
        }
    }

    // Rows in fixed blocks, each counting into its own slot: the counts never depend on threads.
    LabelResult out;
    out.label.resize(snap_day.size());
    constexpr std::size_t block = std::size_t{1} << 16;
    std::vector<std::array<std::size_t, 4>> counts((snap_day.size() + block - 1) / block);
    retain::detail::for_each_block(
        snap_day.size(), block, n_threads, [&](std::size_t b, std::size_t lo, std::size_t hi) {
            std::array<std::size_t, 4> n{};  // negatives, positives, inactive, unresolved
            for (std::size_t r = lo; r < hi; ++r) {
                const auto a = static_cast<std::size_t>(snap_account[r]);
                const std::int64_t t = std::clamp(snap_day[r], -max_day, max_day);
                const auto first = day.begin() + static_cast<std::ptrdiff_t>(churns.offsets[a]);
                const auto last = day.begin() + static_cast<std::ptrdiff_t>(churns.offsets[a + 1]);
                const auto next = std::upper_bound(first, last, t);  // first churn after t
                std::int8_t code;
                if (next != first &&
                    latest_return[static_cast<std::size_t>(next - day.begin()) - 1] > t) {
                    code = label_inactive;
                    ++n[2];
                } else if (t + horizon_days > observed_until) {
                    code = label_unresolved;
                    ++n[3];
                } else if (next != last && *next <= t + horizon_days) {
                    code = 1;
                    ++n[1];
                } else {
                    code = 0;
                    ++n[0];
                }
                out.label[r] = code;
            }
            counts[b] = n;
        });
    for (const auto& n : counts) {
        out.negatives += n[0];
        out.positives += n[1];
        out.inactive += n[2];
        out.unresolved += n[3];
    }
    return out;
}

}  // namespace retain::backtest
