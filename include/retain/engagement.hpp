#pragma once
// Product engagement from an event log: point-in-time usage features (the inputs of health scores
// and churn backtests), active users per period, stickiness, feature adoption, seat utilization.
//
// Conventions: a day is a UTC calendar day (a Day, days since 1970-01-01). A window of w days
// ending on day q is the w calendar days q - w + 1 .. q, i.e. events with q - w < day <= q: an
// as-of day includes every event on that day and nothing after it. An active day is a day with at
// least one event.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// InputError is what every function here throws; callers need the type to catch it.
#include "retain/error.hpp"
#include "retain/threads.hpp"
#include "retain/time.hpp"

namespace retain::engagement {

/// The days an event may fall on: |day| <= 10^7, about 27,000 years around 1970.
inline constexpr std::int64_t max_abs_event_day = 10'000'000;

/// Column names of an event log, used only to name the culprit in error messages.
struct EventColumns {
    std::string account = "account_id";
    std::string user = "user_id";
    std::string timestamp = "timestamp";
    std::string feature = "feature";
};

/// One event as stored: its UTC day, its user as an index into its account's users (see
/// EventLog::users; small per-account indices keep "seen" marks in cache) and its feature code
/// (-1 without a feature column).
struct Event {
    Day day;
    std::int32_t user;
    std::int32_t feature;
};

/// A validated event log stored per account (CSR layout): each account's events by increasing day.
/// Accounts, users and features are dense codes (see IdIndex); user codes identify a user across
/// the whole log.
class EventLog {
  public:
    EventLog() = default;

    /// Builds the log from one row per event. `account` holds codes in [0, n_accounts), `user`
    /// codes in [0, n_users), `timestamp` counts of `unit` since 1970-01-01 UTC (numpy's NaT, the
    /// smallest int64, is an error), `feature` codes in [0, n_features) or is empty when the log
    /// has no feature column. `feature_column` says a feature column was given even when the log
    /// has no rows, so that has_features() (and the columns results have) do not depend on the
    /// data. Throws InputError naming the column and the (0-based) row at fault.
    EventLog(std::span<const std::int64_t> account, std::size_t n_accounts,
             std::span<const std::int64_t> user, std::size_t n_users,
             std::span<const std::int64_t> timestamp, TimeUnit unit,
             std::span<const std::int64_t> feature = {}, std::size_t n_features = 0,
             const EventColumns& columns = {}, Threads n_threads = {},
             bool feature_column = false);

    /// Builds the log from events already read into Event rows (any order), for a reader that
    /// codes ids as it goes (the Book): each row's `user` holds a membership code, membership m
    /// being user `member_user[m]` of account `member_account[m]` (one per distinct pair). The
    /// rows are sorted in place and become the log's, so the build needs little memory beside
    /// them. Codes out of range are an InputError (a reader's bug, not the data's).
    static EventLog from_memberships(std::vector<Event>&& rows,
                                     std::span<const std::int32_t> member_account,
                                     std::span<const std::int32_t> member_user,
                                     std::size_t n_accounts, std::size_t n_users,
                                     std::size_t n_features, bool feature_column,
                                     Threads n_threads = {});

    /// Number of account codes (accounts without events included).
    std::size_t n_accounts() const noexcept { return offsets_.empty() ? 0 : offsets_.size() - 1; }
    /// Number of user codes.
    std::size_t n_users() const noexcept { return n_users_; }
    /// Number of feature codes (0 without a feature column).
    std::size_t n_features() const noexcept { return n_features_; }
    /// Whether the log was built with a feature column (rows or not).
    bool has_features() const noexcept { return has_features_; }
    /// Number of events.
    std::size_t n_events() const noexcept { return events_.size(); }
    /// True when the log has no events.
    bool empty() const noexcept { return events_.empty(); }
    /// First and last day with an event (0 for an empty log).
    Day first_day() const noexcept { return first_day_; }
    Day last_day() const noexcept { return last_day_; }

    /// The events of `account`, by increasing day. Throws InputError naming the account and
    /// the number of accounts when `account` >= n_accounts().
    std::span<const Event> events(std::size_t account) const {
        if (account >= n_accounts()) account_out_of_range(account);
        return {events_.data() + offsets_[account], offsets_[account + 1] - offsets_[account]};
    }
    /// The user codes of `account`'s users, increasing: Event::user indexes it. Throws
    /// InputError naming the account and the number of accounts when `account` >= n_accounts().
    std::span<const std::int32_t> users(std::size_t account) const {
        if (account >= n_accounts()) account_out_of_range(account);
        return {users_.data() + user_offsets_[account],
                user_offsets_[account + 1] - user_offsets_[account]};
    }
    /// The largest number of users of any one account.
    std::size_t max_account_users() const noexcept { return max_account_users_; }

  private:
    // Out of line: the message building stays out of every caller's inlined accessor.
    [[noreturn]] void account_out_of_range(std::size_t account) const;

