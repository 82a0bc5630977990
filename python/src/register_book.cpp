#include "common.hpp"

#include <array>
#include <atomic>
#include <cmath>
#include <map>
#include <optional>

#include "retain/book.hpp"
#include "retain/book_backtest.hpp"
#include "retain/detail/parallel.hpp"
#include "retain/snapshot.hpp"

namespace retain::python {

namespace {

using Names = std::map<std::string, std::string>;

// Text cells of a numpy object array (as pandas holds text), without a Python call per cell:
// ASCII str objects are read directly (they are immutable, the array held here keeps them alive,
// and the GIL stays held, so no other thread can replace a cell). None, NaN, pd.NA and NaT are
// missing (an empty view, as a blank cell is); any other object is shown by str(), as pandas'
// astype(str) shows it.
struct ObjectText {
    py::array cells;
    std::vector<std::string_view> views;
    std::vector<std::string> blocks;  // the text of ASCII cells, copied
    std::vector<py::object> shown;    // the str() of cells that are not text, kept alive
};

bool is_object_array(const py::object& value) {
    return py::isinstance<py::array>(value) && value.cast<py::array>().dtype().kind() == 'O';
}

// The text of an ASCII str object, read in place (its bytes follow the object header), without
// the Python API: safe on any thread while the GIL holder keeps the object alive. False for any
// other object.
bool ascii_text(PyObject* o, std::string_view& out) noexcept {
    if (!PyUnicode_CheckExact(o) || !PyUnicode_IS_COMPACT_ASCII(o)) return false;
    out = {static_cast<const char*>(PyUnicode_DATA(o)),
           static_cast<std::size_t>(PyUnicode_GET_LENGTH(o))};
    return true;
}

// The text of any other cell, with the GIL: UTF-8 of a str (cached in the object), empty for a
// missing value, else str(o), kept alive in `shown`.
std::string_view other_text(PyObject* o, std::vector<py::object>& shown) {
    if (!PyUnicode_Check(o)) {
        if (o == Py_None || (PyFloat_Check(o) && std::isnan(PyFloat_AS_DOUBLE(o)))) return {};
        const py::module_ pandas = py::module_::import("pandas");
        if (o == pandas.attr("NA").ptr() || o == pandas.attr("NaT").ptr()) return {};
        shown.push_back(py::str(py::handle(o)));
        o = shown.back().ptr();
    }
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(o, &size);
    if (text == nullptr) throw py::error_already_set();
    return {text, static_cast<std::size_t>(size)};
}

py::array object_cells(const py::object& value, const char* name) {
    py::array cells = py::array::ensure(value, py::array::c_style);
    if (!cells || cells.ndim() != 1)
        throw InputError::argument(name, "must be a one-dimensional array");
    return cells;
}

void read_object_text(ObjectText& out, const py::object& value, const char* name) {
    out.cells = object_cells(value, name);
    const auto n = static_cast<std::size_t>(out.cells.size());
    PyObject* const* cell = static_cast<PyObject* const*>(out.cells.data());
    out.views.assign(n, std::string_view());
    // ASCII text on every core, copied into one buffer per block of rows: rows are shuffled in
    // most exports, so each cell is a cache miss (the objects a few rows ahead are prefetched),
    // paid here once rather than again by every reader of the column. Other cells after, with
    // the GIL.
    constexpr std::size_t block = std::size_t{1} << 15, ahead = 16;
    const std::size_t n_blocks = (n + block - 1) / block;
    std::vector<std::vector<std::size_t>> slow(n_blocks);
    out.blocks.assign(n_blocks, std::string());
    // pandas' CSV reader gives equal cells of a chunk one shared object: a cell whose object was
    // just seen (a small table by address) takes that view, without reading the object at all.
    constexpr std::size_t seen_slots = 4096;
    detail::for_each_block(n, block, 0, [&](std::size_t b, std::size_t lo, std::size_t hi) {
        std::string& chars = out.blocks[b];
        std::vector<std::size_t> end(hi - lo, 0);
        std::vector<std::pair<PyObject*, std::size_t>> seen(seen_slots, {nullptr, 0});
        std::vector<std::size_t> same(hi - lo, n);  // the earlier row of the same object, or n
        for (std::size_t i = lo; i < hi; ++i) {
            if (i + ahead < hi) __builtin_prefetch(cell[i + ahead]);
            auto& memo = seen[(reinterpret_cast<std::uintptr_t>(cell[i]) >> 4) % seen_slots];
            std::string_view text;
            if (memo.first == cell[i]) {
                same[i - lo] = memo.second;
            } else if (ascii_text(cell[i], text)) {
                chars.append(text);
                memo = {cell[i], i};
            } else {
                slow[b].push_back(i);
            }
            end[i - lo] = chars.size();
        }
        // Views once the block's buffer no longer moves.
        for (std::size_t i = lo, begin = 0; i < hi; begin = end[i - lo], ++i)
            out.views[i] = same[i - lo] < n
                               ? out.views[same[i - lo]]
                               : std::string_view(chars).substr(begin, end[i - lo] - begin);
    });
    for (const auto& rows : slow)
        for (const std::size_t i : rows) out.views[i] = other_text(cell[i], out.shown);
}

// The CellText of a column whose every cell is an ASCII str (see all_ascii_text).
std::string_view ascii_cell_text(const void* cell) noexcept {
    std::string_view text;
    (void)ascii_text(static_cast<PyObject*>(const_cast<void*>(cell)), text);
    return text;
}

// Whether every cell is an ASCII str, which the C++ side may then read in place from any thread
// (the usual pandas column of ids). Every core looks; a cell whose object was just seen is skipped.
bool all_ascii_text(const py::array& cells) {
    const auto n = static_cast<std::size_t>(cells.size());
    PyObject* const* cell = static_cast<PyObject* const*>(cells.data());
    constexpr std::size_t block = std::size_t{1} << 15, ahead = 16, seen_slots = 1024;
    std::atomic<bool> ascii = true;
    detail::for_each_block(n, block, 0, [&](std::size_t, std::size_t lo, std::size_t hi) {
        std::vector<PyObject*> seen(seen_slots, nullptr);
        std::string_view text;
        for (std::size_t i = lo; i < hi && ascii.load(std::memory_order_relaxed); ++i) {
            if (i + ahead < hi) __builtin_prefetch(cell[i + ahead]);
            auto& memo = seen[(reinterpret_cast<std::uintptr_t>(cell[i]) >> 4) % seen_slots];
            if (memo == cell[i]) continue;
            if (!ascii_text(cell[i], text)) ascii = false;
            memo = cell[i];
        }
    });
    return ascii;
}

// An id column from Python: an int64 array, Arrow large_string buffers (offsets, chars), or an
// object array of text. The arrays stay referenced here while the C++ side reads them.
struct Ids {
    std::optional<array_in<std::int64_t>> ints, offsets;
    std::optional<py::array_t<std::uint8_t, py::array::c_style>> chars;
    py::array cells;  // an object array of ASCII str, read in place
    ObjectText objects;
    IdColumn column;
};

Ids ids_of(const py::object& value, const char* name) {
    Ids out;
    if (value.is_none()) return out;
    if (is_object_array(value)) {
        // ASCII str cells are read where they are, with no view per row; a column with any
        // other cell is read as text first (read_object_text: each cell as pandas shows it).
        py::array cells = object_cells(value, name);
        if (all_ascii_text(cells)) {
            out.cells = std::move(cells);
            out.column = IdColumn(
                std::span<const void* const>(static_cast<const void* const*>(out.cells.data()),
                                             static_cast<std::size_t>(out.cells.size())),
                &ascii_cell_text);
            return out;
        }
        read_object_text(out.objects, value, name);
        out.column = IdColumn(std::span<const std::string_view>(out.objects.views));
        return out;
    }
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
        [](const py::object& text, const std::string& table, const std::string& column,
           bool months) {
            // Text buffers, or an object array read in place: no view per row is stored, and a
            // cell object seen before (pandas often shares one between equal cells; a period
            // column holds a few dozen values) is not parsed again.
            const bool objects = is_object_array(text);
            Ids buffers;
            py::array cells;
            std::size_t n = 0;
            if (objects) {
                cells = object_cells(text, "text");
                n = static_cast<std::size_t>(cells.size());
            } else {
                buffers = ids_of(text, "text");
                if (!buffers.column.empty() && !buffers.column.is_text())
                    throw InputError::argument("text", "give text buffers or an object array");
                n = buffers.column.size();
            }
            PyObject* const* cell = objects ? static_cast<PyObject* const*>(cells.data()) : nullptr;
            std::vector<std::int64_t> local(n, no_time), offset(n, 0);
            std::vector<std::int8_t> flag(n, -1);
            const auto parse = [&](std::size_t i, std::string_view t) {
                if (t.empty()) return true;  // a blank cell: missing
                ParsedTime p;
                if (!parse_datetime(t, p)) return false;
                // A month column needs no second pass: the month of a wall time is known here.
                local[i] = months && !p.has_offset ? month_of_day(day_of_time(p.local)) : p.local;
                offset[i] = p.offset, flag[i] = p.has_offset ? 1 : 0;
                return true;
            };
            constexpr std::size_t block = std::size_t{1} << 16, slots = 64;
            const std::size_t n_blocks = (n + block - 1) / block;
            std::vector<std::size_t> bad(n_blocks, n);
            std::vector<std::vector<std::size_t>> slow(n_blocks);
            {
                py::gil_scoped_release release;  // the held cells and our vectors only
                detail::for_each_block(
                    n, block, 0, [&](std::size_t b, std::size_t lo, std::size_t hi) {
                        std::array<std::pair<PyObject*, std::size_t>, slots> seen{};
                        for (std::size_t i = lo; i < hi; ++i) {
                            std::string_view t;
                            if (objects) {
                                auto& memo =
                                    seen[(reinterpret_cast<std::uintptr_t>(cell[i]) >> 4) % slots];
                                if (memo.first == cell[i]) {
                                    const std::size_t j = memo.second;
                                    local[i] = local[j], offset[i] = offset[j], flag[i] = flag[j];
                                    continue;
                                }
                                if (!ascii_text(cell[i], t)) {
                                    slow[b].push_back(i);
                                    continue;
                                }
                                memo = {cell[i], i};
                            } else {
                                t = buffers.column.text_at(i);
                            }
                            if (!parse(i, t)) {
                                bad[b] = i;
                                return;
                            }
                        }
                    });
            }
            std::vector<py::object> shown;
            std::size_t first_bad = n;
            for (std::size_t b = 0; b < n_blocks; ++b) {
                // A block stops at its first unreadable row: its slow rows all come before.
                for (const std::size_t i : slow[b])
                    if (first_bad == n && !parse(i, other_text(cell[i], shown))) first_bad = i;
                if (first_bad < n) break;
                if (bad[b] < n) {
                    first_bad = bad[b];
                    break;
                }
            }
            if (first_bad < n) {
                const std::size_t i = first_bad;
                std::string_view view;
                if (!objects)
                    view = buffers.column.text_at(i);
                else if (!ascii_text(cell[i], view))
                    view = other_text(cell[i], shown);
                const std::string t(view);
                const std::string what =
                    "cannot read '" + t +
                    "' as a date (ISO 8601: 2024-03-01, 2024-03-01T08:00:00, optionally with an "
                    "offset such as +09:00 or Z)";
                if (table.empty()) throw InputError::at(column, i, what);
                throw InputError::in_table(table, column, i, what);
            }
            return py::make_tuple(to_numpy(std::move(local)), to_numpy(std::move(offset)),
                                  to_numpy(std::move(flag)));
        },
        py::arg("text"), py::arg("table"), py::arg("column"), py::arg("months") = false,
        "Dates of a text column (Arrow large_string buffers (offsets, chars) or an object array "
        "of text): (clock seconds as written, offset seconds, flag: 1 with offset, 0 without, "
        "-1 blank). With `months`, a row without an offset gives its month number instead of "
        "its seconds.");

