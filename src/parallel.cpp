// The one place retain starts threads or hands work to a caller's executor.

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "retain/detail/parallel.hpp"
#include "retain/threads.hpp"

namespace retain {
namespace {

std::atomic<int> default_count{0};
std::atomic<Executor*> default_executor{nullptr};

unsigned every_core() noexcept {
    return std::max(1u, std::thread::hardware_concurrency());
}

// Shared by the calling thread and the jobs it submits. Jobs hold it by shared_ptr: one that an
// executor starts only after the call returned finds `closed` and leaves without touching `fn`.
struct Run {
    Run(std::size_t n, detail::BlockFn f) : n_blocks(n), fn(f) {}
    const std::size_t n_blocks;
    const detail::BlockFn fn;
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;  // written once, by whoever sets `failed` first
    std::mutex mutex;
    std::condition_variable idle;
    std::size_t active = 0;  // started jobs not yet finished (guarded by mutex)
    bool closed = false;

    void work() noexcept {
        for (std::size_t b; !failed.load() && (b = next.fetch_add(1)) < n_blocks;) {
            try {
                fn(b);
            } catch (...) {
                if (!failed.exchange(true)) error = std::current_exception();
            }
        }
    }
};

void run_on_executor(Executor& executor, std::size_t workers, std::size_t n_blocks,
                     detail::BlockFn fn) {
    auto run = std::make_shared<Run>(n_blocks, fn);
    for (std::size_t w = 1; w < workers; ++w) {
        try {
            executor.submit([run] {
                {
                    std::lock_guard lock(run->mutex);
                    if (run->closed) return;
                    ++run->active;
                }
                run->work();
                std::lock_guard lock(run->mutex);
                if (--run->active == 0) run->idle.notify_all();
            });
        } catch (...) {
            break;  // a refused job: the calling thread does its share
        }
    }
    run->work();
    std::unique_lock lock(run->mutex);
    run->closed = true;
    run->idle.wait(lock, [&] { return run->active == 0; });
    // Taken out of `run` before it is thrown: a job the executor releases later drops the last
    // reference to `run` on its own thread, and would otherwise destroy the exception there
    // while the caller still handles it (ThreadSanitizer sees the two threads meet nowhere).
    if (std::exception_ptr error = std::exchange(run->error, nullptr))
        std::rethrow_exception(error);
}

void run_on_threads(unsigned workers, std::size_t n_blocks, detail::BlockFn fn) {
    Run run(n_blocks, fn);
    std::vector<std::thread> pool;
    pool.reserve(workers - 1);
    for (unsigned t = 1; t < workers; ++t) pool.emplace_back([&run] { run.work(); });
    run.work();
    for (auto& th : pool) th.join();
    if (run.error) std::rethrow_exception(run.error);
}

}  // namespace

void set_default_threads(int n_threads) noexcept {
    default_count.store(n_threads > 0 ? n_threads : 0, std::memory_order_relaxed);
}

void set_default_executor(Executor* executor) noexcept {
    default_executor.store(executor, std::memory_order_release);
}

unsigned default_threads() noexcept {
    return detail::resolve_threads(Threads{});
}

namespace detail {

namespace {
// The executor a call runs on: its own, else the process default when it asked for the default.
Executor* executor_of(Threads threads) noexcept {
    if (threads.executor() != nullptr) return threads.executor();
    if (threads.count() == 0) return default_executor.load(std::memory_order_acquire);
    return nullptr;
}
}  // namespace

unsigned resolve_threads(Threads threads) noexcept {
    if (Executor* e = executor_of(threads))
        return static_cast<unsigned>(std::clamp<std::size_t>(e->concurrency(), 1, 1u << 16));
    if (threads.count() > 0) return static_cast<unsigned>(threads.count());
    const int fallback = default_count.load(std::memory_order_relaxed);
    return fallback > 0 ? static_cast<unsigned>(fallback) : every_core();
}

void run_blocks(std::size_t n_blocks, Threads threads, BlockFn fn) {
    const std::size_t workers = std::min<std::size_t>(resolve_threads(threads), n_blocks);
    if (workers <= 1) {
        for (std::size_t b = 0; b < n_blocks; ++b) fn(b);
        return;
    }
    if (Executor* e = executor_of(threads)) return run_on_executor(*e, workers, n_blocks, fn);
    run_on_threads(static_cast<unsigned>(workers), n_blocks, fn);
}

}  // namespace detail

struct ThreadPool::State {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> jobs;
    bool stopping = false;
    std::vector<std::thread> workers;
};

ThreadPool::ThreadPool(unsigned n_threads) : state_(new State) {
    const unsigned n = n_threads > 0 ? n_threads : every_core();
    try {
        state_->workers.reserve(n);
        for (unsigned t = 0; t < n; ++t)
            state_->workers.emplace_back([s = state_] {
                for (;;) {
                    std::function<void()> job;
                    {
                        std::unique_lock lock(s->mutex);
                        s->wake.wait(lock, [s] { return s->stopping || !s->jobs.empty(); });
                        if (s->jobs.empty()) return;  // stopping, and nothing left
                        job = std::move(s->jobs.front());
                        s->jobs.pop_front();
                    }
                    job();
                }
            });
    } catch (...) {  // a thread that could not start: stop the ones that did, then give up
        stop();
        throw;
    }
}

void ThreadPool::stop() noexcept {
    {
        std::lock_guard lock(state_->mutex);
        state_->stopping = true;
    }
    state_->wake.notify_all();
    for (auto& th : state_->workers) th.join();
    delete state_;
    state_ = nullptr;
}

ThreadPool::~ThreadPool() { stop(); }

std::size_t ThreadPool::concurrency() const noexcept {
    return state_->workers.size();
}

void ThreadPool::submit(std::function<void()> job) {
    {
        std::lock_guard lock(state_->mutex);
        state_->jobs.push_back(std::move(job));
    }
    state_->wake.notify_one();
}

}  // namespace retain
