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

/// The process-wide thread count that n_threads = 0 stands for (0: every core).
inline std::atomic<int>& default_threads() noexcept {
    static std::atomic<int> n{0};
    return n;
}

/// Threads to use for `n_threads` as callers pass it: 0 means the process-wide default
/// (retain::set_default_threads), which is every core unless set.
inline unsigned resolve_threads(int n_threads) noexcept {
    if (n_threads > 0) return static_cast<unsigned>(n_threads);
    const int fallback = default_threads().load(std::memory_order_relaxed);
    if (fallback > 0) return static_cast<unsigned>(fallback);
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

namespace retain {

/// Sets how many threads every retain function uses when it is called with n_threads = 0
/// (a service that shares its cores sets this once); 0 restores "every core". Results never
/// depend on it.
inline void set_default_threads(int n_threads) noexcept {
    detail::default_threads().store(n_threads > 0 ? n_threads : 0, std::memory_order_relaxed);
}

/// The thread count n_threads = 0 stands for now.
inline unsigned default_threads() noexcept { return detail::resolve_threads(0); }

}  // namespace retain