    std::vector<std::size_t> offsets_;
    std::vector<Event> events_;
    std::vector<std::size_t> user_offsets_;  // account a's users are [user_offsets_[a], [a + 1])
    std::vector<std::int32_t> users_;
    std::size_t n_users_ = 0, n_features_ = 0, max_account_users_ = 0;
    bool has_features_ = false;
    Day first_day_ = 0, last_day_ = 0;
};

/// Point-in-time usage features, one row per (account, as-of day): row a * n_as_of + q is account
/// a at as_of[q]. Per window (in the order given), with the window of w days ending on the as-of
/// day: events, active (distinct) users, active days, distinct features (empty vectors without a
/// feature column), and trend = events in the window / events in the w days before it (NaN when
/// that earlier count is 0). days_since_last_event = as-of day - day of the last event on or
/// before it (NaN when there is none).
struct UsageFeatures {
    std::size_t n_accounts = 0, n_as_of = 0;
    std::vector<std::vector<std::int64_t>> events, active_users, active_days, distinct_features;
    std::vector<std::vector<double>> trend;
    std::vector<double> days_since_last_event;
};

/// Computes UsageFeatures for every account of the log at each day of `as_of` (any order,
/// repeats allowed). Windows must be whole days in [1, 36500] and distinct. Only events on or
/// before each as-of day, and at most 2 w days before it, are read.
UsageFeatures usage_features(const EventLog& log, std::span<const std::int64_t> as_of,
                             std::span<const std::int64_t> windows, Threads n_threads = {});

/// How active users are grouped in time.
enum class Freq { day, week, month };

/// The period key of a day: the day itself, the Monday starting its ISO week (as a day number),
/// or its month number.
constexpr std::int64_t period_of(Day d, Freq f) noexcept {
    switch (f) {
        case Freq::day:
            return d;
        case Freq::week: {
            // 1970-01-01 was a Thursday: day 4 is a Monday. Floor to the Monday on or before d.
            const std::int64_t shifted = std::int64_t{d} - 4;
            const std::int64_t weeks = shifted >= 0 ? shifted / 7 : -((-shifted + 6) / 7);
            return weeks * 7 + 4;
        }
        case Freq::month:
            return month_of_day(d);
    }
    return d;
}

/// The period key following `key`.
constexpr std::int64_t next_period(std::int64_t key, Freq f) noexcept {
    return f == Freq::week ? key + 7 : key + 1;
}

/// Distinct users with at least one event in each period, from the log's first period to its last
/// (0 for periods without events). `first` is the first period's key; an empty log gives no
/// periods. Users are counted once per period however many accounts they appear in.
struct ActiveUsers {
    std::int64_t first = 0;
    std::vector<std::int64_t> count;
};
ActiveUsers active_users(const EventLog& log, Freq freq);

/// Active users per account and period, only for (account, period) pairs with at least one event
/// (any other pair has 0): three parallel columns, by account code then period.
struct ActiveUsersByAccount {
    std::vector<std::int64_t> account, period, count;
};
ActiveUsersByAccount active_users_by_account(const EventLog& log, Freq freq);

/// Per feature code: how many active units (accounts, or users) used it in the window of
/// `window_days` days ending on `as_of`, and how many units were active at all in that window.
/// Users are counted across accounts by their user code.
struct FeatureAdoption {
    std::vector<std::int64_t> adopters;
    std::int64_t active = 0;
};
/// What feature_adoption counts: accounts, or users.
enum class Level { account, user };
FeatureAdoption feature_adoption(const EventLog& log, std::int64_t as_of, std::int64_t window_days,
                                 Level level);

/// Active (distinct) users per account in the window of `window_days` days ending on `as_of`.
std::vector<std::int64_t> window_active_users(const EventLog& log, std::int64_t as_of,
                                              std::int64_t window_days, Threads n_threads = {});

/// Stickiness per calendar month, every month from the log's first to its last (none for an
/// empty log; `first` is the first month's number, see retain::month_of):
/// - mean_dau: daily active users summed over the month's days, divided by the number of days in
///   the calendar month (days without events count 0; a first or last month only partly covered
///   by the log still counts all its days);
/// - mau: distinct users with an event in the month;
/// - stickiness = mean_dau / mau, in [0, 1]; NaN for a month without events.
/// Users are counted once per day (month) however many accounts they appear in.
struct Stickiness {
    Month first = 0;
    std::vector<double> mean_dau;
    std::vector<std::int64_t> mau;
    std::vector<double> stickiness;
};
Stickiness stickiness(const EventLog& log);

/// Stickiness per account and calendar month, with the definitions of Stickiness over that
/// account's users only, for the (account, month) pairs with at least one event (any other pair
/// has no active user and no stickiness): parallel columns, by account code then month.
struct StickinessByAccount {
    std::vector<std::int64_t> account, month;
    std::vector<double> mean_dau;
    std::vector<std::int64_t> mau;
    std::vector<double> stickiness;
};
StickinessByAccount stickiness_by_account(const EventLog& log);

/// Seat utilization per account: active (distinct) users in the window of `window_days` days
/// ending on `as_of` (as window_active_users), and utilization = active users / seats (above 1
/// when more users are active than seats are licensed).
struct SeatUtilization {
    std::vector<std::int64_t> active_users;
    std::vector<double> utilization;
};
/// `seats[a]` is account a's licensed seats, one per account code (seats.size() ==
/// log.n_accounts()), each finite and > 0: a utilization over 0 seats has no meaning. Throws
/// InputError naming `seats_column` and the row of a missing (NaN) or bad number of seats, or a
/// seats column of the wrong length.
SeatUtilization seat_utilization(const EventLog& log, std::span<const double> seats,
                                 std::int64_t as_of, std::int64_t window_days,
                                 std::string_view seats_column = "seats", Threads n_threads = {});

}  // namespace retain::engagement
