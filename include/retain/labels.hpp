#pragma once
// Churn labels for backtests: for each snapshot row (account, as-of day t), whether the account
// churned in (t, t + horizon], with the rows that cannot be labelled honestly set apart: accounts
// already gone at t (inactive) and rows whose horizon ends after the data does (unresolved).
//
// Days are day numbers (days since 1970-01-01, UTC). Accounts are dense codes (see IdIndex).

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

// InputError is what label_churn throws; callers need the type to catch it.
#include "retain/error.hpp"
#include "retain/threads.hpp"

namespace retain::backtest {

/// A missing day (numpy's NaT, the smallest int64): an error for as-of and churn days, "not
/// returned" for return days.
inline constexpr std::int64_t missing_day = std::numeric_limits<std::int64_t>::min();

/// Label codes of LabelResult::label: 0 and 1 are labels, the negative codes say why a row has
/// none.
inline constexpr std::int8_t label_inactive = -1;    ///< the account was gone at the as-of day
inline constexpr std::int8_t label_unresolved = -2;  ///< the horizon ends after observed_until

/// Column names, used only to name the culprit in error messages.
struct LabelColumns {
    std::string account = "account_id";
    std::string as_of = "as_of";
    std::string churn_date = "churn_date";
    std::string returned_at = "returned_at";
};

/// One label code per snapshot row (0, 1, label_inactive or label_unresolved), and the counts.
struct LabelResult {
    std::vector<std::int8_t> label;
    std::size_t positives = 0, negatives = 0, inactive = 0, unresolved = 0;
};

/// Labels snapshot rows with churn.
///
/// Snapshot row r is account `snap_account[r]` (a code in [0, n_accounts)) at as-of day
/// `snap_day[r]`; (account, day) pairs must be unique. Churn row j is account `churn_account[j]`
/// (a code in [0, n_accounts), or -1 for an account with no snapshot row: ignored) churning on
/// `churn_day[j]` and, when `returned_day` is not empty, coming back on `returned_day[j]`
/// (missing_day: not returned; a return before the churn is an error). An account may churn,
/// return and churn again.
///
/// For a row at day t, in this order:
/// - label_inactive when the account is not active at t: some churn is dated on or before t and
///   has no return on or before t;
/// - label_unresolved when t + horizon_days > observed_until (the outcome is not yet known);
/// - 1 when some churn falls in (t, t + horizon_days], else 0.
///
/// Each account's churns are sorted once; each row then costs a binary search, O((n + m) log m).
/// `n_threads` (0: every core) never changes the result.
/// Throws InputError naming the column and row of a missing as-of or churn day, a return before
/// its churn, a duplicate (account, as-of) pair or an account code out of range (a snapshot code
/// outside [0, n_accounts), a churn code outside [-1, n_accounts): the message gives the code and
/// n_accounts), and naming the argument for horizon_days < 1.
LabelResult label_churn(std::span<const std::int64_t> snap_account,
                        std::span<const std::int64_t> snap_day,
                        std::span<const std::int64_t> churn_account,
                        std::span<const std::int64_t> churn_day,
                        std::span<const std::int64_t> returned_day, std::size_t n_accounts,
                        std::int64_t horizon_days, std::int64_t observed_until,
                        const LabelColumns& columns = {}, Threads n_threads = {});

}  // namespace retain::backtest
