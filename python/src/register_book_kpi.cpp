// Bindings of the KPIs that read a whole Book: churn by reason and CSM activity. The pandas face
// is retain.kpi (churn_reasons, touches, coverage).
#include "common.hpp"

#include <limits>

#include "retain/activity.hpp"
#include "retain/book.hpp"
#include "retain/churn_reasons.hpp"

namespace retain::python {

void register_book_kpi(py::module_& root) {
    py::module_ m =
        root.def_submodule("book_kpi", "KPIs of a whole Book (see retain.kpi): reasons, activity.");

    m.def(
        "churn_reasons",
        [](const Book& book, const array_in<std::int64_t>& group, std::size_t n_groups,
           int n_threads) {
            const auto codes = as_span(group, "group");
            kpi::ChurnReasons r;
            {
                py::gil_scoped_release release;
                r = kpi::churn_reasons(book, codes, n_groups, n_threads);
            }
            py::dict out;
            out["group"] = to_numpy(std::move(r.group));
            out["month"] = to_numpy(std::move(r.month));
            out["reason"] = to_numpy(std::move(r.reason));
            out["churned_accounts"] = to_numpy(std::move(r.accounts));
            out["mrr_lost"] = to_numpy(std::move(r.mrr_lost));
            out["voluntary_accounts"] = to_numpy(std::move(r.voluntary_accounts));
            out["involuntary_accounts"] = to_numpy(std::move(r.involuntary_accounts));
            out["unknown_kind_accounts"] = to_numpy(std::move(r.unknown_kind_accounts));
            out["voluntary_mrr"] = to_numpy(std::move(r.voluntary_mrr));
            out["involuntary_mrr"] = to_numpy(std::move(r.involuntary_mrr));
            out["unknown_kind_mrr"] = to_numpy(std::move(r.unknown_kind_mrr));
            out["reasons"] = py::cast(r.reasons);
            return out;
        },
        py::arg("book"), py::arg("group"), py::arg("n_groups"), py::arg("n_threads"),
        "Churn by reason: one row per (group, month, reason) with a churn.");

    m.def(
        "touches",
        [](const Book& book, const std::string& by, int n_threads) {
            const kpi::TouchKey key = kpi::parse_touch_key(by);
            kpi::TouchCounts t;
            {
                py::gil_scoped_release release;
                t = kpi::touches(book, key, n_threads);
            }
            py::dict out;
            out["account"] = to_numpy(std::move(t.account));
            out["month"] = to_numpy(std::move(t.month));
            out["key"] = to_numpy(std::move(t.key));
            out["touches"] = to_numpy(std::move(t.touches));
            return out;
        },
        py::arg("book"), py::arg("by"), py::arg("n_threads"),
        "Touches per (account, month, key) with a touch.");

    m.def(
        "coverage",
        [](const Book& book, std::int64_t as_of, std::int64_t max_gap_days,
           const array_in<std::int64_t>& group, std::size_t n_groups,
           const array_in<std::uint8_t>& include, int n_threads) {
            if (as_of < std::numeric_limits<Day>::min() || as_of > std::numeric_limits<Day>::max())
                throw InputError::argument("as_of",
                                           "day " + std::to_string(as_of) + " is out of range");
            const auto codes = as_span(group, "group");
            const auto keep = as_span(include, "include");
            kpi::Coverage c;
            {
                py::gil_scoped_release release;
                c = kpi::coverage(book, static_cast<Day>(as_of), max_gap_days, codes, n_groups,
                                  keep, n_threads);
            }
            py::dict out;
            out["accounts"] = to_numpy(std::move(c.accounts));
            out["arr"] = to_numpy(std::move(c.arr));
            out["touches"] = to_numpy(std::move(c.touches));
            out["untouched"] = to_numpy(std::move(c.untouched));
            out["untouched_arr"] = to_numpy(std::move(c.untouched_arr));
            py::list lists;
            for (auto& codes_of_group : c.untouched_accounts)
                lists.append(to_numpy(std::move(codes_of_group)));
            out["untouched_accounts"] = lists;
            return out;
        },
        py::arg("book"), py::arg("as_of"), py::arg("max_gap_days"), py::arg("group"),
        py::arg("n_groups"), py::arg("include"), py::arg("n_threads"),
        "Coverage per group on one day: accounts, ARR, recent touches, the untouched.");
}

}  // namespace retain::python
