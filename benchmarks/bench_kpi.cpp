// C++ micro-benchmark of the revenue core: building the MRR table from long columns in the two
// usual row orders, then the kernels. The end-to-end comparison with pandas and polars is
// bench_kpi.py; this one shows what the C++ part costs alone.
//
//   bench_kpi_cpp [accounts=100000] [months=36] [repeat=5]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <retain/retain.hpp>
#include <vector>

namespace {

struct LongTable {
    std::vector<std::int64_t> account, month;
    std::vector<double> mrr;
};

// Every account on every month, MRR drifting by whole amounts and dropping to 0 now and then.
LongTable make_table(std::int64_t accounts, std::int64_t months, bool month_major) {
    std::uint64_t state = 12345;
    auto next = [&state] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<double>(state >> 11) / 9007199254740992.0;  // [0, 1)
    };
    std::vector<double> mrr(static_cast<std::size_t>(accounts * months));
    for (std::int64_t a = 0; a < accounts; ++a) {
        double level = 0;
        for (std::int64_t m = 0; m < months; ++m) {
            const double u = next();
            if (level == 0 && u < 0.15)
                level = 50.0 * std::ceil(next() * 20);
            else if (level > 0 && u < 0.03)
                level = 0;
            else if (level > 0 && u < 0.10)
                level += 25;
            else if (level > 25 && u < 0.13)
                level -= 25;
            mrr[static_cast<std::size_t>(a * months + m)] = level;
        }
    }
    LongTable t;
    for (std::int64_t i = 0; i < accounts * months; ++i) {
        const std::int64_t a = month_major ? i % accounts : i / months;
        const std::int64_t m = month_major ? i / accounts : i % months;
        t.account.push_back(a);
        t.month.push_back(retain::month_of(2021, 1) + m);
        t.mrr.push_back(mrr[static_cast<std::size_t>(a * months + m)]);
    }
    return t;
}

template <class Fn>
double best_ms(int repeat, Fn&& fn) {
    double best = 1e300;
    for (int r = 0; r < repeat; ++r) {
        const auto start = std::chrono::steady_clock::now();
        fn();
        best = std::min(best, std::chrono::duration<double, std::milli>(
                                  std::chrono::steady_clock::now() - start)
                                  .count());
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    const std::int64_t accounts = argc > 1 ? std::atoll(argv[1]) : 100'000;
    const std::int64_t months = argc > 2 ? std::atoll(argv[2]) : 36;
    const int repeat = argc > 3 ? std::atoi(argv[3]) : 5;
    std::printf("retain %s: %lld accounts x %lld months, best of %d, milliseconds\n",
                retain::version, static_cast<long long>(accounts), static_cast<long long>(months),
                repeat);
    bool bridge = true;
    for (const bool month_major : {true, false}) {
        const LongTable t = make_table(accounts, months, month_major);
        retain::IdIndex<std::int64_t> ids;
        std::vector<std::int64_t> codes;
        const double intern = best_ms(repeat, [&] {
            ids = {};
            codes = ids.intern(t.account);
        });
        retain::MrrTable table;
        const double build =
            best_ms(repeat, [&] { table = retain::MrrTable(codes, ids.size(), t.month, t.mrr); });
        retain::kpi::MrrMovements mv;
        const double one = best_ms(repeat, [&] { mv = retain::kpi::mrr_movements(table, 1); });
        const double all = best_ms(repeat, [&] { mv = retain::kpi::mrr_movements(table, 0); });
        const double nrr = best_ms(repeat, [&] { (void)retain::kpi::nrr(table, 12); });
        const double cohorts = best_ms(repeat, [&] {
            (void)retain::kpi::cohort_retention(table, retain::kpi::CohortKind::revenue);
        });
        for (std::size_t k = 0; k < mv.size(); ++k)
            bridge = bridge && std::abs(mv.starting_mrr[k] + mv.new_mrr[k] + mv.expansion[k] +
                                        mv.reactivation[k] - mv.contraction[k] - mv.churned[k] -
                                        mv.ending_mrr[k]) <= 1e-9 * (1 + mv.ending_mrr[k]);
        std::printf(
            "%-13s intern %6.1f  table %6.1f  movements %6.1f (1 thread %6.1f)  nrr %6.1f  "
            "cohorts %6.1f\n",
            month_major ? "month-major" : "account-major", intern, build, all, one, nrr, cohorts);
    }
    std::printf(bridge ? "bridge holds in every month\n" : "BRIDGE BROKEN\n");
    return bridge ? 0 : 1;
}
