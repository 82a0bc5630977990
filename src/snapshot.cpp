#include "retain/snapshot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "retain/detail/parallel.hpp"
#include "retain/error.hpp"

namespace retain {

const FeatureColumn& Snapshots::column(std::string_view name) const {
    for (const FeatureColumn& c : columns)
        if (c.name == name) return c;
    throw ColumnError::missing("snapshots", name);
}

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr std::int64_t seconds_per_day = 86'400;

FeatureColumn make_column(std::string name, FeatureColumn::Kind kind, std::size_t n) {
    FeatureColumn c;
    c.name = std::move(name);
    c.kind = kind;
    switch (kind) {
        case FeatureColumn::Kind::int64:
        case FeatureColumn::Kind::category:
            c.ints.assign(n, 0);
            break;
        case FeatureColumn::Kind::float64:
            c.floats.assign(n, 0.0);
            break;
        case FeatureColumn::Kind::boolean:
            c.flags.assign(n, 0);
            break;
    }
    return c;
}

}  // namespace

Snapshots snapshots(const Book& book, std::span<const std::int64_t> as_of,
                    const SnapshotOptions& options) {
    if (as_of.empty()) throw InputError::argument("as_of", "give at least one date");
    if (options.lead_days < 0 || options.lead_days > 36'500)
        throw InputError::argument("lead_days",
                                   "must be a whole number of days in [0, 36500], got " +
                                       std::to_string(options.lead_days));
    for (std::size_t k = 0; k < options.windows.size(); ++k) {
        const std::int64_t w = options.windows[k];
        if (w < 1 || w > 36'500)
            throw InputError::argument("windows",
                                       "a window must be a whole number of days in "
                                       "[1, 36500], got " +
                                           std::to_string(w));
        for (std::size_t j = 0; j < k; ++j)
            if (options.windows[j] == w)
                throw InputError::argument("windows",
                                           "window " + std::to_string(w) + " is given twice");
    }
    std::vector<std::int64_t> days(as_of.begin(), as_of.end());
    std::sort(days.begin(), days.end());
    for (std::size_t q = 0; q < days.size(); ++q) {
        // NaT first: std::abs of the smallest int64 overflows.
        if (days[q] == backtest::missing_day)
            throw InputError::argument("as_of", "missing date (NaT)");
        if (days[q] < -3'000'000 || days[q] > 3'000'000)
            throw InputError::argument("as_of", "date out of range");
        if (q > 0 && days[q] == days[q - 1])
            throw InputError::argument("as_of",
                                       "the date " + format_day(days[q]) + " is given twice");
    }
    const std::size_t n_q = days.size(), n_acc = book.n_accounts();
    std::vector<std::int64_t> cut(n_q);
    std::vector<Month> cut_month(n_q);
    for (std::size_t q = 0; q < n_q; ++q) {
        cut[q] = days[q] - options.lead_days;
        cut_month[q] = month_of_day(cut[q]);
    }
    const bool has_mrr = book.has("mrr");

    Snapshots out;
    // Warnings: a cutoff past the last data of a table that a feature reads as "nothing since".
    const std::int64_t last_cut = cut.back();
    if (has_mrr) {
        if (book.mrr().empty())
            out.warnings.push_back("the MRR table has no rows: every account reads MRR 0");
        else if (month_of_day(last_cut) > book.mrr().last_month())
            out.warnings.push_back(
                "the MRR table ends in " + format_month(book.mrr().last_month()) + "; the cutoff " +
                format_day(last_cut) + " reads past it (MRR 0, accounts inactive)");
    }
    if (book.has("events")) {
        if (book.events().empty())
            out.warnings.push_back("the events table has no events: usage reads 0");
        else if (last_cut > book.last_event_day())
            // Said in the reader's terms: the usual cause is an export cut a few days short.
            out.warnings.push_back(
                "the events table ends on " + format_day(book.last_event_day()) + ", " +
                std::to_string(last_cut - book.last_event_day()) +
                (last_cut - book.last_event_day() == 1 ? " day" : " days") + " before the cutoff " +
                format_day(last_cut) +
                ": no activity is counted after its last day (is the events export complete?)");
    }

    // The rows: accounts signed by each cutoff (and active, with active_only), date-major.
    std::vector<std::int64_t> row_q;
    std::vector<std::uint8_t> row_active;
    const auto signed_days = book.signed_days();
    for (std::size_t q = 0; q < n_q; ++q) {
        for (std::size_t a = 0; a < n_acc; ++a) {
            if (signed_days[a] > cut[q]) continue;
            const bool active = book.active_at(a, cut[q]);
            if (options.active_only && !active) continue;
            out.account.push_back(static_cast<std::int64_t>(a));
            out.as_of.push_back(days[q]);
            row_q.push_back(static_cast<std::int64_t>(q));
            row_active.push_back(active);
        }
    }
    const std::size_t n = out.n_rows();
    using Kind = FeatureColumn::Kind;
    auto& cols = out.columns;
    auto add = [&](std::string name, Kind kind) -> std::size_t {
        cols.push_back(make_column(std::move(name), kind, n));
        return cols.size() - 1;
    };
    const std::size_t c_tenure = add("tenure_days", Kind::int64);
    const std::size_t c_active = add("active", Kind::boolean);
    cols[c_active].flags = row_active;
    for (std::size_t r = 0; r < n; ++r)
        cols[c_tenure].ints[r] = cut[static_cast<std::size_t>(row_q[r])] -
                                 signed_days[static_cast<std::size_t>(out.account[r])];

    std::size_t c_mrr = 0, c_plan = 0;
    const bool has_plans = has_mrr && book.has_mrr_plans();
    if (has_mrr) c_mrr = add("mrr", Kind::float64);
    if (has_plans) {
        c_plan = add("plan", Kind::category);
        cols[c_plan].categories = book.plan_names();
    }
    // Usage: computed for every account at every cutoff, then picked for the rows kept.
    struct UsageColumn {
        std::size_t column;
        const std::vector<std::int64_t>* ints;
        const std::vector<double>* floats;
    };
    std::vector<UsageColumn> usage_columns;
    engagement::UsageFeatures usage;
    if (book.has("events")) {
        usage = engagement::usage_features(book.events(), cut, options.windows, options.n_threads);
        const bool features = book.events().has_features();
        for (std::size_t k = 0; k < options.windows.size(); ++k) {
            const std::string w = std::to_string(options.windows[k]) + "d";
            usage_columns.push_back({add("events_" + w, Kind::int64), &usage.events[k], nullptr});
            usage_columns.push_back(
                {add("active_users_" + w, Kind::int64), &usage.active_users[k], nullptr});
            usage_columns.push_back(
                {add("active_days_" + w, Kind::int64), &usage.active_days[k], nullptr});
            if (features)
                usage_columns.push_back({add("distinct_features_" + w, Kind::int64),
                                         &usage.distinct_features[k], nullptr});
            usage_columns.push_back({add("trend_" + w, Kind::float64), nullptr, &usage.trend[k]});
        }
        usage_columns.push_back(
            {add("days_since_last_event", Kind::float64), nullptr, &usage.days_since_last_event});
    }
    const bool has_surveys = book.has("surveys");
    std::size_t c_nps = 0;
    if (has_surveys) {
        c_nps = add("nps_score", Kind::float64);
        add("nps_age_days", Kind::float64);
        add("csat_score", Kind::float64);
        add("csat_age_days", Kind::float64);
    }
    const bool has_tickets = book.has("tickets");
    const std::size_t c_tickets = has_tickets ? add("open_tickets", Kind::int64) : 0;
    const bool has_milestones = book.has("milestones");
    const std::size_t n_m = book.milestone_names().size();
    std::size_t c_reached = 0;
    if (has_milestones) {
        c_reached = add("milestones_reached", Kind::int64);
        for (const std::string& name : book.milestone_names())
            add("reached_" + name, Kind::boolean);
    }
    const bool has_touches = book.has("activities");
    std::size_t c_touch = 0;
    if (has_touches) {
        c_touch = add("days_since_touch", Kind::float64);
        add("touches_30d", Kind::int64);
        add("touches_90d", Kind::int64);
    }

    // Per row, in fixed blocks: every read is a binary search in the account's sorted rows, so
    // nothing dated after the cutoff is ever read.
    detail::for_each_block(
        n, std::size_t{1} << 14, options.n_threads,
        [&](std::size_t, std::size_t begin, std::size_t end) {
            for (std::size_t r = begin; r < end; ++r) {
                const auto a = static_cast<std::size_t>(out.account[r]);
                const auto q = static_cast<std::size_t>(row_q[r]);
                const std::int64_t t = cut[q];
                if (has_mrr) {
                    const auto [amount, plan] = book.mrr_in(a, cut_month[q]);
                    cols[c_mrr].floats[r] = amount;
                    if (has_plans) cols[c_plan].ints[r] = plan;
                }
                const std::size_t u = a * n_q + q;  // usage_features' row
                for (const UsageColumn& uc : usage_columns) {
                    if (uc.ints)
                        cols[uc.column].ints[r] = (*uc.ints)[u];
                    else
                        cols[uc.column].floats[r] = (*uc.floats)[u];
                }
                if (has_surveys) {
                    const Time end_of_day = (t + 1) * seconds_per_day;
                    for (int kind = 0; kind < 2; ++kind) {
                        const auto answers = book.answers(a, static_cast<SurveyKind>(kind));
                        const auto it = std::lower_bound(
                            answers.begin(), answers.end(), end_of_day,
                            [](const Book::Answer& x, Time v) { return x.at < v; });
                        double score = nan, age = nan;
                        if (it != answers.begin()) {
                            const Book::Answer& last = *(it - 1);
                            score = last.score;
                            age = static_cast<double>(t - day_of_time(last.at));
                        }
                        cols[c_nps + 2 * static_cast<std::size_t>(kind)].floats[r] = score;
                        cols[c_nps + 2 * static_cast<std::size_t>(kind) + 1].floats[r] = age;
                    }
                }
                auto count_through = [t](std::span<const Day> sorted) {
                    return static_cast<std::int64_t>(
                        std::upper_bound(sorted.begin(), sorted.end(), t) - sorted.begin());
                };
                if (has_tickets)
                    cols[c_tickets].ints[r] =
                        count_through(book.ticket_opens(a)) - count_through(book.ticket_closes(a));
                if (has_milestones) {
                    std::int64_t reached = 0;
                    for (const auto& [m, day] : book.milestones(a)) {
                        auto& flag = cols[c_reached + 1 + static_cast<std::size_t>(m)].flags[r];
                        if (day <= t && !flag) {
                            flag = 1;
                            ++reached;
                        }
                    }
                    cols[c_reached].ints[r] = reached;
                }
                if (has_touches) {
                    const auto days_touched = book.touches(a);
                    const std::int64_t through = count_through(days_touched);
                    cols[c_touch].floats[r] =
                        through == 0 ? nan
                                     : static_cast<double>(
                                           t - days_touched[static_cast<std::size_t>(through - 1)]);
                    for (int k = 0; k < 2; ++k) {
                        const std::int64_t w = k == 0 ? 30 : 90;
                        const auto from =
                            std::upper_bound(days_touched.begin(), days_touched.end(), t - w);
                        cols[c_touch + 1 + static_cast<std::size_t>(k)].ints[r] =
                            through - static_cast<std::int64_t>(from - days_touched.begin());
                    }
                }
            }
        });
    (void)n_m;
    return out;
}

backtest::LabelResult label_churn(const Book& book, std::span<const std::int64_t> account,
                                  std::span<const std::int64_t> as_of, std::int64_t horizon_days,
                                  std::int64_t observed_until, Threads n_threads) {
    const auto& churns = book.churns();
    std::vector<std::int64_t> code(churns.size()), day(churns.size()), returned(churns.size());
    for (std::size_t j = 0; j < churns.size(); ++j) {
        code[j] = churns[j].account;
        day[j] = churns[j].day;
        returned[j] = churns[j].returned;
    }
    return backtest::label_churn(account, as_of, code, day, returned, book.n_accounts(),
                                 horizon_days, observed_until,
                                 {"account_id", "as_of", "churned_at", "returned_at"}, n_threads);
}

}  // namespace retain
