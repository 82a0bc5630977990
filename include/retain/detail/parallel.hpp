#pragma once
// Block-parallel loops whose results never depend on the number of threads: work is cut into
// blocks of a fixed size, each block writes only its own partial result, and the caller combines
// the partials in block order. The scheduling itself is compiled into the library
// (src/parallel.cpp) so that no public header pulls in <thread>.

#include <cstddef>
#include <type_traits>

#include "retain/threads.hpp"

namespace retain::detail {

/// A non-owning reference to a callable taking a block number; cheap to pass across the library
/// boundary without a template.
class BlockFn {
  public:
    template <class Fn>
    requires(!std::is_same_v<std::remove_cv_t<Fn>, BlockFn>) BlockFn(Fn& fn)
    noexcept  // NOLINT: implicit on purpose
        : object_(static_cast<void*>(&fn)),
          call_([](void* o, std::size_t b) { (*static_cast<Fn*>(o))(b); }) {}
    void operator()(std::size_t block) const { call_(object_, block); }

  private:
    void* object_;
    void (*call_)(void*, std::size_t);
};

/// Runs fn(b) for every b in [0, n_blocks) on `threads`. The first exception thrown by any block
/// is rethrown after every started worker has finished.
void run_blocks(std::size_t n_blocks, Threads threads, BlockFn fn);

/// Threads a `Threads` stands for (at least 1).
unsigned resolve_threads(Threads threads) noexcept;

/// Accounts per block for per-account work: fixed by the data, never by the thread count, so
/// partial results combine in the same order on any machine. At most ~256 blocks keeps the
/// per-block partials small.
inline std::size_t account_block(std::size_t n_accounts) noexcept {
    const std::size_t per_block = (n_accounts + 255) / 256;
    return per_block > 4096 ? per_block : 4096;
}

/// Calls fn(block, begin, end) for every block of `block_size` items in [0, n_items).
template <class Fn>
void for_each_block(std::size_t n_items, std::size_t block_size, Threads threads, Fn&& fn) {
    const std::size_t n_blocks = (n_items + block_size - 1) / block_size;
    auto run_block = [&](std::size_t b) {
        const std::size_t end = (b + 1) * block_size;
        fn(b, b * block_size, end < n_items ? end : n_items);
    };
    run_blocks(n_blocks, threads, BlockFn(run_block));
}

}  // namespace retain::detail
