#pragma once
// Helpers the KPI sources (src/kpi_*.cpp) share: one wording for argument errors, one rule for
// a ratio over nothing. Not installed.

#include <cstdint>
#include <span>
#include <sstream>
#include <string>
#include <string_view>

#include "retain/detail/sum.hpp"
#include "retain/error.hpp"
#include "retain/kpi.hpp"

namespace retain::kpi::detail {

using retain::detail::CompensatedSum;

inline double ratio(double num, double den) {
    return den != 0.0 ? num / den : nan;
}

inline void require(bool ok, std::string_view name, const std::string& what) {
    if (!ok) throw InputError::argument(name, what);
}

inline std::string got(double value) {
    std::ostringstream out;
    out << ", got " << value;
    return out.str();
}

inline void require_confidence(double confidence, std::string_view name) {
    require(confidence > 0 && confidence < 1, name,
            "confidence level must be strictly between 0 and 1 (0.95 for 95 %)" + got(confidence));
}

// A movements table may be made by hand: every column must have its size() months, as every rate
// reads them in step.
inline void check_movements(const MrrMovements& mv) {
    const std::size_t n = mv.size();
    const auto same = [n](std::size_t size, std::string_view name) {
        if (size != n)
            throw InputError::argument(
                "movements", "column '" + std::string(name) + "' has " + std::to_string(size) +
                                 " months, 'ending_mrr' " + std::to_string(n));
    };
    same(mv.starting_mrr.size(), "starting_mrr");
    same(mv.new_mrr.size(), "new_mrr");
    same(mv.expansion.size(), "expansion");
    same(mv.contraction.size(), "contraction");
    same(mv.churned.size(), "churned");
    same(mv.reactivation.size(), "reactivation");
    same(mv.starting_accounts.size(), "starting_accounts");
    same(mv.new_accounts.size(), "new_accounts");
    same(mv.expansion_accounts.size(), "expansion_accounts");
    same(mv.contraction_accounts.size(), "contraction_accounts");
    same(mv.churned_accounts.size(), "churned_accounts");
    same(mv.reactivated_accounts.size(), "reactivated_accounts");
    same(mv.ending_accounts.size(), "ending_accounts");
}

// Group codes per account of a Book (-1: in no group): one per account, each below n_groups.
inline void check_account_groups(std::span<const std::int64_t> group, std::size_t n_groups,
                                 std::size_t n_accounts) {
    if (group.empty()) return;
    if (group.size() != n_accounts)
        throw InputError::argument("group", "has " + std::to_string(group.size()) + " codes for " +
                                                std::to_string(n_accounts) + " accounts");
    for (std::size_t a = 0; a < n_accounts; ++a)
        if (group[a] < -1 || group[a] >= static_cast<std::int64_t>(n_groups))
            throw InputError::at("group", a,
                                 "group code " + std::to_string(group[a]) + " is not in [-1, " +
                                     std::to_string(n_groups) + ")");
}

}  // namespace retain::kpi::detail
