// The Book and its snapshots, worked by hand from the definitions in book.hpp and snapshot.hpp.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>
#include <vector>

#include "retain/book.hpp"
#include "retain/book_backtest.hpp"
#include "retain/snapshot.hpp"

using namespace retain;

namespace {

Time at(int y, int m, int d, int hour = 0, int minute = 0) {
    return Time{day_of(y, m, d)} * 86'400 + hour * 3600 + minute * 60;
}

std::vector<std::string_view> ids(std::initializer_list<std::string_view> list) {
    return list;
}

// An MRR table without plans.
MrrInput revenue(const std::vector<std::string_view>& account,
                 const std::vector<std::int64_t>& month, const std::vector<double>& mrr) {
    MrrInput in;
    in.account = account;
    in.month = month;
    in.mrr = mrr;
    return in;
}

// Three accounts: a (signed 2024-01-10), b (2024-02-01, churns 2024-03-01), c (2024-03-05).
struct Example {
    std::vector<std::string_view> account_ids = ids({"a", "b", "c"});
    std::vector<Time> signed_at{at(2024, 1, 10), at(2024, 2, 1), at(2024, 3, 5)};

    // a: Jan 100, Feb 100 - 20 (a credit note) on plan pro, Mar 150 pro; b: Feb 50 basic;
    // c: Mar 80 without a plan.
    std::vector<std::string_view> mrr_acc = ids({"a", "a", "a", "a", "b", "c"});
    std::vector<std::int64_t> mrr_month{month_of(2024, 1), month_of(2024, 2), month_of(2024, 2),
                                        month_of(2024, 3), month_of(2024, 2), month_of(2024, 3)};
    std::vector<double> mrr_amount{100, 100, -20, 150, 50, 80};
    std::vector<std::int64_t> mrr_plan{-1, 0, 0, 0, 1, -1};

    std::vector<std::string_view> ev_acc = ids({"a", "a", "a"});
    std::vector<std::string_view> ev_user = ids({"u1", "u2", "u1"});
    std::vector<std::string_view> ev_feature = ids({"x", "y", "x"});
    std::vector<Time> ev_time{at(2024, 2, 25, 10), at(2024, 2, 28, 23, 30), at(2024, 3, 1, 0, 10)};

    // Two NPS answers at the same instant (the higher wins), one CSAT.
    std::vector<std::string_view> sv_acc = ids({"a", "a", "a"});
    std::vector<Time> sv_time{at(2024, 2, 20, 12), at(2024, 2, 20, 12), at(2024, 2, 26)};
    std::vector<double> sv_score{6, 9, 4};
    std::vector<std::int8_t> sv_kind{0, 0, 1};

    std::vector<std::string_view> tk_acc = ids({"a", "a"});
    std::vector<Time> tk_open{at(2024, 2, 10), at(2024, 2, 28)};
    std::vector<Time> tk_close{at(2024, 2, 27), no_time};

    std::vector<std::string_view> ms_acc = ids({"a", "a"});
    std::vector<std::string_view> ms_name = ids({"live", "kickoff"});
    std::vector<Time> ms_time{at(2024, 3, 2), at(2024, 1, 15)};

    std::vector<std::string_view> ch_acc = ids({"b"});
    std::vector<Time> ch_time{at(2024, 3, 1)};

    std::vector<std::string_view> ac_acc = ids({"a", "a"});
    std::vector<Time> ac_time{at(2024, 2, 15), at(2024, 1, 20)};

    Book book() const {
        Book b({account_ids, signed_at});
        MrrInput mrr{mrr_acc, mrr_month, mrr_amount, mrr_plan, {"pro", "basic"}};
        b.set_mrr(mrr);
        EventsInput ev;
        ev.account = ev_acc;
        ev.user = ev_user;
        ev.feature = ev_feature;
        ev.timestamp = ev_time;
        b.set_events(ev);
        b.set_surveys({sv_acc, sv_time, sv_score, sv_kind});
        b.set_tickets({tk_acc, tk_open, tk_close});
        b.set_milestones({ms_acc, ms_name, ms_time});
        ChurnsInput ch;
        ch.account = ch_acc;
        ch.churned_at = ch_time;
        b.set_churns(ch);
        ActivitiesInput ac;
        ac.account = ac_acc;
        ac.at = ac_time;
        b.set_activities(ac);
        return b;
    }
};

}  // namespace

TEST_CASE("Book: MRR line items and credit notes summed per account-month") {
    const Book b = Example{}.book();
    CHECK(b.n_accounts() == 3);
    const auto months = b.mrr().months(0);
    REQUIRE(months.size() == 3);
    CHECK(b.mrr().amounts(0)[1] == 80.0);  // 100 - 20
    CHECK(b.mrr_plans(0)[1] == 0);         // pro
    CHECK(b.mrr().months(1).size() == 1);
    CHECK(b.code_of(std::string_view("c")) == 2);
    CHECK(b.code_of(std::string_view("z")) == -1);
}

