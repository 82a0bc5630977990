// Rates with intervals and expansion declared in retain/kpi.hpp: logo churn with its Wilson
// interval, upsell and cross-sell.

#include "retain/kpi.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "detail/kpi_common.hpp"

namespace retain::kpi {

Proportions churn_rate_interval(const MrrMovements& mv, ChurnKind kind, double confidence) {
    detail::check_movements(mv);
    detail::require(kind == ChurnKind::logo, "ci",
                    "a Wilson interval applies to account counts only, so only to logo churn; "
                    "revenue churn is a ratio of amounts, not a share of accounts");
    detail::require_confidence(confidence, "ci");
    Proportions out;
    out.successes = mv.churned_accounts;
    out.n = mv.starting_accounts;
    out.rate.resize(mv.size());
    out.ci_lower.resize(mv.size());
    out.ci_upper.resize(mv.size());
    for (std::size_t k = 0; k < mv.size(); ++k) {
        const std::int64_t s = mv.churned_accounts[k], n = mv.starting_accounts[k];
        if (s < 0 || s > n)
            throw InputError::at("churned_accounts", k,
                                 "must be between 0 and starting_accounts = " + std::to_string(n) +
                                     ", got " + std::to_string(s));
        out.rate[k] = detail::ratio(static_cast<double>(s), static_cast<double>(n));
        const auto ci = wilson_interval(s, n, confidence);
        out.ci_lower[k] = ci.lower;
        out.ci_upper[k] = ci.upper;
    }
    return out;
}

std::vector<double> upsell_rate(const MrrMovements& mv) {
    detail::check_movements(mv);
    std::vector<double> out(mv.size());
    for (std::size_t k = 0; k < mv.size(); ++k)
        out[k] = detail::ratio(static_cast<double>(mv.expansion_accounts[k]),
                               static_cast<double>(mv.starting_accounts[k]));
    return out;
}

PeriodSeries cross_sell_rate(std::span<const std::int64_t> account, std::size_t n_accounts,
                             std::span<const std::int64_t> product, std::size_t n_products,
                             std::span<const std::int64_t> month, std::span<const double> mrr,
                             const MrrColumns& columns, std::string_view product_column) {
    const std::size_t rows = account.size();
    const auto same_length = [&](std::size_t size, std::string_view name) {
        if (size != rows)
            throw InputError("column '" + std::string(name) + "' has " + std::to_string(size) +
                             " rows, column '" + columns.account + "' has " + std::to_string(rows));
    };
    same_length(product.size(), product_column);
    same_length(month.size(), columns.period);
    same_length(mrr.size(), columns.mrr);
    Month first = 0, last = -1;
    for (std::size_t i = 0; i < rows; ++i) {
        if (account[i] < 0 || static_cast<std::uint64_t>(account[i]) >= n_accounts)
            throw InputError::at(columns.account, i, "account code out of range");
        if (product[i] < 0 || static_cast<std::uint64_t>(product[i]) >= n_products)
            throw InputError::at(product_column, i, "product code out of range");
        if (!(std::isfinite(mrr[i]) && mrr[i] >= 0))
            throw InputError::at(columns.mrr, i,
                                 "MRR must be a finite number >= 0" + detail::got(mrr[i]));
        if (mrr[i] > MrrTable::max_mrr)
            throw InputError::at(columns.mrr, i,
                                 "MRR must be at most 1e+15 (a larger amount overflows the sums)" +
                                     detail::got(mrr[i]));
        if (month[i] < std::numeric_limits<Month>::min() / 2 ||
            month[i] > std::numeric_limits<Month>::max() / 2)
            throw InputError::at(columns.period, i, "month number out of range");
        const auto m = static_cast<Month>(month[i]);
        if (i == 0 || m < first) first = m;
        if (i == 0 || m > last) last = m;
    }
    if (rows > 0 && std::int64_t{last} - first >= MrrTable::max_span_months)
        throw InputError::argument(columns.period, "the data spans more than " +
                                                       std::to_string(MrrTable::max_span_months) +
                                                       " months; is a period mis-encoded?");
    // Sum line items per (account, month, product) in sorted order, keeping paying products.
    std::vector<std::size_t> order(rows);
    std::iota(order.begin(), order.end(), std::size_t{0});
    const auto key = [&](std::size_t i) { return std::tuple(account[i], month[i], product[i]); };
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
    struct Paying {
        std::int64_t account, month, product;
    };
    std::vector<Paying> paying;
    for (std::size_t j = 0; j < rows;) {
        detail::CompensatedSum sum;
        std::size_t e = j;
        while (e < rows && key(order[e]) == key(order[j])) sum.add(mrr[order[e++]]);
        if (sum.value() > 0)
            paying.push_back({account[order[j]], month[order[j]], product[order[j]]});
        j = e;
    }
    const std::size_t n = rows > 0 ? static_cast<std::size_t>(last - first + 1) : 0;
    std::vector<std::int64_t> base(n, 0), crossed(n, 0);
    // Runs of (account, month) in `paying`: each run's products are sorted.
    std::size_t prev_begin = 0, prev_end = 0;
    for (std::size_t j = 0; j < paying.size();) {
        std::size_t e = j;
        while (e < paying.size() && paying[e].account == paying[j].account &&
               paying[e].month == paying[j].month)
            ++e;
        const auto k = static_cast<std::size_t>(paying[j].month - first);
        if (k + 1 < n) ++base[k + 1];  // paying at the start of the next month
        if (prev_end > prev_begin && paying[prev_begin].account == paying[j].account &&
            paying[prev_begin].month + 1 == paying[j].month) {
            std::size_t a = prev_begin;
            bool added = false;
            for (std::size_t b = j; b < e && !added; ++b) {
                while (a < prev_end && paying[a].product < paying[b].product) ++a;
                added = a == prev_end || paying[a].product != paying[b].product;
            }
            if (added) ++crossed[k];
        }
        prev_begin = j;
        prev_end = e;
        j = e;
    }
    PeriodSeries out{first + 1, std::vector<double>(n > 0 ? n - 1 : 0)};
    for (std::size_t k = 1; k < n; ++k)
        out.values[k - 1] =
            detail::ratio(static_cast<double>(crossed[k]), static_cast<double>(base[k]));
    return out;
}

}  // namespace retain::kpi
