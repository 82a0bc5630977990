#pragma once

namespace retain {

/// The library version; the Python package reports the same (tests check it).
inline constexpr const char* version = "0.1.0";

}  // namespace retain