TEST_CASE("snapshots: every feature at 2024-02-29, by hand") {
    const Book b = Example{}.book();
    const std::vector<std::int64_t> as_of{day_of(2024, 2, 29)};
    SnapshotOptions opt;
    opt.windows = {7};
    opt.active_only = false;
    const Snapshots s = snapshots(b, as_of, opt);
    REQUIRE(s.n_rows() == 2);  // c signs on 2024-03-05
    CHECK(s.account == std::vector<std::int64_t>{0, 1});
    CHECK(s.column("tenure_days").ints == std::vector<std::int64_t>{50, 28});
    CHECK(s.column("active").flags == std::vector<std::uint8_t>{1, 1});
    CHECK(s.column("mrr").floats == std::vector<double>{80, 50});
    CHECK(s.column("plan").ints == std::vector<std::int64_t>{0, 1});
    CHECK(s.column("events_7d").ints == std::vector<std::int64_t>{2, 0});  // Feb 25, Feb 28
    CHECK(s.column("active_users_7d").ints == std::vector<std::int64_t>{2, 0});
    CHECK(s.column("active_days_7d").ints == std::vector<std::int64_t>{2, 0});
    CHECK(s.column("distinct_features_7d").ints == std::vector<std::int64_t>{2, 0});
    CHECK(std::isnan(s.column("trend_7d").floats[0]));  // nothing in Feb 16-22
    CHECK(s.column("days_since_last_event").floats[0] == 1.0);
    CHECK(std::isnan(s.column("days_since_last_event").floats[1]));
    CHECK(s.column("nps_score").floats[0] == 9.0);  // 6 and 9 at one instant: the higher
    CHECK(s.column("nps_age_days").floats[0] == 9.0);
    CHECK(s.column("csat_score").floats[0] == 4.0);
    CHECK(s.column("csat_age_days").floats[0] == 3.0);
    CHECK(std::isnan(s.column("nps_score").floats[1]));
    CHECK(s.column("open_tickets").ints == std::vector<std::int64_t>{1, 0});
    CHECK(s.column("milestones_reached").ints == std::vector<std::int64_t>{1, 0});
    CHECK(s.column("reached_kickoff").flags == std::vector<std::uint8_t>{1, 0});
    CHECK(s.column("reached_live").flags == std::vector<std::uint8_t>{0, 0});
    CHECK(s.column("days_since_touch").floats[0] == 14.0);
    CHECK(s.column("touches_30d").ints == std::vector<std::int64_t>{1, 0});
    CHECK(s.column("touches_90d").ints == std::vector<std::int64_t>{2, 0});
    CHECK(s.warnings.empty());
}

TEST_CASE(
    "snapshots: active_only keeps paying, unchurned accounts, and lead_days moves the cutoff") {
    const Book b = Example{}.book();
    const std::vector<std::int64_t> as_of{day_of(2024, 3, 15), day_of(2024, 2, 29)};
    SnapshotOptions opt;
    opt.windows = {7};
    const Snapshots s = snapshots(b, as_of, opt);
    // 2024-02-29: a, b; 2024-03-15: a, c (b churned on 2024-03-01 and pays nothing in March).
    CHECK(s.account == std::vector<std::int64_t>{0, 1, 0, 2});
    CHECK(s.as_of == std::vector<std::int64_t>{day_of(2024, 2, 29), day_of(2024, 2, 29),
                                               day_of(2024, 3, 15), day_of(2024, 3, 15)});
    CHECK(s.column("plan").ints[3] == -1);  // c has no plan
    CHECK(s.column("days_since_last_event").floats[2] == 14.0);

    opt.lead_days = 15;  // cutoff 2024-02-29 for the as-of date 2024-03-15
    const std::vector<std::int64_t> one{day_of(2024, 3, 15)};
    const Snapshots lead = snapshots(b, one, opt);
    CHECK(lead.account == std::vector<std::int64_t>{0, 1});
    CHECK(lead.column("tenure_days").ints == std::vector<std::int64_t>{50, 28});
}

TEST_CASE("snapshots: an events table with a feature column but no rows still has its columns") {
    // The columns a Book's snapshots have depend on its tables and their columns, never on how
    // many rows they hold (a split of the accounts may leave a part without events).
    const std::vector<std::string_view> account_ids = ids({"a"});
    const std::vector<Time> signed_at{at(2024, 1, 1)};
    const auto names_of = [&](bool feature_column) {
        Book b({account_ids, signed_at});
        EventsInput ev;
        ev.has_feature_column = feature_column;
        b.set_events(ev);
        const std::vector<std::int64_t> as_of{day_of(2024, 2, 1)};
        const Snapshots s = snapshots(b, as_of, {});
        std::vector<std::string> names;
        for (const auto& c : s.columns) names.push_back(c.name);
        return names;
    };
    const auto with = names_of(true), without = names_of(false);
    CHECK(std::count(with.begin(), with.end(), "distinct_features_30d") == 1);
    CHECK(std::count(without.begin(), without.end(), "distinct_features_30d") == 0);
    CHECK(with.size() == without.size() + 3);  // one per window: 7, 30, 90
}

