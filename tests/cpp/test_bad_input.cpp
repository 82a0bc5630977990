// The C++ twin of tests/python/test_bad_input.py: every public function and constructor of
// include/retain/*.hpp x the classes of bad input that apply to it (mismatched lengths, NaN and
// infinity, negative money, NaT, unsorted and repeated rows, empty and one-row tables, ids absent
// from the accounts, huge values, out-of-range codes, unknown keys, wrong JSON types, dates out
// of range). A case either asserts the retain error type and the words of its message that name
// the culprit (table, column, row, key), or, where the documented answer is a value (an empty
// table's empty result, NaN for an undefined rate), that value. The cases are data, one table per
// header; the last test case counts them for the README.

#include <cxxabi.h>
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <limits>
#include <optional>
#include <retain/json.hpp>
#include <retain/retain.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

using namespace retain;

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double inf = std::numeric_limits<double>::infinity();
constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

using V = std::vector<double>;
using I = std::vector<std::int64_t>;
using Names = std::vector<std::string>;
using Columns = std::vector<std::span<const double>>;

// ---------------------------------------------------------------------------------------------
// The matrix machinery

struct Case {
    std::string name;
    std::function<void()> check;  // makes the call and checks what came of it
};
using Cases = std::vector<Case>;

std::string demangled(const char* name) {
    int status = 0;
    char* readable = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    std::string out = status == 0 ? readable : name;
    std::free(readable);
    return out;
}

// what() of the E that `call` throws. Anything else thrown, or nothing, fails the case (and
// gives no message): a std::out_of_range or a plain std::runtime_error escaping is a fault, not
// a near miss.
template <class E, class F>
std::optional<std::string> message_of(F&& call) {
    try {
        std::forward<F>(call)();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        FAIL_CHECK("threw " << demangled(typeid(e).name())
                            << " instead: " << std::string(e.what()));
        return std::nullopt;
    } catch (...) {
        FAIL_CHECK("threw something that is not a std::exception");
        return std::nullopt;
    }
    FAIL_CHECK("threw nothing");
    return std::nullopt;
}

// A case whose call must throw E, with each of `says` (the culprit's names) in its message.
template <class E>
Case raises(std::string name, std::function<void()> call, std::vector<std::string> says) {
    return {std::move(name), [call = std::move(call), says = std::move(says)] {
                const std::optional<std::string> what = message_of<E>(call);
                if (!what) return;
                for (const std::string& part : says)
                    CHECK_MESSAGE(what->find(part) != std::string::npos,
                                  "'" << part << "' is not in the message: " << *what);
            }};
}

// A case whose documented answer is a value: `check` makes the call and checks the value.
Case gives(std::string name, std::function<void()> check) {
    return {std::move(name), std::move(check)};
}

void run(const Cases& cases) {
    for (const Case& c : cases) {
        INFO("case: " << c.name);
        c.check();
    }
}

// ---------------------------------------------------------------------------------------------
// Inputs

Time at(int y, int m, int d) {
    return Time{day_of(y, m, d)} * 86'400;
}

constexpr std::int64_t jan = month_of(2024, 1), feb = month_of(2024, 2), mar = month_of(2024, 3),
                       apr = month_of(2024, 4);

using Ids = std::vector<std::string_view>;

// Three accounts: a (signed 2024-01-01), b (2024-01-05), c (2024-02-01).
const Ids account_ids{"a", "b", "c"};
const std::vector<Time> signed_at{at(2024, 1, 1), at(2024, 1, 5), at(2024, 2, 1)};

Book accounts_book(UnknownAccounts unknown = UnknownAccounts::error) {
    return Book({account_ids, signed_at}, unknown);
}

void add_mrr(Book& book, const Ids& account, const I& month, const V& mrr, const I& plan = {},
             std::vector<std::string> plan_names = {}) {
    MrrInput in;
    in.account = account;
    in.month = month;
    in.mrr = mrr;
    in.plan = plan;
    in.plan_names = std::move(plan_names);
    book.set_mrr(in);
}

void add_events(Book& book, const Ids& account, const Ids& user, const std::vector<Time>& ts) {
    EventsInput in;
    in.account = account;
    in.user = user;
    in.timestamp = ts;
    book.set_events(in);
}

void add_churns(Book& book, const Ids& account, const std::vector<Time>& churned,
                const std::vector<Time>& returned = {}, const std::vector<std::int8_t>& kind = {}) {
    ChurnsInput in;
    in.account = account;
    in.churned_at = churned;
    in.returned_at = returned;
    in.voluntary = kind;
    book.set_churns(in);
}

void add_activities(Book& book, const Ids& account, const std::vector<Time>& when,
                    const Ids& type = {}, std::vector<std::string> internal = {}) {
    ActivitiesInput in;
    in.account = account;
    in.at = when;
    in.type = type;
    in.internal_types = std::move(internal);
    book.set_activities(in);
}

// A Book with every table the Book-level functions read: a pays 100 from January to April, b 50
// in January and February (churned 2024-03-01), c 30 from February to April; a touch and an event
// on account a.
Book full_book() {
    Book book = accounts_book();
    add_mrr(book, {"a", "a", "a", "a", "b", "b", "c", "c", "c"},
            {jan, feb, mar, apr, jan, feb, feb, mar, apr},
            {100, 100, 100, 100, 50, 50, 30, 30, 30});
    add_churns(book, {"b"}, {at(2024, 3, 1)});
    add_activities(book, {"a"}, {at(2024, 3, 10)}, {"call"});
    add_events(book, {"a"}, {"u1"}, {at(2024, 3, 1)});
    return book;
}

// The minimal health model of the Python matrix: one measure x, linear on [0, 1].
nlohmann::json base_document() {
    return nlohmann::json::parse(R"({"version": 1, "groups": [{"name": "g"}],
        "measures": [{"name": "x", "group": "g",
                      "transform": {"kind": "linear", "lo": 0, "hi": 1}}]})");
}

std::string document_with(const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json d = base_document();
    edit(d);
    return d.dump();
}

HealthModel model_with(const std::function<void(nlohmann::json&)>& edit = {}) {
    nlohmann::json d = base_document();
    if (edit) edit(d);
    return health_model_from_json(d);
}

HealthModel strict_model() {
    return model_with([](nlohmann::json& d) { d["missing"] = "error"; });
}

// A model of one percentile measure x.
HealthModel percentile_model() {
    return model_with(
        [](nlohmann::json& d) { d["measures"][0]["transform"] = {{"kind", "percentile"}}; });
}

// A segmentation rule document, as text.
std::string rules_with(const std::string& condition) {
    return R"({"tiers": [{"name": "big", "when": [)" + condition + R"(]}, {"name": "rest"}]})";
}

// A movements table by hand: one month, `starting` accounts of which `churned` churned.
kpi::MrrMovements movements(std::int64_t starting, std::int64_t churned) {
    kpi::MrrMovements mv;
    mv.resize(1);
    mv.starting_accounts[0] = starting;
    mv.churned_accounts[0] = churned;
    mv.ending_accounts[0] = starting - churned;
    return mv;
}

// An MRR table: account 0 pays 10 in January and March (nothing in February), account 1 pays 20
// in January only.
MrrTable small_table() {
    return MrrTable(I{0, 0, 1}, 2, I{jan, mar, jan}, V{10, 10, 20});
}

// An event log of two accounts and two users: account 0 has events on days 10 and 12, account 1
// none.
engagement::EventLog small_log(bool features = false) {
    const I account{0, 0}, user{0, 1}, ts{12, 10}, feature{0, 1};
    return engagement::EventLog(
        account, 2, user, 2, ts, TimeUnit::day,
        features ? std::span<const std::int64_t>(feature) : std::span<const std::int64_t>{},
        features ? 2 : 0);
}

// A Kaplan-Meier table by hand.
survival::KaplanMeier km_of(V time, V surv) {
    survival::KaplanMeier km;
    km.time = std::move(time);
    km.survival = std::move(surv);
    return km;
}

// x: two columns of four rows, row-major, and labels of both classes (not separable).
const V x4{1, 0, 2, 1, 3, 0, 4, 1};
const V y4{0, 1, 0, 1};
MatrixView view4() {
    return MatrixView::row_major(x4.data(), 4, 2);
}

// ---------------------------------------------------------------------------------------------
// book.hpp: the Book and its tables

