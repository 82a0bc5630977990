#pragma once
// Block-parallel loops whose results never depend on the number of threads: work is cut into
// blocks of a fixed size, each block writes only its own partial result, and the caller combines
// the partials in block order.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace retain::detail {

/// Threads to use for `n_threads` as callers pass it: 0 means every core.
inline unsigned resolve_threads(int n_threads) noexcept {
    if (n_threads > 0) return static_cast<unsigned>(n_threads);
    return std::max(1u, std::thread::hardware_concurrency());
}

/// Accounts per block for per-account work: fixed by the data, never by the thread count, so
/// partial results combine in the same order on any machine. At most ~256 blocks keeps the
/// per-block partials small.
inline std::size_t account_block(std::size_t n_accounts) noexcept {
    return std::max<std::size_t>(4096, (n_accounts + 255) / 256);
}

/// Calls fn(block, begin, end) for every block of `block_size` items in [0, n_items).
/// The first exception thrown by any block is rethrown after all threads have joined.
template <class Fn>
void for_each_block(std::size_t n_items, std::size_t block_size, int n_threads, Fn&& fn) {
    const std::size_t n_blocks = (n_items + block_size - 1) / block_size;
    const unsigned workers =
        static_cast<unsigned>(std::min<std::size_t>(resolve_threads(n_threads), n_blocks));
    auto run_block = [&](std::size_t b) {
        fn(b, b * block_size, std::min(n_items, (b + 1) * block_size));
    };
    if (workers <= 1) {
        for (std::size_t b = 0; b < n_blocks; ++b) run_block(b);
        return;
    }
    std::atomic<std::size_t> next{0};
    std::exception_ptr error;
    std::atomic<bool> failed{false};
    auto work = [&] {
        for (std::size_t b; !failed.load() && (b = next.fetch_add(1)) < n_blocks;) {
            try {
                run_block(b);
            } catch (...) {
                if (!failed.exchange(true)) error = std::current_exception();
            }
        }
    };
    std::vector<std::thread> pool;
    pool.reserve(workers - 1);
    for (unsigned t = 1; t < workers; ++t) pool.emplace_back(work);
    work();
    for (auto& th : pool) th.join();
    if (error) std::rethrow_exception(error);
}

}  // namespace retain::detail
