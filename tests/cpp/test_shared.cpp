// One const Book and one const HealthModel used by many threads at once, as a service holds them.
// Each thread must get what a lone thread gets, bit for bit; under ThreadSanitizer (the build
// ./dev test makes with RETAIN_SANITIZE_THREAD) any unsynchronised write is also a failure.

#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <retain/book.hpp>
#include <retain/book_backtest.hpp>
#include <retain/health.hpp>
#include <retain/kpi.hpp>
#include <retain/snapshot.hpp>
#include <string>
#include <thread>
#include <vector>

#include "random.hpp"

using namespace retain;

namespace {

constexpr Time day_seconds = 86'400;

// prefix followed by n. (Appended: GCC 12 warns falsely, -Wrestrict, on "f" + std::to_string(n).)
std::string join(std::string prefix, std::uint64_t n) {
    return prefix.append(std::to_string(n));
}

// 600 accounts over 2023: MRR with plans and credit notes, events, NPS answers, tickets and
// churns, every table in no particular order. Held by value so the spans stay valid.
struct Business {
    std::vector<std::string> ids;
    std::vector<Time> signed_at;
    std::vector<std::string> mrr_acc, ev_acc, ev_user, ev_feature, sv_acc, tk_acc, ch_acc;
    std::vector<std::int64_t> month, plan;
    std::vector<double> mrr, score;
    std::vector<Time> ev_time, sv_time, tk_open, tk_close, ch_time;

    Business() {
        test::Lcg rng{42};
        const Day start = day_of(2023, 1, 1);
        for (int a = 0; a < 600; ++a) {
            const std::string id = join("acct-", (a * 7919) % 600);
            ids.push_back(id);
            const Day signed_day = start + static_cast<Day>(rng.next() % 200);
            signed_at.push_back(signed_day * day_seconds);
            const Month first = month_of_day(signed_day);
            const Month last = first + static_cast<Month>(rng.next() % 14);
            for (Month m = first; m <= last && m <= month_of(2024, 1); ++m) {
                mrr_acc.push_back(id);
                month.push_back(m);
                mrr.push_back(static_cast<double>(50 + rng.next() % 400));
                plan.push_back(static_cast<std::int64_t>(rng.next() % 3) - 1);
                if (rng.next() % 10 == 0) {  // a credit note
                    mrr_acc.push_back(id);
                    month.push_back(m);
                    mrr.push_back(-10);
                    plan.push_back(plan.back());
                }
            }
            if (last < month_of(2024, 1)) {
                ch_acc.push_back(id);
                ch_time.push_back((first_day_of(last + 1) + 3) * day_seconds);
            }
            for (std::uint64_t e = rng.next() % 40; e > 0; --e) {
                ev_acc.push_back(id);
                ev_user.push_back(join(id + "/u", rng.next() % 5));
                ev_feature.push_back(join("f", rng.next() % 7));
                ev_time.push_back((signed_day + static_cast<Day>(rng.next() % 330)) * day_seconds +
                                  static_cast<Time>(rng.next() % day_seconds));
            }
            if (rng.next() % 2 == 0) {
                sv_acc.push_back(id);
                sv_time.push_back((signed_day + static_cast<Day>(rng.next() % 300)) * day_seconds);
                score.push_back(static_cast<double>(rng.next() % 11));
            }
            if (rng.next() % 3 == 0) {
                tk_acc.push_back(id);
                const Day opened = signed_day + static_cast<Day>(rng.next() % 300);
                tk_open.push_back(opened * day_seconds);
                tk_close.push_back(rng.next() % 2 ? no_time : (opened + 5) * day_seconds);
            }
        }
    }