Cases book_cases() {
    return {
        raises<InputError>("accounts: signed_at shorter than the ids",
                           [] {
                               const std::vector<Time> two{at(2024, 1, 1), at(2024, 1, 2)};
                               Book({account_ids, two});
                           },
                           {"table 'accounts': column 'signed_at' has 2 rows, the table 3"}),
        raises<InputError>(
            "accounts: repeated account",
            [] {
                const Ids ids{"a", "b", "c", "a"};
                const std::vector<Time> t(4, at(2024, 1, 1));
                Book({ids, t});
            },
            {"table 'accounts', column 'account_id', row 3: account 'a' appears twice"}),
        raises<InputError>(
            "accounts: repeated integer account",
            [] {
                const I ids{7, 8, 7};
                const std::vector<Time> t(3, at(2024, 1, 1));
                Book({ids, t});
            },
            {"table 'accounts', column 'account_id', row 2: account 7 appears twice"}),
        raises<InputError>("accounts: missing date (NaT)",
                           [] {
                               const std::vector<Time> t{at(2024, 1, 1), no_time, at(2024, 2, 1)};
                               Book({account_ids, t});
                           },
                           {"table 'accounts', column 'signed_at', row 1: missing date"}),
        raises<InputError>("accounts: blank id",
                           [] {
                               const Ids ids{"a", ""};
                               const std::vector<Time> t(2, at(2024, 1, 1));
                               Book({ids, t});
                           },
                           {"table 'accounts', column 'account_id', row 1: missing account id"}),
        raises<InputError>("accounts: the caller's column names in the message",
                           [] {
                               const Ids ids{"a", "a"};
                               const std::vector<Time> t(2, at(2024, 1, 1));
                               Book(AccountsInput{ids, t, "customer", "since"});
                           },
                           {"table 'accounts', column 'customer', row 1"}),
        raises<InputError>("accounts: a date out of range",
                           [] {
                               const std::vector<Time> t{at(2024, 1, 1), int64_max, at(2024, 2, 1)};
                               Book({account_ids, t});
                           },
                           {"table 'accounts', column 'signed_at', row 1: date out of range"}),
        gives("accounts: an empty table is a Book without accounts",
              [] {
                  const Book b({Ids{}, std::vector<Time>{}});
                  CHECK(b.n_accounts() == 0);
                  CHECK(b.has("accounts"));
                  CHECK(b.mrr().empty());
              }),
        gives("accounts: one row",
              [] {
                  const Ids ids{"only"};
                  const std::vector<Time> t{at(2024, 1, 10)};
                  const Book b({ids, t});
                  CHECK(b.n_accounts() == 1);
                  CHECK(b.signed_days()[0] == day_of(2024, 1, 10));
              }),
        gives("accounts: an id absent has no code",
              [] {
                  const Book b = accounts_book();
                  CHECK(b.code_of(std::string_view("z")) == -1);
                  CHECK(b.code_of(std::int64_t{1}) == -1);  // integer lookup on text ids
              }),
        raises<InputError>("mrr: columns of different lengths",
                           [] {
                               Book b = accounts_book();
                               add_mrr(b, {"a", "b", "c"}, {jan, jan, jan}, {1, 2});
                           },
                           {"table 'mrr': column 'mrr' has 2 rows, the table 3"}),
        raises<InputError>("mrr: a plan column of another length",
                           [] {
                               Book b = accounts_book();
                               add_mrr(b, {"a", "b"}, {jan, jan}, {1, 2}, {0}, {"pro"});
                           },
                           {"table 'mrr': column 'plan' has 1 rows, the table 2"}),
        raises<InputError>("mrr: NaN money",
                           [] {
                               Book b = accounts_book();
                               add_mrr(b, {"a", "b", "c"}, {jan, jan, jan}, {10, nan, 1});
                           },
                           {"table 'mrr', column 'mrr', row 1: MRR must be a finite number"}),
        raises<InputError>("mrr: infinite money",
                           [] {
                               Book b = accounts_book();
                               add_mrr(b, {"a", "b", "c"}, {jan, jan, jan}, {10, inf, 1});
                           },
                           {"table 'mrr', column 'mrr', row 1: MRR must be a finite number"}),
        raises<InputError>("mrr: negative money",
                           [] {
                               Book b = accounts_book();
                               add_mrr(b, {"a", "b", "c"}, {jan, jan, jan}, {10, -5, 1});
                           },
                           {"table 'mrr', column 'mrr', row 1: account 'b' sums to -5"}),
        gives("mrr: a credit note within the month's charges is summed",
              [] {
                  Book b = accounts_book();
                  add_mrr(b, {"a", "a"}, {jan, jan}, {100, -20});
                  CHECK(b.mrr_in(0, static_cast<Month>(jan)).mrr == 80.0);
              }),
        raises<InputError>(
            "mrr: id absent from the accounts",
            [] {
                Book b = accounts_book();
                add_mrr(b, {"a", "z", "c"}, {jan, jan, jan}, {10, 20, 30});
            },
            {"table 'mrr', column 'account_id', row 1: account 'z' is not in the accounts table"}),
        gives("mrr: an id absent is dropped and counted under UnknownAccounts::drop",
              [] {
                  Book b = accounts_book(UnknownAccounts::drop);
                  add_mrr(b, {"a", "z", "c"}, {jan, jan, jan}, {10, 20, 30});
                  CHECK(b.dropped().at("mrr") == 1);
                  CHECK(b.mrr_in(2, static_cast<Month>(jan)).mrr == 30.0);
              }),
        raises<InputError>("mrr: blank account id",
                           [] {
                               Book b = accounts_book();
                               add_mrr(b, {"a", ""}, {jan, jan}, {10, 20});
                           },
                           {"table 'mrr', column 'account_id', row 1: missing account id"}),
        raises<InputError>(
            "mrr: integer ids against text accounts",
            [] {
                Book b = accounts_book();
                MrrInput in;
                const I ids{1};
                const I months{jan};
                const V amounts{10};
                in.account = ids;
                in.month = months;
                in.mrr = amounts;
                b.set_mrr(in);
            },
            {"table 'mrr', column 'account_id', row 0: ids are integers but the accounts table's "
             "ids are text"}),
        raises<InputError>("mrr: plan code past the plan names",
                           [] {
                               Book b = accounts_book();
                               add_mrr(b, {"a", "b"}, {jan, jan}, {10, 20}, {0, 1}, {"pro"});
                           },
                           {"table 'mrr', column 'plan', row 1: plan code 1 out of range"}),
        raises<InputError>("mrr: negative plan code other than -1",
                           [] {
                               Book b = accounts_book();
                               add_mrr(b, {"a", "b"}, {jan, jan}, {10, 20}, {-1, -5}, {"pro"});
                           },
                           {"table 'mrr', column 'plan', row 1: plan code -5 out of range"}),
        raises<InputError>(
            "mrr: two plans in one account-month",
            [] {
                Book b = accounts_book();
                add_mrr(b, {"a", "a"}, {jan, jan}, {10, 20}, {0, 1}, {"pro", "basic"});
            },
            {"table 'mrr', column 'plan', row 1: account 'a' has two plans ('pro' in row 0, "
             "'basic') in month 2024-01"}),
        raises<InputError>("mrr: a period mis-encoded as yyyymm",
                           [] {
                               Book b = accounts_book();
                               add_mrr(b, {"a", "b"}, {jan, 202401}, {10, 20});
                           },
                           {"table 'mrr', column 'period', row 1: periods span month numbers"}),
        raises<InputError>("mrr: missing period (NaT)",
                           [] {
                               Book b = accounts_book();
                               add_mrr(b, {"a", "b"}, {jan, nat}, {10, 20});
                           },
                           {"table 'mrr', column 'period', row 1: missing period (NaT)"}),
        raises<InputError>(
            "mrr: a huge month number alone",
            [] {
                Book b = accounts_book();
                // 2^32 + 2024-03: read as a 32-bit month it would be March 2024.
                add_mrr(b, {"a"}, {(std::int64_t{1} << 32) + mar}, {10});
            },
            {"table 'mrr', column 'period', row 0: month number 4294967946 is out of range"}),
        raises<InputError>("mrr: given twice",
                           [] {
                               Book b = accounts_book();
                               add_mrr(b, {"a"}, {jan}, {10});
                               add_mrr(b, {"a"}, {jan}, {10});
                           },
                           {"table 'mrr': the Book already has this table"}),
        gives("mrr: a rejected table leaves the Book as it was, to be given again",
              [] {
                  Book b = accounts_book(UnknownAccounts::drop);
                  CHECK_THROWS_AS(add_mrr(b, {"z", "a"}, {jan, jan}, {10, nan}), InputError);
                  CHECK_FALSE(b.has("mrr"));
                  CHECK(b.dropped().count("mrr") == 0);
                  add_mrr(b, {"a"}, {jan}, {10});
                  CHECK(b.has("mrr"));
              }),
        gives("mrr: unsorted and repeated rows give the sorted table's sums",
              [] {
                  Book sorted = accounts_book(), shuffled = accounts_book();
                  add_mrr(sorted, {"a", "a", "b"}, {jan, feb, jan}, {10, 20, 5});
                  add_mrr(shuffled, {"b", "a", "a", "a"}, {jan, feb, jan, feb}, {5, 15, 10, 5});
                  for (const Month m : {Month(jan), Month(feb)})
                      for (std::size_t a = 0; a < 3; ++a)
                          CHECK(shuffled.mrr_in(a, m).mrr == sorted.mrr_in(a, m).mrr);
              }),
        gives("mrr: an empty table",
              [] {
                  Book b = accounts_book();
                  add_mrr(b, {}, {}, {});
                  CHECK(b.has("mrr"));
                  CHECK(b.mrr().empty());
                  CHECK(b.mrr_months(0).empty());
              }),
        raises<InputError>("events: columns of different lengths",
                           [] {
                               Book b = accounts_book();
                               add_events(b, {"a", "b"}, {"u1"}, {at(2024, 1, 2), at(2024, 1, 3)});
                           },
                           {"table 'events': column 'user_id' has 1 rows, the table 2"}),
        raises<InputError>("events: missing timestamp (NaT)",
                           [] {
                               Book b = accounts_book();
                               add_events(b, {"a", "b"}, {"u1", "u2"}, {at(2024, 1, 2), no_time});
                           },
                           {"table 'events', column 'timestamp', row 1: missing date"}),
        raises<InputError>("events: blank user id",
                           [] {
                               Book b = accounts_book();
                               add_events(b, {"a", "b"}, {"u1", ""},
                                          {at(2024, 1, 2), at(2024, 1, 3)});
                           },
                           {"table 'events', column 'user_id', row 1: missing user id"}),
        raises<InputError>(
            "events: id absent from the accounts",
            [] {
                Book b = accounts_book();
                add_events(b, {"a", "zz"}, {"u1", "u2"}, {at(2024, 1, 2), at(2024, 1, 3)});
            },
            {"table 'events', column 'account_id', row 1: account 'zz' is not in the accounts "
             "table"}),
        raises<InputError>("events: a timestamp out of range",
                           [] {
                               Book b = accounts_book();
                               add_events(b, {"a", "b"}, {"u1", "u2"},
                                          {at(2024, 1, 2), int64_max / 2});
                           },
                           {"table 'events', column 'timestamp', row 1:", "out of range"}),
        raises<InputError>(
            "events: a timestamp out of range after a dropped row names the caller's row",
            [] {
                Book b = accounts_book(UnknownAccounts::drop);
                add_events(b, {"zz", "a"}, {"u1", "u2"}, {at(2024, 1, 2), int64_max / 2});
            },
            {"table 'events', column 'timestamp', row 1:", "out of range"}),
        gives("events: unsorted rows are read by day",
              [] {
                  Book b = accounts_book();
                  add_events(b, {"a", "a", "a"}, {"u1", "u2", "u1"},
                             {at(2024, 1, 9), at(2024, 1, 2), at(2024, 1, 5)});
                  const auto ev = b.events().events(0);
                  REQUIRE(ev.size() == 3);
                  CHECK(ev[0].day == day_of(2024, 1, 2));
                  CHECK(ev[2].day == day_of(2024, 1, 9));
              }),
        raises<InputError>("events: times given twice, on the wall clock and in UTC",
                           [] {
                               Book b = accounts_book();
                               const I utc{at(2024, 1, 2)};
                               const std::vector<Time> ts{at(2024, 1, 2)};
                               b.set_events({.account = Ids{"a"}, .user = Ids{"u1"},
                                             .timestamp = ts, .utc = utc});
                           },
                           {"utc: give the times once"}),
        raises<InputError>("events: a zone for wall-clock times",
                           [] {
                               Book b = accounts_book();
                               const std::vector<Time> ts{at(2024, 1, 2)};
                               const I since{0};
                               const std::vector<std::int32_t> offset{3600};
                               b.set_events({.account = Ids{"a"}, .user = Ids{"u1"},
                                             .timestamp = ts, .zone = {since, offset}});
                           },
                           {"zone: applies to utc times only"}),
        raises<InputError>("events: no times at all",
                           [] {
                               Book b = accounts_book();
                               b.set_events({.account = Ids{"a"}, .user = Ids{"u1"}});
                           },
                           {"timestamp: give the events' times: timestamp (on the Book's wall "
                            "clock) or utc"}),
        raises<InputError>("events: UTC times in days",
                           [] {
                               Book b = accounts_book();
                               const I utc{day_of(2024, 1, 2)};
                               b.set_events({.account = Ids{"a"}, .user = Ids{"u1"}, .utc = utc,
                                             .utc_unit = TimeUnit::day});
                           },
                           {"utc_unit: give UTC times in seconds or finer"}),
        raises<InputError>("events: a zone with more starts than offsets",
                           [] {
                               Book b = accounts_book();
                               const I utc{at(2024, 1, 2)}, since{0, 100};
                               const std::vector<std::int32_t> offset{3600};
                               b.set_events({.account = Ids{"a"}, .user = Ids{"u1"}, .utc = utc,
                                             .utc_unit = TimeUnit::second,
                                             .zone = {since, offset}});
                           },
                           {"zone: has 2 starts for 1 offsets"}),
        raises<InputError>("events: a zone whose starts do not increase",
                           [] {
                               Book b = accounts_book();
                               const I utc{at(2024, 1, 2)}, since{100, 100};
                               const std::vector<std::int32_t> offset{3600, 7200};
                               b.set_events({.account = Ids{"a"}, .user = Ids{"u1"}, .utc = utc,
                                             .utc_unit = TimeUnit::second,
                                             .zone = {since, offset}});
                           },
                           {"zone: the starts must increase (at 1)"}),
        raises<InputError>("events: a zone offset of a day",
                           [] {
                               Book b = accounts_book();
                               const I utc{at(2024, 1, 2)}, since{0};
                               const std::vector<std::int32_t> offset{-86'400};
                               b.set_events({.account = Ids{"a"}, .user = Ids{"u1"}, .utc = utc,
                                             .utc_unit = TimeUnit::second,
                                             .zone = {since, offset}});
                           },
                           {"zone: offset -86400 s is a day or more"}),
        raises<InputError>("events: UTC times shorter than the ids",
                           [] {
                               Book b = accounts_book();
                               const I utc{at(2024, 1, 2)};
                               b.set_events({.account = Ids{"a", "b"}, .user = Ids{"u1", "u2"},
                                             .utc = utc, .utc_unit = TimeUnit::second});
                           },
                           {"table 'events': column 'timestamp' has 1 rows, the table 2"}),
        raises<InputError>("events: a missing UTC time (NaT)",
                           [] {
                               Book b = accounts_book();
                               const I utc{at(2024, 1, 2) * 1'000'000'000, nat};
                               b.set_events({.account = Ids{"a", "b"}, .user = Ids{"u1", "u2"},
                                             .utc = utc});
                           },
                           {"table 'events', column 'timestamp', row 1: missing date"}),
        raises<InputError>("events: a UTC time out of range",
                           [] {
                               Book b = accounts_book();
                               const I utc{at(2024, 1, 2), int64_max - 1};
                               b.set_events({.account = Ids{"a", "b"}, .user = Ids{"u1", "u2"},
                                             .utc = utc, .utc_unit = TimeUnit::second});
                           },
                           {"table 'events', column 'timestamp', row 1: date out of range"}),
        raises<InputError>("events: a day within a Book's range but past an event log's",
                           [] {
                               Book b = accounts_book();
                               const std::vector<Time> ts{at(2024, 1, 2),
                                                          Time{20'000'000} * 86'400};
                               add_events(b, {"a", "b"}, {"u1", "u2"}, ts);
                           },
                           {"table 'events', column 'timestamp', row 1: date out of range"}),
        raises<InputError>("IdColumn: cells without a reader of their text",
                           [] {
                               const std::vector<const void*> cells{nullptr};
                               (void)IdColumn(std::span<const void* const>(cells), nullptr);
                           },
                           {"text: give the reader of the cells' text"}),
        raises<InputError>("EventLog::from_memberships: a membership past the memberships",
                           [] {
                               const std::vector<std::int32_t> account{0}, user{0};
                               (void)engagement::EventLog::from_memberships(
                                   {{1, 1, -1}}, account, user, 1, 1, 0, false);
                           },
                           {"column 'membership', row 0: code 1 is not below 1"}),
        raises<InputError>("EventLog::from_memberships: users and accounts of different lengths",
                           [] {
                               const std::vector<std::int32_t> account{0}, user{0, 1};
                               (void)engagement::EventLog::from_memberships(
                                   {}, account, user, 1, 2, 0, false);
                           },
                           {"member_user: has 2 memberships, member_account 1"}),
        raises<InputError>("EventLog::from_memberships: a membership's account past the accounts",
                           [] {
                               const std::vector<std::int32_t> account{3}, user{0};
                               (void)engagement::EventLog::from_memberships(
                                   {}, account, user, 1, 1, 0, false);
                           },
                           {"column 'membership', row 0: account 3 or user 0 is out of range"}),
        raises<InputError>("EventLog::from_memberships: a feature code without features",
                           [] {
                               const std::vector<std::int32_t> account{0}, user{0};
                               (void)engagement::EventLog::from_memberships(
                                   {{1, 0, 0}}, account, user, 1, 1, 0, false);
                           },
                           {"column 'feature', row 0: code 0 is out of range"}),
        raises<InputError>(
            "surveys: NPS above 10",
            [] {
                Book b = accounts_book();
                b.set_surveys({Ids{"a", "b"}, std::vector<Time>(2, at(2024, 1, 9)), V{9, 11}});
            },
            {"table 'surveys', column 'score', row 1: an NPS answer must be a whole number 0-10, "
             "got 11"}),
        raises<InputError>("surveys: NaN score",
                           [] {
                               Book b = accounts_book();
                               b.set_surveys({Ids{"a", "b"}, std::vector<Time>(2, at(2024, 1, 9)),
                                              V{9, nan}});
                           },
                           {"table 'surveys', column 'score', row 1:", "got nan"}),
        raises<InputError>(
            "surveys: a fractional NPS",
            [] {
                Book b = accounts_book();
                b.set_surveys({Ids{"a"}, std::vector<Time>(1, at(2024, 1, 9)), V{7.5}});
            },
            {"table 'surveys', column 'score', row 0: an NPS answer must be a whole number"}),
        raises<InputError>(
            "surveys: CSAT 0",
            [] {
                Book b = accounts_book();
                const std::vector<std::int8_t> kind{1};
                b.set_surveys({Ids{"a"}, std::vector<Time>(1, at(2024, 1, 9)), V{0}, kind});
            },
            {"table 'surveys', column 'score', row 0: a CSAT answer must be a whole number 1-5"}),
        raises<InputError>("surveys: kind code out of range",
                           [] {
                               Book b = accounts_book();
                               const std::vector<std::int8_t> kind{0, 2};
                               b.set_surveys({Ids{"a", "b"}, std::vector<Time>(2, at(2024, 1, 9)),
                                              V{9, 9}, kind});
                           },
                           {"table 'surveys', column 'kind', row 1: kind must be 'nps' or 'csat'"}),
        raises<InputError>("surveys: missing date (NaT)",
                           [] {
                               Book b = accounts_book();
                               b.set_surveys({Ids{"a"}, std::vector<Time>{no_time}, V{9}});
                           },
                           {"table 'surveys', column 'answered_at', row 0: missing date"}),
        raises<InputError>("surveys: kinds of another length",
                           [] {
                               Book b = accounts_book();
                               const std::vector<std::int8_t> kind{0};
                               b.set_surveys({Ids{"a", "b"}, std::vector<Time>(2, at(2024, 1, 9)),
                                              V{9, 9}, kind});
                           },
                           {"table 'surveys': column 'kind' has 1 rows, the table 2"}),
        raises<InputError>(
            "tickets: closed before opened",
            [] {
                Book b = accounts_book();
                b.set_tickets({Ids{"a"}, std::vector<Time>{at(2024, 2, 10)},
                               std::vector<Time>{at(2024, 2, 1)}});
            },
            {"table 'tickets', column 'closed_at', row 0: account 'a': closed on 2024-02-01, "
             "before it was opened on 2024-02-10"}),
        raises<InputError>(
            "tickets: missing open date (NaT)",
            [] {
                Book b = accounts_book();
                b.set_tickets({Ids{"a", "b"}, std::vector<Time>{at(2024, 2, 10), no_time}, {}});
            },
            {"table 'tickets', column 'opened_at', row 1: missing date"}),
        raises<InputError>("tickets: a close date out of range",
                           [] {
                               Book b = accounts_book();
                               b.set_tickets({Ids{"a"}, std::vector<Time>{at(2024, 2, 10)},
                                              std::vector<Time>{int64_max}});
                           },
                           {"table 'tickets', column 'closed_at', row 0:", "out of range"}),
        gives("tickets: NaT closed_at is a ticket still open",
              [] {
                  Book b = accounts_book();
                  b.set_tickets(
                      {Ids{"a"}, std::vector<Time>{at(2024, 2, 10)}, std::vector<Time>{no_time}});
                  CHECK(b.ticket_opens(0).size() == 1);
                  CHECK(b.ticket_closes(0).empty());
              }),
        raises<InputError>("milestones: columns of different lengths",
                           [] {
                               Book b = accounts_book();
                               b.set_milestones({Ids{"a", "b"}, Ids{"live"},
                                                 std::vector<Time>(2, at(2024, 2, 1))});
                           },
                           {"table 'milestones': column 'milestone' has 1 rows, the table 2"}),
        raises<InputError>("milestones: missing date (NaT)",
                           [] {
                               Book b = accounts_book();
                               b.set_milestones(
                                   {Ids{"a"}, Ids{"live"}, std::vector<Time>{no_time}});
                           },
                           {"table 'milestones', column 'reached_at', row 0: missing date"}),
        raises<InputError>(
            "churns: returned before churning",
            [] {
                Book b = accounts_book();
                add_churns(b, {"a"}, {at(2024, 3, 1)}, {at(2024, 2, 1)});
            },
            {"table 'churns', column 'returned_at', row 0: returned before churning"}),
        raises<InputError>(
            "churns: kind code out of range",
            [] {
                Book b = accounts_book();
                add_churns(b, {"a", "b"}, {at(2024, 3, 1), at(2024, 3, 2)}, {}, {1, 2});
            },
            {"table 'churns', column 'kind', row 1: kind must be voluntary, involuntary or "
             "missing"}),
        raises<InputError>("churns: missing date (NaT)",
                           [] {
                               Book b = accounts_book();
                               add_churns(b, {"a"}, {no_time});
                           },
                           {"table 'churns', column 'churned_at', row 0: missing date"}),
        raises<InputError>(
            "churns: id absent from the accounts",
            [] {
                Book b = accounts_book();
                add_churns(b, {"q"}, {at(2024, 3, 1)});
            },
            {"table 'churns', column 'account_id', row 0: account 'q' is not in the accounts "
             "table"}),
        raises<InputError>("churns: a return date out of range",
                           [] {
                               Book b = accounts_book();
                               add_churns(b, {"a"}, {at(2024, 3, 1)}, {int64_max});
                           },
                           {"table 'churns', column 'returned_at', row 0:", "out of range"}),
        raises<InputError>(
            "activities: internal types without a type column",
            [] {
                Book b = accounts_book();
                add_activities(b, {"a"}, {at(2024, 3, 1)}, {}, {"note"});
            },
            {"table 'activities': internal types are named ('note', ...) but the table has no "
             "column 'type'"}),
        raises<InputError>("activities: missing date (NaT)",
                           [] {
                               Book b = accounts_book();
                               add_activities(b, {"a", "b"}, {at(2024, 3, 1), no_time});
                           },
                           {"table 'activities', column 'at', row 1: missing date"}),
        raises<InputError>("activities: types of another length",
                           [] {
                               Book b = accounts_book();
                               add_activities(b, {"a", "b"}, {at(2024, 3, 1), at(2024, 3, 2)},
                                              {"call"});
                           },
                           {"table 'activities': column 'type' has 1 rows, the table 2"}),
        raises<InputError>("accessor: mrr_months of an account past the accounts",
                           [] { (void)accounts_book().mrr_months(3); },
                           {"account 3 out of range: there are 3 accounts"}),
        raises<InputError>("accessor: churns_of of an account past the accounts",
                           [] { (void)accounts_book().churns_of(9); },
                           {"account 9 out of range: there are 3 accounts"}),
        raises<InputError>("accessor: active_at of an account past the accounts",
                           [] { (void)accounts_book().active_at(5, 0); },
                           {"account 5 out of range"}),
        raises<InputError>("accessor: answers, tickets, milestones, touches past the accounts",
                           [] { (void)full_book().answers(3, SurveyKind::csat); },
                           {"account 3 out of range"}),
        raises<InputError>("accessor: record_near past the accounts",
                           [] { (void)full_book().record_near(3, static_cast<Month>(mar)); },
                           {"account 3 out of range"}),
        raises<InputError>("accessor: mrr_in past the accounts",
                           [] { (void)full_book().mrr_in(8, static_cast<Month>(mar)); },
                           {"account 8 out of range"}),
        gives("reconcile: a Book without churns has nothing to reconcile",
              [] {
                  Book b = accounts_book();
                  add_mrr(b, {"a"}, {jan}, {10});
                  CHECK(b.reconcile().empty());
              }),
        raises<InputError>("accessor: touches past the accounts",
                           [] { (void)full_book().touch_owners(4); }, {"account 4 out of range"}),
        raises<InputError>("IdColumn: show of a row past its size",
                           [] { (void)IdColumn(account_ids).show(3); },
                           {"row 3 out of range: there are 3 rows"}),
        raises<InputError>("IdColumn: Arrow offsets past the characters",
                           [] {
                               const I offsets{0, 1, 9};
                               const std::vector<char> chars{'a', 'b'};
                               Book({IdColumn(offsets, chars),
                                     std::vector<Time>(2, at(2024, 1, 1))});
                           },
                           {"offsets"}),
        raises<InputError>("id_buckets: no bucket",
                           [] { (void)id_buckets(IdColumn(account_ids), 0); },
                           {"n_buckets: must be >= 1, got 0"}),
        gives("intern_ids: an empty column and a blank id",
              [] {
                  CHECK(intern_ids(IdColumn()).code.empty());
                  const Ids ids{"a", "", "a"};
                  CHECK(intern_ids(IdColumn(ids)).code == I{0, -1, 0});
              }),
    };
}

// ---------------------------------------------------------------------------------------------
// ids.hpp: IdIndex

Cases ids_cases() {
    return {
        raises<InputError>("IdIndex: id of a code past the ids",
                           [] {
                               IdIndex<std::string> index;
                               index.intern("a");
                               index.intern("b");
                               (void)index.id(2);
                           },
                           {"id code 2 out of range: there are 2 id codes"}),
        raises<InputError>("IdIndex: id of any code of an empty index",
                           [] { (void)IdIndex<std::int64_t>().id(0); },
                           {"id code 0 out of range: there are 0 id codes"}),
        gives("IdIndex: an id never interned has no code",
              [] {
                  IdIndex<std::string> index;
                  CHECK(index.find("a") == -1);  // empty index
                  index.intern("a");
                  CHECK(index.find("b") == -1);
              }),
        raises<InputError>("IdIndex: codes shorter than the keys",
                           [] {
                               IdIndex<std::int64_t> index;
                               const I keys{5, 6, 7};
                               std::vector<std::int64_t> codes(2);
                               index.intern(keys, codes);
                           },
                           {"codes"}),
        gives("IdIndex: the extreme int64 ids are ids like any other",
              [] {
                  IdIndex<std::int64_t> index;
                  const I keys{nat, int64_max, nat, 0};
                  CHECK(index.intern(std::span<const std::int64_t>(keys)) == I{0, 1, 0, 2});
                  CHECK(index.id(1) == int64_max);
              }),
        gives("IdIndex: repeated and unsorted keys keep first-appearance codes",
              [] {
                  IdIndex<std::string> index;
                  const std::vector<std::string> keys{"c", "a", "c", "b", "a"};
                  CHECK(index.intern(std::span<const std::string>(keys)) == I{0, 1, 0, 2, 1});
              }),
    };
}

// ---------------------------------------------------------------------------------------------
// account.hpp and kpi.hpp: the MRR table and the revenue KPIs

Cases kpi_cases() {
    return {
        raises<InputError>("MrrTable: columns of different lengths",
                           [] { MrrTable(I{0, 1}, 2, I{jan}, V{1, 2}); },
                           {"columns differ in length: 'account_id' has 2 rows, 'period' 1, "
                            "'mrr' 2"}),
        raises<InputError>("MrrTable: NaN money",
                           [] { MrrTable(I{0, 1}, 2, I{jan, jan}, V{1, nan}); },
                           {"column 'mrr', row 1: MRR must be a finite number >= 0, got nan"}),
        raises<InputError>("MrrTable: negative money",
                           [] { MrrTable(I{0, 1}, 2, I{jan, jan}, V{1, -3}); },
                           {"column 'mrr', row 1: MRR must be a finite number >= 0, got -3"}),
        raises<InputError>("MrrTable: infinite money",
                           [] { MrrTable(I{0, 1}, 2, I{jan, jan}, V{inf, 1}); },
                           {"column 'mrr', row 0:", "got inf"}),
        raises<InputError>("MrrTable: account code past the accounts",
                           [] { MrrTable(I{0, 5}, 2, I{jan, jan}, V{1, 1}); },
                           {"column 'account_id', row 1: account code 5 is not below 2"}),
        raises<InputError>("MrrTable: account code -1", [] { MrrTable(I{-1}, 2, I{jan}, V{1}); },
                           {"column 'account_id', row 0: missing account id"}),
        raises<InputError>("MrrTable: a period mis-encoded as yyyymm",
                           [] { MrrTable(I{0, 1}, 2, I{jan, 202401}, V{1, 1}); },
                           {"column 'period', row 1: periods span month numbers"}),
        raises<InputError>("MrrTable: missing period (NaT)",
                           [] { MrrTable(I{0, 1}, 2, I{jan, nat}, V{1, 1}); },
                           {"column 'period', row 1: missing period (NaT)"}),
        raises<InputError>("MrrTable: a huge month number alone",
                           [] { MrrTable(I{0}, 1, I{int64_max}, V{1}); },
                           {"column 'period', row 0"}),
        raises<InputError>(
            "MrrTable: the caller's column names in the message",
            [] { MrrTable(I{0}, 1, I{jan}, V{-1}, MrrColumns{"customer", "month", "amount"}); },
            {"column 'amount', row 0"}),
        raises<InputError>("MrrTable: months of an account past the accounts",
                           [] { (void)small_table().months(2); },
                           {"account 2 out of range: there are 2 accounts"}),
        raises<InputError>("MrrTable::from_ids: columns of different lengths",
                           [] {
                               IdIndex<std::string> index;
                               const std::vector<std::string> ids{"a", "b"};
                               (void)MrrTable::from_ids(index, ids, I{jan}, V{1, 2});
                           },
                           {"columns differ in length: 'account_id' has 2 rows, 'period' 1"}),
        raises<InputError>("MrrTable::from_ids: negative money",
                           [] {
                               IdIndex<std::int64_t> index;
                               const I ids{7, 7, 9};
                               (void)MrrTable::from_ids<std::int64_t>(index, ids, I{jan, feb, jan},
                                                                      V{1, 2, -1});
                           },
                           {"column 'mrr', row 2"}),
        gives("MrrTable: an empty table has no months",
              [] {
                  const MrrTable t(I{}, 3, I{}, V{});
                  CHECK(t.empty());
                  CHECK(t.n_accounts() == 3);
                  CHECK(kpi::mrr_movements(t).size() == 0);
                  CHECK(kpi::cohort_retention(t, kpi::CohortKind::logo).rows() == 0);
                  CHECK(kpi::nrr(t, 1).values.empty());
              }),
        gives("MrrTable: one row is one month of new MRR",
              [] {
                  const auto mv = kpi::mrr_movements(MrrTable(I{0}, 1, I{mar}, V{10}));
                  REQUIRE(mv.size() == 1);
                  CHECK(mv.first_month == mar);
                  CHECK(mv.new_mrr[0] == 10.0);
                  CHECK(mv.new_accounts[0] == 1);
              }),
        gives("MrrTable: unsorted and repeated rows give the sorted table",
              [] {
                  const MrrTable sorted(I{0, 0, 1}, 2, I{jan, feb, jan}, V{10, 20, 5});
                  const MrrTable shuffled(I{1, 0, 0, 0}, 2, I{jan, feb, jan, feb}, V{5, 15, 10, 5});
                  for (std::size_t a = 0; a < 2; ++a) {
                      CHECK(std::vector<Month>(shuffled.months(a).begin(),
                                               shuffled.months(a).end()) ==
                            std::vector<Month>(sorted.months(a).begin(), sorted.months(a).end()));
                      CHECK(V(shuffled.amounts(a).begin(), shuffled.amounts(a).end()) ==
                            V(sorted.amounts(a).begin(), sorted.amounts(a).end()));
                  }
              }),
        raises<InputError>("nrr: months 0", [] { (void)kpi::nrr(small_table(), 0); },
                           {"nrr: months must be >= 1, got 0"}),
        raises<InputError>("grr: negative months", [] { (void)kpi::grr(small_table(), -1); },
                           {"grr: months must be >= 1, got -1"}),
        gives("nrr: months far past the table give no value",
              [] {
                  CHECK(kpi::nrr(small_table(), std::numeric_limits<int>::max()).values.empty());
                  CHECK(kpi::grr(small_table(), 1'000'000).values.empty());
              }),
        gives("nrr: NaN where nobody paid at p - months",
              [] {
                  // Paying: January (10 + 20), none in February, March (10).
                  const auto r = kpi::nrr(small_table(), 1);
                  REQUIRE(r.values.size() == 2);
                  CHECK(r.values[0] == 0.0);       // February over January
                  CHECK(std::isnan(r.values[1]));  // March over an empty February
              }),
        raises<InputError>("parse_churn_kind: unknown kind",
                           [] { (void)kpi::parse_churn_kind("gross"); },
                           {"kind: unknown churn kind 'gross' (expected logo, gross_revenue or "
                            "net_revenue)"}),
        raises<InputError>("parse_cohort_kind: unknown kind",
                           [] { (void)kpi::parse_cohort_kind(""); },
                           {"kind: unknown cohort retention kind ''"}),
        gives("churn_rate: NaN where nothing starts the month",
              [] {
                  const auto mv = kpi::mrr_movements(small_table());
                  for (auto kind : {kpi::ChurnKind::logo, kpi::ChurnKind::gross_revenue,
                                    kpi::ChurnKind::net_revenue}) {
                      const auto rate = kpi::churn_rate(mv, kind);
                      REQUIRE(rate.size() == 3);
                      CHECK(std::isnan(rate[0]));  // January: nobody paid before
                      CHECK(rate[1] == 1.0);       // February: both lost
                      CHECK(std::isnan(rate[2]));  // March: nobody paid in February
                      CHECK(std::isnan(kpi::retention_rate(mv, kind)[2]));
                  }
              }),
        gives("quick_ratio and arpa: NaN over nothing",
              [] {
                  const auto mv = kpi::mrr_movements(small_table());
                  CHECK(std::isnan(kpi::quick_ratio(mv)[0]));  // no loss in January
                  CHECK(std::isnan(kpi::arpa(mv)[1]));         // nobody pays in February
                  CHECK(std::isnan(kpi::upsell_rate(mv)[0]));
              }),
        raises<InputError>("churn_rate: a movements table whose columns differ in length",
                           [] {
                               kpi::MrrMovements mv = movements(2, 1);
                               mv.churned_accounts.clear();
                               (void)kpi::churn_rate(mv, kpi::ChurnKind::logo);
                           },
                           {"churned_accounts"}),
        raises<InputError>("quick_ratio: a movements table whose columns differ in length",
                           [] {
                               kpi::MrrMovements mv = movements(2, 1);
                               mv.ending_mrr.push_back(1);
                               (void)kpi::quick_ratio(mv);
                           },
                           {"ending_mrr"}),
        raises<InputError>(
            "CohortRetention::at: a cohort past the cohorts",
            [] { (void)kpi::cohort_retention(small_table(), kpi::CohortKind::logo).at(1, 0); },
            {"cohort 1 out of range: there is 1 cohort"}),
        raises<InputError>(
            "CohortRetention::at: an age past the ages",
            [] { (void)kpi::cohort_retention(small_table(), kpi::CohortKind::revenue).at(0, 3); },
            {"age 3 out of range: there are 3 ages"}),
        raises<InputError>("ltv: negative arpa", [] { (void)kpi::ltv(-1, 0.5, 0.1); },
                           {"arpa: must be a finite number >= 0, got -1"}),
        raises<InputError>("ltv: NaN margin", [] { (void)kpi::ltv(10, nan, 0.1); },
                           {"gross_margin: must be a share between 0 and 1", "got nan"}),
        raises<InputError>("ltv: churn above 1", [] { (void)kpi::ltv(10, 0.5, 1.5); },
                           {"churn_rate: must be a monthly share between 0 and 1, got 1.5"}),
        raises<InputError>("ltv: no churn and no discount", [] { (void)kpi::ltv(10, 0.5, 0, 0); },
                           {"churn_rate: is 0 and so is discount_rate"}),
        raises<InputError>("ltv: infinite discount", [] { (void)kpi::ltv(10, 0.5, 0.1, inf); },
                           {"discount_rate: must be a finite monthly rate >= 0, got inf"}),
        raises<InputError>("ltv_of_lifetime: infinite lifetime",
                           [] { (void)kpi::ltv_of_lifetime(10, 0.5, inf); },
                           {"lifetime: must be a finite number of payments >= 0, got inf"}),
        raises<InputError>("cac: no new customers", [] { (void)kpi::cac(1000, 0); },
                           {"new_customers: must be > 0, got 0"}),
        raises<InputError>("cac: negative spend", [] { (void)kpi::cac(-1, 3); },
                           {"spend: must be a finite number >= 0, got -1"}),
        raises<InputError>("ltv_to_cac: zero cac", [] { (void)kpi::ltv_to_cac(100, 0); },
                           {"cac: must be > 0, got 0"}),
        raises<InputError>("ltv_to_cac: NaN ltv", [] { (void)kpi::ltv_to_cac(nan, 10); },
                           {"ltv: must be finite, got nan"}),
        raises<InputError>("cac_payback_months: zero arpa",
                           [] { (void)kpi::cac_payback_months(100, 0, 0.5); },
                           {"arpa: must be > 0, got 0"}),
        raises<InputError>("cac_payback_months: margin 0",
                           [] { (void)kpi::cac_payback_months(100, 10, 0); },
                           {"gross_margin: must be a share in (0, 1]"}),
        raises<InputError>("nps: a score out of its scale", [] { (void)kpi::nps(V{1, 11}); },
                           {"column 'score', row 1: NPS score must be an integer from 0 to 10, "
                            "got 11"}),
        raises<InputError>("nps: NaN", [] { (void)kpi::nps(V{1, nan}); },
                           {"column 'score', row 1:", "got nan"}),
        raises<InputError>("nps: a fractional score", [] { (void)kpi::nps(V{7.5}); },
                           {"column 'score', row 0:", "got 7.5"}),
        raises<InputError>("nps: the caller's column name", [] { (void)kpi::nps(V{-1}, "answer"); },
                           {"column 'answer', row 0"}),
        gives("nps: no answers is NaN with n 0",
              [] {
                  const auto r = kpi::nps(V{});
                  CHECK(r.n == 0);
                  CHECK(std::isnan(r.nps));
                  CHECK(std::isnan(r.margin95));
              }),
        gives("nps: one answer",
              [] {
                  const auto r = kpi::nps(V{10});
                  CHECK(r.nps == 100.0);
                  CHECK(r.stderr_ == 0.0);
              }),
        raises<InputError>("wilson_interval: more successes than n",
                           [] { (void)kpi::wilson_interval(4, 3); },
                           {"successes: must be between 0 and n = 3, got 4"}),
        raises<InputError>("wilson_interval: negative n", [] { (void)kpi::wilson_interval(0, -1); },
                           {"n: must be >= 0, got -1"}),
        raises<InputError>("wilson_interval: confidence 1",
                           [] { (void)kpi::wilson_interval(1, 3, 1.0); },
                           {"confidence: confidence level must be strictly between 0 and 1"}),
        raises<InputError>("wilson_interval: NaN confidence",
                           [] { (void)kpi::wilson_interval(1, 3, nan); },
                           {"confidence:", "got nan"}),
        gives("wilson_interval: n 0 has NaN ends",
              [] {
                  const auto ci = kpi::wilson_interval(0, 0);
                  CHECK(std::isnan(ci.lower));
                  CHECK(std::isnan(ci.upper));
              }),
        raises<InputError>("csat: scale 1", [] { (void)kpi::csat(V{1}, 1, 1); },
                           {"scale: must be an integer >= 2, got 1"}),
        raises<InputError>("csat: satisfied_min above the scale",
                           [] { (void)kpi::csat(V{1}, 5, 6); },
                           {"satisfied_min: must be between 1 and scale = 5, got 6"}),
        raises<InputError>("csat: a score of 0", [] { (void)kpi::csat(V{4, 0}); },
                           {"column 'score', row 1: CSAT score must be an integer from 1 to 5, "
                            "got 0"}),
        raises<InputError>("csat: NaN", [] { (void)kpi::csat(V{nan}); },
                           {"column 'score', row 0:", "got nan"}),
        gives("csat: no answers is NaN with n 0",
              [] {
                  const auto r = kpi::csat(V{});
                  CHECK(r.n == 0);
                  CHECK(std::isnan(r.csat));
                  CHECK(std::isnan(r.ci_lower));
              }),
        raises<InputError>(
            "ces: an infinite answer", [] { (void)kpi::ces(V{3, inf}); },
            {"column 'score', row 1: effort score must be a finite number, got inf"}),
        raises<InputError>("ces: NaN", [] { (void)kpi::ces(V{nan}, "effort"); },
                           {"column 'effort', row 0:", "got nan"}),
        gives("ces: one answer has no spread",
              [] {
                  const auto r = kpi::ces(V{4});
                  CHECK(r.ces == 4.0);
                  CHECK(std::isnan(r.stddev));
                  CHECK(std::isnan(r.ci_lower));
              }),
        gives("ces: no answers is NaN with n 0",
              [] {
                  const auto r = kpi::ces(V{});
                  CHECK(r.n == 0);
                  CHECK(std::isnan(r.ces));
              }),
        gives("ces: huge answers keep their mean",
              [] {
                  const double big = 1e308;
                  const auto same = kpi::ces(V{big, big});
                  CHECK(same.ces == big);
                  CHECK(same.stddev == 0.0);
                  // Sample sd of -b, b: sqrt(2 b^2 / 1).
                  const auto apart = kpi::ces(V{-big, big});
                  CHECK(apart.ces == 0.0);
                  CHECK(apart.stddev == doctest::Approx(std::sqrt(2.0) * big));
              }),
        raises<InputError>("nps_by: columns of different lengths",
                           [] { (void)kpi::nps_by(I{0, 1}, 2, V{1, 2, 3}); },
                           {"group: has 2 rows but score has 3"}),
        raises<InputError>("nps_by: group code out of range",
                           [] { (void)kpi::nps_by(I{0, 2}, 2, V{1, 2}); },
                           {"column 'group', row 1: group code must be in [0, 2), got 2"}),
        gives("nps_by: a group without answers is NaN with n 0",
              [] {
                  const auto r = kpi::nps_by(I{0}, 2, V{10});
                  REQUIRE(r.size() == 2);
                  CHECK(r[0].nps == 100.0);
                  CHECK(r[1].n == 0);
                  CHECK(std::isnan(r[1].nps));
              }),
        raises<InputError>(
            "churn_rate_interval: a revenue kind",
            [] { (void)kpi::churn_rate_interval(movements(2, 1), kpi::ChurnKind::gross_revenue); },
            {"ci: a Wilson interval applies to account counts only"}),
        raises<InputError>(
            "churn_rate_interval: confidence 0",
            [] { (void)kpi::churn_rate_interval(movements(2, 1), kpi::ChurnKind::logo, 0.0); },
            {"ci: confidence level"}),
        raises<InputError>(
            "churn_rate_interval: more churned than starting",
            [] { (void)kpi::churn_rate_interval(movements(1, 2), kpi::ChurnKind::logo); },
            {"column 'churned_accounts', row 0: must be between 0 and "
             "starting_accounts = 1, got 2"}),
        gives("churn_rate_interval: NaN where no account starts",
              [] {
                  const auto p = kpi::churn_rate_interval(movements(0, 0), kpi::ChurnKind::logo);
                  CHECK(std::isnan(p.rate[0]));
                  CHECK(std::isnan(p.ci_lower[0]));
              }),
        raises<InputError>(
            "cross_sell_rate: columns of different lengths",
            [] { (void)kpi::cross_sell_rate(I{0, 0}, 1, I{0}, 1, I{jan, jan}, V{1, 1}); },
            {"column 'product' has 1 rows, column 'account_id' has 2"}),
        raises<InputError>("cross_sell_rate: account code past the accounts",
                           [] { (void)kpi::cross_sell_rate(I{1}, 1, I{0}, 1, I{jan}, V{1}); },
                           {"column 'account_id', row 0: account code out of range"}),
        raises<InputError>("cross_sell_rate: product code -1",
                           [] { (void)kpi::cross_sell_rate(I{0}, 1, I{-1}, 1, I{jan}, V{1}); },
                           {"column 'product', row 0: product code out of range"}),
        raises<InputError>(
            "cross_sell_rate: NaN money",
            [] { (void)kpi::cross_sell_rate(I{0, 0}, 1, I{0, 0}, 1, I{jan, feb}, V{1, nan}); },
            {"column 'mrr', row 1: MRR must be a finite number >= 0, got nan"}),
        raises<InputError>("cross_sell_rate: negative money",
                           [] { (void)kpi::cross_sell_rate(I{0}, 1, I{0}, 1, I{jan}, V{-2}); },
                           {"column 'mrr', row 0:", "got -2"}),
        raises<InputError>("cross_sell_rate: missing month (NaT)",
                           [] { (void)kpi::cross_sell_rate(I{0}, 1, I{0}, 1, I{nat}, V{1}); },
                           {"column 'period', row 0: month number out of range"}),
        raises<InputError>(
            "cross_sell_rate: months spanning centuries",
            [] { (void)kpi::cross_sell_rate(I{0, 0}, 1, I{0, 0}, 1, I{jan, 202401}, V{1, 1}); },
            {"period: the data spans more than 6000 months"}),
        gives("cross_sell_rate: no rows, no months",
              [] { CHECK(kpi::cross_sell_rate(I{}, 0, I{}, 0, I{}, V{}).values.empty()); }),
        raises<InputError>(
            "onboarding_completion: no required milestone",
            [] { (void)kpi::onboarding_completion(I{0}, I{}, I{}, I{}, 0, 30, 100); },
            {"required: give at least one required milestone"}),
        raises<InputError>(
            "onboarding_completion: negative window",
            [] { (void)kpi::onboarding_completion(I{0}, I{}, I{}, I{}, 1, -1, 100); },
            {"within_days: must be a whole number of days from 0 to 10^8, got -1"}),
        raises<InputError>(
            "onboarding_completion: milestone of an account absent",
            [] { (void)kpi::onboarding_completion(I{0}, I{1}, I{0}, I{5}, 1, 30, 100); },
            {"column 'account_id', row 0: account is not in the accounts table"}),
        raises<InputError>(
            "onboarding_completion: milestone code out of range",
            [] { (void)kpi::onboarding_completion(I{0}, I{0, 0}, I{0, 1}, I{5, 6}, 1, 30, 100); },
            {"column 'milestone', row 1: milestone code out of range"}),
        raises<InputError>(
            "onboarding_completion: milestone columns of different lengths",
            [] { (void)kpi::onboarding_completion(I{0}, I{0}, I{0, 0}, I{5}, 1, 30, 100); },
            {"the milestones table's columns differ in length: 'account_id' 1, "
             "'milestone' 2, 'reached_at' 1"}),
        raises<InputError>(
            "onboarding_completion: missing signing date (NaT)",
            [] { (void)kpi::onboarding_completion(I{0, nat}, I{}, I{}, I{}, 1, 30, 100); },
            {"column 'signed_at', row 1: day number -9223372036854775808 is out of "
             "range"}),
        raises<InputError>(
            "onboarding_completion: a reached day out of range",
            [] { (void)kpi::onboarding_completion(I{0}, I{0}, I{0}, I{int64_max}, 1, 30, 100); },
            {"column 'reached_at', row 0: day number"}),
        raises<InputError>(
            "onboarding_completion: as_of out of range",
            [] { (void)kpi::onboarding_completion(I{0}, I{}, I{}, I{}, 1, 30, nat); },
            {"as_of: day number"}),
        gives("onboarding_completion: no accounts, no cohorts",
              [] {
                  const auto r = kpi::onboarding_completion(I{}, I{}, I{}, I{}, 1, 30, 100);
                  CHECK(r.cohorts.empty());
                  CHECK(r.overall.eligible == 0);
                  CHECK(std::isnan(r.overall.rate));
              }),
        raises<InputError>("time_to_value: milestone code other than 0 or -1",
                           [] { (void)kpi::time_to_value(I{0}, I{0}, I{1}, I{5}, 100); },
                           {"column 'milestone', row 0: milestone code out of range"}),
        raises<InputError>("time_to_value: missing signing date (NaT)",
                           [] { (void)kpi::time_to_value(I{nat}, I{}, I{}, I{}, 100); },
                           {"column 'signed_at', row 0"}),
        gives("time_to_value: no accounts gives NaN quantiles",
              [] {
                  const auto r = kpi::time_to_value(I{}, I{}, I{}, I{}, 100);
                  CHECK(r.account.empty());
                  CHECK(std::isnan(r.median));
              }),
        raises<InputError>("survival_quantile: q 1",
                           [] { (void)kpi::survival_quantile(km_of({0}, {1}), 1.0); },
                           {"q: must be strictly between 0 and 1, got 1"}),
        raises<InputError>("survival_quantile: a table whose columns differ in length",
                           [] { (void)kpi::survival_quantile(km_of({0, 1, 2}, {1}), 0.5); },
                           {"km: time and survival differ in length"}),
        gives("survival_quantile: an empty table is NaN",
              [] { CHECK(std::isnan(kpi::survival_quantile(km_of({}, {}), 0.5))); }),
    };
}

// ---------------------------------------------------------------------------------------------
// engagement.hpp

Cases engagement_cases() {
    using engagement::EventLog;
    return {
        raises<InputError>("EventLog: columns of different lengths",
                           [] { EventLog(I{0, 0}, 1, I{0}, 1, I{1, 2}, TimeUnit::day); },
                           {"columns differ in length: 'account_id' has 2 rows, 'user_id' 1, "
                            "'timestamp' 2"}),
        raises<InputError>("EventLog: account code past the accounts",
                           [] { EventLog(I{0, 5}, 2, I{0, 0}, 1, I{1, 2}, TimeUnit::day); },
                           {"column 'account_id', row 1: account code 5 is not below 2"}),
        raises<InputError>("EventLog: account code -1",
                           [] { EventLog(I{-1}, 2, I{0}, 1, I{1}, TimeUnit::day); },
                           {"column 'account_id', row 0: missing account id"}),
        raises<InputError>("EventLog: user code past the users",
                           [] { EventLog(I{0}, 1, I{3}, 1, I{1}, TimeUnit::day); },
                           {"column 'user_id', row 0: user code 3 is not below 1"}),
        raises<InputError>("EventLog: feature code past the features",
                           [] { EventLog(I{0}, 1, I{0}, 1, I{1}, TimeUnit::day, I{2}, 2); },
                           {"column 'feature', row 0: feature code 2 is not below 2"}),
        raises<InputError>("EventLog: feature code -1",
                           [] { EventLog(I{0}, 1, I{0}, 1, I{1}, TimeUnit::day, I{-1}, 2); },
                           {"column 'feature', row 0: missing feature"}),
        raises<InputError>("EventLog: missing timestamp (NaT)",
                           [] { EventLog(I{0, 0}, 1, I{0, 0}, 1, I{1, nat}, TimeUnit::second); },
                           {"column 'timestamp', row 1: missing timestamp (NaT)"}),
        raises<InputError>("EventLog: a timestamp out of range",
                           [] { EventLog(I{0}, 1, I{0}, 1, I{int64_max}, TimeUnit::day); },
                           {"column 'timestamp', row 0: timestamp is out of range"}),
        raises<InputError>("EventLog: more users than int32 codes",
                           [] { EventLog(I{}, 1, I{}, std::size_t{1} << 31, I{}, TimeUnit::day); },
                           {"more than 2^31 - 1 distinct users or features are not supported"}),
        raises<InputError>("EventLog: events of an account past the accounts",
                           [] { (void)small_log().events(2); },
                           {"account 2 out of range: there are 2 accounts"}),
        raises<InputError>("EventLog: users of an account past the accounts",
                           [] { (void)small_log().users(7); }, {"account 7 out of range"}),
        gives("EventLog: an empty log",
              [] {
                  const EventLog log(I{}, 2, I{}, 1, I{}, TimeUnit::day);
                  CHECK(log.empty());
                  CHECK(log.n_accounts() == 2);
                  CHECK(log.first_day() == 0);
                  CHECK(engagement::active_users(log, engagement::Freq::day).count.empty());
                  CHECK(engagement::stickiness(log).mau.empty());
                  CHECK(engagement::active_users_by_account(log, engagement::Freq::week)
                            .account.empty());
                  CHECK(engagement::stickiness_by_account(log).account.empty());
              }),
        gives("EventLog: unsorted events are stored by day",
              [] {
                  const engagement::EventLog log = small_log();
                  const auto ev = log.events(0);
                  REQUIRE(ev.size() == 2);
                  CHECK(ev[0].day == 10);
                  CHECK(ev[1].day == 12);
              }),
        raises<InputError>("usage_features: no window",
                           [] { (void)engagement::usage_features(small_log(), I{12}, I{}); },
                           {"windows: give at least one window"}),
        raises<InputError>(
            "usage_features: a window of 0 days",
            [] { (void)engagement::usage_features(small_log(), I{12}, I{7, 0}); },
            {"windows: a window must be a whole number of days in [1, 36500], got 0"}),
        raises<InputError>("usage_features: a window given twice",
                           [] { (void)engagement::usage_features(small_log(), I{12}, I{7, 7}); },
                           {"windows: window 7 is given twice"}),
        raises<InputError>("usage_features: missing as-of day (NaT)",
                           [] { (void)engagement::usage_features(small_log(), I{12, nat}, I{7}); },
                           {"as_of: day number -9223372036854775808 is out of range"}),
        gives("usage_features: no as-of day, no rows",
              [] {
                  const auto f = engagement::usage_features(small_log(), I{}, I{7});
                  CHECK(f.n_as_of == 0);
                  CHECK(f.days_since_last_event.empty());
              }),
        gives("usage_features: NaN trend and recency where undefined",
              [] {
                  const auto f = engagement::usage_features(small_log(), I{12}, I{7});
                  CHECK(f.events[0] == I{2, 0});
                  CHECK(std::isnan(f.trend[0][0]));  // nothing in the 7 days before
                  CHECK(f.days_since_last_event[0] == 0.0);
                  CHECK(std::isnan(f.days_since_last_event[1]));  // account 1 has no event
              }),
        raises<InputError>("feature_adoption: a log without features",
                           [] {
                               (void)engagement::feature_adoption(small_log(), 12, 7,
                                                                  engagement::Level::account);
                           },
                           {"feature: the event log has no feature column"}),
        raises<InputError>("feature_adoption: a window of 0 days",
                           [] {
                               (void)engagement::feature_adoption(small_log(true), 12, 0,
                                                                  engagement::Level::user);
                           },
                           {"window_days: a window must be a whole number of days"}),
        raises<InputError>("feature_adoption: as_of out of range",
                           [] {
                               (void)engagement::feature_adoption(small_log(true), int64_max, 7,
                                                                  engagement::Level::user);
                           },
                           {"as_of: day number 9223372036854775807 is out of range"}),
        raises<InputError>("window_active_users: negative window",
                           [] { (void)engagement::window_active_users(small_log(), 12, -1); },
                           {"window_days:", "got -1"}),
        raises<InputError>("window_active_users: missing as-of day (NaT)",
                           [] { (void)engagement::window_active_users(small_log(), nat, 7); },
                           {"as_of: day number -9223372036854775808 is out of range"}),
        raises<InputError>("seat_utilization: one number of seats for two accounts",
                           [] { (void)engagement::seat_utilization(small_log(), V{3}, 12, 7); },
                           {"seats: give one number of seats per account: got 1 for 2 accounts"}),
        raises<InputError>(
            "seat_utilization: NaN seats",
            [] { (void)engagement::seat_utilization(small_log(), V{3, nan}, 12, 7); },
            {"column 'seats', row 1: missing seats"}),
        raises<InputError>("seat_utilization: zero seats",
                           [] { (void)engagement::seat_utilization(small_log(), V{0, 2}, 12, 7); },
                           {"column 'seats', row 0: seats must be a finite number > 0, got 0"}),
        raises<InputError>(
            "seat_utilization: infinite seats, the caller's column name",
            [] { (void)engagement::seat_utilization(small_log(), V{2, inf}, 12, 7, "licenses"); },
            {"column 'licenses', row 1: seats must be a finite number > 0"}),
    };
}

// ---------------------------------------------------------------------------------------------
// health.hpp: model documents and scoring

Cases health_cases() {
    const auto config_error = [](std::string name, std::function<void(nlohmann::json&)> edit,
                                 std::string says) {
        return raises<ConfigError>(
            std::move(name),
            [edit = std::move(edit)] { HealthModel::from_json(document_with(edit)); },
            {std::move(says)});
    };
    using J = nlohmann::json;
    return {
        raises<ConfigError>("model: not JSON", [] { HealthModel::from_json("{\"version\": 1,"); },
                            {"model: not valid JSON"}),
        raises<ConfigError>("model: not an object", [] { HealthModel::from_json("[1, 2]"); },
                            {"model: expected an object with version, groups, measures; got list"}),
        config_error(
            "model: unknown key", [](J& d) { d["colour"] = 1; },
            "colour: unknown key (expected version, name, groups, measures, missing, "
            "grades)"),
        config_error(
            "model: version as a string", [](J& d) { d["version"] = "1"; },
            "version: unsupported version \"1\" (expected 1)"),
        config_error(
            "model: no version", [](J& d) { d.erase("version"); },
            "version: missing (this library reads version 1)"),
        config_error(
            "model: name of the wrong type", [](J& d) { d["name"] = 3; },
            "name: expected a string, got number"),
        config_error(
            "model: groups not a list", [](J& d) { d["groups"] = 5; },
            "groups: expected a non-empty list of groups, got number"),
        config_error(
            "model: no group", [](J& d) { d["groups"] = J::array(); },
            "groups: expected a non-empty list of groups, got list"),
        config_error(
            "model: negative group weight", [](J& d) { d["groups"][0]["weight"] = -1; },
            "groups[0].weight: must be a finite number >= 0, got -1"),
        config_error(
            "model: group weight as a string", [](J& d) { d["groups"][0]["weight"] = "1"; },
            "groups[0].weight: expected a number, got string '1'"),
        config_error(
            "model: group weight as a boolean", [](J& d) { d["groups"][0]["weight"] = true; },
            "groups[0].weight: expected a number, got boolean"),
        config_error(
            "model: repeated group", [](J& d) { d["groups"].push_back({{"name", "g"}}); },
            "groups[1].name: duplicate group name 'g' (also groups[0])"),
        config_error(
            "model: a reserved group name",
            [](J& d) {
                d["groups"][0]["name"] = "score";
                d["measures"][0]["group"] = "score";
            },
            "groups[0].name: 'score' is reserved"),
        config_error(
            "model: a group without measures", [](J& d) { d["groups"].push_back({{"name", "h"}}); },
            "groups[1]: no measure belongs to group 'h'"),
        config_error(
            "model: zero total weight", [](J& d) { d["groups"][0]["weight"] = 0; },
            "groups: no group has both a positive weight and a measure of positive "
            "weight"),
        config_error(
            "model: zero total measure weight", [](J& d) { d["measures"][0]["weight"] = 0; },
            "groups: no group has both a positive weight"),
        config_error(
            "model: no measures", [](J& d) { d.erase("measures"); }, "measures: missing"),
        config_error(
            "model: measure of an unknown group", [](J& d) { d["measures"][0]["group"] = "h"; },
            "measures[0].group: unknown group 'h' (groups: g)"),
        config_error(
            "model: repeated measure", [](J& d) { d["measures"].push_back(d["measures"][0]); },
            "measures[1].name: duplicate measure name 'x' (also measures[0])"),
        config_error(
            "model: measure without a transform", [](J& d) { d["measures"][0].erase("transform"); },
            "measures[0].transform: missing"),
        config_error(
            "model: unknown key in a measure", [](J& d) { d["measures"][0]["wieght"] = 1; },
            "measures[0].wieght: unknown key"),
        config_error(
            "model: empty label", [](J& d) { d["measures"][0]["label"] = ""; },
            "measures[0].label: expected a non-empty label, got string ''"),
        config_error(
            "model: negative measure weight", [](J& d) { d["measures"][0]["weight"] = -2; },
            "measures[0].weight: must be a finite number >= 0, got -2"),
        config_error(
            "model: unknown transform", [](J& d) { d["measures"][0]["transform"]["kind"] = "log"; },
            "measures[0].transform.kind: unknown transform string 'log' (expected "
            "linear, bands, percentile, boolean)"),
        config_error(
            "model: transform not an object",
            [](J& d) { d["measures"][0]["transform"] = "linear"; },
            "measures[0].transform: expected an object with a kind, got string 'linear'"),
        config_error(
            "model: linear without lo", [](J& d) { d["measures"][0]["transform"].erase("lo"); },
            "measures[0].transform.lo: missing"),
        config_error(
            "model: linear with lo == hi", [](J& d) { d["measures"][0]["transform"]["hi"] = 0; },
            "measures[0].transform.hi: must differ from lo (both 0)"),
        config_error(
            "model: linear bound of the wrong type",
            [](J& d) { d["measures"][0]["transform"]["hi"] = J::array({1}); },
            "measures[0].transform.hi: expected a number, got list"),
        raises<ConfigError>("model: a bound too large for a double",
                            [] {
                                HealthModel::from_json(R"({"version": 1, "groups": [{"name": "g"}],
                                    "measures": [{"name": "x", "group": "g", "transform":
                                    {"kind": "linear", "lo": 0, "hi": 1e400}}]})");
                            },
                            {"model: a number out of range"}),
        raises<ConfigError>(
            "model: an infinite bound built in code",
            [] { (void)model_with([](J& d) { d["measures"][0]["transform"]["hi"] = inf; }); },
            {"measures[0].transform.hi: must be finite"}),
        config_error(
            "model: non-increasing bands",
            [](J& d) {
                d["measures"][0]["transform"] =
                    J::parse(R"({"kind": "bands", "edges": [5, 3], "scores": [0, 50, 100]})");
            },
            "measures[0].transform.edges: must be strictly increasing (edges[1] is not "
            "above edges[0])"),
        config_error(
            "model: repeated band edge",
            [](J& d) {
                d["measures"][0]["transform"] =
                    J::parse(R"({"kind": "bands", "edges": [3, 3], "scores": [0, 50, 100]})");
            },
            "measures[0].transform.edges: must be strictly increasing"),
        config_error(
            "model: bands without edges",
            [](J& d) {
                d["measures"][0]["transform"] =
                    J::parse(R"({"kind": "bands", "edges": [], "scores": [0]})");
            },
            "measures[0].transform.edges: expected a non-empty list of edges, got list"),
        config_error(
            "model: one score too few",
            [](J& d) {
                d["measures"][0]["transform"] =
                    J::parse(R"({"kind": "bands", "edges": [3], "scores": [0]})");
            },
            "measures[0].transform.scores: needs one more score than edges (1 edges, 1 "
            "scores)"),
        config_error(
            "model: band score above 100",
            [](J& d) {
                d["measures"][0]["transform"] =
                    J::parse(R"({"kind": "bands", "edges": [3], "scores": [0, 150]})");
            },
            "measures[0].transform.scores[1]: must be in [0, 100], got 150"),
        config_error(
            "model: band edge as text",
            [](J& d) {
                d["measures"][0]["transform"] =
                    J::parse(R"({"kind": "bands", "edges": ["3"], "scores": [0, 1]})");
            },
            "measures[0].transform.edges[0]: expected a number, got string '3'"),
        config_error(
            "model: unsorted percentile reference",
            [](J& d) {
                d["measures"][0]["transform"] =
                    J::parse(R"({"kind": "percentile", "reference": [1, 3, 2]})");
            },
            "measures[0].transform.reference[2]: must be sorted"),
        config_error(
            "model: a key another transform takes",
            [](J& d) {
                d["measures"][0]["transform"] = J::parse(R"({"kind": "boolean", "lo": 0})");
            },
            "measures[0].transform.lo: unknown key (expected kind)"),
        config_error(
            "model: unknown missing policy", [](J& d) { d["missing"] = "skip"; },
            "missing: unknown policy string 'skip' (expected reweight, neutral, zero, "
            "error)"),
        config_error(
            "model: grades not a list", [](J& d) { d["grades"] = J::object(); },
            "grades: expected a list of {min, label}, got object"),
        config_error(
            "model: first grade above 0",
            [](J& d) { d["grades"] = J::parse(R"([{"min": 10, "label": "red"}])"); },
            "grades[0].min: the first grade starts at 0, got 10"),
        config_error(
            "model: non-increasing grades",
            [](J& d) {
                d["grades"] =
                    J::parse(R"([{"min": 0, "label": "red"}, {"min": 0, "label": "green"}])");
            },
            "grades[1].min: must be above the min before it (0)"),
        config_error(
            "model: grade above 100",
            [](J& d) {
                d["grades"] =
                    J::parse(R"([{"min": 0, "label": "red"}, {"min": 101, "label": "green"}])");
            },
            "grades[1].min: must be at most 100 (scores are 0-100), got 101"),
        config_error(
            "model: repeated grade label",
            [](J& d) {
                d["grades"] =
                    J::parse(R"([{"min": 0, "label": "red"}, {"min": 50, "label": "red"}])");
            },
            "grades[1].label: duplicate label 'red' (also grades[0])"),
        raises<InputError>("score: names and columns of different counts",
                           [] { (void)model_with().score(Names{"x", "y"}, Columns{V{1}}); },
                           {"score: 2 column names for 1 columns"}),
        raises<InputError>("score: columns of different lengths",
                           [] {
                               const V x{0.5, 0.2}, y{1};
                               (void)model_with().score(Names{"x", "y"}, Columns{x, y});
                           },
                           {"column 'y' has 1 values, column 'x' 2"}),
        raises<InputError>("score: infinite feature",
                           [] { (void)model_with().score(Names{"x"}, Columns{V{0.5, inf}}); },
                           {"column 'x', row 1: infinite value"}),
        raises<InputError>("score: NaN under the error policy",
                           [] { (void)strict_model().score(Names{"x"}, Columns{V{nan}}); },
                           {"column 'x', row 0: missing value (the model's missing policy is "
                            "'error')"}),
        raises<ColumnError>("score: a column absent under the error policy",
                            [] { (void)strict_model().score(Names{"y"}, Columns{V{1}}); },
                            {"measures[0].column: no column 'x' in the data"}),
        raises<ColumnError>("score: a column absent from an empty table under the error policy",
                            [] { (void)strict_model().score(Names{}, Columns{}); },
                            {"measures[0].column: no column 'x'"}),
        raises<InputError>("score: negative thread count",
                           [] { (void)model_with().score(Names{"x"}, Columns{V{1}}, -1); },
                           {"n_threads: must be >= 0 (0 = the process default), got -1"}),
        gives("score: a misspelt column scores NaN, coverage 0",
              [] {
                  const auto s = model_with().score(Names{"y"}, Columns{V{0.5}});
                  CHECK(std::isnan(s.score[0]));
                  CHECK(s.coverage[0] == 0.0);
                  CHECK(s.grade[0] == -1);
              }),
        gives("score: an empty table",
              [] { CHECK(model_with().score(Names{"x"}, Columns{V{}}).score.empty()); }),
        gives("score: one row, a huge value clipped",
              [] {
                  const auto s = model_with().score(Names{"x"}, Columns{V{1e308}});
                  CHECK(s.score[0] == 100.0);
              }),
        raises<InputError>("score: stride 0",
                           [] {
                               const V x{0.5};
                               (void)model_with().score(
                                   Names{"x"}, std::vector<StridedColumn>{{x.data(), 1, 0}});
                           },
                           {"column 'x': stride 0"}),
        raises<InputError>("matrix_columns: no column", [] { (void)matrix_columns(V{1, 2}, 0); },
                           {"n_columns: must be >= 1"}),
        raises<InputError>("matrix_columns: values that are not whole rows",
                           [] { (void)matrix_columns(V{1, 2, 3}, 2); },
                           {"matrix: 3 values are not whole rows of 2 columns"}),
        raises<InputError>("explain: infinite feature",
                           [] { (void)model_with().explain(Names{"x"}, Columns{V{-inf}}); },
                           {"column 'x', row 0: infinite value"}),
        raises<InputError>("explain_change: tables of different row counts",
                           [] {
                               (void)model_with().explain_change(Names{"x"}, Columns{V{1, 2}},
                                                                 Names{"x"}, Columns{V{1}});
                           },
                           {"explain_change: 'before' has 2 rows, 'after' 1"}),
        raises<InputError>("reasons: top 0",
                           [] { (void)model_with().reasons(Names{"x"}, Columns{V{1}}, 0); },
                           {"top: must be >= 1, got 0"}),
        raises<InputError>("reasons_change: top -3",
                           [] {
                               (void)model_with().reasons_change(Names{"x"}, Columns{V{1}},
                                                                 Names{"x"}, Columns{V{1}}, -3);
                           },
                           {"top: must be >= 1, got -3"}),
        gives("reasons: a row scored NaN has no reasons",
              [] {
                  const auto r = model_with().reasons(Names{"x"}, Columns{V{nan, 0.0}});
                  CHECK(r.row == I{1});
              }),
        raises<InputError>("reason_text: a measure past the measures",
                           [] { (void)model_with().reason_text(1, 0.5, 50, 10); },
                           {"measure 1 out of range: there is 1 measure"}),
        raises<InputError>("change_text: a measure past the measures",
                           [] { (void)model_with().change_text(9, 0.5, 0.2, -3); },
                           {"measure 9 out of range"}),
        raises<ColumnError>("calibrate: a percentile measure's column absent",
                            [] { (void)percentile_model().calibrate(Names{"y"}, Columns{V{1}}); },
                            {"measures[0].column: cannot calibrate percentile measure 'x': no "
                             "column 'x' in the data"}),
        raises<InputError>("calibrate: a column with no value",
                           [] { (void)percentile_model().calibrate(Names{"x"}, Columns{V{nan}}); },
                           {"measures[0]: cannot calibrate percentile measure 'x': column 'x' has "
                            "no value"}),
        raises<InputError>(
            "calibrate: infinite value",
            [] { (void)percentile_model().calibrate(Names{"x"}, Columns{V{1, inf}}); },
            {"column 'x', row 1: infinite value"}),
        gives("grade_of: NaN has no grade",
              [] {
                  const auto m = model_with([](nlohmann::json& d) {
                      d["grades"] = nlohmann::json::parse(R"([{"min": 0, "label": "red"}])");
                  });
                  CHECK(m.grade_of(nan) == -1);
                  CHECK(m.grade_of(-5) == -1);
                  CHECK(m.grade_of(0) == 0);
              }),
    };
}

// ---------------------------------------------------------------------------------------------
// json.hpp: documents held as nlohmann::json

Cases json_cases() {
    using J = nlohmann::json;
    return {
        raises<ConfigError>("health_model_from_json: a list",
                            [] { (void)health_model_from_json(J::array()); },
                            {"model: expected an object with version, groups, measures; got list"}),
        raises<ConfigError>("health_model_from_json: null",
                            [] { (void)health_model_from_json(J()); },
                            {"model: expected an object", "got null"}),
        raises<ConfigError>("health_model_from_json: NaN weight built in code",
                            [] {
                                J d = base_document();
                                d["measures"][0]["weight"] = nan;
                                (void)health_model_from_json(d);
                            },
                            {"measures[0].weight:"}),
        raises<ConfigError>("health_model_from_json: a version that is not UTF-8",
                            [] {
                                J d = base_document();
                                d["version"] = "\xff";
                                (void)health_model_from_json(d);
                            },
                            {"version: unsupported version"}),
        raises<ConfigError>("health_model_from_json: a grade min that is not UTF-8",
                            [] {
                                J d = base_document();
                                d["grades"] = J::parse(R"([{"min": 0, "label": "red"}])");
                                d["grades"].push_back({{"min", "\xfe"}, {"label", "green"}});
                                (void)health_model_from_json(d);
                            },
                            {"grades[1].min: expected a number"}),
        raises<ConfigError>("health_model_from_json: a measure name that is not UTF-8",
                            [] {
                                J d = base_document();
                                d["measures"][0]["name"] = "x\xff";
                                (void)health_model_from_json(d);
                            },
                            {"measures[0].name: text that is not valid UTF-8"}),
        raises<ConfigError>("segmenter_from_json: a tier name that is not UTF-8",
                            [] {
                                J rules = J::parse(R"({"tiers": [{"name": "a"}]})");
                                rules["tiers"][0]["name"] = "\xc3";
                                (void)segmenter_from_json(rules);
                            },
                            {"tiers[0].name: text that is not valid UTF-8"}),
        raises<ConfigError>("segmenter_from_json: a list",
                            [] { (void)segmenter_from_json(J::array()); },
                            {"rules: expected an object with key 'tiers', got list"}),
        raises<ConfigError>("segmenter_from_json: NaN threshold built in code",
                            [] {
                                J rules = J::parse(
                                    rules_with(R"({"column": "arr", "op": "!=", "value": 0})"));
                                rules["tiers"][0]["when"][0]["value"] = nan;
                                (void)segmenter_from_json(rules);
                            },
                            {"tiers[0].when[0].value: expected a number, got NaN"}),
        gives("to_json_document: round trip",
              [] {
                  const HealthModel m = model_with();
                  CHECK(health_model_from_json(to_json_document(m)) == m);
              }),
    };
}

// ---------------------------------------------------------------------------------------------
// segment.hpp

Cases segment_cases() {
    const Segmenter seg =
        Segmenter::from_json(rules_with(R"({"column": "arr", "op": ">=", "value": 100})"));
    return {
        raises<ConfigError>("segmenter: not JSON", [] { Segmenter::from_json("{tiers"); },
                            {"rules: not valid JSON"}),
        raises<ConfigError>(
            "segmenter: unknown key",
            [] { Segmenter::from_json(R"({"version": 1, "tiers": [{"name": "a"}]})"); },
            {"version: unknown key (expected tiers)"}),
        raises<ConfigError>("segmenter: misspelt tiers",
                            [] { Segmenter::from_json(R"({"segmentz": []})"); },
                            {"segmentz: unknown key"}),
        raises<ConfigError>("segmenter: no tiers", [] { Segmenter::from_json("{}"); },
                            {"tiers: missing"}),
        raises<ConfigError>("segmenter: empty tiers",
                            [] { Segmenter::from_json(R"({"tiers": []})"); },
                            {"tiers: expected a non-empty list of tiers, got list"}),
        raises<ConfigError>("segmenter: tier without a name",
                            [] { Segmenter::from_json(R"({"tiers": [{"when": []}]})"); },
                            {"tiers[0].name: missing"}),
        raises<ConfigError>("segmenter: tier name of the wrong type",
                            [] { Segmenter::from_json(R"({"tiers": [{"name": 1}]})"); },
                            {"tiers[0].name: expected a non-empty tier name, got number"}),
        raises<ConfigError>(
            "segmenter: repeated tier",
            [] { Segmenter::from_json(R"({"tiers": [{"name": "a"}, {"name": "a"}]})"); },
            {"tiers[1].name: duplicate tier name 'a' (also tiers[0])"}),
        raises<ConfigError>(
            "segmenter: when not a list",
            [] { Segmenter::from_json(R"({"tiers": [{"name": "a", "when": {}}]})"); },
            {"tiers[0].when: expected a list, got object"}),
        raises<ConfigError>("segmenter: unknown op",
                            [] {
                                Segmenter::from_json(
                                    rules_with(R"({"column": "arr", "op": "=>", "value": 1})"));
                            },
                            {"tiers[0].when[0].op: unknown op '=>' (expected < <= > >= == != in "
                             "between)"}),
        raises<ConfigError>(
            "segmenter: op of the wrong type",
            [] { Segmenter::from_json(rules_with(R"({"column": "arr", "op": 1, "value": 1})")); },
            {"tiers[0].when[0].op: expected an op"}),
        raises<ConfigError>("segmenter: value as text",
                            [] {
                                Segmenter::from_json(
                                    rules_with(R"({"column": "arr", "op": "<", "value": "1"})"));
                            },
                            {"tiers[0].when[0].value: expected a number, got string '1'"}),
        raises<ConfigError>("segmenter: empty 'in'",
                            [] {
                                Segmenter::from_json(
                                    rules_with(R"({"column": "arr", "op": "in", "value": []})"));
                            },
                            {"tiers[0].when[0].value: 'in' needs a non-empty list of numbers"}),
        raises<ConfigError>("segmenter: 'between' with lo > hi",
                            [] {
                                Segmenter::from_json(rules_with(
                                    R"({"column": "arr", "op": "between", "value": [5, 1]})"));
                            },
                            {"tiers[0].when[0].value: 'between' needs lo <= hi, got [5, 1]"}),
        raises<ConfigError>("segmenter: 'between' with three values",
                            [] {
                                Segmenter::from_json(rules_with(
                                    R"({"column": "arr", "op": "between", "value": [1, 2, 3]})"));
                            },
                            {"tiers[0].when[0].value: 'between' needs a list [lo, hi]"}),
        raises<ConfigError>(
            "segmenter: empty column name",
            [] { Segmenter::from_json(rules_with(R"({"column": "", "op": "<", "value": 1})")); },
            {"tiers[0].when[0].column: expected a non-empty column name"}),
        raises<ConfigError>(
            "segmenter: condition without a value",
            [] { Segmenter::from_json(rules_with(R"({"column": "arr", "op": "<"})")); },
            {"tiers[0].when[0].value: missing"}),
        raises<ColumnError>("assign: a column a rule reads is absent",
                            [seg] { (void)seg.assign(Names{"score"}, Columns{V{1}}); },
                            {"tiers[0].when[0].column: no column 'arr' in the data"}),
        raises<InputError>("assign: columns of different lengths",
                           [seg] {
                               const V arr{1, 2}, score{1};
                               (void)seg.assign(Names{"arr", "score"}, Columns{arr, score});
                           },
                           {"column 'score' has 1 values, column 'arr' 2"}),
        raises<InputError>("assign: names and columns of different counts",
                           [seg] { (void)seg.assign(Names{"arr"}, Columns{V{1}, V{2}}); },
                           {"assign: 1 column names for 2 columns"}),
        gives("assign: NaN matches no condition",
              [seg] {
                  CHECK(seg.assign(Names{"arr"}, Columns{V{nan, 500, inf}}) ==
                        std::vector<std::int32_t>{1, 0, 0});
              }),
        gives(
            "assign: a row matching no tier gets -1",
            [] {
                const Segmenter only = Segmenter::from_json(R"({"tiers": [{"name": "big",
                    "when": [{"column": "arr", "op": ">", "value": 1}]}]})");
                CHECK(only.assign(Names{"arr"}, Columns{V{0}}) == std::vector<std::int32_t>{-1});
            }),
        gives("assign: an empty table",
              [seg] { CHECK(seg.assign(Names{"arr"}, Columns{V{}}).empty()); }),
    };
}

