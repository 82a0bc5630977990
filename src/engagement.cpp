// The event log's construction and the engagement sweeps (retain/engagement.hpp): compiled once
// here rather than in every file that includes the header.

#include "retain/engagement.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "retain/detail/parallel.hpp"

namespace retain::engagement {

namespace {

constexpr std::size_t event_block = std::size_t{1} << 16;
constexpr std::int64_t max_window_days = 36'500;  // 100 years
constexpr std::int64_t max_abs_day = max_abs_event_day;

// Index of the first event of `ev` whose day is after `day` (events sorted by day).
std::size_t after(std::span<const Event> ev, std::int64_t day) noexcept {
    return static_cast<std::size_t>(
        std::upper_bound(ev.begin(), ev.end(), day,
                         [](std::int64_t d, const Event& e) { return d < e.day; }) -
        ev.begin());
}

// Sorts events by day: a counting sort when the days span little more than the events (the usual
// case), std::sort otherwise. Events of the same day keep no particular order (none is needed).
void sort_by_day(std::span<Event> run, std::vector<Event>& scratch,
                 std::vector<std::uint32_t>& count) {
    auto by_day = [](const Event& x, const Event& y) { return x.day < y.day; };
    if (std::is_sorted(run.begin(), run.end(), by_day)) return;
    const auto [lo, hi] = std::minmax_element(run.begin(), run.end(), by_day);
    const auto span = static_cast<std::size_t>(std::int64_t{hi->day} - lo->day) + 1;
    if (run.size() < 32 || span > 4 * run.size()) {
        std::sort(run.begin(), run.end(), by_day);
        return;
    }
    const Day first = lo->day;
    count.assign(span + 1, 0);
    for (const Event& e : run) ++count[static_cast<std::size_t>(e.day - first) + 1];
    for (std::size_t d = 0; d < span; ++d) count[d + 1] += count[d];
    scratch.resize(run.size());
    for (const Event& e : run) scratch[count[static_cast<std::size_t>(e.day - first)]++] = e;
    std::copy(scratch.begin(), scratch.end(), run.begin());
}

// Moves rows so that those of key k (0 <= k < off.size() - 1) fill [off[k], off[k + 1]), in
// place: each row is swapped along its cycle to its place (an American flag sort's pass).
template <class Key>
void partition_in_place(std::span<Event> rows, std::span<const std::size_t> off, Key key) {
    std::vector<std::size_t> next(off.begin(), off.end() - 1);
    for (std::size_t k = 0; k + 1 < off.size(); ++k)
        while (next[k] < off[k + 1]) {
            Event e = rows[next[k]];
            for (std::size_t b = key(e); b != k; b = key(e)) std::swap(e, rows[next[b]++]);
            rows[next[k]++] = e;
        }
}

void check_day(std::int64_t day, std::string_view name) {
    if (day < -max_abs_day || day > max_abs_day)
        throw InputError::argument(name, "day number " + std::to_string(day) + " is out of range");
}

void check_window(std::int64_t w, std::string_view name) {
    if (w < 1 || w > max_window_days)
        throw InputError::argument(name, "a window must be a whole number of days in [1, " +
                                             std::to_string(max_window_days) + "], got " +
                                             std::to_string(w));
}

}  // namespace

void EventLog::account_out_of_range(std::size_t account) const {
    throw InputError::out_of_range("account", account, n_accounts());
}

EventLog::EventLog(std::span<const std::int64_t> account, std::size_t n_accounts,
                   std::span<const std::int64_t> user, std::size_t n_users,
                   std::span<const std::int64_t> timestamp, TimeUnit unit,
                   std::span<const std::int64_t> feature, std::size_t n_features,
                   const EventColumns& columns, Threads n_threads, bool feature_column)
    : n_users_(n_users), n_features_(n_features), has_features_(feature_column || !feature.empty()) {
    const std::size_t n = account.size();
    if (user.size() != n || timestamp.size() != n || (!feature.empty() && feature.size() != n)) {
        std::string msg = "columns differ in length: '" + columns.account + "' has " +
                          std::to_string(n) + " rows, '" + columns.user + "' " +
                          std::to_string(user.size()) + ", '" + columns.timestamp + "' " +
                          std::to_string(timestamp.size());
        if (!feature.empty())
            msg += ", '" + columns.feature + "' " + std::to_string(feature.size());
        throw InputError(msg);
    }
    constexpr auto int32_max = static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max());
    if (n_users > int32_max || n_features > int32_max)
        throw InputError("more than 2^31 - 1 distinct users or features are not supported");
    offsets_.assign(n_accounts + 1, 0);
    user_offsets_.assign(n_accounts + 1, 0);
    if (n == 0) return;