    Book book() const {
        Book b(AccountsInput{IdColumn(ids), signed_at});
        MrrInput in;
        in.account = IdColumn(mrr_acc);
        in.month = month;
        in.mrr = mrr;
        in.plan = plan;
        in.plan_names = {"basic", "pro"};
        b.set_mrr(in);
        EventsInput ev;
        ev.account = IdColumn(ev_acc);
        ev.user = IdColumn(ev_user);
        ev.feature = IdColumn(ev_feature);
        ev.timestamp = ev_time;
        b.set_events(ev);
        b.set_surveys({IdColumn(sv_acc), sv_time, score});
        b.set_tickets({IdColumn(tk_acc), tk_open, tk_close});
        ChurnsInput ch;
        ch.account = IdColumn(ch_acc);
        ch.churned_at = ch_time;
        b.set_churns(ch);
        return b;
    }
};

// Linear, bands and an uncalibrated percentile measure (which sorts its column per call), with
// missing NPS reweighted away.
const char* const model_document = R"({"version": 1,
  "groups": [{"name": "usage", "weight": 2}, {"name": "voice"}, {"name": "revenue"}],
  "measures": [
    {"name": "active_users_30d", "group": "usage",
     "transform": {"kind": "linear", "lo": 0, "hi": 5}},
    {"name": "events_90d", "group": "usage", "transform": {"kind": "percentile"}},
    {"name": "nps_score", "group": "voice",
     "transform": {"kind": "bands", "edges": [7, 9], "scores": [0, 50, 100]}},
    {"name": "open_tickets", "group": "voice",
     "transform": {"kind": "linear", "lo": 2, "hi": 0}},
    {"name": "mrr", "group": "revenue", "transform": {"kind": "linear", "lo": 0, "hi": 500}}]})";

// Equal bit for bit, NaN included (== would call two NaNs different).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// Everything one caller derives from the shared pair.
struct Results {
    std::vector<double> risk, score, first_contribution, expansion;
    std::vector<std::int8_t> label;
    std::vector<double> auc;
};

Results work(const Book& book, const HealthModel& model, Threads threads) {
    const std::vector<std::int64_t> as_of{day_of(2023, 6, 30), day_of(2023, 9, 30),
                                          day_of(2023, 12, 31)};
    SnapshotOptions options;
    options.n_threads = threads;
    const HealthBacktest bt =
        backtest_health(book, model, as_of, 90, day_of(2024, 1, 31), options);
    Results r;
    r.risk = bt.risk;
    r.label = bt.label;
    for (const auto& e : bt.per_date) r.auc.push_back(e.roc_auc);
    const NumericColumns cols = numeric_columns(bt.snapshots, 0, bt.snapshots.n_rows());
    std::vector<std::span<const double>> spans(cols.values.begin(), cols.values.end());
    r.score = model.score(cols.names, spans, threads).score;
    r.first_contribution = model.explain(cols.names, spans, threads).contribution.front();
    r.expansion = kpi::mrr_movements(book.mrr(), threads).expansion;
    return r;
}

}  // namespace

TEST_CASE("a const Book and HealthModel shared by eight threads give what one thread gives") {
    const Business data;
    const Book book = data.book();
    const HealthModel model = HealthModel::from_json(model_document);
    const Results alone = work(book, model, 1);
    REQUIRE(alone.risk.size() > 600);
    REQUIRE(alone.auc.size() == 3);

    constexpr int n_callers = 8;
    std::vector<Results> got(n_callers);
    std::vector<std::thread> callers;
    for (int t = 0; t < n_callers; ++t)
        // Half the callers also fan out inside retain, so nested parallel calls overlap too.
        callers.emplace_back([&, t] { got[t] = work(book, model, t % 2 ? 2 : 1); });
    for (auto& c : callers) c.join();

    for (int t = 0; t < n_callers; ++t) {
        CAPTURE(t);
        CHECK(same_bits(got[t].risk, alone.risk));
        CHECK(same_bits(got[t].score, alone.score));
        CHECK(same_bits(got[t].first_contribution, alone.first_contribution));
        CHECK(same_bits(got[t].expansion, alone.expansion));
        CHECK(same_bits(got[t].auc, alone.auc));
        CHECK(got[t].label == alone.label);
    }
}
