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