// ---------------------------------------------------------------------------------------------
// survival.hpp

Cases survival_cases() {
    using namespace survival;
    return {
        raises<InputError>("normal_quantile: p 0", [] { (void)normal_quantile(0.0); },
                           {"p: must be strictly between 0 and 1"}),
        raises<InputError>("normal_quantile: NaN", [] { (void)normal_quantile(nan); },
                           {"p: must be strictly between 0 and 1"}),
        raises<InputError>("kaplan_meier: negative duration",
                           [] { (void)kaplan_meier(V{1, -2}, V{}); },
                           {"column 'duration', row 1: duration must be a finite number >= 0, got "
                            "-2"}),
        raises<InputError>("kaplan_meier: NaN duration", [] { (void)kaplan_meier(V{nan}, V{1}); },
                           {"column 'duration', row 0:", "got nan"}),
        raises<InputError>("kaplan_meier: infinite duration",
                           [] { (void)kaplan_meier(V{1, inf}, V{1, 0}); },
                           {"column 'duration', row 1:", "got inf"}),
        raises<InputError>("kaplan_meier: columns of different lengths",
                           [] { (void)kaplan_meier(V{1, 2}, V{1}); },
                           {"columns differ in length: 'duration' has 2 rows, 'observed' 1"}),
        raises<InputError>("kaplan_meier: an observed flag of 2",
                           [] { (void)kaplan_meier(V{1, 2}, V{1, 2}); },
                           {"column 'observed', row 1: observed flag must be 0 (censored) or 1 "
                            "(event), got 2"}),
        raises<InputError>("kaplan_meier: non-increasing timeline",
                           [] { (void)kaplan_meier(V{1, 2}, V{}, V{0, 3, 3}); },
                           {"timeline: must be finite and strictly increasing (at position 2)"}),
        raises<InputError>("kaplan_meier: alpha 0", [] { (void)kaplan_meier(V{1}, V{}, V{}, 0.0); },
                           {"alpha: must be strictly between 0 and 1"}),
        gives("kaplan_meier: an alpha so small that 1 - alpha / 2 rounds to 1",
              [] {
                  const V d{1, 2, 3, 4}, o{1, 1, 0, 1};
                  const auto wide = kaplan_meier(d, o, V{}, 1e-300), usual = kaplan_meier(d, o);
                  REQUIRE(wide.size() == usual.size());
                  CHECK(wide.survival == usual.survival);
                  CHECK(wide.ci_lower[1] < usual.ci_lower[1]);
                  CHECK(wide.ci_upper[1] > usual.ci_upper[1]);
                  CHECK(wide.ci_lower[1] >= 0.0);
              }),
        raises<InputError>("kaplan_meier: entries of another length",
                           [] { (void)kaplan_meier(V{1, 2}, V{}, V{}, 0.05, {}, {}, V{0}); },
                           {"columns differ in length: 'duration' has 2 rows, 'entry' 1"}),
        raises<InputError>("kaplan_meier: entry after the duration",
                           [] { (void)kaplan_meier(V{2}, V{}, V{}, 0.05, {}, {}, V{5}); },
                           {"column 'entry', row 0: entry 5 is after the duration 2"}),
        raises<InputError>("kaplan_meier: negative entry",
                           [] { (void)kaplan_meier(V{2, 3}, V{}, V{}, 0.05, {}, {}, V{0, -1}); },
                           {"column 'entry', row 1: entry must be a finite number >= 0, got -1"}),
        raises<InputError>("kaplan_meier: the caller's column names",
                           [] {
                               (void)kaplan_meier(V{-1}, V{}, V{}, 0.05,
                                                  SurvivalColumns{"tenure", "churned", "since"});
                           },
                           {"column 'tenure', row 0"}),
        gives("kaplan_meier: no durations",
              [] {
                  const auto km = kaplan_meier(V{}, V{});
                  CHECK(std::isnan(median_survival(km)) == (km.size() == 0));
                  CHECK(std::isnan(restricted_mean(km, 10)) == (km.size() == 0));
              }),
        gives("kaplan_meier: one event",
              [] {
                  const auto km = kaplan_meier(V{3}, V{1});
                  REQUIRE(km.size() == 2);
                  CHECK(km.time == V{0, 3});
                  CHECK(km.survival == V{1, 0});
                  CHECK(median_survival(km) == 3.0);
              }),
        gives("kaplan_meier: unsorted and repeated durations give the sorted curve",
              [] {
                  const auto sorted = kaplan_meier(V{1, 2, 2, 5}, V{1, 1, 0, 1});
                  const auto shuffled = kaplan_meier(V{5, 2, 1, 2}, V{1, 0, 1, 1});
                  CHECK(shuffled.time == sorted.time);
                  CHECK(shuffled.survival == sorted.survival);
                  CHECK(shuffled.at_risk == sorted.at_risk);
              }),
        gives("kaplan_meier: huge durations",
              [] {
                  const auto km = kaplan_meier(V{1e308, 1}, V{1, 1});
                  REQUIRE(km.size() == 3);
                  CHECK(km.time == V{0, 1, 1e308});
                  CHECK(km.survival == V{1, 0.5, 0});
              }),
        raises<InputError>("kaplan_meier_flags: a flag byte of 2",
                           [] {
                               const std::vector<std::uint8_t> flags{1, 2};
                               (void)kaplan_meier_flags(V{1, 2}, flags);
                           },
                           {"column 'observed', row 1: observed flag must be 0 (censored) or 1 "
                            "(event), got 2"}),
        raises<InputError>("retention_curves: group code past the groups",
                           [] { (void)retention_curves(I{0, 2}, 2, V{1, 2}, V{}); },
                           {"column 'group', row 1: segment code 2 is not below 2"}),
        raises<InputError>(
            "retention_curves: negative group code, the caller's column name",
            [] { (void)retention_curves(I{-1}, 2, V{1}, V{}, V{}, 0.05, {}, "plan"); },
            {"column 'plan', row 0: segment code -1"}),
        raises<InputError>("retention_curves: groups of another length",
                           [] { (void)retention_curves(I{0}, 1, V{1, 2}, V{}); },
                           {"columns differ in length: 'group' has 1 rows, 'duration' 2"}),
        gives("retention_curves: a group without durations has an empty curve",
              [] {
                  const auto curves = retention_curves(I{0}, 2, V{3}, V{1});
                  REQUIRE(curves.size() == 2);
                  CHECK(curves[0].size() == 2);
                  CHECK(curves[1].size() == 0);
              }),
        gives("median_survival: +infinity when survival stays above 0.5",
              [] { CHECK(median_survival(kaplan_meier(V{1, 2, 3}, V{1, 0, 0})) == inf); }),
        raises<InputError>("median_survival: a table whose columns differ in length",
                           [] { (void)median_survival(km_of({0, 1, 2}, {1})); },
                           {"km: time and survival differ in length"}),
        raises<InputError>("restricted_mean: negative horizon",
                           [] { (void)restricted_mean(kaplan_meier(V{1}, V{1}), -1); },
                           {"horizon: must be a finite number >= 0"}),
        raises<InputError>("restricted_mean: a table whose columns differ in length",
                           [] { (void)restricted_mean(km_of({0, 1, 2}, {1}), 5); },
                           {"km: time and survival differ in length"}),
        raises<InputError>("discounted_lifetime: an empty table",
                           [] { (void)discounted_lifetime(km_of({}, {}), 10, 0.01); },
                           {"km: the survival table is empty"}),
        raises<InputError>("discounted_lifetime: period 0",
                           [] { (void)discounted_lifetime(km_of({0}, {1}), 10, 0.01, 0); },
                           {"period: must be a finite number > 0"}),
        raises<InputError>("discounted_lifetime: NaN discount",
                           [] { (void)discounted_lifetime(km_of({0}, {1}), 10, nan); },
                           {"discount_rate: must be a finite number >= 0"}),
        raises<InputError>("discounted_lifetime: an unbounded sum",
                           [] { (void)discounted_lifetime(km_of({0, 1}, {1, 0.5}), inf, 0.0); },
                           {"horizon: is infinite while discount_rate is 0"}),
        raises<InputError>("discounted_lifetime: unsorted times",
                           [] { (void)discounted_lifetime(km_of({0, 2, 1}, {1, 0.5, 0.4}), 5, 0); },
                           {"column 'time', row 2: times must be finite and strictly increasing"}),
        raises<InputError>("discounted_lifetime: survival above 1",
                           [] { (void)discounted_lifetime(km_of({0}, {1.5}), 5, 0); },
                           {"column 'survival', row 0: survival must be a number in [0, 1]"}),
        raises<InputError>("ShiftedBetaGeometric: alpha 0", [] { ShiftedBetaGeometric(0, 1); },
                           {"alpha, beta: must both be finite numbers from 1e-6 to 1e6, got 0, 1"}),
        raises<InputError>("ShiftedBetaGeometric: infinite beta",
                           [] { ShiftedBetaGeometric(1, inf); },
                           {"alpha, beta: must both be finite numbers", "got 1, inf"}),
        raises<InputError>("ShiftedBetaGeometric: huge parameters",
                           [] { ShiftedBetaGeometric(1e308, 1e308); },
                           {"alpha, beta: must both be finite numbers from 1e-6 to 1e6"}),
        raises<InputError>("ShiftedBetaGeometric: tiny parameters",
                           [] { ShiftedBetaGeometric(1e-300, 1); },
                           {"alpha, beta: must both be finite numbers from 1e-6 to 1e6"}),
        gives("ShiftedBetaGeometric: parameters at the bounds keep their digits",
              [] {
                  // r(1) = beta / (alpha + beta); S(1) is the same number.
                  const ShiftedBetaGeometric tiny(1e-6, 1e-6), huge(1e6, 1e6);
                  CHECK(tiny.retention(1) == doctest::Approx(0.5));
                  CHECK(huge.retention(1) == doctest::Approx(0.5));
                  CHECK(huge.survival(1) == doctest::Approx(0.5));
                  CHECK(tiny.churn_probability(1) == doctest::Approx(0.5));
              }),
        raises<InputError>("sBG fit: one period",
                           [] { (void)ShiftedBetaGeometric::fit(V{100, 80}); },
                           {"survivors: needs the cohort size and at least two periods"}),
        raises<InputError>("sBG fit: survivors increasing",
                           [] { (void)ShiftedBetaGeometric::fit(V{100, 80, 90}); },
                           {"survivors[2]: survivors cannot increase: 90 after 80"}),
        raises<InputError>("sBG fit: a fractional count",
                           [] { (void)ShiftedBetaGeometric::fit(V{100, 80.5, 70}); },
                           {"survivors[1]: must be a whole number of customers >= 0, got 80.5"}),
        raises<InputError>("sBG fit: NaN count",
                           [] { (void)ShiftedBetaGeometric::fit(V{100, nan, 70}); },
                           {"survivors[1]: must be a whole number"}),
        raises<InputError>("sBG fit: an empty cohort",
                           [] { (void)ShiftedBetaGeometric::fit(V{0, 0, 0}); },
                           {"survivors[0]: the cohort is empty"}),
        raises<InputError>("sBG fit: a count past 2^53",
                           [] { (void)ShiftedBetaGeometric::fit(V{1e300, 5e299, 2.5e299}); },
                           {"survivors[0]: must be at most 2^53 customers"}),
        raises<InputError>("sBG fit: nobody churned",
                           [] { (void)ShiftedBetaGeometric::fit(V{10, 10, 10}); },
                           {"survivors: nobody churned"}),
        raises<InputError>("sBG fit_cohorts: names of another count",
                           [] {
                               const std::vector<std::string> names{"2024-01"};
                               (void)ShiftedBetaGeometric::fit_cohorts({{10, 8, 7}, {5, 4}}, 100,
                                                                       1e-10, names);
                           },
                           {"cohort_names: give one name per cohort (2 cohorts, 1 names)"}),
        raises<InputError>("sBG fit_cohorts: no cohort",
                           [] { (void)ShiftedBetaGeometric::fit_cohorts({}); },
                           {"the cohorts are too small to fit the sBG model: no cohort was given"}),
        raises<InputError>("sBG fit_cohorts: a cohort without a size",
                           [] { (void)ShiftedBetaGeometric::fit_cohorts({{10, 8, 7}, {}}); },
                           {"survivors[1]: survivors[1] has no size"}),
        raises<InputError>("sBG fit_cohorts: a named cohort increasing",
                           [] {
                               const std::vector<std::string> names{"2024-01", "2024-02"};
                               (void)ShiftedBetaGeometric::fit_cohorts({{10, 8, 7}, {5, 6}}, 100,
                                                                       1e-10, names);
                           },
                           {"survivors[1][1]: cohort 2024-02: survivors cannot increase"}),
        raises<InputError>("sBG fit_cohorts: one period per cohort",
                           [] { (void)ShiftedBetaGeometric::fit_cohorts({{10, 8}, {5, 4}}); },
                           {"no cohort has two completed periods", "survivors[0]: 10, 8"}),
        raises<InputError>("sBG retention: period 0",
                           [] { (void)ShiftedBetaGeometric(1, 2).retention(0); },
                           {"t: must be a whole period >= 1"}),
        raises<InputError>("sBG retention: a fractional period",
                           [] { (void)ShiftedBetaGeometric(1, 2).retention(1.5); },
                           {"t: must be a whole period >= 1"}),
        raises<InputError>("sBG retention: an infinite period",
                           [] { (void)ShiftedBetaGeometric(1, 2).retention(inf); },
                           {"t: must be a whole period"}),
        raises<InputError>("sBG survival: negative period",
                           [] { (void)ShiftedBetaGeometric(1, 2).survival(-1); },
                           {"t: must be a whole period >= 0"}),
        raises<InputError>("sBG survival: an infinite period",
                           [] { (void)ShiftedBetaGeometric(1, 2).survival(inf); },
                           {"t: must be a whole period"}),
        raises<InputError>("sBG churn_probability: NaN period",
                           [] { (void)ShiftedBetaGeometric(1, 2).churn_probability(nan); },
                           {"t: must be a whole period >= 1"}),
        raises<InputError>("sBG churn_probability: an infinite period",
                           [] { (void)ShiftedBetaGeometric(1, 2).churn_probability(inf); },
                           {"t: must be a whole period"}),
        raises<InputError>("sBG DEL: no discount",
                           [] { (void)ShiftedBetaGeometric(1, 2).discounted_expected_lifetime(0); },
                           {"discount_rate: must be > 0 (undiscounted lifetimes may be infinite)"}),
        raises<InputError>(
            "sBG DERL: negative renewals",
            [] { (void)ShiftedBetaGeometric(1, 2).discounted_residual_lifetime(0.1, -1); },
            {"renewals: must be a whole number >= 0"}),
        raises<InputError>(
            "sBG DERL: infinite renewals",
            [] { (void)ShiftedBetaGeometric(1, 2).discounted_residual_lifetime(0.1, inf); },
            {"renewals: must be a whole number >= 0"}),
        gives("sBG: a huge period's survival tends to 0",
              [] {
                  const ShiftedBetaGeometric m(1, 2);
                  // S(t) = B(1, 2 + t) / B(1, 2) = 2 / (2 + t).
                  CHECK(m.survival(1e12) == doctest::Approx(2.0 / (2.0 + 1e12)).epsilon(1e-6));
              }),
    };
}