    // Pass 1 (parallel over fixed blocks): validate and convert timestamps to days. Each block
    // records its first bad row; the lowest one is reported, whatever the thread count.
    const std::int64_t per_day = units_per_day(unit);
    constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
    constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
    std::vector<Day> days(n);
    const std::size_t n_blocks = (n + event_block - 1) / event_block;
    std::vector<std::size_t> bad(n_blocks, none);
    std::vector<Day> lo(n_blocks, std::numeric_limits<Day>::max());
    std::vector<Day> hi(n_blocks, std::numeric_limits<Day>::min());
    auto valid = [&](std::size_t i) {
        if (account[i] < 0 || static_cast<std::size_t>(account[i]) >= n_accounts) return false;
        if (user[i] < 0 || static_cast<std::size_t>(user[i]) >= n_users) return false;
        if (!feature.empty() &&
            (feature[i] < 0 || static_cast<std::size_t>(feature[i]) >= n_features))
            return false;
        if (timestamp[i] == nat) return false;
        const std::int64_t d = retain::detail::floor_div(timestamp[i], per_day);
        return d >= -max_abs_day && d <= max_abs_day;
    };
    retain::detail::for_each_block(
        n, event_block, n_threads, [&](std::size_t b, std::size_t begin, std::size_t end) {
            Day l = std::numeric_limits<Day>::max(), h = std::numeric_limits<Day>::min();
            for (std::size_t i = begin; i < end; ++i) {
                if (!valid(i)) {
                    bad[b] = i;
                    return;
                }
                const auto d = static_cast<Day>(retain::detail::floor_div(timestamp[i], per_day));
                days[i] = d;
                l = std::min(l, d);
                h = std::max(h, d);
            }
            lo[b] = l;
            hi[b] = h;
        });
    for (std::size_t b = 0; b < n_blocks; ++b) {
        const std::size_t i = bad[b];
        if (i == none) continue;
        if (account[i] < 0) throw InputError::at(columns.account, i, "missing account id");
        if (static_cast<std::size_t>(account[i]) >= n_accounts)
            throw InputError::at(columns.account, i,
                                 "account code " + std::to_string(account[i]) + " is not below " +
                                     std::to_string(n_accounts));
        if (user[i] < 0) throw InputError::at(columns.user, i, "missing user id");
        if (static_cast<std::size_t>(user[i]) >= n_users)
            throw InputError::at(columns.user, i,
                                 "user code " + std::to_string(user[i]) + " is not below " +
                                     std::to_string(n_users));
        if (!feature.empty() && feature[i] < 0)
            throw InputError::at(columns.feature, i, "missing feature");
        if (!feature.empty() && static_cast<std::size_t>(feature[i]) >= n_features)
            throw InputError::at(columns.feature, i,
                                 "feature code " + std::to_string(feature[i]) + " is not below " +
                                     std::to_string(n_features));
        if (timestamp[i] == nat)
            throw InputError::at(columns.timestamp, i, "missing timestamp (NaT)");
        throw InputError::at(columns.timestamp, i, "timestamp is out of range");
    }
    first_day_ = *std::min_element(lo.begin(), lo.end());
    last_day_ = *std::max_element(hi.begin(), hi.end());

