// Revenue KPIs declared in retain/kpi.hpp: movements, churn and retention, NRR/GRR, cohorts,
// unit economics.

#include "retain/kpi.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "detail/kpi_common.hpp"
#include "retain/detail/parallel.hpp"

namespace retain::kpi {

namespace detail {
namespace {

// A block's share of one amount column and its account count, month by month.
struct MovementColumn {
    std::vector<CompensatedSum> amount;
    std::vector<std::int64_t> accounts;

    void resize(std::size_t n) {
        amount.assign(n, {});
        accounts.assign(n, 0);
    }
    void add(std::size_t month, double value) {
        amount[month].add(value);
        ++accounts[month];
    }
    void add(const MovementColumn& other) {
        for (std::size_t k = 0; k < amount.size(); ++k) {
            amount[k].add(other.amount[k]);
            accounts[k] += other.accounts[k];
        }
    }
    void store(std::vector<double>& values, std::vector<std::int64_t>& counts) const {
        for (std::size_t k = 0; k < amount.size(); ++k) {
            values[k] = amount[k].value();
            counts[k] = accounts[k];
        }
    }
};

struct MovementPartial {
    MovementColumn ending, added, expansion, contraction, churned, reactivation;

    void resize(std::size_t n) {
        for (auto* c : {&ending, &added, &expansion, &contraction, &churned, &reactivation})
            c->resize(n);
    }
    void add(const MovementPartial& o) {
        ending.add(o.ending);
        added.add(o.added);
        expansion.add(o.expansion);
        contraction.add(o.contraction);
        churned.add(o.churned);
        reactivation.add(o.reactivation);
    }
};

// Walks one account's paying months; index k is months since the table's first month.
void add_account_movements(std::span<const Month> months, std::span<const double> mrr, Month first,
                           std::size_t n_months, MovementPartial& p) {
    if (months.empty()) return;
    const auto at = [first](Month m) { return static_cast<std::size_t>(m - first); };
    p.added.add(at(months[0]), mrr[0]);
    p.ending.add(at(months[0]), mrr[0]);
    for (std::size_t i = 1; i < months.size(); ++i) {
        const std::size_t k = at(months[i]), prev_k = at(months[i - 1]);
        const double cur = mrr[i], prev = mrr[i - 1];
        p.ending.add(k, cur);
        if (k == prev_k + 1) {
            if (cur > prev)
                p.expansion.add(k, cur - prev);
            else if (cur < prev)
                p.contraction.add(k, prev - cur);
        } else {  // a gap: churned the month after prev_k, back at k
            p.churned.add(prev_k + 1, prev);
            p.reactivation.add(k, cur);
        }
    }
    const std::size_t last_k = at(months.back());
    if (last_k + 1 < n_months) p.churned.add(last_k + 1, mrr.back());
}

// Sums for revenue retention over a lag: base = MRR at p - lag of the accounts paying then,
// kept = their MRR at p, capped = their MRR at p capped at the base.
struct RetentionSums {
    std::vector<CompensatedSum> base, kept, capped;