// ---------------------------------------------------------------------------------------------
// labels.hpp and snapshot.hpp's label_churn

Cases labels_cases() {
    using backtest::label_churn;
    const std::int64_t d = day_of(2024, 1, 31);
    return {
        raises<InputError>("label_churn: horizon 0",
                           [d] { (void)label_churn(I{0}, I{d}, I{}, I{}, I{}, 1, 0, d + 100); },
                           {"horizon_days: must be a whole number of days >= 1, got 0"}),
        raises<InputError>(
            "label_churn: a huge horizon",
            [d] { (void)label_churn(I{0}, I{d}, I{}, I{}, I{}, 1, int64_max, d + 100); },
            {"horizon_days: is too large"}),
        raises<InputError>("label_churn: snapshot columns of different lengths",
                           [d] { (void)label_churn(I{0, 0}, I{d}, I{}, I{}, I{}, 1, 30, d + 100); },
                           {"as_of: must have one value per snapshot row"}),
        raises<InputError>("label_churn: churn columns of different lengths",
                           [d] { (void)label_churn(I{0}, I{d}, I{0}, I{}, I{}, 1, 30, d + 100); },
                           {"churn_date: must have one value per churn row"}),
        raises<InputError>(
            "label_churn: returns of another length",
            [d] { (void)label_churn(I{0}, I{d}, I{0}, I{d}, I{d, d}, 1, 30, d + 100); },
            {"churn_date: must have one value per churn row"}),
        raises<InputError>(
            "label_churn: missing as-of day (NaT)",
            [d] { (void)label_churn(I{0, 0}, I{d, nat}, I{}, I{}, I{}, 1, 30, d + 100); },
            {"column 'as_of', row 1: missing date (NaT)"}),
        raises<InputError>("label_churn: snapshot account code past the accounts",
                           [d] { (void)label_churn(I{3}, I{d}, I{}, I{}, I{}, 2, 30, d + 100); },
                           {"column 'account_id', row 0: account code 3 out of range: there are 2 "
                            "accounts"}),
        raises<InputError>("label_churn: churn account code -2",
                           [d] { (void)label_churn(I{0}, I{d}, I{-2}, I{d}, I{}, 1, 30, d + 100); },
                           {"column 'account_id', row 0: churn account code -2 out of range: there "
                            "is 1 account"}),
        raises<InputError>(
            "label_churn: missing churn day (NaT)",
            [d] { (void)label_churn(I{0}, I{d}, I{0}, I{nat}, I{}, 1, 30, d + 100); },
            {"column 'churn_date', row 0: missing date (NaT)"}),
        raises<InputError>(
            "label_churn: a return before its churn",
            [d] { (void)label_churn(I{0}, I{d}, I{0}, I{d + 5}, I{d + 1}, 1, 30, d + 100); },
            {"column 'returned_at', row 0: returned on 2024-02-01, before churning "
             "on 2024-02-05"}),
        raises<InputError>(
            "label_churn: a repeated (account, as-of) row",
            [d] { (void)label_churn(I{0, 1, 0}, I{d, d, d}, I{}, I{}, I{}, 2, 30, d + 100); },
            {"column 'as_of', row 2: the account already has a snapshot on "
             "2024-01-31 (row 0)"}),
        raises<InputError>("label_churn: the caller's column names",
                           [d] {
                               (void)label_churn(I{0}, I{nat}, I{}, I{}, I{}, 1, 30, d,
                                                 {"customer", "date", "lost", "back"});
                           },
                           {"column 'date', row 0"}),
        gives("label_churn: churn code -1 is an account without snapshots",
              [d] {
                  const auto r = label_churn(I{0}, I{d}, I{-1}, I{d + 1}, I{}, 1, 30, d + 100);
                  CHECK(r.label == std::vector<std::int8_t>{0});
              }),
        gives("label_churn: no rows",
              [d] {
                  const auto r = label_churn(I{}, I{}, I{}, I{}, I{}, 0, 30, d);
                  CHECK(r.label.empty());
                  CHECK(r.positives + r.negatives + r.inactive + r.unresolved == 0);
              }),
        gives("label_churn: unsorted churns give the sorted labels",
              [d] {
                  const I acc{0, 0, 1}, as_of{d, d + 40, d};
                  const auto sorted =
                      label_churn(acc, as_of, I{0, 1}, I{d + 10, d + 50}, I{}, 2, 30, d + 200);
                  const auto shuffled =
                      label_churn(acc, as_of, I{1, 0}, I{d + 50, d + 10}, I{}, 2, 30, d + 200);
                  CHECK(sorted.label == shuffled.label);
                  CHECK(sorted.label == std::vector<std::int8_t>{1, backtest::label_inactive, 0});
              }),
        gives("label_churn: a huge as-of day is unresolved",
              [d] {
                  const auto r = label_churn(I{0}, I{int64_max}, I{}, I{}, I{}, 1, 30, d);
                  CHECK(r.label == std::vector<std::int8_t>{backtest::label_unresolved});
              }),
        raises<InputError>("label_churn(Book): account code past the accounts",
                           [d] { (void)retain::label_churn(full_book(), I{7}, I{d}, 30, d + 100); },
                           {"column 'account_id', row 0: account code 7 out of range: there are 3 "
                            "accounts"}),
        raises<InputError>(
            "label_churn(Book): columns of different lengths",
            [d] { (void)retain::label_churn(full_book(), I{0}, I{d, d}, 30, d + 100); },
            {"as_of: must have one value per snapshot row"}),
    };
}