    // Pass 2: counting sort by account (stable), then each account's run by day.
    for (std::size_t i = 0; i < n; ++i) ++offsets_[static_cast<std::size_t>(account[i]) + 1];
    for (std::size_t a = 0; a < n_accounts; ++a) offsets_[a + 1] += offsets_[a];
    events_.resize(n);
    {
        // Each thread owns a range of accounts (cut at equal event counts) and scans every row
        // for its own: the reads repeat, the scattered writes are shared out. Positions depend
        // only on the input order, never on the cut.
        const unsigned parts = std::min<unsigned>(retain::detail::resolve_threads(n_threads), 8);
        std::vector<std::size_t> cut(parts + 1, n_accounts);
        cut[0] = 0;
        for (unsigned t = 1; t < parts; ++t) {
            const auto from = offsets_.begin() + 1;
            cut[t] = static_cast<std::size_t>(
                std::lower_bound(from, offsets_.end(), n * t / parts) - from);
        }
        std::vector<std::size_t> cursor(offsets_.begin(), offsets_.end() - 1);
        retain::detail::for_each_block(
            parts, 1, n_threads, [&](std::size_t t, std::size_t, std::size_t) {
                const std::size_t a_lo = cut[t], a_hi = cut[t + 1];
                for (std::size_t i = 0; i < n; ++i) {
                    const auto a = static_cast<std::size_t>(account[i]);
                    if (a < a_lo || a >= a_hi) continue;
                    events_[cursor[a]++] = {
                        days[i], static_cast<std::int32_t>(user[i]),
                        feature.empty() ? -1 : static_cast<std::int32_t>(feature[i])};
                }
            });
    }
    std::vector<Day>().swap(days);
    // Pass 3 (parallel over fixed blocks of accounts): sort each account's run by day, then give
    // its users local indices (their rank among the account's user codes). Blocks list their users
    // apart; the lists are joined in block order, so nothing depends on the thread count.
    const std::size_t block = retain::detail::account_block(n_accounts);
    const std::size_t n_account_blocks = (n_accounts + block - 1) / block;
    // "Seen" marks indexed by user code, one array per block, when that costs little beside the
    // events; otherwise each account's users are found by sorting its user codes.
    const bool marks = n_users_ * n_account_blocks <= 8 * n + (std::size_t{1} << 20);
    std::vector<std::vector<std::int32_t>> block_users(n_account_blocks);
    retain::detail::for_each_block(
        n_accounts, block, n_threads, [&](std::size_t b, std::size_t begin, std::size_t end) {
            std::vector<std::int64_t> owner(marks ? n_users_ : 0, -1);
            std::vector<std::int32_t> local(marks ? n_users_ : 0);
            std::vector<Event> scratch;
            std::vector<std::uint32_t> count;
            std::vector<std::int32_t>& mine = block_users[b];
            for (std::size_t a = begin; a < end; ++a) {
                const std::span<Event> run(events_.data() + offsets_[a],
                                           offsets_[a + 1] - offsets_[a]);
                sort_by_day(run, scratch, count);
                const std::size_t start = mine.size();
                if (marks) {
                    for (const Event& e : run)
                        if (owner[static_cast<std::size_t>(e.user)] !=
                            static_cast<std::int64_t>(a)) {
                            owner[static_cast<std::size_t>(e.user)] = static_cast<std::int64_t>(a);
                            mine.push_back(e.user);
                        }
                    const auto own = mine.begin() + static_cast<std::ptrdiff_t>(start);
                    std::sort(own, mine.end());
                    for (auto u = own; u != mine.end(); ++u)
                        local[static_cast<std::size_t>(*u)] = static_cast<std::int32_t>(u - own);
                    for (Event& e : run) e.user = local[static_cast<std::size_t>(e.user)];
                } else {
                    for (const Event& e : run) mine.push_back(e.user);
                    const auto own = mine.begin() + static_cast<std::ptrdiff_t>(start);
                    std::sort(own, mine.end());
                    mine.erase(std::unique(own, mine.end()), mine.end());
                    for (Event& e : run)
                        e.user = static_cast<std::int32_t>(
                            std::lower_bound(own, mine.end(), e.user) - own);
                }
                user_offsets_[a + 1] = mine.size() - start;
            }
        });
    for (std::size_t a = 0; a < n_accounts; ++a) {
        max_account_users_ = std::max(max_account_users_, user_offsets_[a + 1]);
        user_offsets_[a + 1] += user_offsets_[a];
    }
    users_.reserve(user_offsets_.back());
    for (const auto& part : block_users) users_.insert(users_.end(), part.begin(), part.end());
}

