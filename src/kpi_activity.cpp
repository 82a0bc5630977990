#include "retain/activity.hpp"

#include <algorithm>
#include <cmath>

#include "detail/kpi_common.hpp"
#include "retain/detail/parallel.hpp"

namespace retain::kpi {

namespace {

void require_activities(const Book& book) {
    if (!book.has("activities"))
        throw InputError::argument(
            "book", "CSM activity needs the Book's activities table (Book(..., activities=...))");
}

}  // namespace

TouchKey parse_touch_key(std::string_view by) {
    if (by.empty()) return TouchKey::none;
    if (by == "type") return TouchKey::type;
    if (by == "owner") return TouchKey::owner;
    throw InputError::argument("by",
                               "must be 'type', 'owner' or none, got '" + std::string(by) + "'");
}

TouchCounts touches(const Book& book, TouchKey by, Threads n_threads) {
    require_activities(book);
    const std::size_t n = book.n_accounts();
    const std::size_t block = retain::detail::account_block(n);
    std::vector<TouchCounts> parts((n + block - 1) / block);
    retain::detail::for_each_block(
        n, block, n_threads, [&](std::size_t b, std::size_t lo, std::size_t hi) {
            TouchCounts& part = parts[b];
            std::vector<std::pair<Month, std::int32_t>> keys;
            for (std::size_t a = lo; a < hi; ++a) {
                const auto days = book.touches(a);
                if (days.empty()) continue;
                const auto types = book.touch_types(a);
                const auto owners = book.touch_owners(a);
                keys.clear();
                for (std::size_t k = 0; k < days.size(); ++k)
                    keys.emplace_back(month_of_day(days[k]), by == TouchKey::type    ? types[k]
                                                             : by == TouchKey::owner ? owners[k]
                                                                                     : 0);
                std::sort(keys.begin(), keys.end());
                for (std::size_t i = 0; i < keys.size();) {
                    std::size_t j = i;
                    while (j < keys.size() && keys[j] == keys[i]) ++j;
                    part.account.push_back(static_cast<std::int64_t>(a));
                    part.month.push_back(keys[i].first);
                    part.key.push_back(keys[i].second);
                    part.touches.push_back(static_cast<std::int64_t>(j - i));
                    i = j;
                }
            }
        });
    TouchCounts out;
    for (const TouchCounts& part : parts) {
        out.account.insert(out.account.end(), part.account.begin(), part.account.end());
        out.month.insert(out.month.end(), part.month.begin(), part.month.end());
        out.key.insert(out.key.end(), part.key.begin(), part.key.end());
        out.touches.insert(out.touches.end(), part.touches.begin(), part.touches.end());
    }
    return out;
}

Coverage coverage(const Book& book, Day as_of, std::int64_t max_gap_days,
                  std::span<const std::int64_t> group, std::size_t n_groups,
                  std::span<const std::uint8_t> include, Threads n_threads) {
    require_activities(book);
    const std::size_t n = book.n_accounts();
    detail::require(
        max_gap_days >= 1 && max_gap_days <= 36'500, "max_gap_days",
        "must be a whole number of days in [1, 36500], got " + std::to_string(max_gap_days));
    detail::check_account_groups(group, n_groups, n);
    if (!include.empty() && include.size() != n)
        throw InputError::argument("include", "has " + std::to_string(include.size()) +
                                                  " flags for " + std::to_string(n) + " accounts");
    if (group.empty()) n_groups = 1;
    const bool has_mrr = book.has("mrr");
    const Month month = month_of_day(as_of);
    const std::int64_t window_start = static_cast<std::int64_t>(as_of) - max_gap_days;

    // Per account: in which group it counts (-1 none), its ARR, touches in the window.
    std::vector<std::int64_t> in_group(n, -1), recent(n, 0);
    std::vector<double> arr(n, 0.0);
    retain::detail::for_each_block(
        n, retain::detail::account_block(n), n_threads,
        [&](std::size_t, std::size_t lo, std::size_t hi) {
            for (std::size_t a = lo; a < hi; ++a) {
                const std::int64_t g = group.empty() ? 0 : group[a];
                if (g < 0 || (!include.empty() && include[a] == 0) || !book.active_at(a, as_of))
                    continue;
                in_group[a] = g;
                const auto days = book.touches(a);
                const auto end = std::upper_bound(days.begin(), days.end(), as_of);
                const auto from = std::upper_bound(days.begin(), end, window_start);
                recent[a] = end - from;
                if (has_mrr) arr[a] = 12.0 * book.mrr_in(a, month).mrr;
            }
        });
    Coverage out;
    out.accounts.assign(n_groups, 0);
    out.touches.assign(n_groups, 0);
    out.untouched.assign(n_groups, 0);
    out.arr.assign(n_groups, 0.0);
    out.untouched_arr.assign(n_groups, 0.0);
    out.untouched_accounts.resize(n_groups);
    std::vector<detail::CompensatedSum> arr_sum(n_groups), untouched_sum(n_groups);
    for (std::size_t a = 0; a < n; ++a) {
        const std::int64_t g = in_group[a];
        if (g < 0) continue;
        const auto k = static_cast<std::size_t>(g);
        ++out.accounts[k];
        out.touches[k] += recent[a];
        arr_sum[k].add(arr[a]);
        if (recent[a] == 0) {
            ++out.untouched[k];
            untouched_sum[k].add(arr[a]);
            out.untouched_accounts[k].push_back(static_cast<std::int64_t>(a));
        }
    }
    const double no_arr = std::nan("");
    for (std::size_t k = 0; k < n_groups; ++k) {
        out.arr[k] = has_mrr ? arr_sum[k].value() : no_arr;
        out.untouched_arr[k] = has_mrr ? untouched_sum[k].value() : no_arr;
        std::stable_sort(out.untouched_accounts[k].begin(), out.untouched_accounts[k].end(),
                         [&](std::int64_t x, std::int64_t y) {
                             return arr[static_cast<std::size_t>(x)] >
                                    arr[static_cast<std::size_t>(y)];
                         });
    }
    return out;
}

}  // namespace retain::kpi