// ---------------------------------------------------------------------------------------------
// metrics.hpp

Cases metrics_cases() {
    using namespace metrics;
    return {
        raises<InputError>("roc_auc: columns of different lengths",
                           [] { (void)roc_auc(V{0, 1}, V{0.1}); },
                           {"roc_auc: risk has 1 rows but y has 2"}),
        raises<InputError>("roc_auc: one class only", [] { (void)roc_auc(V{0, 0}, V{0.1, 0.2}); },
                           {"roc_auc: y has one class only (all 0); ROC AUC needs both"}),
        raises<InputError>("roc_auc: no rows", [] { (void)roc_auc(V{}, V{}); },
                           {"roc_auc: no rows; ROC AUC needs both classes"}),
        raises<InputError>("roc_auc: a label of 2", [] { (void)roc_auc(V{0, 2}, V{0.1, 0.2}); },
                           {"column 'y', row 1: must be 0 or 1, got 2"}),
        raises<InputError>("roc_auc: NaN label", [] { (void)roc_auc(V{nan, 1}, V{0.1, 0.2}); },
                           {"column 'y', row 0: must be 0 or 1, got nan"}),
        raises<InputError>("roc_auc: NaN risk", [] { (void)roc_auc(V{0, 1}, V{nan, 0.2}); },
                           {"column 'risk', row 0: must be a finite number, got nan"}),
        raises<InputError>("roc_auc: infinite risk", [] { (void)roc_auc(V{0, 1}, V{0.1, inf}); },
                           {"column 'risk', row 1: must be a finite number, got inf"}),
        raises<InputError>("roc_auc: negative weight",
                           [] { (void)roc_auc(V{0, 1}, V{0.1, 0.2}, V{-1, 1}); },
                           {"column 'sample_weight', row 0: must be a finite number >= 0, got -1"}),
        raises<InputError>("roc_auc: weights of another length",
                           [] { (void)roc_auc(V{0, 1}, V{0.1, 0.2}, V{1}); },
                           {"roc_auc: sample_weight has 1 rows but y has 2"}),
        raises<InputError>("roc_auc: churners of zero weight",
                           [] { (void)roc_auc(V{0, 1}, V{0.1, 0.2}, V{1, 0}); },
                           {"roc_auc: the rows with y == 1 have zero total weight"}),
        raises<InputError>("roc_auc: int8 label codes of label_churn",
                           [] {
                               const std::vector<std::int8_t> y{0, 1, backtest::label_unresolved};
                               (void)roc_auc(y, V{0.1, 0.2, 0.3});
                           },
                           {"column 'y', row 2: must be 0 or 1, got -2"}),
        gives("roc_auc: huge risks rank like small ones",
              [] { CHECK(roc_auc(V{0, 1, 0, 1}, V{-1e308, 1e308, -1e307, 1e307}) == 1.0); }),
        raises<InputError>(
            "roc_auc: weights summing past the largest double",
            [] { (void)roc_auc(V{0, 1, 0}, V{0.1, 0.2, 0.3}, V{1e308, 1e308, 1e308}); },
            {"roc_auc: sample_weight sums past the largest double"}),
        gives("roc_auc and pr_auc: huge weights that add up",
              [] {
                  // Equal weights are no weights: the churner at 0.2 is above one of two stayers.
                  const V y{0, 1, 0}, risk{0.1, 0.2, 0.3}, w(3, 1e200);
                  CHECK(roc_auc(y, risk, w) == doctest::Approx(0.5));
                  CHECK(pr_auc(y, risk, w) == doctest::Approx(pr_auc(y, risk)));
                  CHECK(brier(y, V{0, 1, 0}, w) == 0.0);
              }),
        raises<InputError>("pr_auc: one class only", [] { (void)pr_auc(V{1, 1}, V{0.1, 0.2}); },
                           {"pr_auc: y has one class only (all 1)"}),
        raises<InputError>("roc_curve: NaN risk", [] { (void)roc_curve(V{0, 1}, V{0.5, nan}); },
                           {"column 'risk', row 1"}),
        raises<InputError>("pr_curve: columns of different lengths",
                           [] { (void)pr_curve(V{0, 1, 1}, V{0.5, 0.4}); },
                           {"risk has 2 rows but y has 3"}),
        raises<InputError>("lift: top 0", [] { (void)lift(V{0, 1}, V{0.1, 0.2}, 0.0); },
                           {"top: must be in (0, 1], got 0"}),
        raises<InputError>("lift: top above 1", [] { (void)lift(V{0, 1}, V{0.1, 0.2}, 1.5); },
                           {"top: must be in (0, 1], got 1.5"}),
        raises<InputError>("lift: no churners", [] { (void)lift(V{0, 0}, V{0.1, 0.2}); },
                           {"lift: y has no churners (all 0)"}),
        raises<InputError>("precision_at: no rows", [] { (void)precision_at(V{}, V{}); },
                           {"precision_at: no rows"}),
        raises<InputError>("recall_at: NaN top", [] { (void)recall_at(V{0, 1}, V{0.1, 0.2}, nan); },
                           {"top: must be in (0, 1], got nan"}),
        raises<InputError>("brier: a probability above 1",
                           [] { (void)brier(V{0, 1}, V{1.5, 0.2}); },
                           {"column 'p', row 0: must be a probability in [0, 1], got 1.5"}),
        raises<InputError>("brier: weights summing to 0",
                           [] { (void)brier(V{0, 1}, V{0.5, 0.2}, V{0, 0}); },
                           {"brier: sample_weight sums to 0"}),
        raises<InputError>("log_loss: NaN probability", [] { (void)log_loss(V{0}, V{nan}); },
                           {"column 'p', row 0: must be a probability in [0, 1], got nan"}),
        gives("log_loss: one class only is defined",
              [] { CHECK(log_loss(V{0, 0}, V{0.5, 0.5}) == doctest::Approx(std::log(2.0))); }),
        gives("log_loss: a churner given p = 0 costs -log(2^-52)",
              [] { CHECK(log_loss(V{1}, V{0.0}) == doctest::Approx(52 * std::log(2.0))); }),
        raises<InputError>("calibration: no bin",
                           [] { (void)metrics::calibration(V{0, 1}, V{0.1, 0.9}, 0); },
                           {"bins: must be at least 1, got 0"}),
        gives("calibration: an empty bin is NaN",
              [] {
                  const auto c = metrics::calibration(V{0, 1}, V{0.1, 0.9}, 2);
                  REQUIRE(c.observed.size() == 2);
                  CHECK(c.observed == V{0, 1});
                  const auto four = metrics::calibration(V{0, 1}, V{0.1, 0.9}, 4);
                  CHECK(std::isnan(four.observed[1]));
                  CHECK(four.count[1] == 0);
              }),
        raises<InputError>("ks_statistic: one class only", [] { (void)ks_statistic(V{1}, V{0.5}); },
                           {"ks_statistic: y has one class only (all 1)"}),
        raises<InputError>("Labels::at: a row past the labels", [] { (void)Labels(V{0, 1}).at(2); },
                           {"label 2 out of range: there are 2 labels"}),
    };
}

