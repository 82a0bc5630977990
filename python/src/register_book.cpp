#include "common.hpp"

#include <map>
#include <optional>

#include "retain/book.hpp"
#include "retain/book_backtest.hpp"
#include "retain/detail/parallel.hpp"
#include "retain/snapshot.hpp"

namespace retain::python {

namespace {

using Names = std::map<std::string, std::string>;

// An id column from Python: an int64 array, or Arrow large_string buffers (offsets, chars). The
// arrays stay referenced here while the C++ side reads them.
struct Ids {
    std::optional<array_in<std::int64_t>> ints, offsets;
    std::optional<py::array_t<std::uint8_t, py::array::c_style>> chars;
    IdColumn column;
};

Ids ids_of(const py::object& value, const char* name) {
    Ids out;
    if (value.is_none()) return out;
    if (py::isinstance<py::tuple>(value)) {
        const auto parts = value.cast<py::tuple>();
        out.offsets = parts[0].cast<array_in<std::int64_t>>();
        out.chars = parts[1].cast<py::array_t<std::uint8_t, py::array::c_style>>();
        const auto off = as_span(*out.offsets, name);
        const std::span<const char> text(reinterpret_cast<const char*>(out.chars->data()),
                                         static_cast<std::size_t>(out.chars->size()));
        if (!off.empty() &&
            (off.front() < 0 || off.back() > static_cast<std::int64_t>(text.size())))
            throw InputError::argument(name, "text offsets out of range");
        out.column = IdColumn(off, text);
        return out;
    }
    out.ints = value.cast<array_in<std::int64_t>>();
    out.column = IdColumn(as_span(*out.ints, name));
    return out;
}

std::string name_of(const Names& names, const std::string& key) {
    const auto it = names.find(key);
    return it == names.end() ? key : it->second;
}

template <class T>
std::span<const T> optional_span(const std::optional<array_in<T>>& a, const char* name) {
    return a ? as_span(*a, name) : std::span<const T>{};
}

py::dict snapshot_dict(Snapshots&& s) {
    py::dict out;
    out["account"] = to_numpy(std::move(s.account));
    out["as_of"] = to_numpy(std::move(s.as_of));
    py::list columns;
    for (FeatureColumn& c : s.columns) {
        py::object values;
        const char* kind = "float64";
        switch (c.kind) {
            case FeatureColumn::Kind::int64:
                values = to_numpy(std::move(c.ints));
                kind = "int64";
                break;
            case FeatureColumn::Kind::category:
                values = to_numpy(std::move(c.ints));
                kind = "category";
                break;
            case FeatureColumn::Kind::float64:
                values = to_numpy(std::move(c.floats));
                break;
            case FeatureColumn::Kind::boolean:
                values = to_numpy(std::move(c.flags));
                kind = "bool";
                break;
        }
        columns.append(py::make_tuple(c.name, kind, values, py::cast(c.categories)));
    }
    out["columns"] = columns;
    out["warnings"] = py::cast(s.warnings);
    return out;
}

}  // namespace

void register_book(py::module_& root) {
    py::module_ m = root.def_submodule("book", "The account model (see retain.Book).");
    m.attr("NO_TIME") = no_time;

    m.def(
        "parse_times",
        [](const array_in<std::int64_t>& offsets, const py::array_t<std::uint8_t>& chars,
           const std::string& table, const std::string& column) {
            const auto off = as_span(offsets, "offsets");
            const std::size_t n = off.empty() ? 0 : off.size() - 1;
            std::vector<std::int64_t> local(n, no_time), offset(n, 0);
            std::vector<std::int8_t> flag(n, -1);
            const char* text = reinterpret_cast<const char*>(chars.data());
            {
                py::gil_scoped_release release;  // the caller's buffers and our vectors only
                // Rows in fixed blocks on every core; the lowest unreadable row is reported.
                constexpr std::size_t block = std::size_t{1} << 16;
                std::vector<std::size_t> bad((n + block - 1) / block, n);
                detail::for_each_block(
                    n, block, 0, [&](std::size_t b, std::size_t lo, std::size_t hi) {
                        for (std::size_t i = lo; i < hi; ++i) {
                            const std::string_view t(text + off[i],
                                                     static_cast<std::size_t>(off[i + 1] - off[i]));
                            if (t.empty()) continue;  // a blank cell: missing
                            ParsedTime p;
                            if (!parse_datetime(t, p)) {
                                bad[b] = i;
                                return;
                            }
                            local[i] = p.local;
                            offset[i] = p.offset;
                            flag[i] = p.has_offset ? 1 : 0;
                        }
                    });
                for (const std::size_t i : bad) {
                    if (i == n) continue;
                    const std::string t(text + off[i],
                                        static_cast<std::size_t>(off[i + 1] - off[i]));
                    const std::string what =
                        "cannot read '" + t +
                        "' as a date (ISO 8601: 2024-03-01, 2024-03-01T08:00:00, "
                        "optionally with an offset such as +09:00 or Z)";
                    if (table.empty()) throw InputError::at(column, i, what);
                    throw InputError::in_table(table, column, i, what);
                }
            }
            return py::make_tuple(to_numpy(std::move(local)), to_numpy(std::move(offset)),
                                  to_numpy(std::move(flag)));
        },
        py::arg("offsets"), py::arg("chars"), py::arg("table"), py::arg("column"),
        "(clock seconds as written, offset seconds, flag: 1 with offset, 0 without, -1 blank).");

    py::class_<Book>(m, "Book", "One business's tables, validated once (see retain.Book).")
        .def(py::init([](const py::object& ids, const array_in<std::int64_t>& signed_at,
                         bool drop_unknown, const Names& names) {
                 const Ids id = ids_of(ids, "ids");
                 AccountsInput in{id.column, as_span(signed_at, "signed_at"),
                                  name_of(names, "account_id"), name_of(names, "signed_at")};
                 // Reads only the caller's buffers, held above.
                 py::gil_scoped_release release;
                 return Book(in, drop_unknown ? UnknownAccounts::drop : UnknownAccounts::error);
             }),
             py::arg("ids"), py::arg("signed_at"), py::arg("drop_unknown"), py::arg("names"))
        .def(
            "set_mrr",
            [](Book& b, const py::object& account, const array_in<std::int64_t>& month,
               const array_in<double>& mrr, const std::optional<array_in<std::int64_t>>& plan,
               const std::vector<std::string>& plan_names, const Names& names) {
                const Ids acc = ids_of(account, "account");
                MrrInput in{acc.column,
                            as_span(month, "month"),
                            as_span(mrr, "mrr"),
                            optional_span(plan, "plan"),
                            plan_names,
                            name_of(names, "account_id"),
                            name_of(names, "period"),
                            name_of(names, "mrr"),
                            name_of(names, "plan")};
                py::gil_scoped_release release;
                b.set_mrr(in);
            },
            py::arg("account"), py::arg("month"), py::arg("mrr"), py::arg("plan"),
            py::arg("plan_names"), py::arg("names"))
        .def(
            "set_events",
            [](Book& b, const py::object& account, const py::object& user,
               const array_in<std::int64_t>& timestamp, const py::object& feature,
               const Names& names) {
                const Ids acc = ids_of(account, "account"), usr = ids_of(user, "user"),
                          feat = ids_of(feature, "feature");
                EventsInput in{acc.column,
                               usr.column,
                               feat.column,
                               as_span(timestamp, "timestamp"),
                               name_of(names, "account_id"),
                               name_of(names, "user_id"),
                               name_of(names, "timestamp"),
                               name_of(names, "feature")};
                py::gil_scoped_release release;
                b.set_events(in);
            },
            py::arg("account"), py::arg("user"), py::arg("timestamp"), py::arg("feature"),
            py::arg("names"))
        .def(
            "set_surveys",
            [](Book& b, const py::object& account, const array_in<std::int64_t>& answered_at,
               const array_in<double>& score, const std::optional<array_in<std::int8_t>>& kind,
               const Names& names) {
                const Ids acc = ids_of(account, "account");
                SurveysInput in{acc.column,
                                as_span(answered_at, "answered_at"),
                                as_span(score, "score"),
                                optional_span(kind, "kind"),
                                name_of(names, "account_id"),
                                name_of(names, "answered_at"),
                                name_of(names, "score"),
                                name_of(names, "kind")};
                py::gil_scoped_release release;
                b.set_surveys(in);
            },
            py::arg("account"), py::arg("answered_at"), py::arg("score"), py::arg("kind"),
            py::arg("names"))
        .def(
            "set_tickets",
            [](Book& b, const py::object& account, const array_in<std::int64_t>& opened_at,
               const std::optional<array_in<std::int64_t>>& closed_at, const Names& names) {
                const Ids acc = ids_of(account, "account");
                TicketsInput in{acc.column,
                                as_span(opened_at, "opened_at"),
                                optional_span(closed_at, "closed_at"),
                                name_of(names, "account_id"),
                                name_of(names, "opened_at"),
                                name_of(names, "closed_at")};
                py::gil_scoped_release release;
                b.set_tickets(in);
            },
            py::arg("account"), py::arg("opened_at"), py::arg("closed_at"), py::arg("names"))
        .def(
            "set_milestones",
            [](Book& b, const py::object& account, const py::object& milestone,
               const array_in<std::int64_t>& reached_at, const Names& names) {
                const Ids acc = ids_of(account, "account"), ms = ids_of(milestone, "milestone");
                MilestonesInput in{acc.column,
                                   ms.column,
                                   as_span(reached_at, "reached_at"),
                                   name_of(names, "account_id"),
                                   name_of(names, "milestone"),
                                   name_of(names, "reached_at")};
                py::gil_scoped_release release;
                b.set_milestones(in);
            },
            py::arg("account"), py::arg("milestone"), py::arg("reached_at"), py::arg("names"))
        .def(
            "set_churns",
            [](Book& b, const py::object& account, const array_in<std::int64_t>& churned_at,
               const std::optional<array_in<std::int64_t>>& returned_at, const py::object& reason,
               const std::optional<array_in<std::int8_t>>& voluntary, const Names& names) {
                const Ids acc = ids_of(account, "account"), why = ids_of(reason, "reason");
                ChurnsInput in{acc.column,
                               why.column,
                               as_span(churned_at, "churned_at"),
                               optional_span(returned_at, "returned_at"),
                               optional_span(voluntary, "kind"),
                               name_of(names, "account_id"),
                               name_of(names, "churned_at"),
                               name_of(names, "returned_at"),
                               name_of(names, "reason"),
                               name_of(names, "kind")};
                py::gil_scoped_release release;
                b.set_churns(in);
            },
            py::arg("account"), py::arg("churned_at"), py::arg("returned_at"), py::arg("reason"),
            py::arg("voluntary"), py::arg("names"))
        .def(
            "set_activities",
            [](Book& b, const py::object& account, const array_in<std::int64_t>& at,
               const py::object& type, const py::object& owner,
               const std::vector<std::string>& internal_types, const Names& names) {
                const Ids acc = ids_of(account, "account");
                const Ids types = ids_of(type, "type");
                const Ids owners = ids_of(owner, "owner");
                ActivitiesInput in{acc.column,
                                   types.column,
                                   owners.column,
                                   as_span(at, "at"),
                                   name_of(names, "account_id"),
                                   name_of(names, "at"),
                                   name_of(names, "type"),
                                   name_of(names, "owner"),
                                   internal_types};
                py::gil_scoped_release release;
                b.set_activities(in);
            },
            py::arg("account"), py::arg("at"), py::arg("type"), py::arg("owner"),
            py::arg("internal_types"), py::arg("names"))
        .def(
            "snapshots",
            [](const Book& b, const array_in<std::int64_t>& as_of, std::int64_t lead_days,
               const std::vector<std::int64_t>& windows, bool active_only, int n_threads) {
                const auto days = as_span(as_of, "as_of");
                SnapshotOptions options{lead_days, windows, active_only, n_threads};
                Snapshots s;
                {
                    py::gil_scoped_release release;  // the Book and the caller's days only
                    s = snapshots(b, days, options);
                }
                return snapshot_dict(std::move(s));
            },
            py::arg("as_of"), py::arg("lead_days"), py::arg("windows"), py::arg("active_only"),
            py::arg("n_threads"))
        .def(
            "label_churn",
            [](const Book& b, const array_in<std::int64_t>& account,
               const array_in<std::int64_t>& as_of, std::int64_t horizon_days,
               std::int64_t observed_until, int n_threads) {
                const auto acc = as_span(account, "account");
                const auto days = as_span(as_of, "as_of");
                backtest::LabelResult r;
                {
                    py::gil_scoped_release release;
                    r = label_churn(b, acc, days, horizon_days, observed_until, n_threads);
                }
                py::dict counts;
                counts["positives"] = r.positives;
                counts["negatives"] = r.negatives;
                counts["inactive"] = r.inactive;
                counts["unresolved"] = r.unresolved;
                return py::make_tuple(to_numpy(std::move(r.label)), counts);
            },
            py::arg("account"), py::arg("as_of"), py::arg("horizon_days"),
            py::arg("observed_until"), py::arg("n_threads"))
        .def(
            "mrr_table", [](const Book& b) { return b.mrr(); },
            "A copy of the Book's MRR table (line items summed).")
        .def(
            "mrr_entries",
            [](const Book& b) {
                std::vector<std::int64_t> account, month, plan;
                std::vector<double> amount;
                for (std::size_t a = 0; a < b.n_accounts(); ++a) {
                    const auto months = b.mrr_months(a);
                    const auto amounts = b.mrr_amounts(a);
                    const auto plans = b.mrr_plans(a);
                    for (std::size_t k = 0; k < months.size(); ++k) {
                        account.push_back(static_cast<std::int64_t>(a));
                        month.push_back(months[k]);
                        amount.push_back(amounts[k]);
                        plan.push_back(plans[k]);
                    }
                }
                return py::make_tuple(to_numpy(std::move(account)), to_numpy(std::move(month)),
                                      to_numpy(std::move(amount)), to_numpy(std::move(plan)));
            },
            "(account code, month, MRR, plan code) of every account-month with rows (MRR 0 where "
            "its items cancel out), by account then month.")
        .def_property_readonly("plan_names", &Book::plan_names)
        .def(
            "backtest_health",
            [](const Book& b, const HealthModel& model, const array_in<std::int64_t>& as_of,
               std::int64_t horizon_days, std::int64_t observed_until, std::int64_t lead_days,
               const std::vector<std::int64_t>& windows, bool active_only, int n_threads) {
                const auto days = as_span(as_of, "as_of");
                SnapshotOptions options{lead_days, windows, active_only, n_threads};
                HealthBacktest r;
                {
                    py::gil_scoped_release release;  // the Book, the model and our vectors only
                    r = backtest_health(b, model, days, horizon_days, observed_until, options);
                }
                py::dict per_date;
                auto column = [&](auto member) {
                    std::vector<double> v;
                    for (const auto& e : r.per_date) v.push_back(static_cast<double>(e.*member));
                    return to_numpy(std::move(v));
                };
                per_date["n"] = column(&backtest::Evaluation::n);
                per_date["churners"] = column(&backtest::Evaluation::churners);
                per_date["roc_auc"] = column(&backtest::Evaluation::roc_auc);
                per_date["pr_auc"] = column(&backtest::Evaluation::pr_auc);
                per_date["lift_top10"] = column(&backtest::Evaluation::lift_top10);
                py::dict out;
                out["snapshots"] = snapshot_dict(std::move(r.snapshots));
                out["label"] = to_numpy(std::move(r.label));
                out["risk"] = to_numpy(std::move(r.risk));
                out["dates"] = to_numpy(std::move(r.dates));
                out["per_date"] = per_date;
                return out;
            },
            py::arg("model"), py::arg("as_of"), py::arg("horizon_days"), py::arg("observed_until"),
            py::arg("lead_days"), py::arg("windows"), py::arg("active_only"), py::arg("n_threads"),
            "The C++ backtest of a health model on the Book (retain/book_backtest.hpp).")
        .def(
            "reconcile",
            [](const Book& b) {
                const auto rows = b.reconcile();
                std::vector<std::int64_t> account, kind, month, day;
                for (const auto& d : rows) {
                    account.push_back(d.account);
                    kind.push_back(static_cast<std::int64_t>(d.kind));
                    month.push_back(d.month);
                    day.push_back(d.churned);
                }
                return py::make_tuple(to_numpy(std::move(account)), to_numpy(std::move(kind)),
                                      to_numpy(std::move(month)), to_numpy(std::move(day)));
            },
            "(account code, kind code, month, churn day) of each disagreement.")
        .def_property_readonly("returns_inferred", &Book::returns_inferred)
        .def_property_readonly("n_accounts", &Book::n_accounts)
        .def_property_readonly("dropped", &Book::dropped)
        .def_property_readonly("milestone_names", &Book::milestone_names)
        .def_property_readonly("churn_reasons", &Book::churn_reasons)
        .def_property_readonly("activity_types", &Book::activity_types)
        .def_property_readonly("activity_owners", &Book::activity_owners)
        .def_property_readonly("last_event_day", &Book::last_event_day)
        .def("has", &Book::has, py::arg("table"));
}

}  // namespace retain::python
