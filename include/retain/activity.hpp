#pragma once
// CSM activity from a Book's activities table: touches per account and month, and each owner's
// (or tier's) coverage — accounts, ARR, recent touches and the accounts nobody has touched lately.
// Rows of an internal type (ActivitiesInput::internal_types) are no touches anywhere.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "retain/book.hpp"
#include "retain/threads.hpp"
#include "retain/time.hpp"

namespace retain::kpi {

/// What touches are counted by, besides account and month.
enum class TouchKey {
    none,   ///< all touches together (key is 0)
    type,   ///< the activity's type (key: code into Book::activity_types(), -1 none)
    owner,  ///< the activity's owner (key: code into Book::activity_owners(), -1 none)
};

/// "type", "owner" or "" (none); anything else is an InputError naming `by`.
TouchKey parse_touch_key(std::string_view by);

/// One row per (account, month, key) with a touch, sorted by account code, month, key.
struct TouchCounts {
    std::vector<std::int64_t> account;
    std::vector<Month> month;
    std::vector<std::int32_t> key;
    std::vector<std::int64_t> touches;

    std::size_t size() const noexcept { return touches.size(); }
};

/// Touches of every account per calendar month (of the Book's time zone), by `by`. A Book
/// without an activities table is an InputError.
TouchCounts touches(const Book& book, TouchKey by = TouchKey::none, Threads n_threads = {});

/// Each group's coverage on day `as_of`, over the accounts that are customers then
/// (Book::active_at) and in a group:
///   accounts, arr = 12 x their MRR in as_of's month (NaN without an MRR table),
///   touches = touches dated in (as_of - max_gap_days, as_of],
///   untouched = accounts without a touch in that window (none at all, or the last one on or
///   before as_of - max_gap_days), with their ARR, listed (account codes) by ARR, largest first,
///   then by code.
/// Touches dated after as_of are not read (as everything "as of" a date). `group[a]` is account
/// a's group (< n_groups, -1: left out), empty for one group; `include`, if not empty, keeps only
/// accounts a with include[a] != 0 (the red ones, say). max_gap_days >= 1; a Book without an
/// activities table is an InputError.
struct Coverage {
    std::vector<std::int64_t> accounts, touches, untouched;
    std::vector<double> arr, untouched_arr;
    std::vector<std::vector<std::int64_t>> untouched_accounts;

    std::size_t size() const noexcept { return accounts.size(); }
};

Coverage coverage(const Book& book, Day as_of, std::int64_t max_gap_days = 30,
                  std::span<const std::int64_t> group = {}, std::size_t n_groups = 1,
                  std::span<const std::uint8_t> include = {}, Threads n_threads = {});

}  // namespace retain::kpi