// ---------------------------------------------------------------------------------------------
// logistic.hpp and matrix.hpp

Cases logistic_cases() {
    const auto fit_with = [](LogisticOptions options) {
        return [options] { (void)fit_logistic(view4(), y4, {}, options); };
    };
    LogisticOptions c0, c_nan, iter0, tol_neg, cw_neg, cw_zero;
    c0.C = 0;
    c_nan.C = nan;
    iter0.max_iter = 0;
    tol_neg.tol = -1;
    cw_neg.class_weight = {-1, 1};
    cw_zero.class_weight = {1, 0};
    return {
        raises<InputError>("fit_logistic: C 0", fit_with(c0),
                           {"C: must be a positive finite number, got 0"}),
        raises<InputError>("fit_logistic: NaN C", fit_with(c_nan),
                           {"C: must be a positive finite number, got NaN"}),
        raises<InputError>("fit_logistic: max_iter 0", fit_with(iter0),
                           {"max_iter: must be at least 1, got 0"}),
        raises<InputError>("fit_logistic: negative tol", fit_with(tol_neg),
                           {"tol: must be a finite number >= 0, got -1"}),
        raises<InputError>("fit_logistic: negative class weight", fit_with(cw_neg),
                           {"class_weight: the weight of class 0 must be finite and >= 0, got -1"}),
        raises<InputError>("fit_logistic: a class weighed 0", fit_with(cw_zero),
                           {"class_weight: class 1 has weight 0"}),
        raises<InputError>("fit_logistic: feature names of another count",
                           [] { (void)fit_logistic(view4(), y4, {}, {}, {"tenure"}); },
                           {"feature_names: 1 names for 2 columns"}),
        raises<InputError>(
            "fit_logistic: no rows",
            [] { (void)fit_logistic(MatrixView::row_major(nullptr, 0, 2), V{}, {}, {}); },
            {"X: has no rows"}),
        raises<InputError>("fit_logistic: labels of another length",
                           [] { (void)fit_logistic(view4(), V{0, 1}, {}, {}); },
                           {"y: has 2 values but X has 4 rows"}),
        raises<InputError>("fit_logistic: weights of another length",
                           [] { (void)fit_logistic(view4(), y4, V{1}, {}); },
                           {"sample_weight: has 1 values but X has 4 rows"}),
        raises<InputError>("fit_logistic: three classes",
                           [] { (void)fit_logistic(view4(), V{0, 1, 2, 1}, {}, {}); },
                           {"column 'y', row 2: must be 0 or 1, got 2"}),
        raises<InputError>("fit_logistic: one class only",
                           [] { (void)fit_logistic(view4(), V{0, 0, 0, 0}, {}, {}); },
                           {"y: has one class only (all 0); a logistic regression needs both"}),
        raises<InputError>("fit_logistic: one row",
                           [] {
                               const V x{1, 2};
                               (void)fit_logistic(MatrixView::row_major(x.data(), 1, 2), V{1}, {},
                                                  {});
                           },
                           {"y: has one class only (all 1)"}),
        raises<InputError>("fit_logistic: negative weight",
                           [] { (void)fit_logistic(view4(), y4, V{1, 1, -1, 1}, {}); },
                           {"column 'sample_weight', row 2: must be a finite non-negative weight, "
                            "got -1"}),
        raises<InputError>("fit_logistic: a class of zero weight",
                           [] { (void)fit_logistic(view4(), y4, V{1, 0, 1, 0}, {}); },
                           {"sample_weight: the rows of class 1 have zero total weight"}),
        raises<InputError>("fit_logistic: NaN feature, named",
                           [] {
                               V x = x4;
                               x[3] = nan;
                               (void)fit_logistic(MatrixView::row_major(x.data(), 4, 2), y4, {}, {},
                                                  {"tenure", "seats"});
                           },
                           {"column 'seats', row 1: is NaN (features must be finite numbers)"}),
        raises<InputError>("fit_logistic: infinite feature, unnamed",
                           [] {
                               V x = x4;
                               x[4] = inf;
                               (void)fit_logistic(MatrixView::row_major(x.data(), 4, 2), y4, {},
                                                  {});
                           },
                           {"column 'x0', row 2: is inf"}),
        raises<InputError>("fit_logistic: int8 label code -1",
                           [] {
                               const std::vector<std::int8_t> y{0, 1, -1, 1};
                               (void)fit_logistic(view4(), y, {}, {});
                           },
                           {"column 'y', row 2: must be 0 or 1, got -1"}),
        raises<InputError>("fit_logistic: a feature whose square overflows",
                           [] {
                               V x = x4;
                               x[1] = 1e300;
                               (void)fit_logistic(MatrixView::row_major(x.data(), 4, 2), y4, {},
                                                  {});
                           },
                           {"column 'x1', row 0: is 1e+300 (a fit takes features of magnitude at "
                            "most 1e100"}),
        gives("fit_logistic: large features are standardized away",
              [] {
                  V x = x4;
                  for (double& v : x) v *= 1e50;
                  const auto big = fit_logistic(MatrixView::row_major(x.data(), 4, 2), y4, {}, {});
                  const auto small = fit_logistic(view4(), y4, {}, {});
                  CHECK(big.coef_standardized[0] == doctest::Approx(small.coef_standardized[0]));
                  CHECK(big.coef_standardized[1] == doctest::Approx(small.coef_standardized[1]));
              }),
        raises<InputError>("logistic_decision: columns other than fitted",
                           [] {
                               const auto fit = fit_logistic(view4(), y4, {}, {});
                               const V x{1, 2, 3};
                               (void)logistic_decision(MatrixView::row_major(x.data(), 1, 3), fit);
                           },
                           {"X: has 3 columns but the model was fitted on 2"}),
        raises<InputError>("logistic_probability: NaN feature",
                           [] {
                               const auto fit = fit_logistic(view4(), y4, {}, {});
                               const V x{1, 2, 3, nan};
                               (void)logistic_probability(MatrixView::row_major(x.data(), 2, 2),
                                                          fit);
                           },
                           {"column 'x1', row 1: is NaN"}),
        raises<Error>("LogisticChurnModel: result before fit",
                      [] { (void)LogisticChurnModel().result(); },
                      {"LogisticChurnModel: not fitted yet; call fit first"}),
        raises<Error>("LogisticChurnModel: predict before fit",
                      [] { (void)LogisticChurnModel().predict_proba(view4()); },
                      {"not fitted yet"}),
        raises<Error>("LogisticChurnModel: decision before fit",
                      [] { (void)LogisticChurnModel().decision_function(view4()); },
                      {"not fitted yet"}),
        raises<InputError>("MatrixView::at: a row past the rows", [] { (void)view4().at(4, 0); },
                           {"row 4 out of range: there are 4 rows"}),
        raises<InputError>("MatrixView::at: a column past the columns",
                           [] { (void)view4().at(0, 2); },
                           {"column 2 out of range: there are 2 columns"}),
    };
}

// ---------------------------------------------------------------------------------------------
// calibration.hpp