TEST_CASE("snapshots: a cutoff past the MRR table and the event log warns") {
    const Book b = Example{}.book();
    const std::vector<std::int64_t> as_of{day_of(2024, 6, 1)};
    SnapshotOptions opt;
    opt.active_only = false;
    const Snapshots s = snapshots(b, as_of, opt);
    REQUIRE(s.warnings.size() == 2);
    CHECK(s.warnings[0] ==
          "the MRR table ends in 2024-03; the cutoff 2024-06-01 reads past it (MRR 0, accounts "
          "inactive)");
    CHECK(s.warnings[1] ==
          "the events table ends on 2024-03-01, 92 days before the cutoff 2024-06-01: no "
          "activity is counted after its last day (is the events export complete?)");
}

TEST_CASE(
    "Book labels: a churn within the horizon is 1, an account already gone is coded inactive") {
    const Book b = Example{}.book();
    const std::vector<std::int64_t> acc{0, 1, 1};
    const std::vector<std::int64_t> day{day_of(2024, 2, 29), day_of(2024, 2, 29),
                                        day_of(2024, 3, 15)};
    const auto r = label_churn(b, acc, day, 30, day_of(2024, 4, 30));
    CHECK(r.label == std::vector<std::int8_t>{0, 1, backtest::label_inactive});
}

TEST_CASE("Book errors name the table, column, row and id") {
    const Example ex;
    Book b({ex.account_ids, ex.signed_at});
    const auto bad = ids({"a", "zz"});
    const std::vector<Time> t{at(2024, 1, 1), at(2024, 1, 2)};
    ActivitiesInput ac;
    ac.account = bad;
    ac.at = t;
    CHECK_THROWS_WITH_AS(b.set_activities(ac),
                         "table 'activities', column 'account_id', row 1: account 'zz' is not in "
                         "the accounts table (to drop such rows: unknown_accounts='drop', in C++ "
                         "UnknownAccounts::drop)",
                         InputError);

    Book dropping({ex.account_ids, ex.signed_at}, UnknownAccounts::drop);
    dropping.set_activities(ac);
    CHECK(dropping.dropped().at("activities") == 1);
    CHECK(dropping.touches(0).size() == 1);

    const auto twice = ids({"a", "a"});
    const std::vector<Time> s2{at(2024, 1, 1), at(2024, 1, 2)};
    CHECK_THROWS_WITH_AS(Book({twice, s2}),
                         "table 'accounts', column 'account_id', row 1: account 'a' appears "
                         "twice (first in row 0)",
                         InputError);

    // A credit note larger than the month's charges.
    const auto acc = ids({"a", "a"});
    const std::vector<std::int64_t> m{month_of(2024, 1), month_of(2024, 1)};
    const std::vector<double> v{10, -30};
    Book c({ex.account_ids, ex.signed_at});
    CHECK_THROWS_WITH_AS(c.set_mrr(revenue(acc, m, v)),
                         "table 'mrr', column 'mrr', row 1: account 'a' sums to -20.000000 in "
                         "month 2024-01 (a credit note may reduce a month's MRR, not below 0)",
                         InputError);

    // Text ids against integer accounts.
    const std::vector<std::int64_t> int_ids{1, 2};
    Book ints({int_ids, s2});
    ac.account = acc;
    CHECK_THROWS_AS(ints.set_activities(ac), InputError);

    CHECK_THROWS_WITH_AS(snapshots(b, std::vector<std::int64_t>{}), "as_of: give at least one date",
                         InputError);
}

TEST_CASE("parse_datetime: ISO 8601 with and without offsets") {
    ParsedTime p;
    REQUIRE(parse_datetime("2024-03-01T08:00+09:00", p));
    CHECK(p.has_offset);
    CHECK(p.offset == 9 * 3600);
    CHECK(p.local == at(2024, 3, 1, 8));
    CHECK(day_of_time(p.local - p.offset) == day_of(2024, 2, 29));  // 23:00 UTC the day before
    REQUIRE(parse_datetime("2024-03-01 08:00:30.123Z", p));
    CHECK(p.has_offset);
    CHECK(p.local == at(2024, 3, 1, 8) + 30);
    REQUIRE(parse_datetime("2024-03", p));
    CHECK(p.local == at(2024, 3, 1));
    CHECK_FALSE(p.has_offset);
    REQUIRE(parse_datetime("2024-03-01T08:00:00-0530", p));
    CHECK(p.offset == -(5 * 3600 + 30 * 60));
    CHECK_FALSE(parse_datetime("2024-02-30", p));
    CHECK_FALSE(parse_datetime("01/03/2024", p));
    CHECK_FALSE(parse_datetime("", p));
    CHECK_FALSE(parse_datetime("2024-03-01T25:00", p));
}

