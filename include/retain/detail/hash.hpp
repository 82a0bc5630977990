#pragma once
// Hashes for the open-addressing tables in retain (power-of-two sized, so the low bits must mix).

#include <cstdint>
#include <functional>
#include <string_view>

namespace retain::detail {

/// Integer ids are often consecutive; the splitmix64 finaliser spreads them over all bits.
inline std::size_t hash_id(std::int64_t key) noexcept {
    auto x = static_cast<std::uint64_t>(key);
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return static_cast<std::size_t>(x);
}

inline std::size_t hash_id(std::string_view key) noexcept {
    return hash_id(static_cast<std::int64_t>(std::hash<std::string_view>{}(key)));
}

}  // namespace retain::detail
