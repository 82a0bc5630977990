#pragma once
// Compensated summation: revenue totals add up hundreds of thousands of amounts, and the MRR
// bridge should not drift by the accident of summation order.

#include <cmath>

namespace retain::detail {

/// Neumaier's variant of Kahan summation: the error of each addition is carried in `carry`.
struct CompensatedSum {
    double sum = 0.0;
    double carry = 0.0;

    void add(double x) noexcept {
        const double t = sum + x;
        carry += std::abs(sum) >= std::abs(x) ? (sum - t) + x : (x - t) + sum;
        sum = t;
    }
    void add(const CompensatedSum& other) noexcept {
        add(other.sum);
        add(other.carry);
    }
    /// The sum; +/-inf once it has overflowed (the carry is then inf or NaN and would make it
    /// NaN).
    double value() const noexcept { return std::isfinite(sum) ? sum + carry : sum; }
};

}  // namespace retain::detail