TEST_CASE("backtest_health: a Book end to end (snapshots, labels, scores, per-date metrics)") {
    const Book b = Example{}.book();
    // Score = MRR / 200 x 100, so risk = 100 - MRR / 2.
    const auto model = HealthModel::from_json(R"({"version": 1,
      "groups": [{"name": "revenue"}],
      "measures": [{"name": "mrr", "group": "revenue",
                    "transform": {"kind": "linear", "lo": 0, "hi": 200}}]})");
    const std::vector<std::int64_t> as_of{day_of(2024, 2, 29)};
    SnapshotOptions opt;
    opt.windows = {7};
    const HealthBacktest bt = backtest_health(b, model, as_of, 30, day_of(2024, 4, 30), opt);
    // Rows a (MRR 80: risk 60, stays) and b (MRR 50: risk 75, churns on 2024-03-01).
    CHECK(bt.snapshots.account == std::vector<std::int64_t>{0, 1});
    CHECK(bt.risk == std::vector<double>{60, 75});
    CHECK(bt.label == std::vector<std::int8_t>{0, 1});
    REQUIRE(bt.per_date.size() == 1);
    CHECK(bt.per_date[0].n == 2);
    CHECK(bt.per_date[0].churners == 1);
    CHECK(bt.per_date[0].roc_auc == 1.0);
}

TEST_CASE("backtest_health: a percentile measure ranks within its own date") {
    const Book b = Example{}.book();
    const auto model = HealthModel::from_json(R"({"version": 1,
      "groups": [{"name": "revenue"}],
      "measures": [{"name": "mrr", "group": "revenue", "transform": {"kind": "percentile"}}]})");
    SnapshotOptions opt;
    opt.windows = {7};
    const std::vector<std::int64_t> alone{day_of(2024, 2, 29)};
    const std::vector<std::int64_t> both{day_of(2024, 2, 29), day_of(2024, 3, 15)};
    const auto one = backtest_health(b, model, alone, 30, day_of(2024, 6, 30), opt);
    const auto two = backtest_health(b, model, both, 30, day_of(2024, 6, 30), opt);
    // On 2024-02-29: a (80) above b (50): percentile ranks 75 and 25, risks 25 and 75. Pooled
    // with 2024-03-15 (a 150, c 80), a's 80 would rank (1/4 + 3/4) / 2 = 50 and b's 12.5.
    CHECK(one.risk == std::vector<double>{25, 75});
    REQUIRE(two.risk.size() == 4);
    CHECK(two.risk[0] == 25);
    CHECK(two.risk[1] == 75);
    CHECK(two.risk[2] == 25);  // 2024-03-15: a (150) above c (80)
    CHECK(two.risk[3] == 75);
}

TEST_CASE("Book: returns inferred from MRR, and reconcile() lists the disagreements") {
    // a pays Jan-Feb, churns 2024-02-20, pays again Apr-May, stops in June without a record;
    // b pays Jan-Jul but has a churn record dated 2024-05-10.
    const auto account_ids = ids({"a", "b"});
    const std::vector<Time> signed_at{at(2024, 1, 1), at(2024, 1, 1)};
    Book book({account_ids, signed_at});
    std::vector<std::string_view> acc;
    std::vector<std::int64_t> month;
    for (int m : {1, 2, 4, 5}) acc.push_back("a"), month.push_back(month_of(2024, m));
    for (int m = 1; m <= 7; ++m) acc.push_back("b"), month.push_back(month_of(2024, m));
    const std::vector<double> amount(acc.size(), 10.0);
    book.set_mrr(revenue(acc, month, amount));
    const auto churned = ids({"a", "b"});
    const std::vector<Time> when{at(2024, 2, 20), at(2024, 5, 10)};
    ChurnsInput ch;
    ch.account = churned;
    ch.churned_at = when;
    book.set_churns(ch);
    CHECK(book.returns_inferred());
    // a's churned month in the bridge is March; it pays again from April: back on 2024-04-01.
    CHECK(book.churns()[0].returned == day_of(2024, 4, 1));
    // b never stopped paying: the bill wins over its record, back on the first day of June.
    CHECK(book.churns()[1].returned == day_of(2024, 6, 1));

    const auto d = book.reconcile();
    REQUIRE(d.size() == 2);
    CHECK(d[0].account == 0);
    CHECK(d[0].kind == Book::Disagreement::Kind::bridge_churn_without_record);
    CHECK(d[0].month == month_of(2024, 6));
    CHECK(d[1].account == 1);
    CHECK(d[1].kind == Book::Disagreement::Kind::record_without_bridge_churn);
    CHECK(d[1].month == month_of(2024, 5));
    CHECK(d[1].churned == day_of(2024, 5, 10));

    // The inferred return makes a active again in April.
    SnapshotOptions opt;
    opt.active_only = false;
    const std::vector<std::int64_t> as_of{day_of(2024, 3, 15), day_of(2024, 4, 15)};
    const Snapshots s = snapshots(book, as_of, opt);
    CHECK(s.column("active").flags == std::vector<std::uint8_t>{0, 1, 1, 1});
    // b is gone from its record (May 10) to the end of May, and a customer again in June.
    CHECK_FALSE(book.active_at(1, day_of(2024, 5, 15)));
    CHECK(book.active_at(1, day_of(2024, 6, 1)));
}

