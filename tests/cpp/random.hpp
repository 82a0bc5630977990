#pragma once
// A tiny deterministic generator for test tables (the same numbers on every platform, unlike the
// distributions of <random>).

#include <cstdint>

namespace retain::test {

struct Lcg {
    std::uint64_t state;

    std::uint64_t next() {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return state >> 33;
    }
};

}  // namespace retain::test
