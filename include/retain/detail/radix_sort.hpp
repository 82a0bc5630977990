#pragma once
// Sorting a column of doubles in linear time. Ranking a million feature values against each
// other is the costly step of a percentile measure, and a comparison sort of them takes several
// times longer than the rest of scoring; an LSD radix sort on the bits of the values does not.
// Ranking metrics (ROC AUC on ten million rows) sort risks that carry a weight along: the
// key-and-payload variant below.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace retain::detail {

/// The unsigned key whose order is the order of the doubles: negative values flip every bit,
/// the others only the sign bit. -0.0 gets the key just below 0.0's. Not for NaN.
inline std::uint64_t double_sort_key(double x) noexcept {
    const auto bits = std::bit_cast<std::uint64_t>(x);
    return bits >> 63 ? ~bits : bits | (std::uint64_t{1} << 63);
}

/// The double whose double_sort_key is `key`.
inline double double_from_sort_key(std::uint64_t key) noexcept {
    return std::bit_cast<double>(key >> 63 ? key & ~(std::uint64_t{1} << 63) : ~key);
}

/// Sorts `keys` ascending in place with a least-significant-digit radix sort (11 bits a pass;
/// a pass whose digit every key shares is skipped), moving `payload[i]` along with `keys[i]`.
/// Stable: equal keys keep their input order. `payload` is either empty (keys only) or exactly
/// as long as `keys`.
template <class Payload>
void radix_sort_by_key(std::vector<std::uint64_t>& keys, std::vector<Payload>& payload) {
    constexpr int digit_bits = 11;
    constexpr std::size_t radix = std::size_t{1} << digit_bits;
    constexpr int passes = (64 + digit_bits - 1) / digit_bits;
    const std::size_t n = keys.size();
    if (n < 2) return;
    const bool carry = !payload.empty();
    // One read of the keys counts the digits of every pass (the counts of a digit position do
    // not change when the keys are reordered).
    std::vector<std::array<std::size_t, radix>> count(passes);
    for (auto& c : count) c.fill(0);
    for (const std::uint64_t key : keys)
        for (int p = 0; p < passes; ++p) ++count[p][(key >> (p * digit_bits)) & (radix - 1)];
    std::vector<std::uint64_t> key_scratch(n);
    std::vector<Payload> payload_scratch(carry ? n : 0);
    for (int p = 0; p < passes; ++p) {
        auto& c = count[p];
        // A digit every key shares orders nothing: skip the pass (rounded data share many).
        bool shared = false;
        for (std::size_t d = 0; d < radix && !shared; ++d) shared = c[d] == n;
        if (shared) continue;
        std::size_t offset = 0;
        for (auto& x : c) {
            const std::size_t here = x;
            x = offset;
            offset += here;
        }
        const int shift = p * digit_bits;
        if (carry) {
            for (std::size_t i = 0; i < n; ++i) {
                const std::size_t to = c[(keys[i] >> shift) & (radix - 1)]++;
                key_scratch[to] = keys[i];
                payload_scratch[to] = payload[i];
            }
            payload.swap(payload_scratch);
        } else {
            for (std::size_t i = 0; i < n; ++i)
                key_scratch[c[(keys[i] >> shift) & (radix - 1)]++] = keys[i];
        }
        keys.swap(key_scratch);
    }
}

/// Sorts unsigned keys ascending, in place.
inline void radix_sort(std::vector<std::uint64_t>& keys) {
    std::vector<char> none;
    radix_sort_by_key(keys, none);
}

/// Sorts finite doubles (no NaN) ascending, in place. -0.0 sorts just before 0.0.
inline void radix_sort(std::vector<double>& values) {
    std::vector<std::uint64_t> keys(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) keys[i] = double_sort_key(values[i]);
    radix_sort(keys);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = double_from_sort_key(keys[i]);
}

}  // namespace retain::detail