TEST_CASE("set_default_threads: n_threads = 0 follows the process-wide default, results do not") {
    const Book b = Example{}.book();
    const std::vector<std::int64_t> as_of{day_of(2024, 2, 29), day_of(2024, 3, 15)};
    SnapshotOptions opt;
    opt.active_only = false;
    const Snapshots every = snapshots(b, as_of, opt);
    set_default_threads(1);
    CHECK(default_threads() == 1);
    const Snapshots one = snapshots(b, as_of, opt);
    set_default_threads(0);
    CHECK(default_threads() >= 1);
    CHECK(one.account == every.account);
    CHECK(one.column("events_30d").ints == every.column("events_30d").ints);
    CHECK(one.column("tenure_days").ints == every.column("tenure_days").ints);
}

TEST_CASE("Book: ids held as std::string build the same Book, accessors are checked") {
    const Example e;
    const Book views = e.book();
    const std::vector<std::string> names = {"a", "b", "c"};
    const std::vector<std::string> mrr_names = {"a", "a", "a", "a", "b", "c"};
    Book strings({names, e.signed_at}, UnknownAccounts::error, 2);
    strings.set_mrr(MrrInput{mrr_names, e.mrr_month, e.mrr_amount, e.mrr_plan, {"pro", "basic"}});
    REQUIRE(strings.n_accounts() == 3);
    CHECK(strings.code_of(std::string_view("c")) == 2);
    for (std::size_t a = 0; a < 3; ++a) {
        const auto m1 = views.mrr_amounts(a), m2 = strings.mrr_amounts(a);
        CHECK(std::vector<double>(m1.begin(), m1.end()) ==
              std::vector<double>(m2.begin(), m2.end()));
    }
    // a: Jan 100, Feb 100 - 20 = 80, Mar 150.
    CHECK(std::vector<double>(strings.mrr_amounts(0).begin(), strings.mrr_amounts(0).end()) ==
          std::vector<double>{100, 80, 150});
    // One past the last account used to read past the offsets; a table never added is empty.
    CHECK_THROWS_WITH_AS(strings.mrr_months(3), "account 3 out of range: there are 3 accounts",
                         InputError);
    CHECK_THROWS_AS(views.answers(7, SurveyKind::nps), InputError);
    CHECK_THROWS_AS(views.touches(3), InputError);
    CHECK(strings.ticket_opens(0).empty());
    try {
        (void)strings.milestones(99);
        FAIL("no error");
    } catch (const InputError& err) {
        CHECK(err.row() == std::optional<std::size_t>(99));
    }
}

TEST_CASE("Book: a blank text id is a missing id, and a table given twice names the table") {
    const Example e;
    const std::vector<std::string_view> blank_account = ids({"a", ""});
    const std::vector<Time> two{at(2024, 1, 1), at(2024, 1, 2)};
    CHECK_THROWS_WITH_AS(Book({blank_account, two}),
                         "table 'accounts', column 'account_id', row 1: missing account id",
                         InputError);
    Book b({e.account_ids, e.signed_at});
    EventsInput ev;
    ev.account = e.ev_acc;
    const std::vector<std::string_view> users = ids({"u1", "", "u1"});
    ev.user = users;
    ev.timestamp = e.ev_time;
    try {
        b.set_events(ev);
        FAIL("no error");
    } catch (const InputError& err) {
        CHECK(std::string(err.what()) ==
              "table 'events', column 'user_id', row 1: missing user id");
        CHECK(err.table() == "events");
        CHECK(err.row() == std::optional<std::size_t>(1));
    }
    const std::vector<std::string_view> blank_event_account = ids({"a", "", "a"});
    ev.account = blank_event_account;
    ev.user = e.ev_user;
    CHECK_THROWS_WITH_AS(b.set_events(ev),
                         "table 'events', column 'account_id', row 1: missing account id",
                         InputError);
    // Rejected tables were not added: fixed, the events table goes in.
    CHECK_FALSE(b.has("events"));
    ev.account = e.ev_acc;
    b.set_events(ev);
    CHECK(b.has("events"));
    CHECK(b.events().n_events() == 3);
    Book twice({e.account_ids, e.signed_at});
    twice.set_churns(ChurnsInput{.account = e.ch_acc, .churned_at = e.ch_time});
    try {
        twice.set_churns(ChurnsInput{.account = e.ch_acc, .churned_at = e.ch_time});
        FAIL("no error");
    } catch (const InputError& err) {
        CHECK(err.table() == "churns");
        CHECK(err.column().empty());
    }
}