EventLog EventLog::from_memberships(std::vector<Event>&& rows,
                                    std::span<const std::int32_t> member_account,
                                    std::span<const std::int32_t> member_user,
                                    std::size_t n_accounts, std::size_t n_users,
                                    std::size_t n_features, bool feature_column,
                                    Threads n_threads) {
    const std::size_t n_members = member_account.size();
    if (member_user.size() != n_members)
        throw InputError::argument("member_user", "has " + std::to_string(member_user.size()) +
                                                      " memberships, member_account " +
                                                      std::to_string(n_members));
    constexpr auto int32_max = static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max());
    if (n_users > int32_max || n_features > int32_max || n_members > int32_max)
        throw InputError("more than 2^31 - 1 distinct users, features or (account, user) pairs "
                         "are not supported");
    for (std::size_t m = 0; m < n_members; ++m)
        if (member_account[m] < 0 || static_cast<std::size_t>(member_account[m]) >= n_accounts ||
            member_user[m] < 0 || static_cast<std::size_t>(member_user[m]) >= n_users)
            throw InputError::at("membership", m,
                                 "account " + std::to_string(member_account[m]) + " or user " +
                                     std::to_string(member_user[m]) + " is out of range");
    EventLog log;
    log.n_users_ = n_users;
    log.n_features_ = n_features;
    log.offsets_.assign(n_accounts + 1, 0);
    log.user_offsets_.assign(n_accounts + 1, 0);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const Event& e = rows[i];
        if (e.user < 0 || static_cast<std::size_t>(e.user) >= n_members)
            throw InputError::at("membership", i, "code " + std::to_string(e.user) +
                                                      " is not below " + std::to_string(n_members));
        if (e.feature >= 0 ? static_cast<std::size_t>(e.feature) >= n_features : n_features > 0)
            throw InputError::at("feature", i, "code " + std::to_string(e.feature) +
                                                   " is out of range");
        if (e.day < -max_abs_day || e.day > max_abs_day)
            throw InputError::at("day", i, "day " + std::to_string(e.day) + " is out of range");
    }
    log.has_features_ = feature_column || n_features > 0;
    if (!rows.empty()) {
        const auto [lo, hi] = std::minmax_element(
            rows.begin(), rows.end(), [](const Event& x, const Event& y) { return x.day < y.day; });
        log.first_day_ = lo->day;
        log.last_day_ = hi->day;
    }
    const auto account_of = [&](const Event& e) {
        return static_cast<std::size_t>(member_account[static_cast<std::size_t>(e.user)]);
    };
    // Rows to their account's run in place, with no second copy of the events: first to one of at
    // most 256 ranges of accounts, then (each range on its own, in parallel) to its account. Two
    // short passes keep each pass's places in cache, where one pass over every account would
    // miss on nearly every move.
    auto& off = log.offsets_;
    for (const Event& e : rows) ++off[account_of(e) + 1];
    for (std::size_t a = 0; a < n_accounts; ++a) off[a + 1] += off[a];
    if (!rows.empty()) {  // then there are accounts
        const int shift = std::max(0, static_cast<int>(std::bit_width(n_accounts)) - 8);
        const std::size_t n_ranges = ((n_accounts - 1) >> shift) + 1;
        std::vector<std::size_t> range_off(n_ranges + 1);
        for (std::size_t r = 0; r <= n_ranges; ++r)
            range_off[r] = off[std::min(r << shift, n_accounts)];
        partition_in_place(std::span<Event>(rows), range_off,
                           [&](const Event& e) { return account_of(e) >> shift; });
        if (shift > 0)
            retain::detail::for_each_block(
                n_ranges, 1, n_threads, [&](std::size_t r, std::size_t, std::size_t) {
                    const std::size_t first = r << shift,
                                      last = std::min((r + 1) << shift, n_accounts);
                    partition_in_place(std::span<Event>(rows),
                                       std::span<const std::size_t>(off.data() + first,
                                                                    last - first + 1),
                                       [&](const Event& e) { return account_of(e) - first; });
                });
    }
    // Each account's users: its memberships ordered by user code (two memberships of one user,
    // from a reader that met the user twice, are one user); an event's user becomes its user's
    // rank there.
    std::vector<std::int32_t> local(n_members);
    {
        std::vector<std::size_t> start(n_accounts + 1, 0);
        for (std::size_t m = 0; m < n_members; ++m)
            ++start[static_cast<std::size_t>(member_account[m]) + 1];
        for (std::size_t a = 0; a < n_accounts; ++a) start[a + 1] += start[a];
        std::vector<std::int32_t> by_account(n_members);
        std::vector<std::size_t> next(start.begin(), start.end() - 1);
        for (std::size_t m = 0; m < n_members; ++m)
            by_account[next[static_cast<std::size_t>(member_account[m])]++] =
                static_cast<std::int32_t>(m);
        const auto user_of = [&](std::int32_t m) {
            return member_user[static_cast<std::size_t>(m)];
        };
        log.users_.reserve(n_members);
        for (std::size_t a = 0; a < n_accounts; ++a) {
            const auto first = by_account.begin() + static_cast<std::ptrdiff_t>(start[a]),
                       last = by_account.begin() + static_cast<std::ptrdiff_t>(start[a + 1]);
            std::sort(first, last,
                      [&](std::int32_t x, std::int32_t y) { return user_of(x) < user_of(y); });
            const std::size_t own = log.users_.size();
            for (auto it = first; it != last; ++it) {
                if (it == first || user_of(*it) != user_of(*(it - 1)))
                    log.users_.push_back(user_of(*it));
                local[static_cast<std::size_t>(*it)] =
                    static_cast<std::int32_t>(log.users_.size() - own - 1);
            }
            log.user_offsets_[a + 1] = log.users_.size();
            log.max_account_users_ = std::max(log.max_account_users_, log.users_.size() - own);
        }
    }
    log.events_ = std::move(rows);
    const std::size_t block = retain::detail::account_block(n_accounts);
    retain::detail::for_each_block(
        n_accounts, block, n_threads, [&](std::size_t, std::size_t begin, std::size_t end) {
            std::vector<Event> scratch;
            std::vector<std::uint32_t> count;
            for (std::size_t a = begin; a < end; ++a) {
                const std::span<Event> run(log.events_.data() + off[a], off[a + 1] - off[a]);
                for (Event& e : run) e.user = local[static_cast<std::size_t>(e.user)];
                sort_by_day(run, scratch, count);
            }
        });
    return log;
}

