#include "common.hpp"

#include "retain/account.hpp"
#include "retain/ids.hpp"
#include "retain/time.hpp"

namespace retain::python {

void register_account(py::module_& m) {
    py::class_<MrrTable>(m, "MrrTable", "Validated MRR per account and month (line items summed).")
        .def(py::init([](const array_in<std::int64_t>& account, std::size_t n_accounts,
                         const array_in<std::int64_t>& month, const array_in<double>& mrr,
                         const std::string& account_col, const std::string& period_col,
                         const std::string& mrr_col) {
                 const auto a = as_span(account, "account");
                 const auto p = as_span(month, "month");
                 const auto v = as_span(mrr, "mrr");
                 // The spans point into arrays the caller keeps alive; no Python object is
                 // touched while the table is built.
                 py::gil_scoped_release release;
                 return MrrTable(a, n_accounts, p, v, MrrColumns{account_col, period_col, mrr_col});
             }),
             py::arg("account"), py::arg("n_accounts"), py::arg("month"), py::arg("mrr"),
             py::arg("account_col") = "account_id", py::arg("period_col") = "period",
             py::arg("mrr_col") = "mrr")
        .def_static(
            "from_int_ids",
            [](const array_in<std::int64_t>& ids, const array_in<std::int64_t>& month,
               const array_in<double>& mrr, const std::string& account_col,
               const std::string& period_col, const std::string& mrr_col) {
                const auto a = as_span(ids, "ids");
                const auto p = as_span(month, "month");
                const auto v = as_span(mrr, "mrr");
                IdIndex<std::int64_t> index;
                // As above: only the caller's buffers and C++ objects are touched.
                py::gil_scoped_release release;
                return MrrTable::from_ids(index, a, p, v,
                                          MrrColumns{account_col, period_col, mrr_col});
            },
            py::arg("ids"), py::arg("month"), py::arg("mrr"), py::arg("account_col") = "account_id",
            py::arg("period_col") = "period", py::arg("mrr_col") = "mrr",
            "The table of integer account ids, interned on the way (once per run of rows when "
            "each account's rows are together).")
        .def_property_readonly("n_accounts", &MrrTable::n_accounts)
        .def_property_readonly("n_months", &MrrTable::n_months)
        .def_property_readonly("first_month", &MrrTable::first_month)
        .def_property_readonly("n_entries", &MrrTable::n_entries)
        .def("__repr__", [](const MrrTable& t) {
            return "<MrrTable " + std::to_string(t.n_accounts()) + " accounts, " +
                   std::to_string(t.n_months()) + " months>";
        });

    m.def(
        "intern_int64",
        [](const array_in<std::int64_t>& ids) {
            const auto keys = as_span(ids, "ids");
            // Codes go straight into the numpy array handed back: no second buffer, no zeroing.
            py::array_t<std::int64_t> codes(static_cast<py::ssize_t>(keys.size()));
            IdIndex<std::int64_t> index;
            {
                py::gil_scoped_release release;  // pure C++ over buffers this call holds
                index.intern(keys, std::span<std::int64_t>(codes.mutable_data(), keys.size()));
            }
            return py::make_tuple(
                codes, to_numpy(std::vector<std::int64_t>(index.ids().begin(), index.ids().end())));
        },
        py::arg("ids"),
        "Dense codes for integer ids in order of first appearance, and the distinct ids.");

    m.def(
        "months_from_timestamps",
        [](const array_in<std::int64_t>& values, const std::string& unit,
           const std::string& column) {
            const auto ts = as_span(values, "values");
            const TimeUnit u = parse_time_unit(unit);
            std::vector<std::int64_t> out(ts.size());
            {
                py::gil_scoped_release release;  // pure C++ over the caller's buffer
                months_from_timestamps(ts, u, out, column);
            }
            return to_numpy(std::move(out));
        },
        py::arg("values"), py::arg("unit"), py::arg("column"),
        "Month numbers of datetime64 values given as int64 counts of `unit`.");

    m.def(
        "parse_months",
        [](const std::vector<std::string>& texts, const std::vector<std::size_t>& rows,
           const std::string& column) {
            std::vector<std::int64_t> out(texts.size());
            for (std::size_t i = 0; i < texts.size(); ++i)
                out[i] = parse_month(texts[i], column, i < rows.size() ? rows[i] : i);
            return to_numpy(std::move(out));
        },
        py::arg("texts"), py::arg("rows"), py::arg("column"),
        "Month numbers of 'YYYY-MM' / 'YYYY-MM-DD' strings; rows[i] is named if texts[i] is bad.");

    m.def("format_month", &format_month, py::arg("month"), "'YYYY-MM' of a month number.");
}

}  // namespace retain::python