    void resize(std::size_t n) {
        base.assign(n, {});
        kept.assign(n, {});
        capped.assign(n, {});
    }
    void add(const RetentionSums& o) {
        for (std::size_t k = 0; k < base.size(); ++k) {
            base[k].add(o.base[k]);
            kept[k].add(o.kept[k]);
            capped[k].add(o.capped[k]);
        }
    }
};

RetentionSums retention_sums(const MrrTable& table, int lag, std::string_view who,
                             Threads n_threads) {
    if (lag < 1) throw InputError::argument(who, "months must be >= 1, got " + std::to_string(lag));
    const std::size_t n =
        table.n_months() > lag ? static_cast<std::size_t>(table.n_months() - lag) : 0;
    // A lag past the table has no month to report; month + lag below could also overflow.
    if (n == 0) return {};
    const Month first_target = table.first_month() + lag, last = table.last_month();
    const std::size_t block = retain::detail::account_block(table.n_accounts());
    std::vector<RetentionSums> partials((table.n_accounts() + block - 1) / block);
    retain::detail::for_each_block(table.n_accounts(), block, n_threads,
                                   [&](std::size_t b, std::size_t begin, std::size_t end) {
                                       RetentionSums& s = partials[b];
                                       s.resize(n);
                                       for (std::size_t a = begin; a < end; ++a) {
                                           const auto months = table.months(a);
                                           const auto mrr = table.amounts(a);
                                           std::size_t j = 0;
                                           for (std::size_t i = 0; i < months.size(); ++i) {
                                               const Month target = months[i] + lag;
                                               if (target > last) break;
                                               while (j < months.size() && months[j] < target) ++j;
                                               const auto k =
                                                   static_cast<std::size_t>(target - first_target);
                                               s.base[k].add(mrr[i]);
                                               if (j < months.size() && months[j] == target) {
                                                   s.kept[k].add(mrr[j]);
                                                   s.capped[k].add(std::min(mrr[i], mrr[j]));
                                               }
                                           }
                                       }
                                   });
    RetentionSums total;
    total.resize(n);
    for (const auto& p : partials) total.add(p);
    return total;
}

}  // namespace
}  // namespace detail

void MrrMovements::resize(std::size_t n) {
    for (auto* c :
         {&starting_mrr, &new_mrr, &expansion, &contraction, &churned, &reactivation, &ending_mrr})
        c->assign(n, 0.0);
    for (auto* c : {&starting_accounts, &new_accounts, &expansion_accounts, &contraction_accounts,
                    &churned_accounts, &reactivated_accounts, &ending_accounts})
        c->assign(n, 0);
}

MrrMovements mrr_movements(const MrrTable& table, Threads n_threads) {
    const auto n = static_cast<std::size_t>(table.n_months());
    const std::size_t block = retain::detail::account_block(table.n_accounts());
    std::vector<detail::MovementPartial> partials((table.n_accounts() + block - 1) / block);
    retain::detail::for_each_block(table.n_accounts(), block, n_threads,
                                   [&](std::size_t b, std::size_t begin, std::size_t end) {
                                       partials[b].resize(n);
                                       for (std::size_t a = begin; a < end; ++a)
                                           detail::add_account_movements(
                                               table.months(a), table.amounts(a),
                                               table.first_month(), n, partials[b]);
                                   });
    detail::MovementPartial total;
    total.resize(n);
    for (const auto& p : partials) total.add(p);

    MrrMovements mv;
    mv.first_month = table.first_month();
    mv.resize(n);
    total.ending.store(mv.ending_mrr, mv.ending_accounts);
    total.added.store(mv.new_mrr, mv.new_accounts);
    total.expansion.store(mv.expansion, mv.expansion_accounts);
    total.contraction.store(mv.contraction, mv.contraction_accounts);
    total.churned.store(mv.churned, mv.churned_accounts);
    total.reactivation.store(mv.reactivation, mv.reactivated_accounts);
    // New accounts were counted as "added" on their first month only; a later return from zero
    // is a reactivation. Starting is the previous month's ending, so months chain exactly.
    for (std::size_t k = 1; k < n; ++k) {
        mv.starting_mrr[k] = mv.ending_mrr[k - 1];
        mv.starting_accounts[k] = mv.ending_accounts[k - 1];
    }
    return mv;
}

ChurnKind parse_churn_kind(std::string_view kind) {
    if (kind == "logo") return ChurnKind::logo;
    if (kind == "gross_revenue") return ChurnKind::gross_revenue;
    if (kind == "net_revenue") return ChurnKind::net_revenue;
    throw InputError::argument("kind", "unknown churn kind '" + std::string(kind) +
                                           "' (expected logo, gross_revenue or net_revenue)");
}

std::vector<double> churn_rate(const MrrMovements& mv, ChurnKind kind) {
    detail::check_movements(mv);
    std::vector<double> out(mv.size());
    for (std::size_t k = 0; k < mv.size(); ++k) {
        switch (kind) {
            case ChurnKind::logo:
                out[k] = detail::ratio(static_cast<double>(mv.churned_accounts[k]),
                                       static_cast<double>(mv.starting_accounts[k]));
                break;
            case ChurnKind::gross_revenue:
                out[k] = detail::ratio(mv.contraction[k] + mv.churned[k], mv.starting_mrr[k]);
                break;
            case ChurnKind::net_revenue:
                out[k] = detail::ratio(
                    mv.contraction[k] + mv.churned[k] - mv.expansion[k] - mv.reactivation[k],
                    mv.starting_mrr[k]);
                break;
        }
    }
    return out;
}

std::vector<double> retention_rate(const MrrMovements& mv, ChurnKind kind) {
    auto out = churn_rate(mv, kind);
    for (double& x : out) x = 1.0 - x;
    return out;
}

std::vector<double> quick_ratio(const MrrMovements& mv) {
    detail::check_movements(mv);
    std::vector<double> out(mv.size());
    for (std::size_t k = 0; k < mv.size(); ++k)
        out[k] = detail::ratio(mv.new_mrr[k] + mv.expansion[k] + mv.reactivation[k],
                               mv.contraction[k] + mv.churned[k]);
    return out;
}

std::vector<double> arpa(const MrrMovements& mv) {
    detail::check_movements(mv);
    std::vector<double> out(mv.size());
    for (std::size_t k = 0; k < mv.size(); ++k)
        out[k] = detail::ratio(mv.ending_mrr[k], static_cast<double>(mv.ending_accounts[k]));
    return out;
}

namespace {
// NRR and GRR share their sums; they differ only in the numerator (kept or capped MRR).
PeriodSeries retention_ratio(
    const MrrTable& table, int months, Threads n_threads, std::string_view who,
    std::vector<detail::CompensatedSum> detail::RetentionSums::*numerator) {
    const auto sums = detail::retention_sums(table, months, who, n_threads);
    // A lag past the table gives no value; its (empty) series' first month saturates rather than
    // overflow.
    const auto first = std::min<std::int64_t>(std::int64_t{table.first_month()} + months,
                                              std::numeric_limits<Month>::max());
    PeriodSeries out{static_cast<Month>(first), std::vector<double>(sums.base.size())};
    for (std::size_t k = 0; k < out.values.size(); ++k)
        out.values[k] = detail::ratio((sums.*numerator)[k].value(), sums.base[k].value());
    return out;
}
}  // namespace

PeriodSeries nrr(const MrrTable& table, int months, Threads n_threads) {
    return retention_ratio(table, months, n_threads, "nrr", &detail::RetentionSums::kept);
}

PeriodSeries grr(const MrrTable& table, int months, Threads n_threads) {
    return retention_ratio(table, months, n_threads, "grr", &detail::RetentionSums::capped);
}

CohortKind parse_cohort_kind(std::string_view kind) {
    if (kind == "logo") return CohortKind::logo;
    if (kind == "revenue") return CohortKind::revenue;
    throw InputError::argument("kind", "unknown cohort retention kind '" + std::string(kind) +
                                           "' (expected logo or revenue)");
}

CohortRetention cohort_retention(const MrrTable& table, CohortKind kind) {
    const auto n = static_cast<std::size_t>(table.n_months());
    const Month first = table.first_month();
    // Dense cohort-by-age tallies; index = months since the table's first month.
    std::vector<std::int64_t> size(n, 0), paying(n * n, 0);
    std::vector<detail::CompensatedSum> revenue(kind == CohortKind::revenue ? n * n : 0);
    for (std::size_t a = 0; a < table.n_accounts(); ++a) {
        const auto months = table.months(a);
        if (months.empty()) continue;
        const auto mrr = table.amounts(a);
        const auto c = static_cast<std::size_t>(months[0] - first);
        ++size[c];
        for (std::size_t i = 0; i < months.size(); ++i) {
            const auto age = static_cast<std::size_t>(months[i] - months[0]);
            ++paying[c * n + age];
            if (kind == CohortKind::revenue) revenue[c * n + age].add(mrr[i]);
        }
    }
    CohortRetention out;
    for (std::size_t c = 0; c < n; ++c) {
        if (size[c] == 0) continue;
        out.cohorts.push_back(first + static_cast<Month>(c));
        out.sizes.push_back(size[c]);
    }
    const std::size_t n_ages =
        out.cohorts.empty() ? 0 : static_cast<std::size_t>(table.last_month() - out.cohorts[0] + 1);
    out.n_ages = n_ages;
    out.values.assign(out.cohorts.size() * n_ages, nan);
    for (std::size_t r = 0; r < out.cohorts.size(); ++r) {
        const auto c = static_cast<std::size_t>(out.cohorts[r] - first);
        for (std::size_t age = 0; c + age < n; ++age) {
            out.values[r * n_ages + age] =
                kind == CohortKind::logo
                    ? static_cast<double>(paying[c * n + age]) / static_cast<double>(size[c])
                    : revenue[c * n + age].value() / revenue[c * n].value();
        }
    }
    return out;
}

double ltv(double arpa, double gross_margin, double churn_rate, double discount_rate) {
    using detail::got;
    using detail::require;
    require(std::isfinite(arpa) && arpa >= 0, "arpa", "must be a finite number >= 0" + got(arpa));
    require(gross_margin >= 0 && gross_margin <= 1, "gross_margin",
            "must be a share between 0 and 1 (0.75 for 75 %)" + got(gross_margin));
    require(churn_rate >= 0 && churn_rate <= 1, "churn_rate",
            "must be a monthly share between 0 and 1" + got(churn_rate));
    require(std::isfinite(discount_rate) && discount_rate >= 0, "discount_rate",
            "must be a finite monthly rate >= 0" + got(discount_rate));
    require(churn_rate + discount_rate > 0, "churn_rate",
            "is 0 and so is discount_rate: the lifetime value is unbounded");
    return arpa * gross_margin * (1.0 + discount_rate) / (discount_rate + churn_rate);
}

double ltv_of_lifetime(double arpa, double gross_margin, double lifetime) {
    using detail::got;
    using detail::require;
    require(std::isfinite(arpa) && arpa >= 0, "arpa", "must be a finite number >= 0" + got(arpa));
    require(gross_margin >= 0 && gross_margin <= 1, "gross_margin",
            "must be a share between 0 and 1 (0.75 for 75 %)" + got(gross_margin));
    require(std::isfinite(lifetime) && lifetime >= 0, "lifetime",
            "must be a finite number of payments >= 0" + got(lifetime));
    return arpa * gross_margin * lifetime;
}

double cac(double spend, double new_customers) {
    using detail::got;
    detail::require(std::isfinite(spend) && spend >= 0, "spend",
                    "must be a finite number >= 0" + got(spend));
    detail::require(std::isfinite(new_customers) && new_customers > 0, "new_customers",
                    "must be > 0" + got(new_customers));
    return spend / new_customers;
}

double ltv_to_cac(double ltv, double cac) {
    using detail::got;
    detail::require(std::isfinite(ltv), "ltv", "must be finite" + got(ltv));
    detail::require(std::isfinite(cac) && cac > 0, "cac", "must be > 0" + got(cac));
    return ltv / cac;
}

double cac_payback_months(double cac, double arpa, double gross_margin) {
    using detail::got;
    detail::require(std::isfinite(cac) && cac >= 0, "cac",
                    "must be a finite number >= 0" + got(cac));
    detail::require(std::isfinite(arpa) && arpa > 0, "arpa", "must be > 0" + got(arpa));
    detail::require(gross_margin > 0 && gross_margin <= 1, "gross_margin",
                    "must be a share in (0, 1] (0.75 for 75 %)" + got(gross_margin));
    return cac / (arpa * gross_margin);
}

}  // namespace retain::kpi