Cases calibration_cases() {
    using namespace calibration;
    return {
        raises<InputError>("fit_isotonic: columns of different lengths",
                           [] { (void)fit_isotonic(V{1, 2, 3}, V{0, 1}); },
                           {"y: has 2 values, x has 3"}),
        raises<InputError>("fit_isotonic: NaN x", [] { (void)fit_isotonic(V{1, nan}, V{0, 1}); },
                           {"column 'x', row 1: must be a finite number, got nan"}),
        raises<InputError>("fit_isotonic: infinite y",
                           [] { (void)fit_isotonic(V{1, 2}, V{inf, 1}); },
                           {"column 'y', row 0: must be a finite number, got inf"}),
        raises<InputError>("fit_isotonic: negative weight",
                           [] { (void)fit_isotonic(V{1, 2}, V{0, 1}, V{1, -1}); },
                           {"column 'sample_weight', row 1: must be a finite number >= 0, got -1"}),
        raises<InputError>("fit_isotonic: weights of another length",
                           [] { (void)fit_isotonic(V{1, 2}, V{0, 1}, V{1}); },
                           {"sample_weight: has 1 values, x has 2"}),
        raises<InputError>("fit_isotonic: zero total weight",
                           [] { (void)fit_isotonic(V{1, 2}, V{0, 1}, V{0, 0}); },
                           {"sample_weight: no row has a positive weight"}),
        raises<InputError>("fit_isotonic: no rows", [] { (void)fit_isotonic(V{}, V{}); },
                           {"x: has no rows; an isotonic fit needs at least one"}),
        gives("fit_isotonic: one row is a constant map",
              [] {
                  const auto map = fit_isotonic(V{3}, V{0.25});
                  CHECK(map(-100) == 0.25);
                  CHECK(map(100) == 0.25);
              }),
        gives("fit_isotonic: unsorted and repeated x give the sorted fit",
              [] {
                  const auto sorted = fit_isotonic(V{1, 2, 2, 3}, V{0, 0, 1, 1});
                  const auto shuffled = fit_isotonic(V{2, 3, 1, 2}, V{1, 1, 0, 0});
                  CHECK(shuffled.x == sorted.x);
                  CHECK(shuffled.y == sorted.y);
                  CHECK(sorted.x == V{1, 2, 3});
                  CHECK(sorted.y == V{0, 0.5, 1});
              }),
        raises<InputError>("fit_logistic_map: one class only",
                           [] { (void)fit_logistic_map(V{1, 2}, V{0, 0}); },
                           {"y: has one class only (all 0)"}),
        raises<InputError>("fit_logistic_map: separable classes",
                           [] { (void)fit_logistic_map(V{1, 2, 3, 4}, V{0, 0, 1, 1}); },
                           {"x: separates the classes completely"}),
        raises<InputError>("fit_logistic_map: a label of 2",
                           [] { (void)fit_logistic_map(V{1, 2}, V{0, 2}); },
                           {"column 'y', row 1: must be 0 or 1, got 2"}),
        raises<InputError>("fit_logistic_map: no rows", [] { (void)fit_logistic_map(V{}, V{}); },
                           {"x: has no rows; a logistic fit needs both classes"}),
        raises<InputError>("fit_logistic_map: infinite x",
                           [] { (void)fit_logistic_map(V{1, -inf}, V{0, 1}); },
                           {"column 'x', row 1: must be a finite number, got -inf"}),
        gives("fit_logistic_map: huge x fits as its scaled copy does",
              [] {
                  const V x{1, 2, 3, 4, 2.5}, y{0, 1, 0, 1, 1};
                  V big = x;
                  for (double& v : big) v *= 1e300;
                  const auto small_fit = fit_logistic_map(x, y), big_fit = fit_logistic_map(big, y);
                  CHECK(small_fit.slope != 0.0);
                  CHECK(big_fit.slope * 1e300 == doctest::Approx(small_fit.slope));
                  CHECK(big_fit.intercept == doctest::Approx(small_fit.intercept));
              }),
        gives("fit_logistic_map: a constant x is the base rate",
              [] {
                  const auto map = fit_logistic_map(V{5, 5, 5, 5}, V{0, 0, 0, 1});
                  CHECK(map.slope == 0.0);
                  CHECK(map(123) == doctest::Approx(0.25));
              }),
        gives("IsotonicMap: thresholds so far apart that their difference overflows",
              [] {
                  const auto map = fit_isotonic(V{-1e308, 1e308}, V{0, 1});
                  CHECK(map(0.0) == 0.5);
                  CHECK(map(5e307) == 0.75);
                  CHECK(map(1e308) == 1.0);
                  CHECK(map(-1e308) == 0.0);
              }),
        gives("IsotonicMap: an empty map gives NaN", [] { CHECK(std::isnan(IsotonicMap{}(0.5))); }),
        raises<InputError>("RiskCalibration: an empty isotonic map",
                           [] { RiskCalibration(IsotonicMap{}); },
                           {"IsotonicMap: needs as many y as x thresholds, at least one"}),
        raises<InputError>("RiskCalibration: thresholds not increasing",
                           [] { RiskCalibration(IsotonicMap{V{1, 1}, V{0, 1}, true}); },
                           {"column 'IsotonicMap', row 1: x thresholds must increase strictly"}),
        raises<InputError>("RiskCalibration: NaN threshold",
                           [] { RiskCalibration(IsotonicMap{V{1, 2}, V{0, nan}, true}); },
                           {"column 'IsotonicMap', row 1: threshold is not finite"}),
        raises<InputError>("RiskCalibration: NaN slope",
                           [] { RiskCalibration(LogisticMap{0, nan, 0, false}); },
                           {"LogisticMap: intercept and slope must be finite"}),
        raises<InputError>("RiskCalibration::fit: labels of another length",
                           [] { (void)RiskCalibration::fit(Method::isotonic, V{1, 2}, V{0}); },
                           {"y: has 1 values, risk has 2"}),
        raises<InputError>("RiskCalibration::fit: infinite risk",
                           [] { (void)RiskCalibration::fit(Method::logistic, V{inf, 2}, V{0, 1}); },
                           {"column 'risk', row 0: must be a finite number, got inf"}),
        raises<InputError>("RiskCalibration::fit: isotonic labels of 2",
                           [] { (void)RiskCalibration::fit(Method::isotonic, V{1, 2}, V{0, 2}); },
                           {"column 'y', row 1: must be 0 or 1, got 2"}),
        raises<Error>("RiskCalibration: the isotonic map of a logistic calibration",
                      [] { (void)RiskCalibration(LogisticMap{}).isotonic(); },
                      {"RiskCalibration: a logistic calibration has no isotonic map"}),
        raises<Error>("RiskCalibration: the logistic map of an isotonic calibration",
                      [] { (void)RiskCalibration(IsotonicMap{V{1}, V{0}, true}).logistic(); },
                      {"RiskCalibration: an isotonic calibration has no logistic map"}),
        raises<InputError>("RiskCalibration::predict: NaN risk",
                           [] { (void)RiskCalibration(LogisticMap{}).predict(nan); },
                           {"risk: must be a finite number, got nan"}),
        raises<InputError>("RiskCalibration::predict: an infinite risk in a column",
                           [] { (void)RiskCalibration(LogisticMap{}).predict(V{0, inf}); },
                           {"column 'risk', row 1: must be a finite number, got inf"}),
        raises<InputError>("mrr_at_risk: MRR of another length",
                           [] { (void)kpi::mrr_at_risk(V{0.1, 0.2}, V{1}, I{0, 0}, 1); },
                           {"mrr: has 1 values for 2 probabilities"}),
        raises<InputError>("mrr_at_risk: groups of another length",
                           [] { (void)kpi::mrr_at_risk(V{0.1}, V{1}, I{0, 0}, 1); },
                           {"group: has 2 codes for 1 probabilities"}),
        raises<InputError>("mrr_at_risk: share 0",
                           [] { (void)kpi::mrr_at_risk(V{0.1}, V{1}, I{0}, 1, 0.0); },
                           {"share: must be in (0, 1], got 0"}),
        raises<InputError>(
            "mrr_at_risk: probability above 1",
            [] { (void)kpi::mrr_at_risk(V{0.1, 1.5}, V{1, 1}, I{0, 0}, 1); },
            {"column 'probability', row 1: must be a probability in [0, 1], got 1.5"}),
        raises<InputError>("mrr_at_risk: negative money",
                           [] { (void)kpi::mrr_at_risk(V{0.1, 0.5}, V{1, -5}, I{0, 0}, 1); },
                           {"column 'mrr', row 1: must be a finite amount >= 0, got -5"}),
        raises<InputError>("mrr_at_risk: NaN money",
                           [] { (void)kpi::mrr_at_risk(V{0.1}, V{nan}, I{0}, 1); },
                           {"column 'mrr', row 0:", "got nan"}),
        raises<InputError>("mrr_at_risk: group code past the groups",
                           [] { (void)kpi::mrr_at_risk(V{0.1}, V{1}, I{2}, 2); },
                           {"column 'group', row 0: group code 2 is not in [0, 2)"}),
        gives("mrr_at_risk: no accounts, and a group expecting no loss",
              [] {
                  const auto empty = kpi::mrr_at_risk(V{}, V{}, I{}, 2);
                  CHECK(empty.accounts == I{0, 0});
                  CHECK(empty.top(1).empty());
                  const auto none = kpi::mrr_at_risk(V{0.0}, V{100}, I{0}, 1);
                  CHECK(none.expected_mrr_lost[0] == 0.0);
                  CHECK(none.top(0).empty());
              }),
    };
}

// ---------------------------------------------------------------------------------------------
// backtest.hpp

Cases backtest_cases() {
    using namespace backtest;
    return {
        raises<InputError>("evaluate: columns of different lengths",
                           [] { (void)evaluate(V{0, 1}, V{0.5}, false); },
                           {"risk: 1 values for 2 labels"}),
        gives("evaluate: no rows",
              [] {
                  const auto e = evaluate(V{}, V{}, true);
                  CHECK(e.reason == "no rows");
                  CHECK(std::isnan(e.roc_auc));
                  CHECK(std::isnan(e.churn_rate));
                  CHECK(std::isnan(e.brier));
              }),
        gives("evaluate: one class only has NaN ranking metrics and says why",
              [] {
                  const auto none = evaluate(V{0, 0}, V{0.1, 0.2}, false);
                  CHECK(none.reason == "no churner");
                  CHECK(std::isnan(none.pr_auc));
                  CHECK(none.churn_rate == 0.0);
                  const auto all = evaluate(V{1, 1}, V{0.1, 0.2}, true);
                  CHECK(all.reason == "all churned");
                  CHECK(all.brier == doctest::Approx((0.81 + 0.64) / 2));
              }),
        raises<InputError>("evaluate: a label of 2 with one row",
                           [] { (void)evaluate(V{2}, V{0.5}, false); },
                           {"column 'y', row 0: must be 0 or 1, got 2"}),
        raises<InputError>("evaluate: labels summing to the row count",
                           [] { (void)evaluate(V{2, 0}, V{0.5, 0.1}, false); },
                           {"column 'y', row 0: must be 0 or 1, got 2"}),
        raises<InputError>("evaluate: NaN label",
                           [] { (void)evaluate(V{nan, 1}, V{0.5, 0.1}, false); },
                           {"column 'y', row 0: must be 0 or 1, got nan"}),
        raises<InputError>("evaluate: NaN risk",
                           [] { (void)evaluate(V{0, 1}, V{nan, 0.1}, false); },
                           {"column 'risk', row 0: must be a finite number, got nan"}),
        raises<InputError>("evaluate_by_date: columns of different lengths",
                           [] { (void)evaluate_by_date(I{0}, 1, V{0, 1}, V{0.1, 0.2}, false); },
                           {"evaluate_by_date: 1 date codes, 2 labels and 2 risks"}),
        raises<InputError>("evaluate_by_date: date code past the dates",
                           [] { (void)evaluate_by_date(I{0, 2}, 2, V{0, 1}, V{0.1, 0.2}, false); },
                           {"date_code: row 1: code 2 is not in [0, 2)"}),
        raises<InputError>(
            "evaluate_by_date: a label of 2 names the caller's row",
            [] { (void)evaluate_by_date(I{1, 0, 1}, 2, V{0, 1, 2}, V{0.1, 0.2, 0.3}, false); },
            {"column 'y', row 2: must be 0 or 1, got 2"}),
        raises<InputError>("evaluate_by_date: NaN risk names the caller's row",
                           [] {
                               (void)evaluate_by_date(I{1, 0, 1, 0}, 2, V{0, 1, 1, 0},
                                                      V{0.1, 0.2, nan, 0.4}, false);
                           },
                           {"column 'risk', row 2: must be a finite number, got nan"}),
        gives("evaluate_by_date: a date without rows",
              [] {
                  const auto e = evaluate_by_date(I{0, 0}, 2, V{0, 1}, V{0.1, 0.2}, false);
                  REQUIRE(e.size() == 2);
                  CHECK(e[0].roc_auc == 1.0);
                  CHECK(e[1].reason == "no rows");
              }),
        raises<InputError>("walk_forward_logistic: columns of different lengths",
                           [] { (void)walk_forward_logistic(view4(), y4, I{1, 2}, 30, 1); },
                           {"walk_forward: 4 feature rows, 4 labels and 2 days"}),
        raises<InputError>("walk_forward_logistic: horizon 0",
                           [] { (void)walk_forward_logistic(view4(), y4, I{1, 1, 2, 2}, 0, 1); },
                           {"horizon_days: must be >= 1, got 0"}),
        raises<InputError>("walk_forward_logistic: min_train_dates 0",
                           [] { (void)walk_forward_logistic(view4(), y4, I{1, 1, 2, 2}, 30, 0); },
                           {"min_train_dates: must be >= 1, got 0"}),
        raises<InputError>("walk_forward_logistic: missing day (NaT)",
                           [] { (void)walk_forward_logistic(view4(), y4, I{1, nat, 2, 2}, 30, 1); },
                           {"column 'day', row 1: missing date (NaT)"}),
        raises<InputError>(
            "walk_forward_logistic: a huge horizon",
            [] { (void)walk_forward_logistic(view4(), y4, I{1, 1, 2, 2}, int64_max, 1); },
            {"horizon_days:"}),
        raises<InputError>("walk_forward_logistic: a label of 2 names the caller's row",
                           [] {
                               // Rows 0-1 (day 1) are the first day's test rows, never trained
                               // on before day 100; row 3's label is bad.
                               const V x{1, 0, 2, 1, 3, 0, 4, 1, 5, 0, 6, 1};
                               (void)walk_forward_logistic(MatrixView::row_major(x.data(), 6, 2),
                                                           V{0, 1, 0, 2, 0, 1},
                                                           I{100, 100, 1, 1, 1, 1}, 30, 1);
                           },
                           {"column 'y', row 3: must be 0 or 1, got 2"}),
        raises<InputError>("walk_forward_logistic: a NaN feature names the caller's row",
                           [] {
                               const V x{1, 0, 2, 1, 3, 0, 4, 1, 5, 0, 6, nan};
                               (void)walk_forward_logistic(MatrixView::row_major(x.data(), 6, 2),
                                                           V{0, 1, 0, 1, 0, 1},
                                                           I{1, 1, 1, 1, 100, 100}, 30, 1);
                           },
                           {"column 'x1', row 5:"}),
        gives("walk_forward_logistic: no rows, nothing scored",
              [] {
                  const auto w =
                      walk_forward_logistic(MatrixView::row_major(nullptr, 0, 2), V{}, I{}, 30, 1);
                  CHECK(w.rows.empty());
                  CHECK(w.dates_scored + w.dates_skipped == 0);
              }),
        raises<InputError>("fit_weights: columns of different lengths",
                           [] {
                               const std::vector<std::uint8_t> train{1};
                               (void)fit_weights(model_with(), Names{"x"}, Columns{V{0.1, 0.9}},
                                                 V{0}, train);
                           },
                           {"fit_weights: 2 rows, 1 labels and 1 train flags"}),
        raises<InputError>("fit_weights: a label of 2 names the caller's row",
                           [] {
                               const std::vector<std::uint8_t> train{0, 1, 1, 1};
                               (void)fit_weights(model_with(), Names{"x"},
                                                 Columns{V{0.1, 0.9, 0.2, 0.8}}, V{5, 0, 1, 2},
                                                 train);
                           },
                           {"column 'y', row 3: must be 0 or 1, got 2"}),
        raises<InputError>("fit_weights: no training row",
                           [] {
                               const std::vector<std::uint8_t> train{0, 0};
                               (void)fit_weights(model_with(), Names{"x"}, Columns{V{0.1, 0.9}},
                                                 V{0, 1}, train);
                           },
                           {"train: no row is marked for training"}),
        raises<InputError>("fit_weights: infinite feature",
                           [] {
                               const std::vector<std::uint8_t> train{1, 1};
                               (void)fit_weights(model_with(), Names{"x"}, Columns{V{0.1, inf}},
                                                 V{0, 1}, train);
                           },
                           {"column 'x', row 1: infinite value"}),
        raises<InputError>("fit_weights: every measure the wrong way",
                           [] {
                               const std::vector<std::uint8_t> train{1, 1, 1, 1};
                               (void)fit_weights(model_with(), Names{"x"},
                                                 Columns{V{0.1, 0.9, 0.2, 0.8}}, V{0, 1, 1, 0},
                                                 train);
                           },
                           {"fit_weights: every measure's fitted effect points the wrong way"}),
    };
}

// ---------------------------------------------------------------------------------------------
// snapshot.hpp and book_backtest.hpp

Cases snapshot_cases() {
    const std::int64_t d = day_of(2024, 3, 31);
    const auto with = [](auto edit) {
        SnapshotOptions o;
        edit(o);
        return o;
    };
    return {
        raises<InputError>("snapshots: no as-of date", [] { (void)snapshots(full_book(), I{}); },
                           {"as_of: give at least one date"}),
        raises<InputError>("snapshots: a repeated as-of date",
                           [d] { (void)snapshots(full_book(), I{d, d}); },
                           {"as_of: the date 2024-03-31 is given twice"}),
        raises<InputError>("snapshots: missing as-of date (NaT)",
                           [d] { (void)snapshots(full_book(), I{d, nat}); }, {"as_of:"}),
        raises<InputError>("snapshots: an as-of date out of range",
                           [] { (void)snapshots(full_book(), I{4'000'000}); },
                           {"as_of: date out of range"}),
        raises<InputError>("snapshots: negative lead",
                           [d, with] {
                               (void)snapshots(full_book(), I{d},
                                               with([](SnapshotOptions& o) { o.lead_days = -1; }));
                           },
                           {"lead_days: must be a whole number of days in [0, 36500], got -1"}),
        raises<InputError>(
            "snapshots: a window of 0 days",
            [d, with] {
                (void)snapshots(full_book(), I{d},
                                with([](SnapshotOptions& o) { o.windows = {7, 0}; }));
            },
            {"windows: a window must be a whole number of days in [1, 36500], got 0"}),
        raises<InputError>("snapshots: a window given twice",
                           [d, with] {
                               (void)snapshots(full_book(), I{d}, with([](SnapshotOptions& o) {
                                                   o.windows = {7, 7};
                                               }));
                           },
                           {"windows: window 7 is given twice"}),
        gives("snapshots: a Book without accounts has no rows",
              [d] {
                  const Book empty({Ids{}, std::vector<Time>{}});
                  CHECK(snapshots(empty, I{d}).n_rows() == 0);
              }),
        gives("snapshots: unsorted as-of dates come out sorted",
              [d] {
                  const auto s = snapshots(full_book(), I{d, d - 30});
                  REQUIRE(s.n_rows() > 0);
                  CHECK(s.as_of.front() == d - 30);
                  CHECK(s.as_of.back() == d);
              }),
        raises<ColumnError>("Snapshots::column: an absent column",
                            [] { (void)Snapshots{}.column("mrr"); },
                            {"table 'snapshots' has no column 'mrr'"}),
        raises<InputError>("numeric_columns: rows past the table",
                           [d] { (void)numeric_columns(snapshots(full_book(), I{d}), 0, 99); },
                           {"99"}),
        raises<InputError>("numeric_columns: a hand-made column shorter than the rows",
                           [] {
                               Snapshots s;
                               s.account = {0, 1};
                               s.as_of = {5, 5};
                               FeatureColumn c;
                               c.name = "mrr";
                               c.floats = {1.0};
                               s.columns.push_back(c);
                               (void)numeric_columns(s, 0, 2);
                           },
                           {"snapshots: column 'mrr' has 1 values for 2 rows"}),
        raises<InputError>("numeric_columns: begin after end",
                           [d] { (void)numeric_columns(snapshots(full_book(), I{d}), 2, 1); },
                           {"begin"}),
        raises<InputError>("backtest_health: no as-of date",
                           [d] { (void)backtest_health(full_book(), model_with(), I{}, 30, d); },
                           {"as_of: give at least one date"}),
        raises<InputError>(
            "backtest_health: horizon 0",
            [d] { (void)backtest_health(full_book(), model_with(), I{d - 60}, 0, d); },
            {"horizon_days: must be a whole number of days >= 1, got 0"}),
        raises<ColumnError>(
            "backtest_health: a strict model's column absent from the snapshots",
            [d] { (void)backtest_health(full_book(), strict_model(), I{d - 60}, 30, d); },
            {"measures[0].column: no column 'x' in the data"}),
        gives("backtest_health: a model that reads nothing of the Book scores NaN",
              [d] {
                  const auto bt = backtest_health(full_book(), model_with(), I{d - 60}, 30, d);
                  REQUIRE(!bt.risk.empty());
                  for (double r : bt.risk) CHECK(std::isnan(r));
                  CHECK(bt.per_date[0].reason == "no rows");
              }),
    };
}

// ---------------------------------------------------------------------------------------------
// point_in_time.hpp

Cases point_in_time_cases() {
    using point_in_time::Timeline;
    const auto timeline = [] { return Timeline(I{0, 1, 0}, 2, I{30, 10, 20}); };
    return {
        raises<InputError>("Timeline: columns of different lengths",
                           [] { Timeline(I{0, 1}, 2, I{5}); },
                           {"time: must have one value per row"}),
        raises<InputError>("Timeline: ranks of another length",
                           [] { Timeline(I{0, 1}, 2, I{5, 6}, I{1}); },
                           {"time: must have one value per row"}),
        raises<InputError>("Timeline: key code past the keys",
                           [] { Timeline(I{0, 2}, 2, I{5, 6}); },
                           {"column 'time', row 1: key code out of range"}),
        raises<InputError>("Timeline: missing time (NaT), the caller's column name",
                           [] { Timeline(I{0, 1}, 2, I{5, nat}, {}, "answered_at"); },
                           {"column 'answered_at', row 1: missing date (NaT)"}),
        gives("Timeline: a negative key leaves the row out, NaT and all",
              [] {
                  const Timeline t(I{-1, 0}, 1, I{nat, 5});
                  CHECK(t.size() == 1);
                  CHECK(t.latest(0, 100) == 1);
              }),
        raises<InputError>("Timeline: count_through of a key past the keys",
                           [timeline] { (void)timeline().count_through(2, 100); },
                           {"key 2 out of range: there are 2 keys"}),
        raises<InputError>("Timeline: latest of any key of an empty timeline",
                           [] { (void)Timeline().latest(0, 100); },
                           {"key 0 out of range: there are 0 keys"}),
        raises<InputError>("Timeline: queries of different lengths",
                           [timeline] { (void)timeline().latest(I{0, 1}, I{5}); },
                           {"through: must have one value per query key"}),
        raises<InputError>("Timeline: a query key past the keys",
                           [timeline] { (void)timeline().count_through(I{0, 7}, I{5, 5}); },
                           {"column 'key', row 1: key 7 out of range: there are 2 keys"}),
        gives("Timeline: unsorted rows, the latest by time",
              [timeline] {
                  const Timeline t = timeline();
                  CHECK(t.latest(0, 25) == 2);
                  CHECK(t.latest(0, 100) == 0);
                  CHECK(t.latest(0, 5) == -1);
                  CHECK(t.latest(I{-1, 1}, I{100, 100}) == I{-1, 1});
              }),
        gives("Timeline: repeated times go to the larger rank, else the later row",
              [] {
                  CHECK(Timeline(I{0, 0}, 1, I{5, 5}).latest(0, 5) == 1);
                  CHECK(Timeline(I{0, 0}, 1, I{5, 5}, I{2, 1}).latest(0, 5) == 0);
              }),
        gives("Timeline: the extreme times",
              [timeline] {
                  CHECK(timeline().count_through(0, int64_max) == 2);
                  CHECK(timeline().count_through(0, nat) == 0);
              }),
    };
}

// ---------------------------------------------------------------------------------------------
// tenure.hpp