    m.def(
        "intern_ids",
        [](const py::object& ids, int n_threads) {
            const Ids column = ids_of(ids, "ids");
            InternedIds out;
            {
                py::gil_scoped_release release;  // the held cells and our vectors only
                out = intern_ids(column.column, n_threads);
            }
            std::vector<std::int64_t> first(out.first_row.begin(), out.first_row.end());
            return py::make_tuple(to_numpy(std::move(out.code)), to_numpy(std::move(first)));
        },
        py::arg("ids"), py::arg("n_threads") = 0,
        "Dense codes of an id column (int64 values, text buffers or an object array of text) in "
        "order of first appearance, -1 for blank text; and the first row of each code.");

    m.def(
        "id_buckets",
        [](const py::object& ids, std::int64_t n_buckets, int n_threads) {
            const Ids column = ids_of(ids, "ids");
            std::vector<std::int64_t> out;
            {
                py::gil_scoped_release release;  // the held cells and our vector only
                out = id_buckets(column.column, n_buckets, n_threads);
            }
            return to_numpy(std::move(out));
        },
        py::arg("ids"), py::arg("n_buckets"), py::arg("n_threads") = 0,
        "The bucket (0 .. n_buckets - 1) of each id (int64 values, text buffers or an object array "
        "of text): FNV-1a of its text, ints by their decimal digits; the same in every process.");

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
               const std::optional<array_in<std::int64_t>>& timestamp, const py::object& feature,
               const Names& names, const std::optional<array_in<std::int64_t>>& utc,
               const std::string& utc_unit, const std::optional<array_in<std::int64_t>>& since,
               const std::optional<array_in<std::int32_t>>& offset) {
                const Ids acc = ids_of(account, "account"), usr = ids_of(user, "user"),
                          feat = ids_of(feature, "feature");
                EventsInput in{.account = acc.column,
                               .user = usr.column,
                               .feature = feat.column,
                               .timestamp = optional_span(timestamp, "timestamp"),
                               .utc = optional_span(utc, "utc"),
                               .utc_unit = parse_time_unit(utc_unit),
                               .zone = {optional_span(since, "since"),
                                        optional_span(offset, "offset")},
                               .account_column = name_of(names, "account_id"),
                               .user_column = name_of(names, "user_id"),
                               .timestamp_column = name_of(names, "timestamp"),
                               .feature_column = name_of(names, "feature")};
                in.has_feature_column = !feature.is_none();
                py::gil_scoped_release release;
                b.set_events(in);
            },
            py::arg("account"), py::arg("user"), py::arg("timestamp"), py::arg("feature"),
            py::arg("names"), py::arg("utc") = py::none(), py::arg("utc_unit") = "ns",
            py::arg("since") = py::none(), py::arg("offset") = py::none())
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
        .def(
            "before_signing",
            [](const Book& b) {
                py::list out;
                for (const auto& rows : b.before_signing())
                    out.append(py::make_tuple(rows.table, rows.accounts, rows.first_account,
                                              rows.first_date));
                return out;
            },
            "(table, accounts, first account code, its first month or day) of the tables with "
            "rows dated before their account signed.")
        .def_property_readonly(
            "signed_days",
            [](const Book& b) {
                const auto days = b.signed_days();
                return to_numpy(std::vector<std::int64_t>(days.begin(), days.end()));
            })
        .def_property_readonly("returns_inferred", &Book::returns_inferred)
        .def_property_readonly("n_accounts", &Book::n_accounts)
        .def_property_readonly("dropped", &Book::dropped)
        .def_property_readonly("milestone_names", &Book::milestone_names)
        .def_property_readonly("churn_reasons", &Book::churn_reasons)
        .def_property_readonly("activity_types", &Book::activity_types)
        .def_property_readonly("activity_owners", &Book::activity_owners)
        .def_property_readonly("last_event_day", &Book::last_event_day)
        .def_property_readonly("first_event_day", &Book::first_event_day)
        .def_property_readonly("n_events", [](const Book& b) { return b.events().n_events(); })
        .def("has", &Book::has, py::arg("table"));
}

}  // namespace retain::python