UsageFeatures usage_features(const EventLog& log, std::span<const std::int64_t> as_of,
                             std::span<const std::int64_t> windows, Threads n_threads) {
    if (windows.empty()) throw InputError::argument("windows", "give at least one window");
    for (const std::int64_t w : windows) check_window(w, "windows");
    for (const std::int64_t d : as_of) check_day(d, "as_of");
    const std::size_t n_w = windows.size();
    // Windows in increasing order (order[j] is the position of the j-th smallest).
    std::vector<std::size_t> order(n_w);
    for (std::size_t k = 0; k < n_w; ++k) order[k] = k;
    std::sort(order.begin(), order.end(),
              [&](std::size_t x, std::size_t y) { return windows[x] < windows[y]; });
    for (std::size_t j = 1; j < n_w; ++j)
        if (windows[order[j]] == windows[order[j - 1]])
            throw InputError::argument(
                "windows", "window " + std::to_string(windows[order[j]]) + " is given twice");
    const std::int64_t max_w = windows[order.back()];

    UsageFeatures out;
    out.n_accounts = log.n_accounts();
    out.n_as_of = as_of.size();
    const std::size_t rows = out.n_accounts * out.n_as_of;
    const bool features = log.has_features();
    out.events.assign(n_w, std::vector<std::int64_t>(rows));
    out.active_users.assign(n_w, std::vector<std::int64_t>(rows));
    out.active_days.assign(n_w, std::vector<std::int64_t>(rows));
    out.distinct_features.assign(features ? n_w : 0, std::vector<std::int64_t>(rows));
    out.trend.assign(n_w, std::vector<double>(rows));
    out.days_since_last_event.assign(rows, 0.0);
    const double nan = std::numeric_limits<double>::quiet_NaN();

    // Each block of accounts writes only its own rows; "last seen" stamps keyed by user and feature
    // code count distinct values without clearing a set per row.
    const std::size_t n_acc = out.n_accounts;
    retain::detail::for_each_block(
        n_acc, std::max<std::size_t>(64, retain::detail::account_block(n_acc) / 16), n_threads,
        [&](std::size_t, std::size_t begin, std::size_t end) {
            std::vector<std::int64_t> user_seen(log.max_account_users(), -1);
            std::vector<std::int64_t> feature_seen(features ? log.n_features() : 0, -1);
            std::vector<std::int64_t> new_users(n_w), new_days(n_w), new_features(n_w);
            std::int64_t tag = 0;
            for (std::size_t a = begin; a < end; ++a) {
                const auto ev = log.events(a);
                for (std::size_t q = 0; q < out.n_as_of; ++q, ++tag) {
                    const std::size_t row = a * out.n_as_of + q;
                    const std::int64_t day = as_of[q];
                    const std::size_t hi = after(ev, day);
                    out.days_since_last_event[row] =
                        hi == 0 ? nan : static_cast<double>(day - ev[hi - 1].day);
                    for (std::size_t k = 0; k < n_w; ++k) {
                        const std::size_t lo = after(ev, day - windows[k]);
                        const std::size_t earlier = lo - after(ev, day - 2 * windows[k]);
                        const auto count = static_cast<std::int64_t>(hi - lo);
                        out.events[k][row] = count;
                        out.trend[k][row] = earlier == 0 ? nan
                                                         : static_cast<double>(count) /
                                                               static_cast<double>(earlier);
                    }
                    // One backward sweep over the widest window: a user (day, feature) first met
                    // at age `age` is new to every window longer than age.
                    std::fill(new_users.begin(), new_users.end(), 0);
                    std::fill(new_days.begin(), new_days.end(), 0);
                    std::fill(new_features.begin(), new_features.end(), 0);
                    const std::size_t stop = after(ev, day - max_w);
                    std::size_t j = 0;
                    Day previous_day = 0;
                    for (std::size_t i = hi; i > stop; --i) {
                        const Event& e = ev[i - 1];
                        const std::int64_t age = day - e.day;  // 0 .. max_w - 1
                        while (age >= windows[order[j]]) ++j;
                        // Branch-free: whether a mark is new is data, not control flow.
                        new_days[j] += (i == hi) | (e.day != previous_day);
                        previous_day = e.day;
                        std::int64_t& u = user_seen[static_cast<std::size_t>(e.user)];
                        new_users[j] += u != tag;
                        u = tag;
                        if (features) {
                            std::int64_t& f = feature_seen[static_cast<std::size_t>(e.feature)];
                            new_features[j] += f != tag;
                            f = tag;
                        }
                    }
                    std::int64_t users = 0, active = 0, feats = 0;
                    for (std::size_t s = 0; s < n_w; ++s) {
                        users += new_users[s];
                        active += new_days[s];
                        feats += new_features[s];
                        out.active_users[order[s]][row] = users;
                        out.active_days[order[s]][row] = active;
                        if (features) out.distinct_features[order[s]][row] = feats;
                    }
                }
            }
        });
    return out;
}