TEST_CASE("Book: MRR rows in any order, sorted ones read in place, give the same table") {
    // Accounts 10 and 20. Rows by hand: 10 has Jan 5 + Jan 7 (line items) and Mar 4; 20 has Feb 9.
    const std::vector<std::int64_t> ids{10, 20};
    const std::vector<Time> signed_at{0, 0};
    const auto jan = month_of(2024, 1), feb = month_of(2024, 2), mar = month_of(2024, 3);
    const std::vector<std::vector<std::size_t>> orders{{0, 1, 2, 3}, {3, 2, 1, 0}, {2, 0, 3, 1}};
    const std::vector<std::int64_t> account{10, 10, 10, 20}, month{jan, jan, mar, feb};
    const std::vector<double> amount{5, 7, 4, 9};
    for (const auto& order : orders) {
        CAPTURE(order[0]);
        std::vector<std::int64_t> a, m;
        std::vector<double> x;
        for (const std::size_t r : order)
            a.push_back(account[r]), m.push_back(month[r]), x.push_back(amount[r]);
        Book b(AccountsInput{IdColumn(ids), signed_at});
        b.set_mrr(MrrInput{IdColumn(a), m, x});
        REQUIRE(b.mrr().months(0).size() == 2);
        CHECK(b.mrr().months(0)[0] == jan);
        CHECK(b.mrr().amounts(0)[0] == 12.0);
        CHECK(b.mrr().months(0)[1] == mar);
        CHECK(b.mrr().amounts(0)[1] == 4.0);
        REQUIRE(b.mrr().months(1).size() == 1);
        CHECK(b.mrr().amounts(1)[0] == 9.0);
    }
}

