#pragma once
// Churn by reason: what the MRR bridge lost each month, split by the reason and kind (voluntary or
// involuntary) of the churn records, so that the two answers a CS leader gets — "how much did we
// lose" and "why" — add up to the same number.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "retain/book.hpp"
#include "retain/threads.hpp"
#include "retain/time.hpp"

namespace retain::kpi {

/// One row per (group, month, reason) with a churn, sorted by group, month, then reason code.
/// `reasons` names the codes: the Book's churn reasons as given, then "unspecified" (a record
/// without a reason) and "unrecorded" (a bridge churn without a record); a Book reason spelled
/// like one of those two shares its code.
struct ChurnReasons {
    std::vector<std::int64_t> group;
    std::vector<Month> month;
    std::vector<std::int32_t> reason;
    /// Churned accounts (bridge churns: an account can churn twice) and the MRR they took, in
    /// total and by kind (a bridge churn without a record, or a record without a kind, is
    /// unknown).
    std::vector<std::int64_t> accounts, voluntary_accounts, involuntary_accounts,
        unknown_kind_accounts;
    std::vector<double> mrr_lost, voluntary_mrr, involuntary_mrr, unknown_kind_mrr;
    std::vector<std::string> reasons;

    std::size_t size() const noexcept { return month.size(); }
};

/// Churn by reason from a Book with an MRR table. A churn is the bridge's (kpi::mrr_movements):
/// an account that paid in month g - 1 and pays nothing in g (g within the MRR table) churned in g
/// and lost its MRR of g - 1, so mrr_lost summed over the reasons of a month equals the bridge's
/// `churned` of that month, and the accounts its churned_accounts. The reason and kind are those of
/// the account's first churn record dated in month g - 1 or g (a record ends revenue from its own
/// month or the next, see ChurnsInput; records of one day in table order); without one the reason
/// is "unrecorded". Records that no bridge churn matches (the account kept paying) are not churn
/// here: Book::reconcile lists them.
///
/// `group[a]` is account a's group code (< n_groups, -1: left out), empty for one group. A Book
/// without an MRR table, or a bad group code, is an InputError.
ChurnReasons churn_reasons(const Book& book, std::span<const std::int64_t> group = {},
                           std::size_t n_groups = 1, Threads n_threads = {});

}  // namespace retain::kpi
