#pragma once
// Helpers the KPI sources (src/kpi_*.cpp) share: one wording for argument errors, one rule for
// a ratio over nothing. Not installed.

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

}  // namespace retain::kpi::detail
