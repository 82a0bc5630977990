#pragma once
// Sorting a column of doubles in linear time. Ranking a million feature values against each
// other is the costly step of a percentile measure, and a comparison sort of them takes several
// times longer than the rest of scoring; an LSD radix sort on the bits of the values does not.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace retain::detail {

/// Sorts finite doubles (no NaN) ascending, in place. -0.0 sorts just before 0.0.
inline void radix_sort(std::vector<double>& values) {
    constexpr int digit_bits = 11;
    constexpr std::size_t radix = std::size_t{1} << digit_bits;
    constexpr int passes = (64 + digit_bits - 1) / digit_bits;
    const std::size_t n = values.size();
    if (n < 2) return;
    // Keys whose unsigned order is the doubles' order: negative values flip every bit, the
    // others only the sign bit.
    std::vector<std::uint64_t> keys(n), scratch(n);
    std::vector<std::array<std::uint32_t, radix>> count(passes);
    for (auto& c : count) c.fill(0);
    for (std::size_t i = 0; i < n; ++i) {
        const auto bits = std::bit_cast<std::uint64_t>(values[i]);
        const std::uint64_t key = bits >> 63 ? ~bits : bits | (std::uint64_t{1} << 63);
        keys[i] = key;
        for (int p = 0; p < passes; ++p) ++count[p][(key >> (p * digit_bits)) & (radix - 1)];
    }
    for (int p = 0; p < passes; ++p) {
        auto& c = count[p];
        // A digit every key shares orders nothing: skip the pass (rounded data share many).
        bool shared = false;
        for (std::size_t d = 0; d < radix && !shared; ++d) shared = c[d] == n;
        if (shared) continue;
        std::uint32_t offset = 0;
        for (auto& x : c) {
            const std::uint32_t here = x;
            x = offset;
            offset += here;
        }
        for (std::size_t i = 0; i < n; ++i)
            scratch[c[(keys[i] >> (p * digit_bits)) & (radix - 1)]++] = keys[i];
        keys.swap(scratch);
    }
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t key = keys[i];
        values[i] = std::bit_cast<double>(key >> 63 ? key & ~(std::uint64_t{1} << 63) : ~key);
    }
}

}  // namespace retain::detail