Cases tenure_cases() {
    using namespace survival;
    const Day d = day_of(2024, 3, 31);
    return {
        raises<InputError>("tenure: a Book without churns or MRR",
                           [d] { (void)tenure(accounts_book(), d); },
                           {"the Book has neither a churns nor an MRR table"}),
        raises<InputError>("tenure: start after as_of",
                           [d] { (void)tenure(full_book(), d, d + 1); },
                           {"start: is after as_of (2024-04-01 > 2024-03-31)"}),
        raises<InputError>("tenure: as_of before the observation start",
                           [] { (void)tenure(full_book(), day_of(2023, 12, 1)); },
                           {"as_of: is before the Book's observation start (2023-12-01 < "
                            "2024-01-01"}),
        raises<InputError>("tenure: a churn before signing",
                           [d] {
                               Book b = accounts_book();
                               add_churns(b, {"b"}, {at(2023, 12, 1)});
                               (void)tenure(b, d);
                           },
                           {"account in row 1 of the accounts table: its first churn (2023-12-01, "
                            "from the churns table) is before it signed (2024-01-05)"}),
        raises<InputError>("tenure: an as-of day out of range",
                           [] { (void)tenure(full_book(), std::numeric_limits<Day>::max()); },
                           {"as_of:"}),
        gives("tenure: a Book whose churns table is empty",
              [d] {
                  Book b = accounts_book();
                  add_churns(b, {}, {});
                  const Tenure t = tenure(b, d);
                  CHECK(t.size() == 3);
                  CHECK(t.churned == std::vector<std::uint8_t>{0, 0, 0});
                  CHECK(t.duration ==
                        I{d - day_of(2024, 1, 1), d - day_of(2024, 1, 5), d - day_of(2024, 2, 1)});
              }),
        gives(
            "observation_start: a Book without accounts or MRR",
            [] { CHECK_FALSE(observation_start(Book({Ids{}, std::vector<Time>{}})).has_value()); }),
        raises<InputError>("cohort_survivors: a Book without churns or MRR",
                           [d] { (void)cohort_survivors(accounts_book(), d); },
                           {"the Book has neither a churns nor an MRR table"}),
        raises<InputError>(
            "cohort_survivors: an as-of day out of range",
            [] { (void)cohort_survivors(full_book(), std::numeric_limits<Day>::max()); },
            {"as_of:"}),
        gives("month_anniversary: clamped to the month's last day",
              [] {
                  CHECK(month_anniversary(day_of(2024, 1, 31), 1) == day_of(2024, 2, 29));
                  CHECK(month_anniversary(day_of(2024, 3, 31), -1) == day_of(2024, 2, 29));
              }),
        raises<InputError>("month_anniversary: a huge number of months",
                           [] { (void)month_anniversary(day_of(2024, 1, 31), int64_max / 2); },
                           {"months:"}),
    };
}

// ---------------------------------------------------------------------------------------------
// time.hpp

Cases time_cases() {
    return {
        raises<InputError>("parse_time_unit: unknown unit", [] { (void)parse_time_unit("h"); },
                           {"unit: unknown time unit 'h' (expected D, s, ms, us or ns)"}),
        raises<InputError>("months_from_timestamps: output of another length",
                           [] {
                               std::vector<std::int64_t> out(1);
                               months_from_timestamps(I{1, 2}, TimeUnit::day, out, "period");
                           },
                           {"out: must have one slot per timestamp"}),
        raises<InputError>("months_from_timestamps: missing timestamp (NaT)",
                           [] {
                               std::vector<std::int64_t> out(2);
                               months_from_timestamps(I{1, nat}, TimeUnit::second, out,
                                                      "billed_at");
                           },
                           {"column 'billed_at', row 1: missing timestamp (NaT)"}),
        raises<InputError>("months_from_timestamps: a timestamp out of range",
                           [] {
                               std::vector<std::int64_t> out(2);
                               months_from_timestamps(I{1, int64_max}, TimeUnit::day, out,
                                                      "billed_at");
                           },
                           {"column 'billed_at', row 1:", "out of range"}),
        gives("months_from_timestamps: the extreme nanoseconds",
              [] {
                  std::vector<std::int64_t> out(2);
                  months_from_timestamps(I{int64_max, nat + 1}, TimeUnit::nanosecond, out, "t");
                  CHECK(out == I{month_of(2262, 4), month_of(1677, 9)});
              }),
        raises<InputError>("parse_month: month 13",
                           [] { (void)parse_month("2024-13", "period", 3); },
                           {"column 'period', row 3: cannot parse period '2024-13' (expected "
                            "YYYY-MM or YYYY-MM-DD)"}),
        raises<InputError>("parse_month: a day the month lacks",
                           [] { (void)parse_month("2023-02-29"); },
                           {"cannot parse period '2023-02-29'"}),
        raises<InputError>("parse_month: empty text", [] { (void)parse_month("", "month", 0); },
                           {"column 'month', row 0: cannot parse period ''"}),
        raises<InputError>("parse_month: two-digit year", [] { (void)parse_month("24-01"); },
                           {"cannot parse period '24-01'"}),
        raises<InputError>("parse_day: a day the month lacks",
                           [] { (void)parse_day("2024-02-30", "signed_at", 7); },
                           {"column 'signed_at', row 7: cannot parse date '2024-02-30' (expected "
                            "YYYY-MM-DD)"}),
        raises<InputError>("parse_day: unpadded", [] { (void)parse_day("2024-1-5"); },
                           {"column 'date', row 0: cannot parse date '2024-1-5'"}),
        gives("parse_datetime: what it refuses",
              [] {
                  ParsedTime t;
                  for (const char* bad :
                       {"", "yesterday", "2024-01-02T25:00", "2024-02-30", "2024-01-02T10:00+19:00",
                        "2024-01-02T10:61", "2024-01-02T10:00:00."})
                      CHECK_MESSAGE(!parse_datetime(bad, t), bad);
              }),
        gives("parse_datetime: an offset",
              [] {
                  ParsedTime t;
                  REQUIRE(parse_datetime("2024-01-02T10:00Z", t));
                  CHECK(t.has_offset);
                  CHECK(t.local == Time{day_of(2024, 1, 2)} * 86'400 + 36'000);
              }),
        gives("format_day and format_month: before 1970",
              [] {
                  CHECK(format_day(-1) == "1969-12-31");
                  CHECK(format_month(-1) == "1969-12");
              }),
    };
}

// ---------------------------------------------------------------------------------------------
// model_set.hpp

Cases model_set_cases() {
    const auto pair = [] { return ModelSet({"a", "b"}, {model_with(), strict_model()}); };
    return {
        raises<InputError>("ModelSet: no model", [] { ModelSet({}, {}); },
                           {"models: needs at least one model"}),
        raises<InputError>("ModelSet: keys of another count",
                           [] { ModelSet({"a"}, {model_with(), model_with()}); },
                           {"keys: 1 keys for 2 models"}),
        raises<InputError>("ModelSet: a repeated key",
                           [] { ModelSet({"a", "a"}, {model_with(), model_with()}); },
                           {"keys: duplicate key 'a'"}),
        raises<InputError>("ModelSet::score: a model code past the models",
                           [pair] {
                               const std::vector<std::int32_t> code{0, 2};
                               (void)pair().score(code, Names{"x"}, Columns{V{1, 2}});
                           },
                           {"model_of_row: row 1: code 2 is not a model (0..1)"}),
        raises<InputError>("ModelSet::score: model code -1",
                           [pair] {
                               const std::vector<std::int32_t> code{-1};
                               (void)pair().score(code, Names{"x"}, Columns{V{1}});
                           },
                           {"model_of_row: row 0: code -1 is not a model"}),
        raises<InputError>("ModelSet::score: a column of another length",
                           [pair] {
                               const std::vector<std::int32_t> code{0, 1};
                               (void)pair().score(code, Names{"x"}, Columns{V{1}});
                           },
                           {"column 'x' has 1 values for 2 rows"}),
        raises<InputError>("ModelSet::score: fewer names than columns",
                           [pair] {
                               const std::vector<std::int32_t> code{0};
                               (void)pair().score(code, Names{}, Columns{V{1}});
                           },
                           {"0 column names for 1 columns"}),
        raises<InputError>("ModelSet::score: more names than columns",
                           [pair] {
                               const std::vector<std::int32_t> code{0};
                               (void)pair().score(code, Names{"y", "x"}, Columns{V{1}});
                           },
                           {"2 column names for 1 columns"}),
        raises<InputError>("ModelSet::score: infinite value names the whole table's row",
                           [pair] {
                               const std::vector<std::int32_t> code{0, 1, 0, 1};
                               (void)pair().score(code, Names{"x"}, Columns{V{0.1, 0.2, 0.3, inf}});
                           },
                           {"column 'x', row 3: infinite value"}),
        raises<InputError>("ModelSet::score: NaN in a strict model's row",
                           [pair] {
                               const std::vector<std::int32_t> code{0, 0, 1};
                               (void)pair().score(code, Names{"x"}, Columns{V{nan, 0.2, nan}});
                           },
                           {"column 'x', row 2: missing value"}),
        raises<InputError>("ModelSet::grade_of: a model past the models",
                           [pair] { (void)pair().grade_of(2, 50); },
                           {"model 2 out of range: there are 2 models"}),
        gives("ModelSet::score: an empty table",
              [pair] {
                  const auto s = pair().score({}, Names{"x"}, Columns{V{}});
                  CHECK(s.score.empty());
              }),
    };
}

// ---------------------------------------------------------------------------------------------
// activity.hpp, churn_reasons.hpp

Cases activity_cases() {
    const Day d = day_of(2024, 3, 31);
    return {
        raises<InputError>("parse_touch_key: unknown key",
                           [] { (void)kpi::parse_touch_key("team"); },
                           {"by: must be 'type', 'owner' or none, got 'team'"}),
        raises<InputError>("touches: a Book without activities",
                           [] { (void)kpi::touches(accounts_book()); },
                           {"book: CSM activity needs the Book's activities table"}),
        raises<InputError>("coverage: a Book without activities",
                           [d] { (void)kpi::coverage(accounts_book(), d); },
                           {"book: CSM activity needs the Book's activities table"}),
        raises<InputError>("coverage: max_gap_days 0",
                           [d] { (void)kpi::coverage(full_book(), d, 0); },
                           {"max_gap_days: must be a whole number of days in [1, 36500], got 0"}),
        raises<InputError>("coverage: groups of another count",
                           [d] { (void)kpi::coverage(full_book(), d, 30, I{0}, 1); },
                           {"group: has 1 codes for 3 accounts"}),
        raises<InputError>("coverage: group code past the groups",
                           [d] { (void)kpi::coverage(full_book(), d, 30, I{0, 5, -1}, 2); },
                           {"column 'group', row 1: group code 5 is not in [-1, 2)"}),
        raises<InputError>("coverage: include flags of another count",
                           [d] {
                               const std::vector<std::uint8_t> include{1};
                               (void)kpi::coverage(full_book(), d, 30, {}, 1, include);
                           },
                           {"include: has 1 flags for 3 accounts"}),
        gives("coverage: without MRR the ARR is NaN",
              [d] {
                  Book b = accounts_book();
                  add_activities(b, {"a"}, {at(2024, 3, 10)});
                  const auto c = kpi::coverage(b, d);
                  REQUIRE(c.size() == 1);
                  CHECK(c.accounts[0] == 3);
                  CHECK(std::isnan(c.arr[0]));
                  CHECK(c.untouched[0] == 2);
              }),
        gives("touches: an empty activities table",
              [] {
                  Book b = accounts_book();
                  add_activities(b, {}, {});
                  CHECK(kpi::touches(b).size() == 0);
              }),
        raises<InputError>("churn_reasons: a Book without MRR",
                           [] { (void)kpi::churn_reasons(accounts_book()); },
                           {"book: churn by reason needs the Book's MRR table"}),
        raises<InputError>("churn_reasons: groups of another count",
                           [] { (void)kpi::churn_reasons(full_book(), I{0, 0}, 1); },
                           {"group: has 2 codes for 3 accounts"}),
        raises<InputError>("churn_reasons: group code -2",
                           [] { (void)kpi::churn_reasons(full_book(), I{0, -2, 0}, 1); },
                           {"column 'group', row 1: group code -2 is not in [-1, 1)"}),
        gives("churn_reasons: an empty MRR table",
              [] {
                  Book b = accounts_book();
                  add_mrr(b, {}, {}, {});
                  const auto r = kpi::churn_reasons(b);
                  CHECK(r.size() == 0);
                  CHECK(r.reasons == Names{"unspecified", "unrecorded"});
              }),
    };
}

// ---------------------------------------------------------------------------------------------
// alerts.hpp, rollup.hpp

Cases alerts_rollup_cases() {
    using G = std::vector<std::int32_t>;
    return {
        raises<InputError>("alerts: columns of different lengths",
                           [] { (void)alerts(V{-20, 0}, G{0, 0}, G{0}, 3, 10, G{0}); },
                           {"columns differ in length: 'score_change' has 2 rows, 'grade' 1"}),
        raises<InputError>("alerts: min_drop 0",
                           [] { (void)alerts(V{-20}, G{0}, G{0}, 3, 0, G{0}); },
                           {"min_drop: must be a positive finite number, got 0"}),
        raises<InputError>("alerts: NaN min_drop",
                           [] { (void)alerts(V{-20}, G{0}, G{0}, 3, nan, G{0}); },
                           {"min_drop: must be a positive finite number, got nan"}),
        raises<InputError>("alerts: into a grade past the grades",
                           [] { (void)alerts(V{-20}, G{0}, G{0}, 3, 10, G{3}); },
                           {"into: grade code 3 is not in [0, 3)"}),
        raises<InputError>("alerts: infinite score change",
                           [] { (void)alerts(V{-20, -inf}, G{0, 0}, G{0, 0}, 3, 10, G{0}); },
                           {"column 'score_change', row 1: score change must be finite or missing "
                            "(NaN), got -inf"}),
        raises<InputError>("alerts: grade code -2",
                           [] { (void)alerts(V{-20}, G{0}, G{-2}, 3, 10, G{0}); },
                           {"column 'grade', row 0: grade code -2 is not -1 (none) or in [0, 3)"}),
        raises<InputError>("alerts: previous grade past the grades, the caller's column name",
                           [] {
                               (void)alerts(V{-20}, G{3}, G{0}, 3, 10, G{0},
                                            {"delta", "grade_before", "grade_now"});
                           },
                           {"column 'grade_before', row 0: grade code 3"}),
        gives("alerts: NaN changes last, an account arriving red is no alert",
              [] {
                  // Row 0 enters red (0) from yellow with no score change; row 1 drops 30; row 2
                  // is new and red; row 3 drops 15.
                  const auto a =
                      alerts(V{nan, -30, nan, -15}, G{1, 1, -1, 2}, G{0, 1, 0, 2}, 3, 10, G{0});
                  CHECK(a.rows == I{1, 3, 0});
                  CHECK(a.entered == std::vector<std::uint8_t>{0, 0, 1});
              }),
        gives("alerts: no rows", [] { CHECK(alerts(V{}, G{}, G{}, 3, 10, G{0}).size() == 0); }),
        raises<InputError>("rollup: columns of different lengths",
                           [] { (void)rollup(I{0, 1}, 2, V{50}); },
                           {"columns differ in length: 'parent' has 2 rows, 'score' 1"}),
        raises<InputError>("rollup: weights of another length",
                           [] { (void)rollup(I{0, 1}, 2, V{50, 60}, V{1}); },
                           {"columns differ in length: 'parent' has 2 rows, 'weight' 1"}),
        raises<InputError>("rollup: parent code past the parents",
                           [] { (void)rollup(I{0, 5}, 2, V{50, 60}); },
                           {"column 'parent', row 1: parent code 5 is not in [0, 2)"}),
        raises<InputError>(
            "rollup: negative weight, the caller's column name",
            [] { (void)rollup(I{0}, 1, V{50}, V{-1}, {"holding", "health", "arr"}); },
            {"column 'arr', row 0: weight must be a finite number >= 0, got -1"}),
        raises<InputError>("rollup: NaN weight", [] { (void)rollup(I{0}, 1, V{50}, V{nan}); },
                           {"column 'weight', row 0:", "got nan"}),
        raises<InputError>(
            "rollup: infinite score", [] { (void)rollup(I{0}, 1, V{inf}); },
            {"column 'score', row 0: score must be finite or missing (NaN), got inf"}),
        gives("rollup: zero total weight is NaN, the worst child still named",
              [] {
                  const auto r = rollup(I{0, 0}, 2, V{80, 20}, V{0, 0});
                  CHECK(std::isnan(r.score[0]));
                  CHECK(r.worst_child[0] == 1);
                  CHECK(std::isnan(r.score[1]));  // no child at all
                  CHECK(r.children[1] == 0);
                  CHECK(r.worst_child[1] == -1);
              }),
        gives("rollup: huge weights average like small ones",
              [] {
                  const auto r = rollup(I{0, 0}, 1, V{80, 20}, V{1e308, 1e308});
                  CHECK(r.score[0] == doctest::Approx(50.0));
                  CHECK(r.weight[0] == inf);  // 2e308: the sum is past the doubles
              }),
        gives("rollup: huge scores average to themselves",
              [] { CHECK(rollup(I{0, 0}, 1, V{1e308, 1e308}).score[0] == 1e308); }),
    };
}

// ---------------------------------------------------------------------------------------------
// threads.hpp: the Threads every parallel function takes

// A pool that refuses every job, and says it runs none at once.
struct RefusingExecutor : Executor {
    std::size_t concurrency() const noexcept override { return 0; }
    void submit(std::function<void()>) override { throw std::runtime_error("no room"); }
};

Cases threads_cases() {
    // Enough accounts that the work is cut into several blocks.
    const auto big_table = [] {
        I account, month;
        V mrr;
        for (std::int64_t a = 0; a < 50'000; ++a)
            for (const std::int64_t m : {jan, feb})
                account.push_back(a), month.push_back(m), mrr.push_back(double(a % 7 + m % 3));
        return MrrTable(account, 50'000, month, mrr);
    };
    return {
        gives("Executor: a pool refusing every job leaves the work to the caller",
              [big_table] {
                  RefusingExecutor refusing;
                  const MrrTable t = big_table();
                  const auto mine = kpi::mrr_movements(t, refusing), own = kpi::mrr_movements(t, 1);
                  CHECK(mine.ending_mrr == own.ending_mrr);
                  CHECK(mine.churned_accounts == own.churned_accounts);
              }),
        gives("Threads: a negative count reads as the default where it is not checked",
              [big_table] {
                  const MrrTable t = big_table();
                  CHECK(kpi::mrr_movements(t, -3).ending_mrr ==
                        kpi::mrr_movements(t, 1).ending_mrr);
              }),
        raises<InputError>("Threads: a negative count where it is checked",
                           [] { (void)model_with().explain(Names{"x"}, Columns{V{1}}, -2); },
                           {"n_threads: must be >= 0 (0 = the process default), got -2"}),
        raises<InputError>("Executor: an error in the work reaches the caller",
                           [] {
                               ThreadPool pool(2);
                               I account(200'000, 0);
                               I month(200'000, jan);
                               V mrr(200'000, 1.0);
                               mrr[150'000] = -1;
                               MrrTable(account, 1, month, mrr, {}, pool);
                           },
                           {"column 'mrr', row 150000:", "got -1"}),
    };
}

// Every table of the matrix, for the count.
const std::vector<Cases (*)()> all_tables = {
    book_cases,     ids_cases,         kpi_cases,       engagement_cases, health_cases,
    json_cases,     segment_cases,     survival_cases,  labels_cases,     metrics_cases,
    logistic_cases, calibration_cases, backtest_cases,  snapshot_cases,   point_in_time_cases,
    tenure_cases,   time_cases,        model_set_cases, activity_cases,   alerts_rollup_cases,
    threads_cases,
};

}  // namespace

TEST_CASE("bad input: book.hpp") {
    run(book_cases());
}
TEST_CASE("bad input: ids.hpp") {
    run(ids_cases());
}
TEST_CASE("bad input: account.hpp and kpi.hpp") {
    run(kpi_cases());
}
TEST_CASE("bad input: engagement.hpp") {
    run(engagement_cases());
}
TEST_CASE("bad input: health.hpp") {
    run(health_cases());
}
TEST_CASE("bad input: json.hpp") {
    run(json_cases());
}
TEST_CASE("bad input: segment.hpp") {
    run(segment_cases());
}
TEST_CASE("bad input: survival.hpp") {
    run(survival_cases());
}
TEST_CASE("bad input: labels.hpp") {
    run(labels_cases());
}
TEST_CASE("bad input: metrics.hpp") {
    run(metrics_cases());
}
TEST_CASE("bad input: logistic.hpp and matrix.hpp") {
    run(logistic_cases());
}
TEST_CASE("bad input: calibration.hpp") {
    run(calibration_cases());
}
TEST_CASE("bad input: backtest.hpp") {
    run(backtest_cases());
}
TEST_CASE("bad input: snapshot.hpp and book_backtest.hpp") {
    run(snapshot_cases());
}
TEST_CASE("bad input: point_in_time.hpp") {
    run(point_in_time_cases());
}
TEST_CASE("bad input: tenure.hpp") {
    run(tenure_cases());
}
TEST_CASE("bad input: time.hpp") {
    run(time_cases());
}
TEST_CASE("bad input: model_set.hpp") {
    run(model_set_cases());
}
TEST_CASE("bad input: activity.hpp and churn_reasons.hpp") {
    run(activity_cases());
}
TEST_CASE("bad input: alerts.hpp and rollup.hpp") {
    run(alerts_rollup_cases());
}
TEST_CASE("bad input: threads.hpp") {
    run(threads_cases());
}

// Counted from the tables (not from the cases run), so the number is the same whether the whole
// file runs or ctest runs this test case alone.
TEST_CASE("bad input: the size of the matrix") {
    std::size_t n = 0;
    for (const auto table : all_tables) n += table().size();
    std::cout << "C++ bad-input matrix: " << n << " cases" << std::endl;
    MESSAGE("C++ bad-input matrix: " << n << " cases");
    CHECK(n > 0);
}
