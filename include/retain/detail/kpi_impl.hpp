#pragma once
// Definitions of the functions declared in retain/kpi.hpp (included from there).

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <numeric>
#include <sstream>
#include <tuple>

namespace retain::kpi {

namespace detail {

using retain::detail::CompensatedSum;

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
inline void add_account_movements(std::span<const Month> months, std::span<const double> mrr,
                                  Month first, std::size_t n_months, MovementPartial& p) {
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

inline RetentionSums retention_sums(const MrrTable& table, int lag, std::string_view who) {
    if (lag < 1) throw InputError::argument(who, "months must be >= 1, got " + std::to_string(lag));
    const std::size_t n =
        table.n_months() > lag ? static_cast<std::size_t>(table.n_months() - lag) : 0;
    const Month first_target = table.first_month() + lag, last = table.last_month();
    const std::size_t block = retain::detail::account_block(table.n_accounts());
    std::vector<RetentionSums> partials((table.n_accounts() + block - 1) / block);
    retain::detail::for_each_block(
        table.n_accounts(), block, 0, [&](std::size_t b, std::size_t begin, std::size_t end) {
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
                    const auto k = static_cast<std::size_t>(target - first_target);
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

inline double ratio(double num, double den) {
    return den != 0.0 ? num / den : nan;
}

inline void require(bool ok, std::string_view name, const std::string& what) {
    if (!ok) throw InputError::argument(name, what);
}

inline std::string got(double value) {
    std::ostringstream out;
    out << ", got " << value;
    return out.str();
}

}  // namespace detail

inline void MrrMovements::resize(std::size_t n) {
    for (auto* c :
         {&starting_mrr, &new_mrr, &expansion, &contraction, &churned, &reactivation, &ending_mrr})
        c->assign(n, 0.0);
    for (auto* c : {&starting_accounts, &new_accounts, &expansion_accounts, &contraction_accounts,
                    &churned_accounts, &reactivated_accounts, &ending_accounts})
        c->assign(n, 0);
}

inline MrrMovements mrr_movements(const MrrTable& table, int n_threads) {
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

inline ChurnKind parse_churn_kind(std::string_view kind) {
    if (kind == "logo") return ChurnKind::logo;
    if (kind == "gross_revenue") return ChurnKind::gross_revenue;
    if (kind == "net_revenue") return ChurnKind::net_revenue;
    throw InputError::argument("kind", "unknown churn kind '" + std::string(kind) +
                                           "' (expected logo, gross_revenue or net_revenue)");
}

inline std::vector<double> churn_rate(const MrrMovements& mv, ChurnKind kind) {
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

inline std::vector<double> retention_rate(const MrrMovements& mv, ChurnKind kind) {
    auto out = churn_rate(mv, kind);
    for (double& x : out) x = 1.0 - x;
    return out;
}

inline std::vector<double> quick_ratio(const MrrMovements& mv) {
    std::vector<double> out(mv.size());
    for (std::size_t k = 0; k < mv.size(); ++k)
        out[k] = detail::ratio(mv.new_mrr[k] + mv.expansion[k] + mv.reactivation[k],
                               mv.contraction[k] + mv.churned[k]);
    return out;
}

inline std::vector<double> arpa(const MrrMovements& mv) {
    std::vector<double> out(mv.size());
    for (std::size_t k = 0; k < mv.size(); ++k)
        out[k] = detail::ratio(mv.ending_mrr[k], static_cast<double>(mv.ending_accounts[k]));
    return out;
}

inline PeriodSeries nrr(const MrrTable& table, int months) {
    const auto sums = detail::retention_sums(table, months, "nrr");
    PeriodSeries out{table.first_month() + months, std::vector<double>(sums.base.size())};
    for (std::size_t k = 0; k < out.values.size(); ++k)
        out.values[k] = detail::ratio(sums.kept[k].value(), sums.base[k].value());
    return out;
}

inline PeriodSeries grr(const MrrTable& table, int months) {
    const auto sums = detail::retention_sums(table, months, "grr");
    PeriodSeries out{table.first_month() + months, std::vector<double>(sums.base.size())};
    for (std::size_t k = 0; k < out.values.size(); ++k)
        out.values[k] = detail::ratio(sums.capped[k].value(), sums.base[k].value());
    return out;
}

inline CohortKind parse_cohort_kind(std::string_view kind) {
    if (kind == "logo") return CohortKind::logo;
    if (kind == "revenue") return CohortKind::revenue;
    throw InputError::argument("kind", "unknown cohort retention kind '" + std::string(kind) +
                                           "' (expected logo or revenue)");
}

inline CohortRetention cohort_retention(const MrrTable& table, CohortKind kind) {
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
    out.values.setConstant(static_cast<Eigen::Index>(out.cohorts.size()),
                           static_cast<Eigen::Index>(n_ages), nan);
    for (std::size_t r = 0; r < out.cohorts.size(); ++r) {
        const auto c = static_cast<std::size_t>(out.cohorts[r] - first);
        for (std::size_t age = 0; c + age < n; ++age) {
            const auto row = static_cast<Eigen::Index>(r), col = static_cast<Eigen::Index>(age);
            out.values(row, col) =
                kind == CohortKind::logo
                    ? static_cast<double>(paying[c * n + age]) / static_cast<double>(size[c])
                    : revenue[c * n + age].value() / revenue[c * n].value();
        }
    }
    return out;
}

inline double ltv(double arpa, double gross_margin, double churn_rate, double discount_rate) {
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

inline double cac(double spend, double new_customers) {
    using detail::got;
    detail::require(std::isfinite(spend) && spend >= 0, "spend",
                    "must be a finite number >= 0" + got(spend));
    detail::require(std::isfinite(new_customers) && new_customers > 0, "new_customers",
                    "must be > 0" + got(new_customers));
    return spend / new_customers;
}

inline double ltv_to_cac(double ltv, double cac) {
    using detail::got;
    detail::require(std::isfinite(ltv), "ltv", "must be finite" + got(ltv));
    detail::require(std::isfinite(cac) && cac > 0, "cac", "must be > 0" + got(cac));
    return ltv / cac;
}

inline double cac_payback_months(double cac, double arpa, double gross_margin) {
    using detail::got;
    detail::require(std::isfinite(cac) && cac >= 0, "cac",
                    "must be a finite number >= 0" + got(cac));
    detail::require(std::isfinite(arpa) && arpa > 0, "arpa", "must be > 0" + got(arpa));
    detail::require(gross_margin > 0 && gross_margin <= 1, "gross_margin",
                    "must be a share in (0, 1] (0.75 for 75 %)" + got(gross_margin));
    return cac / (arpa * gross_margin);
}

namespace detail {

inline void count_nps(NpsResult& r, double s, std::string_view column, std::size_t row) {
    if (!(s >= 0 && s <= 10) || s != std::floor(s))
        throw InputError::at(column, row, "NPS score must be an integer from 0 to 10" + got(s));
    if (s >= 9)
        ++r.promoters;
    else if (s >= 7)
        ++r.passives;
    else
        ++r.detractors;
}

inline void finish_nps(NpsResult& r) {
    r.n = r.promoters + r.passives + r.detractors;
    if (r.n == 0) return;
    const double n = static_cast<double>(r.n);
    const double p = static_cast<double>(r.promoters) / n,
                 d = static_cast<double>(r.detractors) / n;
    r.nps = 100.0 * (p - d);
    r.stderr_ = 100.0 * std::sqrt(std::max(0.0, p + d - (p - d) * (p - d)) / n);
    r.margin95 = 1.96 * r.stderr_;
}

inline void require_confidence(double confidence, std::string_view name) {
    require(confidence > 0 && confidence < 1, name,
            "confidence level must be strictly between 0 and 1 (0.95 for 95 %)" + got(confidence));
}

}  // namespace detail

inline std::ostream& operator<<(std::ostream& out, const NpsResult& r) {
    return out << "NpsResult(nps=" << r.nps << ", promoters=" << r.promoters
               << ", passives=" << r.passives << ", detractors=" << r.detractors << ", n=" << r.n
               << ", stderr=" << r.stderr_ << ", margin95=" << r.margin95 << ")";
}

inline NpsResult nps(std::span<const double> scores, std::string_view column) {
    NpsResult r;
    for (std::size_t i = 0; i < scores.size(); ++i) detail::count_nps(r, scores[i], column, i);
    detail::finish_nps(r);
    return r;
}

inline Interval wilson_interval(std::int64_t successes, std::int64_t n, double confidence) {
    detail::require_confidence(confidence, "confidence");
    detail::require(n >= 0, "n", "must be >= 0, got " + std::to_string(n));
    detail::require(
        successes >= 0 && successes <= n, "successes",
        "must be between 0 and n = " + std::to_string(n) + ", got " + std::to_string(successes));
    if (n == 0) return {};
    const double z =
        boost::math::quantile(boost::math::normal_distribution<double>{}, 0.5 + confidence / 2);
    const double nn = static_cast<double>(n), p = static_cast<double>(successes) / nn;
    const double z2 = z * z, denom = 1.0 + z2 / nn;
    const double centre = (p + z2 / (2 * nn)) / denom;
    const double half = z / denom * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    // At p = 0 (p = 1) the lower (upper) end is exactly 0 (1); rounding would leave it 1 ulp off.
    return {successes == 0 ? 0.0 : std::max(0.0, centre - half),
            successes == n ? 1.0 : std::min(1.0, centre + half)};
}

inline std::ostream& operator<<(std::ostream& out, const CsatResult& r) {
    return out << "CsatResult(csat=" << r.csat << ", satisfied=" << r.satisfied << ", n=" << r.n
               << ", ci_lower=" << r.ci_lower << ", ci_upper=" << r.ci_upper << ")";
}

inline CsatResult csat(std::span<const double> scores, int scale, int satisfied_min,
                       std::string_view column) {
    detail::require(scale >= 2, "scale", "must be an integer >= 2, got " + std::to_string(scale));
    detail::require(satisfied_min >= 1 && satisfied_min <= scale, "satisfied_min",
                    "must be between 1 and scale = " + std::to_string(scale) + ", got " +
                        std::to_string(satisfied_min));
    CsatResult r;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        const double s = scores[i];
        if (!(s >= 1 && s <= scale) || s != std::floor(s))
            throw InputError::at(column, i,
                                 "CSAT score must be an integer from 1 to " +
                                     std::to_string(scale) + detail::got(s));
        if (s >= satisfied_min) ++r.satisfied;
    }
    r.n = static_cast<std::int64_t>(scores.size());
    if (r.n == 0) return r;
    r.csat = static_cast<double>(r.satisfied) / static_cast<double>(r.n);
    const auto ci = wilson_interval(r.satisfied, r.n, 0.95);
    r.ci_lower = ci.lower;
    r.ci_upper = ci.upper;
    return r;
}

inline std::ostream& operator<<(std::ostream& out, const CesResult& r) {
    return out << "CesResult(ces=" << r.ces << ", n=" << r.n << ", std=" << r.stddev
               << ", ci_lower=" << r.ci_lower << ", ci_upper=" << r.ci_upper << ")";
}

inline CesResult ces(std::span<const double> scores, std::string_view column) {
    namespace acc = boost::accumulators;
    // Streaming mean and variance (Boost.Accumulators' recursive, Welford-style updates).
    acc::accumulator_set<double, acc::stats<acc::tag::mean, acc::tag::variance>> stats;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (!std::isfinite(scores[i]))
            throw InputError::at(column, i,
                                 "effort score must be a finite number" + detail::got(scores[i]));
        stats(scores[i]);
    }
    CesResult r;
    r.n = static_cast<std::int64_t>(scores.size());
    if (r.n == 0) return r;
    const double n = static_cast<double>(r.n);
    r.ces = acc::mean(stats);
    if (r.n < 2) return r;
    // The accumulator's variance divides by n; the sample standard deviation by n - 1.
    r.stddev = std::sqrt(acc::variance(stats) * n / (n - 1));
    const double t =
        boost::math::quantile(boost::math::students_t_distribution<double>{n - 1}, 0.975);
    const double half = t * r.stddev / std::sqrt(n);
    r.ci_lower = r.ces - half;
    r.ci_upper = r.ces + half;
    return r;
}

inline std::vector<NpsResult> nps_by(std::span<const std::int64_t> group, std::size_t n_groups,
                                     std::span<const double> scores, std::string_view column) {
    detail::require(group.size() == scores.size(), "group",
                    "has " + std::to_string(group.size()) + " rows but " + std::string(column) +
                        " has " + std::to_string(scores.size()));
    std::vector<NpsResult> out(n_groups);
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (group[i] < 0 || static_cast<std::uint64_t>(group[i]) >= n_groups)
            throw InputError::at("group", i,
                                 "group code must be in [0, " + std::to_string(n_groups) +
                                     "), got " + std::to_string(group[i]));
        detail::count_nps(out[static_cast<std::size_t>(group[i])], scores[i], column, i);
    }
    for (auto& r : out) detail::finish_nps(r);
    return out;
}

inline Proportions churn_rate_interval(const MrrMovements& mv, ChurnKind kind, double confidence) {
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

inline std::vector<double> upsell_rate(const MrrMovements& mv) {
    std::vector<double> out(mv.size());
    for (std::size_t k = 0; k < mv.size(); ++k)
        out[k] = detail::ratio(static_cast<double>(mv.expansion_accounts[k]),
                               static_cast<double>(mv.starting_accounts[k]));
    return out;
}

inline PeriodSeries cross_sell_rate(std::span<const std::int64_t> account, std::size_t n_accounts,
                                    std::span<const std::int64_t> product, std::size_t n_products,
                                    std::span<const std::int64_t> month,
                                    std::span<const double> mrr, const MrrColumns& columns,
                                    std::string_view product_column) {
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

namespace detail {

inline void check_days(std::span<const std::int64_t> days, std::string_view column) {
    for (std::size_t i = 0; i < days.size(); ++i)
        if (days[i] < -max_abs_day || days[i] > max_abs_day)
            throw InputError::at(column, i,
                                 "day number " + std::to_string(days[i]) +
                                     " is out of range (|day| <= 10^8); is the date mis-encoded?");
}

inline void check_onboarding(std::span<const std::int64_t> signed_day,
                             std::span<const std::int64_t> reached_day, std::int64_t as_of,
                             const OnboardingColumns& columns) {
    check_days(signed_day, columns.signed_at);
    check_days(reached_day, columns.reached_at);
    require(as_of >= -max_abs_day && as_of <= max_abs_day, "as_of",
            "day number " + std::to_string(as_of) + " is out of range (|day| <= 10^8)");
}

inline void check_milestone_rows(std::size_t n_accounts, std::span<const std::int64_t> account,
                                 std::span<const std::int64_t> milestone,
                                 std::span<const std::int64_t> reached, std::size_t n_required,
                                 const OnboardingColumns& columns) {
    if (milestone.size() != account.size() || reached.size() != account.size())
        throw InputError("the milestones table's columns differ in length: '" + columns.account +
                         "' " + std::to_string(account.size()) + ", '" + columns.milestone + "' " +
                         std::to_string(milestone.size()) + ", '" + columns.reached_at + "' " +
                         std::to_string(reached.size()));
    for (std::size_t i = 0; i < account.size(); ++i) {
        if (account[i] < 0 || static_cast<std::uint64_t>(account[i]) >= n_accounts)
            throw InputError::at(columns.account, i, "account is not in the accounts table");
        if (milestone[i] < -1 || milestone[i] >= static_cast<std::int64_t>(n_required))
            throw InputError::at(columns.milestone, i, "milestone code out of range");
    }
}

inline void finish_row(OnboardingCompletion::Row& row) {
    row.rate = ratio(static_cast<double>(row.completed), static_cast<double>(row.eligible));
    const auto ci = wilson_interval(row.completed, row.eligible, 0.95);
    row.ci_lower = ci.lower;
    row.ci_upper = ci.upper;
}

}  // namespace detail

inline OnboardingCompletion onboarding_completion(std::span<const std::int64_t> signed_day,
                                                  std::span<const std::int64_t> milestone_account,
                                                  std::span<const std::int64_t> milestone,
                                                  std::span<const std::int64_t> reached_day,
                                                  std::size_t n_required, std::int64_t within_days,
                                                  std::int64_t as_of,
                                                  const OnboardingColumns& columns) {
    detail::require(n_required >= 1, "required", "give at least one required milestone");
    detail::require(
        within_days >= 0 && within_days <= max_abs_day, "within_days",
        "must be a whole number of days from 0 to 10^8, got " + std::to_string(within_days));
    const std::size_t n = signed_day.size();
    detail::check_milestone_rows(n, milestone_account, milestone, reached_day, n_required, columns);
    detail::check_onboarding(signed_day, reached_day, as_of, columns);
    // Each account's earliest day on each required milestone, as long as it counts (by as_of).
    constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
    std::vector<std::int64_t> first(n * n_required, never);
    for (std::size_t i = 0; i < milestone_account.size(); ++i) {
        if (milestone[i] < 0 || reached_day[i] > as_of) continue;
        auto& f = first[static_cast<std::size_t>(milestone_account[i]) * n_required +
                        static_cast<std::size_t>(milestone[i])];
        f = std::min(f, reached_day[i]);
    }
    std::vector<std::pair<Month, OnboardingCompletion::Row>> by_month;
    std::vector<std::size_t> order;
    order.reserve(n);
    for (std::size_t a = 0; a < n; ++a)
        if (signed_day[a] <= as_of) order.push_back(a);
    std::sort(order.begin(), order.end(),
              [&](std::size_t x, std::size_t y) { return signed_day[x] < signed_day[y]; });
    OnboardingCompletion out;
    for (const std::size_t a : order) {
        const Month cohort = month_of_day(signed_day[a]);
        if (out.cohorts.empty() || out.cohorts.back() != cohort) {
            out.cohorts.push_back(cohort);
            out.rows.emplace_back();
        }
        auto& row = out.rows.back();
        const std::int64_t deadline = signed_day[a] + within_days;
        if (deadline > as_of) {
            ++row.pending;
            ++out.overall.pending;
            continue;
        }
        ++row.eligible;
        ++out.overall.eligible;
        const auto* f = first.data() + a * n_required;
        if (std::all_of(f, f + n_required, [&](std::int64_t day) { return day <= deadline; })) {
            ++row.completed;
            ++out.overall.completed;
        }
    }
    for (auto& row : out.rows) detail::finish_row(row);
    detail::finish_row(out.overall);
    return out;
}

inline double survival_quantile(const survival::KaplanMeier& km, double q) {
    detail::require(q > 0 && q < 1, "q", "must be strictly between 0 and 1" + detail::got(q));
    if (km.size() == 0) return nan;
    for (std::size_t j = 0; j < km.size(); ++j)
        if (km.survival[j] <= 1.0 - q) return km.time[j];
    return std::numeric_limits<double>::infinity();
}

inline TimeToValue time_to_value(std::span<const std::int64_t> signed_day,
                                 std::span<const std::int64_t> milestone_account,
                                 std::span<const std::int64_t> milestone,
                                 std::span<const std::int64_t> reached_day, std::int64_t as_of,
                                 const OnboardingColumns& columns) {
    const std::size_t n = signed_day.size();
    detail::check_milestone_rows(n, milestone_account, milestone, reached_day, 1, columns);
    detail::check_onboarding(signed_day, reached_day, as_of, columns);
    constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();
    std::vector<std::int64_t> first(n, never);
    for (std::size_t i = 0; i < milestone_account.size(); ++i) {
        if (milestone[i] != 0 || reached_day[i] > as_of) continue;
        auto& f = first[static_cast<std::size_t>(milestone_account[i])];
        f = std::min(f, reached_day[i]);
    }
    TimeToValue out;
    for (std::size_t a = 0; a < n; ++a) {
        if (signed_day[a] > as_of) continue;
        const bool reached = first[a] != never;
        out.account.push_back(static_cast<std::int64_t>(a));
        out.reached.push_back(reached ? 1 : 0);
        out.days.push_back(
            reached ? static_cast<double>(std::max<std::int64_t>(0, first[a] - signed_day[a]))
                    : static_cast<double>(as_of - signed_day[a]));
    }
    std::vector<double> observed(out.reached.begin(), out.reached.end());
    const auto km = survival::kaplan_meier(out.days, observed, {}, 0.05, {"days", "reached"});
    out.median = survival_quantile(km, 0.5);
    out.p75 = survival_quantile(km, 0.75);
    out.p90 = survival_quantile(km, 0.9);
    return out;
}

}  // namespace retain::kpi
