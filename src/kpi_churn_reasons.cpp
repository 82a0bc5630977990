#include "retain/churn_reasons.hpp"

#include <algorithm>
#include <numeric>

#include "detail/kpi_common.hpp"
#include "retain/detail/parallel.hpp"

namespace retain::kpi {

namespace {

// One bridge churn: what it is filed under, and what it took.
struct Lost {
    std::int64_t group;
    Month month;
    std::int32_t reason;
    std::int8_t kind;  // 1 voluntary, 0 involuntary, -1 unknown
    double mrr;
};

}  // namespace

ChurnReasons churn_reasons(const Book& book, std::span<const std::int64_t> group,
                           std::size_t n_groups, Threads n_threads) {
    if (!book.has("mrr"))
        throw InputError::argument(
            "book", "churn by reason needs the Book's MRR table (the MRR lost is read from it)");
    const std::size_t n = book.n_accounts();
    detail::check_account_groups(group, n_groups, n);
    ChurnReasons out;
    out.reasons = book.churn_reasons();
    auto code_of = [&](const std::string& name) {
        const auto it = std::find(out.reasons.begin(), out.reasons.end(), name);
        if (it != out.reasons.end()) return static_cast<std::int32_t>(it - out.reasons.begin());
        out.reasons.push_back(name);
        return static_cast<std::int32_t>(out.reasons.size() - 1);
    };
    const std::int32_t unspecified = code_of("unspecified"), unrecorded = code_of("unrecorded");
    const MrrTable& table = book.mrr();
    if (table.empty()) return out;
    const Month last = table.last_month();

    // Each block lists its accounts' churns in account order; concatenated in block order and
    // stably sorted, the sums run in the same order on any number of threads.
    const std::size_t block = retain::detail::account_block(n);
    std::vector<std::vector<Lost>> parts((n + block - 1) / block);
    retain::detail::for_each_block(
        n, block, n_threads, [&](std::size_t b, std::size_t lo, std::size_t hi) {
            auto& part = parts[b];
            for (std::size_t a = lo; a < hi; ++a) {
                const std::int64_t g = group.empty() ? 0 : group[a];
                if (g < 0) continue;
                const auto months = table.months(a);
                const auto amounts = table.amounts(a);
                for (std::size_t k = 0; k < months.size(); ++k) {
                    const Month churned = months[k] + 1;
                    if (churned > last || (k + 1 < months.size() && months[k + 1] == churned))
                        continue;
                    Lost lost{g, churned, unrecorded, -1, amounts[k]};
                    if (const Book::Churn* c = book.record_near(a, churned)) {
                        lost.reason = c->reason >= 0 ? c->reason : unspecified;
                        lost.kind = c->voluntary;
                    }
                    part.push_back(lost);
                }
            }
        });
    std::vector<Lost> all;
    for (auto& part : parts) all.insert(all.end(), part.begin(), part.end());
    std::stable_sort(all.begin(), all.end(), [](const Lost& x, const Lost& y) {
        if (x.group != y.group) return x.group < y.group;
        if (x.month != y.month) return x.month < y.month;
        return x.reason < y.reason;
    });
    using detail::CompensatedSum;
    for (std::size_t i = 0; i < all.size();) {
        std::size_t j = i;
        std::int64_t count[3] = {0, 0, 0};  // unknown, involuntary, voluntary
        CompensatedSum total, by_kind[3];
        for (; j < all.size() && all[j].group == all[i].group && all[j].month == all[i].month &&
               all[j].reason == all[i].reason;
             ++j) {
            const auto k = static_cast<std::size_t>(all[j].kind + 1);
            ++count[k];
            by_kind[k].add(all[j].mrr);
            total.add(all[j].mrr);
        }
        out.group.push_back(all[i].group);
        out.month.push_back(all[i].month);
        out.reason.push_back(all[i].reason);
        out.accounts.push_back(static_cast<std::int64_t>(j - i));
        out.voluntary_accounts.push_back(count[2]);
        out.involuntary_accounts.push_back(count[1]);
        out.unknown_kind_accounts.push_back(count[0]);
        out.mrr_lost.push_back(total.value());
        out.voluntary_mrr.push_back(by_kind[2].value());
        out.involuntary_mrr.push_back(by_kind[1].value());
        out.unknown_kind_mrr.push_back(by_kind[0].value());
        i = j;
    }
    return out;
}

}  // namespace retain::kpi