TEST_CASE("id_buckets hashes the text of an id, ints by their digits, the same on any thread count") {
    // FNV-1a 64 worked out by hand (Python: h ^= byte, h *= 1099511628211 mod 2^64 from the
    // offset basis 14695981039346656037): "17" -> 574368414772627185, "ACC-1" ->
    // 14041961199456520172, "" -> the basis, "-5" -> 562966479190349815; modulo 1000 and 7.
    const std::vector<std::string> text{"17", "ACC-1", "", "-5"};
    CHECK(id_buckets(IdColumn(text), 1000) == std::vector<std::int64_t>{185, 172, 37, 815});
    CHECK(id_buckets(IdColumn(text), 7) == std::vector<std::int64_t>{4, 3, 2, 0});
    const std::vector<std::int64_t> ints{17, -5};
    CHECK(id_buckets(IdColumn(ints), 1000) == std::vector<std::int64_t>{185, 815});
    CHECK(id_buckets(IdColumn(ints), 1) == std::vector<std::int64_t>{0, 0});
    std::vector<std::string> many;
    for (std::size_t i = 0; i < 200'000; ++i) many.push_back("acc-" + std::to_string(i % 977));
    CHECK(id_buckets(IdColumn(many), 13, 1) == id_buckets(IdColumn(many), 13, 2));
    CHECK_THROWS_WITH_AS(id_buckets(IdColumn(ints), 0), doctest::Contains("n_buckets"),
                         InputError);
}

TEST_CASE("intern_ids numbers ids by first appearance, blanks missing, on any thread count") {
    // By hand: b a b "" c a -> b 0, a 1, c 2; the blank is -1.
    const std::vector<std::string> few{"b", "a", "b", "", "c", "a"};
    const InternedIds small = intern_ids(IdColumn(few));
    CHECK(small.code == std::vector<std::int64_t>{0, 1, 0, -1, 2, 1});
    CHECK(small.first_row == std::vector<std::size_t>{0, 1, 4});
    const std::vector<std::int64_t> ints{7, -2, 7, 9};
    const InternedIds by_int = intern_ids(IdColumn(ints));
    CHECK(by_int.code == std::vector<std::int64_t>{0, 1, 0, 2});
    CHECK(by_int.first_row == std::vector<std::size_t>{0, 1, 3});
    // Enough rows for several parts: ids that first appear late in the column, blanks anywhere.
    std::vector<std::string> many;
    for (std::size_t i = 0; i < 300'000; ++i)
        many.push_back(i % 1000 == 999 ? "" : "id-" + std::to_string((i * 7) % (1000 + i / 1000)));
    const InternedIds one = intern_ids(IdColumn(many), 1), two = intern_ids(IdColumn(many), 2);
    CHECK(one.code == two.code);
    CHECK(one.first_row == two.first_row);
    // The oracle: a map from id to its first row, codes ranked by that row.
    std::map<std::string, std::size_t> first;
    for (std::size_t i = 0; i < many.size(); ++i)
        if (!many[i].empty()) first.emplace(many[i], i);
    REQUIRE(one.first_row.size() == first.size());
    bool all_match = true;
    for (std::size_t i = 0; i < many.size(); ++i) {
        const std::int64_t c = one.code[i];
        if (many[i].empty()) {
            all_match = all_match && c == -1;
        } else {
            all_match = all_match && c >= 0 &&
                        one.first_row[static_cast<std::size_t>(c)] == first.at(many[i]);
        }
    }
    CHECK(all_match);
    CHECK(std::is_sorted(one.first_row.begin(), one.first_row.end()));
}

TEST_CASE("Book events: cells read by a CellText, UTC times brought to the wall clock, by hand") {
    // A zone at UTC-5 until 2024-03-10 07:00 UTC, then UTC-4 (New York's change to summer time).
    const Time change = at(2024, 3, 10, 7);
    const std::vector<std::int64_t> since{at(2000, 1, 1), change};
    const std::vector<std::int32_t> offset{-5 * 3600, -4 * 3600};
    // The cells are std::string objects; two distinct ones hold "u1", as two str objects of one id
    // may (pandas' CSV reader makes one per chunk).
    const std::vector<std::string> text{"a", "b", "u1", "u1", "u2", "click"};
    const CellText read = [](const void* cell) noexcept {
        return std::string_view(*static_cast<const std::string*>(cell));
    };
    const auto cell = [&](std::size_t k) { return static_cast<const void*>(&text[k]); };
    const std::vector<const void*> account{cell(0), cell(0), cell(1), cell(0)},
        user{cell(2), cell(3), cell(4), cell(4)}, feature(4, cell(5));
    constexpr std::int64_t ns = 1'000'000'000;
    const std::vector<std::int64_t> utc{
        at(2024, 3, 10, 4, 30) * ns,  // 23:30 on Mar 9 (UTC-5)
        change * ns,                  // 03:00 on Mar 10 (UTC-4 from this second)
        at(2024, 3, 11, 3, 30) * ns,  // 23:30 on Mar 10 (UTC-4)
        change * ns - 1,              // 01:59:59.999999999 on Mar 10 (UTC-5)
    };
    const std::vector<std::string_view> account_ids = ids({"a", "b"});
    const std::vector<Time> signed_at{at(2024, 1, 1), at(2024, 1, 1)};
    Book b({account_ids, signed_at});
    EventsInput in;
    in.account = IdColumn(std::span<const void* const>(account), read);
    in.user = IdColumn(std::span<const void* const>(user), read);
    in.feature = IdColumn(std::span<const void* const>(feature), read);
    in.utc = utc;
    in.zone = {since, offset};
    b.set_events(in);

    const engagement::EventLog& log = b.events();
    CHECK(log.n_events() == 4);
    CHECK(log.n_users() == 2);  // u1's two cells are one user
    CHECK(log.n_features() == 1);
    CHECK(log.first_day() == day_of(2024, 3, 9));
    CHECK(log.last_day() == day_of(2024, 3, 10));
    // Account a: u1 (code 0) on Mar 9 and Mar 10, u2 (code 1) on Mar 10; b: u2 on Mar 10.
    CHECK(std::vector<std::int32_t>(log.users(0).begin(), log.users(0).end()) ==
          std::vector<std::int32_t>{0, 1});
    CHECK(std::vector<std::int32_t>(log.users(1).begin(), log.users(1).end()) ==
          std::vector<std::int32_t>{1});
    CHECK(log.max_account_users() == 2);
    const auto a = log.events(0);
    REQUIRE(a.size() == 3);
    CHECK(a[0].day == day_of(2024, 3, 9));
    CHECK(a[0].user == 0);
    std::vector<std::pair<Day, std::int32_t>> rest{{a[1].day, a[1].user}, {a[2].day, a[2].user}};
    std::sort(rest.begin(), rest.end());
    CHECK(rest == std::vector<std::pair<Day, std::int32_t>>{{day_of(2024, 3, 10), 0},
                                                            {day_of(2024, 3, 10), 1}});
    const auto ev_b = log.events(1);
    REQUIRE(ev_b.size() == 1);
    CHECK(ev_b[0].day == day_of(2024, 3, 10));
    CHECK(ev_b[0].user == 0);  // b's only user
    CHECK(ev_b[0].feature == 0);

    // The same rows as text views with wall-clock seconds (worked out above) give the same log.
    Book views({account_ids, signed_at});
    const std::vector<Time> wall{at(2024, 3, 9, 23, 30), at(2024, 3, 10, 3),
                                 at(2024, 3, 10, 23, 30), at(2024, 3, 10, 1, 59)};
    const std::vector<std::string_view> acc = ids({"a", "a", "b", "a"}),
                                        usr = ids({"u1", "u1", "u2", "u2"}),
                                        feat = ids({"click", "click", "click", "click"});
    views.set_events({.account = acc, .user = usr, .feature = feat, .timestamp = wall});
    for (std::size_t k = 0; k < 2; ++k) {
        const auto x = views.events().events(k), y = log.events(k);
        REQUIRE(x.size() == y.size());
        for (std::size_t i = 0; i < x.size(); ++i) CHECK(x[i].day == y[i].day);
        CHECK(std::vector<std::int32_t>(views.events().users(k).begin(),
                                        views.events().users(k).end()) ==
              std::vector<std::int32_t>(log.users(k).begin(), log.users(k).end()));
    }
}

TEST_CASE("EventLog::from_memberships sorts rows in place, merging a user's memberships") {
    // Memberships: 0 = (account 1, user 5), 1 = (account 0, user 2), 2 = (account 1, user 3),
    // 3 = (account 1, user 5) again (a second cell of one user).
    const std::vector<std::int32_t> account{1, 0, 1, 1}, user{5, 2, 3, 5};
    std::vector<engagement::Event> rows{{30, 0, -1}, {10, 1, -1}, {20, 2, -1},
                                        {5, 3, -1},  {25, 1, -1}, {1, 0, -1}};
    const auto log = engagement::EventLog::from_memberships(std::move(rows), account, user, 3, 6,
                                                            0, false);
    CHECK(log.n_events() == 6);
    CHECK(log.first_day() == 1);
    CHECK(log.last_day() == 30);
    CHECK(!log.has_features());
    // Account 0: user 2 on days 10 and 25. Account 1: users 3 and 5 (ranks 0 and 1); its days
    // 1 (5), 5 (5), 20 (3), 30 (5). Account 2: nothing.
    const auto a0 = log.events(0), a1 = log.events(1);
    REQUIRE(a0.size() == 2);
    CHECK(a0[0].day == 10);
    CHECK(a0[1].day == 25);
    CHECK(a0[0].user == 0);
    CHECK(std::vector<std::int32_t>(log.users(1).begin(), log.users(1).end()) ==
          std::vector<std::int32_t>{3, 5});
    REQUIRE(a1.size() == 4);
    std::vector<std::pair<Day, std::int32_t>> got;
    for (const auto& e : a1) got.emplace_back(e.day, e.user);
    CHECK(got == std::vector<std::pair<Day, std::int32_t>>{{1, 1}, {5, 1}, {20, 0}, {30, 1}});
    CHECK(log.events(2).empty());
    CHECK(log.max_account_users() == 2);
}

TEST_CASE("Book::before_signing: MRR paid and churns dated before the signing, by hand") {
    // a signs on Feb 14 and pays in January (a month before its signing month); b signs on Jan 1
    // and has a churn dated Dec 1; c's zero-MRR February before its March signing is no payment,
    // and its churn comes after it signed.
    const std::vector<std::string_view> account_ids = ids({"a", "b", "c"});
    const std::vector<Time> signed_at{at(2024, 2, 14), at(2024, 1, 1), at(2024, 3, 1)};
    Book b({account_ids, signed_at});
    const std::vector<std::string_view> mrr_acc = ids({"a", "a", "b", "c", "c"});
    const std::vector<std::int64_t> month{month_of(2024, 1), month_of(2024, 2), month_of(2024, 1),
                                          month_of(2024, 2), month_of(2024, 3)};
    const std::vector<double> amount{10, 20, 5, 0, 7};
    b.set_mrr({.account = mrr_acc, .month = month, .mrr = amount});
    CHECK(b.before_signing().size() == 1);  // the MRR alone
    const std::vector<std::string_view> churn_acc = ids({"b", "c"});
    const std::vector<Time> churned{at(2023, 12, 1), at(2024, 3, 5)};
    b.set_churns({.account = churn_acc, .churned_at = churned});
    const auto early = b.before_signing();
    REQUIRE(early.size() == 2);
    CHECK(early[0].table == "mrr");
    CHECK(early[0].accounts == 1);
    CHECK(early[0].first_account == 0);
    CHECK(early[0].first_date == month_of(2024, 1));
    CHECK(early[1].table == "churns");
    CHECK(early[1].accounts == 1);
    CHECK(early[1].first_account == 1);
    CHECK(early[1].first_date == day_of(2023, 12, 1));

    Book clean({account_ids, std::vector<Time>(3, at(2023, 1, 1))});
    clean.set_mrr({.account = mrr_acc, .month = month, .mrr = amount});
    CHECK(clean.before_signing().empty());
}
