#pragma once
// The account model: plain tables validated once into columnar types that every formula reads.
// This header holds the MRR table; events, surveys, tickets, milestones and churns follow the same
// pattern (dense account codes from IdIndex, dates as Day, periods as Month).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "retain/error.hpp"
#include "retain/ids.hpp"
#include "retain/threads.hpp"
#include "retain/time.hpp"

namespace retain {

/// Column names of an MRR table, used only to name the culprit in error messages.
struct MrrColumns {
    std::string account = "account_id";
    std::string period = "period";
    std::string mrr = "mrr";
};

/// Monthly recurring revenue per account and month, stored per account (CSR layout): for each
/// account its paying months in increasing order with their MRR. Line items of the same account and
/// month are summed; months with no row, or with MRR 0, are months without revenue.
class MrrTable {
  public:
    /// Longest span of months a table may cover (500 years): a wider span is almost always a
    /// mis-encoded period (say 202401 beside 0), and the per-month outputs would not fit in memory.
    static constexpr std::int64_t max_span_months = 6000;
    /// Largest amount one row may hold (10^15, in any currency): beyond it a month's total could
    /// overflow to infinity, and sums drop whole units, so a larger amount is an input error.
    static constexpr double max_mrr = 1e15;

    MrrTable() = default;

    /// Builds the table from a long table's columns, one row per line item.
    /// `account` holds dense codes in [0, n_accounts) (see IdIndex), `month` month numbers, `mrr`
    /// amounts that are finite, >= 0 and <= max_mrr. Throws InputError naming the column and row at fault.
    /// Rows are checked and placed on `threads`; the table is the same for any.
    MrrTable(std::span<const std::int64_t> account, std::size_t n_accounts,
             std::span<const std::int64_t> month, std::span<const double> mrr,
             const MrrColumns& columns = {}, Threads threads = {});

    std::size_t n_accounts() const noexcept { return offsets_.empty() ? 0 : offsets_.size() - 1; }
    /// Months from the first to the last month of the data (0 for an empty table).
    std::int32_t n_months() const noexcept { return n_months_; }
    bool empty() const noexcept { return n_months_ == 0; }
    Month first_month() const noexcept { return first_month_; }
    Month last_month() const noexcept { return first_month_ + n_months_ - 1; }

    /// The months in which `account` paid, increasing. An account code not below n_accounts()
    /// is an InputError naming both.
    std::span<const Month> months(std::size_t account) const {
        check_account(account);
        return {months_.data() + offsets_[account], offsets_[account + 1] - offsets_[account]};
    }
    /// The account's MRR in each of those months (all > 0); checked as months().
    std::span<const double> amounts(std::size_t account) const {
        check_account(account);
        return {amounts_.data() + offsets_[account], offsets_[account + 1] - offsets_[account]};
    }
    /// Number of (account, paying month) entries.
    std::size_t n_entries() const noexcept { return months_.size(); }

    /// Builds the table straight from account ids (std::int64_t or std::string_view), interning
    /// them into `index` (codes in order of first appearance). When each account's rows are
    /// together, as in a table sorted by account, ids are interned once per run of rows rather
    /// than once per row, and no per-row code is made. Errors as for the constructor.
    /// `Id` is std::int64_t or std::string (compiled into the library for both).
    template <class Id>
    static MrrTable from_ids(IdIndex<Id>& index,
                             std::span<const typename IdIndex<Id>::key_type> ids,
                             std::span<const std::int64_t> month, std::span<const double> mrr,
                             const MrrColumns& columns = {}, Threads threads = {});

    /// String ids as a program holds them (std::string); the same as the string_view overload.
    static MrrTable from_ids(IdIndex<std::string>& index, std::span<const std::string> ids,
                             std::span<const std::int64_t> month, std::span<const double> mrr,
                             const MrrColumns& columns = {}, Threads threads = {});

  private:
    void check_account(std::size_t account) const {
        if (account >= n_accounts())
            throw InputError::out_of_range("account", account, n_accounts());
    }
    void set_span(std::int64_t lo, std::int64_t hi, std::span<const std::int64_t> month,
                  const MrrColumns& columns);
    void scatter_by_account(std::span<const std::int64_t> account,
                            std::span<const std::int64_t> month, std::span<const double> mrr,
                            Threads threads);
    void sum_line_items(Threads threads);

    std::vector<std::size_t> offsets_;  // account a owns entries [offsets_[a], offsets_[a + 1])
    std::vector<Month> months_;
    std::vector<double> amounts_;
    Month first_month_ = 0;
    std::int32_t n_months_ = 0;
};

extern template MrrTable MrrTable::from_ids<std::int64_t>(IdIndex<std::int64_t>&,
                                                          std::span<const std::int64_t>,
                                                          std::span<const std::int64_t>,
                                                          std::span<const double>,
                                                          const MrrColumns&, Threads);
extern template MrrTable MrrTable::from_ids<std::string>(IdIndex<std::string>&,
                                                         std::span<const std::string_view>,
                                                         std::span<const std::int64_t>,
                                                         std::span<const double>, const MrrColumns&,
                                                         Threads);

}  // namespace retain
