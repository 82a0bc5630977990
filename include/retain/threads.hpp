#pragma once
// Who runs retain's parallel work. Every parallel function takes a `Threads`: a thread count
// (0 = the process-wide default) or a caller's `Executor`, so a service can keep retain inside
// its own pool. Work is cut into blocks fixed by the data, never by the thread count, so results
// are identical for any `Threads`.

#include <cstddef>
#include <functional>

namespace retain {

/// A caller's pool that retain submits its workers to. `submit` hands over a job to run once,
/// on any thread; retain's calling thread works too and waits only for jobs that have started,
/// so a busy pool (or a call made from inside the pool) cannot deadlock. A job never throws:
/// retain catches the work's exceptions and rethrows the first one on the calling thread.
class Executor {
  public:
    virtual ~Executor() = default;
    /// How many jobs may usefully run at once; retain submits at most this many minus one.
    virtual std::size_t concurrency() const noexcept = 0;
    /// Runs `job` once, soon. May throw to refuse it (retain then does that share itself).
    virtual void submit(std::function<void()> job) = 0;
};

/// The threads a call may use: a count (`n_threads = 4`, or 0 for the process default) or an
/// executor. Converts implicitly from both, so `f(x, 4)` and `f(x, pool)` read naturally.
class Threads {
  public:
    constexpr Threads() noexcept = default;
    constexpr Threads(int n_threads) noexcept : count_(n_threads) {}
    constexpr Threads(Executor& executor) noexcept : executor_(&executor) {}

    /// The requested count; 0 stands for the process-wide default (a negative count is kept as
    /// given, for the functions that reject it, and otherwise read as 0).
    constexpr int count() const noexcept { return count_; }
    /// The caller's executor, or nullptr.
    constexpr Executor* executor() const noexcept { return executor_; }

  private:
    int count_ = 0;
    Executor* executor_ = nullptr;
};

/// Sets what `Threads{}` (and n_threads = 0) means for every retain function: a thread count
/// (0 restores "every core"). A service that shares its cores sets this once at start-up.
void set_default_threads(int n_threads) noexcept;

/// Routes every call made with the default `Threads{}` to `executor` (nullptr: retain's own
/// threads again). The executor must outlive the calls that use it.
void set_default_executor(Executor* executor) noexcept;

/// The number of threads the default stands for now (the executor's concurrency when one is set).
unsigned default_threads() noexcept;

/// A fixed set of worker threads that is also an `Executor`: pass it (or make it the default) so
/// that retain's calls stop starting threads of their own.
class ThreadPool : public Executor {
  public:
    /// `n_threads` workers (0: one per core).
    explicit ThreadPool(unsigned n_threads = 0);
    ~ThreadPool() override;  // finishes the queued jobs, then joins
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    std::size_t concurrency() const noexcept override;
    void submit(std::function<void()> job) override;

  private:
    void stop() noexcept;
    struct State;
    State* state_;  // owned; a raw pointer keeps <memory> (~1 s of compiling) out of this header
};

}  // namespace retain
