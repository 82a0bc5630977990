#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <numeric>
#include <random>
#include <retain/account.hpp>
#include <retain/detail/parallel.hpp>
#include <retain/threads.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace retain;

namespace {

// A caller's executor that counts what retain hands it and runs it on a pool of its own.
class CountingExecutor : public Executor {
  public:
    explicit CountingExecutor(unsigned n) : pool_(n) {}
    std::size_t concurrency() const noexcept override { return pool_.concurrency(); }
    void submit(std::function<void()> job) override {
        ++submitted;
        pool_.submit([this, job = std::move(job)] {
            ++ran;
            job();
        });
    }
    std::atomic<int> submitted{0};
    std::atomic<int> ran{0};

  private:
    ThreadPool pool_;
};

// An executor that accepts nothing: retain must do all the work on the calling thread.
class RefusingExecutor : public Executor {
  public:
    std::size_t concurrency() const noexcept override { return 4; }
    void submit(std::function<void()>) override { throw std::runtime_error("pool closed"); }
};

// An executor that never runs what it is given (a pool busy forever): still no deadlock.
class StalledExecutor : public Executor {
  public:
    std::size_t concurrency() const noexcept override { return 4; }
    void submit(std::function<void()> job) override { parked.push_back(std::move(job)); }
    std::vector<std::function<void()>> parked;
};

// An MRR table with line items, shuffled rows and 20,000 accounts: every building path runs.
struct Rows {
    std::vector<std::int64_t> account, month;
    std::vector<double> mrr;
};
Rows shuffled_rows() {
    Rows r;
    std::mt19937_64 rng(7);
    for (std::int64_t a = 0; a < 20'000; ++a)
        for (std::int64_t m = 0; m < 1 + a % 13; ++m) {
            r.account.push_back(a);
            r.month.push_back(600 + (m * 3 + a) % 24);
            r.mrr.push_back(static_cast<double>((a * 31 + m * 7) % 500));
        }
    std::vector<std::size_t> order(r.account.size());
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    Rows s;
    for (std::size_t i : order) {
        s.account.push_back(r.account[i]);
        s.month.push_back(r.month[i]);
        s.mrr.push_back(r.mrr[i]);
    }
    return s;
}

void check_same(const MrrTable& a, const MrrTable& b) {
    REQUIRE(a.n_accounts() == b.n_accounts());
    REQUIRE(a.n_entries() == b.n_entries());
    for (std::size_t k = 0; k < a.n_accounts(); ++k) {
        const auto ma = a.months(k), mb = b.months(k);
        const auto va = a.amounts(k), vb = b.amounts(k);
        REQUIRE(std::vector<Month>(ma.begin(), ma.end()) ==
                std::vector<Month>(mb.begin(), mb.end()));
        REQUIRE(std::vector<double>(va.begin(), va.end()) ==
                std::vector<double>(vb.begin(), vb.end()));
    }
}

}  // namespace

TEST_CASE("a caller's executor sees the work, and results equal every thread count") {
    const Rows r = shuffled_rows();
    const MrrTable one(r.account, 20'000, r.month, r.mrr, {}, 1);
    const MrrTable two(r.account, 20'000, r.month, r.mrr, {}, 2);
    const MrrTable many(r.account, 20'000, r.month, r.mrr, {}, 7);
    CountingExecutor pool(3);
    const MrrTable pooled(r.account, 20'000, r.month, r.mrr, {}, pool);
    check_same(one, two);
    check_same(one, many);
    check_same(one, pooled);
    CHECK(pool.submitted.load() > 0);
    CHECK(pool.ran.load() <= pool.submitted.load());
}

TEST_CASE("set_default_executor routes default calls to the pool, and back") {
    const Rows r = shuffled_rows();
    const MrrTable reference(r.account, 20'000, r.month, r.mrr, {}, 1);
    CountingExecutor pool(2);
    set_default_executor(&pool);
    CHECK(default_threads() == 2);
    const MrrTable pooled(r.account, 20'000, r.month, r.mrr);
    const int seen = pool.submitted.load();
    set_default_executor(nullptr);
    CHECK(seen > 0);
    check_same(reference, pooled);
    // An explicit count ignores the default executor.
    set_default_executor(&pool);
    const MrrTable counted(r.account, 20'000, r.month, r.mrr, {}, 2);
    set_default_executor(nullptr);
    CHECK(pool.submitted.load() == seen);
    check_same(reference, counted);
}

TEST_CASE("an executor that refuses or never runs jobs leaves the work to the calling thread") {
    const Rows r = shuffled_rows();
    const MrrTable reference(r.account, 20'000, r.month, r.mrr, {}, 1);
    RefusingExecutor refusing;
    check_same(reference, MrrTable(r.account, 20'000, r.month, r.mrr, {}, refusing));
    StalledExecutor stalled;
    check_same(reference, MrrTable(r.account, 20'000, r.month, r.mrr, {}, stalled));
    REQUIRE_FALSE(stalled.parked.empty());
    // Jobs run after the call returned find it closed and touch nothing.
    for (auto& job : stalled.parked) job();
}

TEST_CASE("the first error of any block is rethrown on the calling thread, with any executor") {
    CountingExecutor pool(2);
    for (Threads threads : {Threads(1), Threads(4), Threads(pool)}) {
        std::atomic<int> done{0};
        CHECK_THROWS_WITH_AS(detail::for_each_block(100, 1, threads,
                                                    [&](std::size_t b, std::size_t, std::size_t) {
                                                        if (b == 37) throw InputError("block 37");
                                                        ++done;
                                                    }),
                             "block 37", InputError);
        CHECK(done.load() < 100);
    }
}

TEST_CASE("a call made from inside the caller's pool does not deadlock") {
    ThreadPool pool(1);  // one worker: a nested call can only progress on its calling thread
    std::atomic<bool> finished{false};
    std::atomic<std::size_t> total{0};
    pool.submit([&] {
        detail::for_each_block(
            1000, 10, pool, [&](std::size_t, std::size_t lo, std::size_t hi) { total += hi - lo; });
        finished = true;
    });
    for (int i = 0; i < 2000 && !finished; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    CHECK(finished.load());
    CHECK(total.load() == 1000);
}

TEST_CASE("checked accessors name the index and the size") {
    const Rows r = shuffled_rows();
    const MrrTable t(r.account, 20'000, r.month, r.mrr);
    CHECK_THROWS_WITH_AS(t.months(20'005), "account 20005 out of range: there are 20000 accounts",
                         InputError);
    CHECK_THROWS_AS(t.amounts(20'000), InputError);
    IdIndex<std::string> ids;
    const std::vector<std::string> names = {"ACC-1", "ACC-2", "ACC-1"};
    CHECK(ids.intern(std::span<const std::string>(names)) == std::vector<std::int64_t>{0, 1, 0});
    CHECK(ids.id(1) == "ACC-2");
    try {
        (void)ids.id(99);
        FAIL("no error");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()) == "id code 99 out of range: there are 2 id codes");
        CHECK(e.row() == std::optional<std::size_t>(99));
    }
}

TEST_CASE("string ids as std::string build the same table as string_views") {
    const std::vector<std::string> ids = {"b", "a", "b", "c"};
    const std::vector<std::int64_t> month = {650, 650, 651, 651};
    const std::vector<double> mrr = {10, 20, 30, 40};
    IdIndex<std::string> i1, i2;
    const auto t1 = MrrTable::from_ids(i1, std::span<const std::string>(ids), month, mrr);
    const std::vector<std::string_view> views(ids.begin(), ids.end());
    const auto t2 = MrrTable::from_ids(i2, std::span<const std::string_view>(views), month, mrr);
    check_same(t1, t2);
    CHECK(i1.id(0) == "b");
    CHECK(t1.months(0).size() == 2);
}
