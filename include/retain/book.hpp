#pragma once
// The account model: a `Book` holds one business's tables (accounts, MRR, events, surveys,
// tickets, milestones, churns, CSM activities), validated once and keyed by one account index that
// every table shares. Every area reads it: snapshots, labels, KPIs.
//
// One time rule: every date and time given to a Book is a `Time`, seconds since 1970-01-01 00:00
// on the Book's wall clock — the caller has already applied the Book's time zone (the Python
// adapter does, from `tz=`). A day is then floor(Time / 86400) and a month the calendar month of
// that day, the same in every table and every area.

#include <cstdint>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "retain/account.hpp"
#include "retain/engagement.hpp"
#include "retain/ids.hpp"
#include "retain/threads.hpp"
#include "retain/time.hpp"

namespace retain {

/// Seconds since 1970-01-01 00:00 on the Book's wall clock.
using Time = std::int64_t;
/// A missing time (numpy's NaT, the smallest int64): an open ticket's closed_at, a churn without
/// return.
inline constexpr Time no_time = std::numeric_limits<std::int64_t>::min();

/// The day a time falls on.
constexpr Day day_of_time(Time t) noexcept {
    return static_cast<Day>(detail::floor_div(t, 86'400));
}

/// Reads the text of one opaque cell of an IdColumn (a string object of the caller's language):
/// called from any thread, so it must not lock or allocate, and the text must stay put while the
/// Book reads the column.
using CellText = std::string_view (*)(const void* cell) noexcept;

/// A time zone's offsets from UTC, to bring UTC times to a Book's wall clock: from `since[k]`
/// (seconds since 1970-01-01 UTC, increasing) on, the wall clock is UTC + `offset[k]` seconds;
/// before since[0], offset[0] holds too. Both empty: UTC is the wall clock.
struct ZoneOffsets {
    std::span<const std::int64_t> since{};
    std::span<const std::int32_t> offset{};
};

/// A column of ids, read in place: int64 values, views of strings, text in Arrow's large_string
/// layout (row i is chars[offsets[i], offsets[i + 1])), which a pyarrow column hands over without
/// a Python object per row, or opaque cells with a CellText (a numpy array of str objects, read
/// without a view per row: the Book keys what it learns of a cell by its address, as the cells of
/// equal ids are often one shared object).
class IdColumn {
  public:
    IdColumn() = default;
    IdColumn(std::span<const std::int64_t> ints) : ints_(ints), size_(ints.size()) {}
    IdColumn(std::span<const std::string_view> views) : views_(views), size_(views.size()) {}
    IdColumn(const std::vector<std::int64_t>& ints)
        : IdColumn(std::span<const std::int64_t>(ints)) {}
    IdColumn(const std::vector<std::string_view>& views)
        : IdColumn(std::span<const std::string_view>(views)) {}
    IdColumn(std::span<const std::string> strings) : strings_(strings), size_(strings.size()) {}
    IdColumn(const std::vector<std::string>& strings)
        : IdColumn(std::span<const std::string>(strings)) {}
    /// Arrow's layout is checked here, once (text_at reads it unchecked): each row's characters
    /// lie within `chars`; any other offsets are an InputError naming the row.
    IdColumn(std::span<const std::int64_t> offsets, std::span<const char> chars)
        : offsets_(offsets), chars_(chars), size_(offsets.empty() ? 0 : offsets.size() - 1) {
        const auto n_chars = static_cast<std::int64_t>(chars.size());
        for (std::size_t i = 0; i < size_; ++i)
            if (offsets[i] < 0 || offsets[i] > offsets[i + 1] || offsets[i + 1] > n_chars)
                throw InputError::at("offsets", i,
                                     "characters [" + std::to_string(offsets[i]) + ", " +
                                         std::to_string(offsets[i + 1]) + ") are not within the " +
                                         std::to_string(n_chars) + " characters given");
    }

    IdColumn(std::span<const void* const> cells, CellText text)
        : cells_(cells), cell_text_(text), size_(cells.size()) {
        if (text == nullptr && !cells.empty())
            throw InputError::argument("text", "give the reader of the cells' text");
    }

    std::size_t size() const noexcept { return size_; }
    bool empty() const noexcept { return size_ == 0; }
    bool is_text() const noexcept { return ints_.data() == nullptr && size_ > 0; }
    /// Row i's id; unchecked (i < size()), as the Book reads every row in its inner loops.
    /// show(i) is the checked way to look at one row.
    std::int64_t int_at(std::size_t i) const { return ints_[i]; }
    std::string_view text_at(std::size_t i) const {
        if (!views_.empty()) return views_[i];
        if (!strings_.empty()) return strings_[i];
        if (cell_text_ != nullptr) return cell_text_(cells_[i]);
        return {chars_.data() + offsets_[i],
                static_cast<std::size_t>(offsets_[i + 1] - offsets_[i])};
    }
    /// Row i's cell, for a column of cells (nullptr otherwise); unchecked as text_at is. Equal
    /// cells hold equal text.
    const void* cell_at(std::size_t i) const { return cell_text_ != nullptr ? cells_[i] : nullptr; }
    /// The id of row i as text, for messages; a row not below size() is an InputError.
    std::string show(std::size_t i) const {
        if (i >= size_) throw InputError::out_of_range("row", i, size_);
        if (!is_text()) return std::to_string(int_at(i));
        // Appended, not "'" + ... + "'": GCC 12 warns (-Wrestrict) on that concatenation inlined.
        std::string out(1, '\'');
        out.append(text_at(i));
        out.push_back('\'');
        return out;
    }

  private:
    std::span<const std::int64_t> ints_;
    std::span<const std::string_view> views_;
    std::span<const std::string> strings_;
    std::span<const std::int64_t> offsets_;
    std::span<const char> chars_;
    std::span<const void* const> cells_;
    CellText cell_text_ = nullptr;
    std::size_t size_ = 0;
};

/// Dense codes of an id column.
struct InternedIds {
    std::vector<std::int64_t> code;      ///< per row, in order of first appearance; -1 blank text
    std::vector<std::size_t> first_row;  ///< per code, the row it first appears in
};

/// Dense codes of the ids of a column, numbered in order of first appearance (as
/// pandas.factorize numbers them), with the first row of each. Blank text is a missing id (code
/// -1), as a blank cell is missing in pandas. Text is interned on every core (each thread its
/// own rows, the distinct ids merged in row order), so the codes do not depend on `threads`.
InternedIds intern_ids(const IdColumn& ids, Threads threads = {});

/// The bucket, 0 .. n_buckets - 1, of each id: the 64-bit FNV-1a hash of its text (an int by its
/// decimal digits, so 17 and "17" share a bucket) modulo n_buckets. The same on every machine and
/// in every process, so that the tables of a Book split by account (retain.dist) send an account's
/// rows to one place. n_buckets < 1 is an InputError.
std::vector<std::int64_t> id_buckets(const IdColumn& ids, std::int64_t n_buckets,
                                     Threads threads = {});

/// What a Book does with rows whose account is not in the accounts table.
enum class UnknownAccounts {
    error,  ///< InputError naming the table, column, row and id
    drop,   ///< leave the row out, counted in Book::dropped()
};

/// The accounts table: one row per account. Its order is the Book's account order (codes 0..n-1).
struct AccountsInput {
    IdColumn id{};
    std::span<const Time> signed_at{};
    std::string id_column = "account_id", signed_at_column = "signed_at";
};

/// Monthly recurring revenue, one row per line item. `plan` (optional) holds codes into
/// `plan_names` (-1: none). Line items of an account-month are summed; a negative item (a credit
/// note) is accepted when its account-month sums to >= 0.
struct MrrInput {
    IdColumn account{};
    std::span<const std::int64_t> month{};  ///< month numbers (months since 1970-01)
    std::span<const double> mrr{};
    std::span<const std::int64_t> plan{};
    std::vector<std::string> plan_names{};
    std::string account_column = "account_id", period_column = "period", mrr_column = "mrr",
                plan_column = "plan";
};

/// Product events, one row per event. `feature` is optional (empty column). The times are either
/// `timestamp` (on the Book's wall clock, as every table's), or `utc` as a tz-aware column holds
/// them, read with no copy of the column: counts of `utc_unit` (second or finer) since 1970-01-01
/// UTC, numpy's NaT missing, which `zone` brings to the wall clock.
struct EventsInput {
    IdColumn account{}, user{}, feature{};
    std::span<const Time> timestamp{};
    std::span<const std::int64_t> utc{};
    TimeUnit utc_unit = TimeUnit::nanosecond;
    ZoneOffsets zone{};
    std::string account_column = "account_id", user_column = "user_id",
                timestamp_column = "timestamp", feature_column = "feature";
    /// The table has a feature column even if it has no rows (a non-empty `feature` says so too):
    /// snapshots then have their distinct_features columns whatever the data.
    bool has_feature_column = false;
};

/// Kinds of survey answers.
enum class SurveyKind : std::int8_t { nps = 0, csat = 1 };

/// Survey answers: NPS on 0-10, CSAT on 1-5, whole numbers. `kind` holds SurveyKind values, or is
/// empty when every answer is NPS.
struct SurveysInput {
    IdColumn account{};
    std::span<const Time> answered_at{};
    std::span<const double> score{};
    std::span<const std::int8_t> kind{};
    std::string account_column = "account_id", answered_at_column = "answered_at",
                score_column = "score", kind_column = "kind";
};

/// Support tickets. `closed_at` is optional (empty: none closed); no_time means still open.
struct TicketsInput {
    IdColumn account{};
    std::span<const Time> opened_at{}, closed_at{};
    std::string account_column = "account_id", opened_at_column = "opened_at",
                closed_at_column = "closed_at";
};

/// Onboarding milestones reached: one row per (account, milestone) reached.
struct MilestonesInput {
    IdColumn account{}, milestone{};
    std::span<const Time> reached_at{};
    std::string account_column = "account_id", milestone_column = "milestone",
                reached_at_column = "reached_at";
};

/// Churn records. `returned_at` (optional; no_time: did not return), `reason` (optional ids kept
/// as given), `voluntary` (optional: 1 voluntary, 0 involuntary, -1 unknown).
///
/// How a churn record meets the MRR bridge (billing in advance): a churn dated in month M ends
/// revenue from month M (cancelled at its start) or M + 1 (the month was paid), so the bridge's
/// churned month is M or M + 1. Without a returned_at column, a Book that already has its MRR
/// infers the return: the first day of the first paying month after that churned month (none if
/// the account never pays again). A record whose account kept paying through M + 1 has no
/// churned month: the bill wins, and the account is back on the first day of M + 1.
struct ChurnsInput {
    IdColumn account{}, reason{};
    std::span<const Time> churned_at{}, returned_at{};
    std::span<const std::int8_t> voluntary{};
    std::string account_column = "account_id", churned_at_column = "churned_at",
                returned_at_column = "returned_at", reason_column = "reason", kind_column = "kind";
};

/// CSM touches: calls, meetings, emails. `type` and `owner` are optional (a blank one is none).
/// Rows whose type is one of `internal_types` (internal notes, say) are no touches: the Book
/// leaves them out of every touch count. A named type the table lacks is fine (a month without
/// notes); naming types for a table without a type column is an InputError.
struct ActivitiesInput {
    IdColumn account{}, type{}, owner{};
    std::span<const Time> at{};
    std::string account_column = "account_id", at_column = "at", type_column = "type",
                owner_column = "owner";
    std::vector<std::string> internal_types{};
};

/// One business's tables, validated once, keyed by one account index. Build it from the accounts
/// table, then add the other tables (each at most once; each optional). Every error is an
/// InputError naming the table, the column and the 0-based row of the caller's table.
class Book {
  public:
    /// `threads` builds every table of this Book (the tables are the same for any).
    explicit Book(const AccountsInput& accounts, UnknownAccounts unknown = UnknownAccounts::error,
                  Threads threads = {});

    void set_mrr(const MrrInput& mrr);
    void set_events(const EventsInput& events);
    void set_surveys(const SurveysInput& surveys);
    void set_tickets(const TicketsInput& tickets);
    void set_milestones(const MilestonesInput& milestones);
    void set_churns(const ChurnsInput& churns);
    void set_activities(const ActivitiesInput& activities);

    /// Number of accounts.
    std::size_t n_accounts() const noexcept { return signed_.size(); }
    /// The code of an account id, or -1.
    std::int64_t code_of(std::int64_t id) const noexcept;
    std::int64_t code_of(std::string_view id) const noexcept;
    /// The signing day of each account, by code.
    std::span<const Day> signed_days() const noexcept { return signed_; }
    /// Rows left out per table (UnknownAccounts::drop), by table name.
    const std::map<std::string, std::size_t>& dropped() const noexcept { return dropped_; }
    /// Whether a table was added ("mrr", "events", ...; "accounts" always).
    bool has(std::string_view table) const;

    /// The MRR per account and month, line items summed (empty without an MRR table). Its span
    /// covers every month with rows, including months whose items sum to 0.
    const MrrTable& mrr() const noexcept { return mrr_; }
    /// The months in which `account` has MRR rows, increasing; its summed MRR in each (0 for a
    /// month whose items cancel out) and its plan code in each (-1 without one).
    std::span<const Month> mrr_months(std::size_t account) const;
    std::span<const double> mrr_amounts(std::size_t account) const;
    std::span<const std::int32_t> mrr_plans(std::size_t account) const;
    /// An account's MRR in month m (line items summed; 0 without a row) and its plan code then
    /// (-1 without one).
    struct MonthMrr {
        double mrr = 0.0;
        std::int32_t plan = -1;
    };
    MonthMrr mrr_in(std::size_t account, Month m) const;
    const std::vector<std::string>& plan_names() const noexcept { return plan_names_; }
    /// Whether the MRR table came with a plan column.
    bool has_mrr_plans() const noexcept { return has_mrr_plans_; }
    /// The event log (empty without an events table).
    const engagement::EventLog& events() const noexcept { return events_; }

    /// Churn records, by account then churn day: day, return day (missing_day: none).
    struct Churn {
        std::int64_t account;
        Day day;
        std::int64_t returned;  ///< day, or backtest::missing_day
        std::int32_t reason;    ///< code into churn_reasons(), -1 none
        std::int8_t voluntary;  ///< 1, 0, or -1 unknown
    };
    const std::vector<Churn>& churns() const noexcept { return churns_; }
    /// The churn records of one account, by day.
    std::span<const Churn> churns_of(std::size_t account) const;
    /// The account's first churn record dated in month g - 1 or g, the records a bridge churn in
    /// month g stands for (see ChurnsInput); nullptr when there is none.
    const Churn* record_near(std::size_t account, Month g) const;
    /// Reason ids as given, in order of first appearance; a blank reason is none (-1).
    const std::vector<std::string>& churn_reasons() const noexcept { return reasons_; }
    /// Whether an account is a customer on day t: signed by t; with MRR, paying (MRR > 0) in t's
    /// month; with churns, no churn dated on or before t without a return on or before t. The
    /// rule of the snapshots' `active` column and of the CSM coverage.
    bool active_at(std::size_t account, Day t) const;
    /// Where the churns table and the MRR bridge disagree (see ChurnsInput): a record whose
    /// account kept paying through M + 1 (kind record_without_bridge_churn, month M), or a bridge
    /// churn in month g (paying in g - 1, not in g, g within the MRR table) with no record dated
    /// in g - 1 or g (kind bridge_churn_without_record, month g). Empty without both tables.
    struct Disagreement {
        enum class Kind { record_without_bridge_churn, bridge_churn_without_record };
        std::int64_t account;
        Kind kind;
        Month month;
        std::int64_t churned;  ///< the record's day, or backtest::missing_day
    };
    std::vector<Disagreement> reconcile() const;
    /// Accounts with rows dated before they signed, which no snapshot shows (an account is in
    /// the snapshots from its signing day on): per table ("mrr": MRR > 0 in a month before the
    /// signing month; "churns": a record dated before the signing day), how many accounts, and
    /// the first of them by code with its earliest such date (a month for "mrr", a day for
    /// "churns"). Tables without such rows are left out.
    struct EarlyRows {
        std::string table;
        std::size_t accounts = 0;
        std::size_t first_account = 0;
        std::int64_t first_date = 0;
    };
    std::vector<EarlyRows> before_signing() const;
    /// Whether the churns' returns were inferred from MRR (the table had no returned_at).
    bool returns_inferred() const noexcept { return returns_inferred_; }

    /// Milestone names, sorted; codes index them.
    const std::vector<std::string>& milestone_names() const noexcept { return milestone_names_; }

    // Per-account, time-sorted rows for point-in-time reads (CSR by account code).
    struct Answer {
        Time at;
        double score;
    };
    /// NPS (kind 0) or CSAT (kind 1) answers of an account by (time, score).
    std::span<const Answer> answers(std::size_t account, SurveyKind kind) const;
    /// Ticket open and close days of an account, each sorted (closes: closed tickets only).
    std::span<const Day> ticket_opens(std::size_t account) const;
    std::span<const Day> ticket_closes(std::size_t account) const;
    /// (milestone code, reached day) of an account, by code then day.
    std::span<const std::pair<std::int32_t, Day>> milestones(std::size_t account) const;
    /// CSM touch days of an account, sorted (internal types left out).
    std::span<const Day> touches(std::size_t account) const;
    /// The type and owner codes of those touches, in the same order (-1: none given).
    std::span<const std::int32_t> touch_types(std::size_t account) const;
    std::span<const std::int32_t> touch_owners(std::size_t account) const;
    /// Activity types (internal ones included) and owners, sorted; codes index them.
    const std::vector<std::string>& activity_types() const noexcept { return activity_types_; }
    const std::vector<std::string>& activity_owners() const noexcept { return activity_owners_; }

    /// Last day (or month) of data in a table, for the "past the end" warnings.
    Day last_event_day() const noexcept { return events_.last_day(); }
    Day first_event_day() const noexcept { return events_.first_day(); }

  private:
    // An id column of the accounts' kind (text or integers), else an InputError naming it.
    void check_id_kind(const IdColumn& ids, std::string_view table, std::string_view column) const;
    // Row i's account code: -1 for an unknown account, -2 for a blank id.
    std::int64_t find_account(const IdColumn& ids, std::size_t i) const noexcept;
    // Row i's account code, -1 for an unknown account when they are dropped (else an InputError,
    // as a blank id always is).
    std::int64_t account_code(const IdColumn& ids, std::size_t i, std::string_view table,
                              std::string_view column) const;
    // Account codes of a table's id column; rows of unknown accounts get -1 (drop) or raise.
    std::vector<std::int64_t> codes(const IdColumn& ids, std::string_view table,
                                    std::string_view column);
    // Held by each set_ call while it reads its table: the table counts as added (and its
    // dropped rows as dropped) only if the call returns, so a rejected table leaves the Book as
    // it was and can be given again, fixed.
    class Adding {
      public:
        Adding(Book& book, std::string_view table);
        ~Adding();
        Adding(const Adding&) = delete;
        Adding& operator=(const Adding&) = delete;

      private:
        Book& book_;
        std::string table_;
        int exceptions_;
    };

    std::variant<IdIndex<std::int64_t>, IdIndex<std::string>> ids_;
    UnknownAccounts unknown_;
    Threads threads_;
    std::vector<Day> signed_;
    std::map<std::string, std::size_t> dropped_;
    std::vector<std::string> tables_{"accounts"};

    MrrTable mrr_;
    std::vector<std::size_t> mrr_off_;
    std::vector<Month> mrr_month_;
    std::vector<double> mrr_amount_;
    std::vector<std::int32_t> mrr_plan_;
    std::vector<std::string> plan_names_;
    bool has_mrr_plans_ = false;
    engagement::EventLog events_;
    std::vector<std::size_t> answer_off_[2];
    std::vector<Answer> answers_[2];
    std::vector<std::size_t> open_off_, close_off_, milestone_off_, touch_off_;
    std::vector<Day> opens_, closes_, touches_;
    std::vector<std::int32_t> touch_type_, touch_owner_;
    std::vector<std::string> activity_types_, activity_owners_;
    std::vector<std::pair<std::int32_t, Day>> milestones_;
    std::vector<std::string> milestone_names_;
    std::vector<Churn> churns_;
    std::vector<std::size_t> churn_off_;
    std::vector<std::string> reasons_;
    bool returns_inferred_ = false;

    bool paying(std::size_t account, Month m) const;
    std::int64_t inferred_return(std::size_t account, Day churned) const;
};

}  // namespace retain