namespace {

// Calls fn(account, period, global user) once for every distinct (account, period, user) of the
// log: each account's events are in day order, so a tag per (account, period) run marks the
// users already seen in it.
template <class Fn>
void for_each_active_user(const EventLog& log, Freq freq, Fn&& fn) {
    std::vector<std::int64_t> seen(log.max_account_users(), -1);
    std::int64_t tag = -1;
    for (std::size_t a = 0; a < log.n_accounts(); ++a) {
        const auto ev = log.events(a);
        const auto users = log.users(a);
        std::int64_t current = 0;
        for (std::size_t i = 0; i < ev.size(); ++i) {
            const std::int64_t p = period_of(ev[i].day, freq);
            if (i == 0 || p != current) {
                current = p;
                ++tag;
            }
            const auto u = static_cast<std::size_t>(ev[i].user);
            if (seen[u] != tag) {
                seen[u] = tag;
                fn(a, p, users[u]);
            }
        }
    }
}

}  // namespace

ActiveUsersByAccount active_users_by_account(const EventLog& log, Freq freq) {
    ActiveUsersByAccount out;
    for_each_active_user(log, freq, [&](std::size_t a, std::int64_t p, std::int64_t) {
        const auto account = static_cast<std::int64_t>(a);
        if (out.account.empty() || out.account.back() != account || out.period.back() != p) {
            out.account.push_back(account);
            out.period.push_back(p);
            out.count.push_back(0);
        }
        ++out.count.back();
    });
    return out;
}

ActiveUsers active_users(const EventLog& log, Freq freq) {
    ActiveUsers out;
    if (log.empty()) return out;
    out.first = period_of(log.first_day(), freq);
    const std::int64_t last = period_of(log.last_day(), freq);
    const std::int64_t step = next_period(0, freq);
    const auto n_periods = static_cast<std::size_t>((last - out.first) / step + 1);
    out.count.assign(n_periods, 0);
    // (period, user) pairs, deduplicated within each account's runs, then across accounts.
    const auto n_users = static_cast<std::uint64_t>(log.n_users());
    std::vector<std::uint64_t> keys;
    for_each_active_user(log, freq, [&](std::size_t, std::int64_t p, std::int64_t user) {
        keys.push_back(static_cast<std::uint64_t>((p - out.first) / step) * n_users +
                       static_cast<std::uint64_t>(user));
    });
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const std::uint64_t k : keys) ++out.count[static_cast<std::size_t>(k / n_users)];
    return out;
}

