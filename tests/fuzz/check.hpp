#pragma once
// Invariants of the fuzz targets. A broken one aborts, which libFuzzer records as a crash and saves
// the input for; the message says which invariant, so the crash file explains itself.

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace fuzz {

inline void check(bool holds, std::string_view invariant, std::string_view detail = {}) {
    if (holds) return;
    std::fprintf(stderr, "\nfuzz invariant broken: %.*s\n%.*s\n",
                 static_cast<int>(invariant.size()), invariant.data(),
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
}

inline std::string_view text_of(const unsigned char* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace fuzz