FeatureAdoption feature_adoption(const EventLog& log, std::int64_t as_of, std::int64_t window_days,
                                 Level level) {
    check_window(window_days, "window_days");
    check_day(as_of, "as_of");
    if (!log.has_features())
        throw InputError::argument("feature", "the event log has no feature column");
    FeatureAdoption out;
    out.adopters.assign(log.n_features(), 0);
    const auto n_users = static_cast<std::uint64_t>(log.n_users());
    std::vector<std::int64_t> feature_seen(log.n_features(), -1);
    std::vector<char> user_active(level == Level::user ? log.n_users() : 0, 0);
    std::vector<std::uint64_t> pairs;  // feature * n_users + user, for the user level
    for (std::size_t a = 0; a < log.n_accounts(); ++a) {
        const auto ev = log.events(a);
        const auto users = log.users(a);
        const std::size_t hi = after(ev, as_of);
        const std::size_t lo = after(ev, as_of - window_days);
        if (lo == hi) continue;
        if (level == Level::account) {
            ++out.active;
            for (std::size_t i = lo; i < hi; ++i) {
                auto& seen = feature_seen[static_cast<std::size_t>(ev[i].feature)];
                if (seen != static_cast<std::int64_t>(a)) {
                    seen = static_cast<std::int64_t>(a);
                    ++out.adopters[static_cast<std::size_t>(ev[i].feature)];
                }
            }
        } else {
            for (std::size_t i = lo; i < hi; ++i) {
                const auto u = users[static_cast<std::size_t>(ev[i].user)];
                user_active[static_cast<std::size_t>(u)] = 1;
                pairs.push_back(static_cast<std::uint64_t>(ev[i].feature) * n_users +
                                static_cast<std::uint64_t>(u));
            }
        }
    }
    if (level == Level::user) {
        out.active = std::count(user_active.begin(), user_active.end(), 1);
        std::sort(pairs.begin(), pairs.end());
        pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
        for (const std::uint64_t k : pairs) ++out.adopters[static_cast<std::size_t>(k / n_users)];
    }
    return out;
}

std::vector<std::int64_t> window_active_users(const EventLog& log, std::int64_t as_of,
                                              std::int64_t window_days, Threads n_threads) {
    check_window(window_days, "window_days");
    check_day(as_of, "as_of");
    const std::size_t n_acc = log.n_accounts();
    std::vector<std::int64_t> out(n_acc, 0);
    // Each block of accounts writes only its own accounts' counts.
    auto count_block = [&](std::size_t, std::size_t begin, std::size_t end) {
        std::vector<std::int64_t> seen(log.max_account_users(), -1);
        for (std::size_t a = begin; a < end; ++a) {
            const auto ev = log.events(a);
            const std::size_t hi = after(ev, as_of);
            for (std::size_t i = after(ev, as_of - window_days); i < hi; ++i) {
                auto& s = seen[static_cast<std::size_t>(ev[i].user)];
                if (s != static_cast<std::int64_t>(a)) {
                    s = static_cast<std::int64_t>(a);
                    ++out[a];
                }
            }
        }
    };
    retain::detail::for_each_block(n_acc, retain::detail::account_block(n_acc), n_threads,
                                   count_block);
    return out;
}

namespace {

// The day number of the first day of month number `m` (see retain::month_of).
std::int64_t first_day_of_month(std::int64_t m) noexcept {
    using namespace std::chrono;
    const std::int64_t y = m >= 0 ? m / 12 : -((-m + 11) / 12);  // years since 1970, floored
    const auto in_year = static_cast<unsigned>(m - y * 12 + 1);
    const sys_days first{year{static_cast<int>(1970 + y)} / month{in_year} / 1};
    return first.time_since_epoch().count();
}

int days_in_month(std::int64_t m) noexcept {
    return static_cast<int>(first_day_of_month(m + 1) - first_day_of_month(m));
}

double ratio_or_nan(double num, std::int64_t den) noexcept {
    return den > 0 ? num / static_cast<double>(den) : std::numeric_limits<double>::quiet_NaN();
}

// The shortest text that reads back as `x` ("0", "2.5", "-3", "inf"), for error messages.
std::string format_number(double x) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, r.ptr);
}

}  // namespace

Stickiness stickiness(const EventLog& log) {
    Stickiness out;
    if (log.empty()) return out;
    // The sum of a month's DAU is its number of distinct (day, user) pairs: the daily counts
    // summed, as the definition reads.
    const ActiveUsers dau = active_users(log, Freq::day);
    ActiveUsers mau = active_users(log, Freq::month);
    out.first = static_cast<Month>(mau.first);
    const std::size_t n = mau.count.size();
    std::vector<double> dau_sum(n, 0.0);
    // Days run consecutively from dau.first: step the month forward instead of converting each.
    std::int64_t m = mau.first;
    std::int64_t month_end = first_day_of_month(m + 1);
    for (std::size_t i = 0; i < dau.count.size(); ++i) {
        const std::int64_t d = dau.first + static_cast<std::int64_t>(i);
        while (d >= month_end) month_end = first_day_of_month(++m + 1);
        dau_sum[static_cast<std::size_t>(m - mau.first)] += static_cast<double>(dau.count[i]);
    }
    out.mean_dau.resize(n);
    out.stickiness.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
        out.mean_dau[k] = dau_sum[k] / days_in_month(mau.first + static_cast<std::int64_t>(k));
        out.stickiness[k] = ratio_or_nan(out.mean_dau[k], mau.count[k]);
    }
    out.mau = std::move(mau.count);
    return out;
}

StickinessByAccount stickiness_by_account(const EventLog& log) {
    StickinessByAccount out;
    std::vector<std::int64_t> dau_sum;
    // Each account's events are in day order, so its months and days come in runs: a tag per
    // run marks the users already counted in it, without clearing a set per month or day.
    std::vector<std::int64_t> seen_day(log.max_account_users(), -1);
    std::vector<std::int64_t> seen_month(log.max_account_users(), -1);
    std::int64_t day_tag = -1, month_tag = -1;
    for (std::size_t a = 0; a < log.n_accounts(); ++a) {
        const auto ev = log.events(a);
        Day day = 0;
        std::int64_t month = 0;
        for (std::size_t i = 0; i < ev.size(); ++i) {
            if (i == 0 || ev[i].day != day) {
                day = ev[i].day;
                ++day_tag;
                const std::int64_t m = month_of_day(day);
                if (i == 0 || m != month) {
                    month = m;
                    ++month_tag;
                    out.account.push_back(static_cast<std::int64_t>(a));
                    out.month.push_back(m);
                    out.mau.push_back(0);
                    dau_sum.push_back(0);
                }
            }
            const auto u = static_cast<std::size_t>(ev[i].user);
            if (seen_day[u] != day_tag) {
                seen_day[u] = day_tag;
                ++dau_sum.back();
            }
            if (seen_month[u] != month_tag) {
                seen_month[u] = month_tag;
                ++out.mau.back();
            }
        }
    }
    const std::size_t n = out.month.size();
    out.mean_dau.resize(n);
    out.stickiness.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
        out.mean_dau[k] = static_cast<double>(dau_sum[k]) / days_in_month(out.month[k]);
        out.stickiness[k] = ratio_or_nan(out.mean_dau[k], out.mau[k]);
    }
    return out;
}

SeatUtilization seat_utilization(const EventLog& log, std::span<const double> seats,
                                 std::int64_t as_of, std::int64_t window_days,
                                 std::string_view seats_column, Threads n_threads) {
    if (seats.size() != log.n_accounts())
        throw InputError::argument(seats_column, "give one number of seats per account: got " +
                                                     std::to_string(seats.size()) + " for " +
                                                     std::to_string(log.n_accounts()) +
                                                     " accounts");
    for (std::size_t a = 0; a < seats.size(); ++a) {
        if (std::isnan(seats[a])) throw InputError::at(seats_column, a, "missing seats");
        if (!std::isfinite(seats[a]) || seats[a] <= 0)
            throw InputError::at(
                seats_column, a,
                "seats must be a finite number > 0, got " + format_number(seats[a]));
    }
    SeatUtilization out;
    out.active_users = window_active_users(log, as_of, window_days, n_threads);
    out.utilization.resize(seats.size());
    for (std::size_t a = 0; a < seats.size(); ++a)
        out.utilization[a] = static_cast<double>(out.active_users[a]) / seats[a];
    return out;
}

}  // namespace retain::engagement
