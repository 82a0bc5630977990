#include "common.hpp"

#include "retain/engagement.hpp"

namespace retain::python {

namespace {

engagement::Freq parse_freq(const std::string& freq) {
    if (freq == "D") return engagement::Freq::day;
    if (freq == "W") return engagement::Freq::week;
    if (freq == "M") return engagement::Freq::month;
    throw InputError::argument("freq", "must be 'D', 'W' or 'M', got '" + freq + "'");
}

py::list arrays(std::vector<std::vector<std::int64_t>>&& columns) {
    py::list out;
    for (auto& c : columns) out.append(to_numpy(std::move(c)));
    return out;
}

}  // namespace

void register_engagement(py::module_& root) {
    py::module_ m = root.def_submodule("engagement", "Product engagement (see retain.engagement).");

    py::class_<engagement::EventLog>(m, "EventLog")
        .def(py::init([](const array_in<std::int64_t>& account, std::size_t n_accounts,
                         const array_in<std::int64_t>& user, std::size_t n_users,
                         const array_in<std::int64_t>& timestamp, const std::string& unit,
                         const array_in<std::int64_t>& feature, std::size_t n_features,
                         const std::string& account_col, const std::string& user_col,
                         const std::string& timestamp_col, const std::string& feature_col,
                         bool feature_column) {
                 const auto a = as_span(account, "account");
                 const auto u = as_span(user, "user");
                 const auto t = as_span(timestamp, "timestamp");
                 const auto f = as_span(feature, "feature");
                 const TimeUnit tu = parse_time_unit(unit);
                 const engagement::EventColumns names{account_col, user_col, timestamp_col,
                                                      feature_col};
                 py::gil_scoped_release release;  // reads only the caller's buffers
                 return engagement::EventLog(a, n_accounts, u, n_users, t, tu, f, n_features,
                                             names, {}, feature_column);
             }),
             py::arg("account"), py::arg("n_accounts"), py::arg("user"), py::arg("n_users"),
             py::arg("timestamp"), py::arg("unit"), py::arg("feature"), py::arg("n_features"),
             py::arg("account_col") = "account_id", py::arg("user_col") = "user_id",
             py::arg("timestamp_col") = "timestamp", py::arg("feature_col") = "feature",
             py::arg("feature_column") = false)
        .def_property_readonly("n_accounts", &engagement::EventLog::n_accounts)
        .def_property_readonly("n_users", &engagement::EventLog::n_users)
        .def_property_readonly("n_features", &engagement::EventLog::n_features)
        .def_property_readonly("n_events", &engagement::EventLog::n_events)
        .def_property_readonly("has_features", &engagement::EventLog::has_features);

    m.def(
        "usage_features",
        [](const engagement::EventLog& log, const array_in<std::int64_t>& as_of,
           const array_in<std::int64_t>& windows, int n_threads) {
            const auto q = as_span(as_of, "as_of");
            const auto w = as_span(windows, "windows");
            engagement::UsageFeatures f;
            {
                py::gil_scoped_release release;  // reads the log and the caller's buffers only
                f = engagement::usage_features(log, q, w, n_threads);
            }
            py::dict out;
            out["events"] = arrays(std::move(f.events));
            out["active_users"] = arrays(std::move(f.active_users));
            out["active_days"] = arrays(std::move(f.active_days));
            out["distinct_features"] = arrays(std::move(f.distinct_features));
            py::list trend;
            for (auto& c : f.trend) trend.append(to_numpy(std::move(c)));
            out["trend"] = trend;
            out["days_since_last_event"] = to_numpy(std::move(f.days_since_last_event));
            return out;
        },
        py::arg("log"), py::arg("as_of"), py::arg("windows"), py::arg("n_threads") = 0,
        "Usage features per (account, as_of) row, account-major; lists hold one array a window.");

    m.def(
        "active_users",
        [](const engagement::EventLog& log, const std::string& freq) {
            const auto f = parse_freq(freq);
            engagement::ActiveUsers r;
            {
                py::gil_scoped_release release;  // reads the log only
                r = engagement::active_users(log, f);
            }
            return py::make_tuple(r.first, to_numpy(std::move(r.count)));
        },
        py::arg("log"), py::arg("freq"), "(first period key, active users per period).");

    m.def(
        "active_users_by_account",
        [](const engagement::EventLog& log, const std::string& freq) {
            const auto f = parse_freq(freq);
            engagement::ActiveUsersByAccount r;
            {
                py::gil_scoped_release release;  // reads the log only
                r = engagement::active_users_by_account(log, f);
            }
            return py::make_tuple(to_numpy(std::move(r.account)), to_numpy(std::move(r.period)),
                                  to_numpy(std::move(r.count)));
        },
        py::arg("log"), py::arg("freq"), "(account codes, period keys, counts) of active pairs.");

    m.def(
        "feature_adoption",
        [](const engagement::EventLog& log, std::int64_t as_of, std::int64_t window_days,
           const std::string& level) {
            if (level != "account" && level != "user")
                throw InputError::argument("level",
                                           "must be 'account' or 'user', got '" + level + "'");
            const auto l = level == "user" ? engagement::Level::user : engagement::Level::account;
            engagement::FeatureAdoption r;
            {
                py::gil_scoped_release release;  // reads the log only
                r = engagement::feature_adoption(log, as_of, window_days, l);
            }
            return py::make_tuple(to_numpy(std::move(r.adopters)), r.active);
        },
        py::arg("log"), py::arg("as_of"), py::arg("window_days"), py::arg("level"),
        "(adopters per feature code, active units).");

    m.def(
        "window_active_users",
        [](const engagement::EventLog& log, std::int64_t as_of, std::int64_t window_days) {
            std::vector<std::int64_t> r;
            {
                py::gil_scoped_release release;  // reads the log only
                r = engagement::window_active_users(log, as_of, window_days);
            }
            return to_numpy(std::move(r));
        },
        py::arg("log"), py::arg("as_of"), py::arg("window_days"),
        "Active users per account code in the window ending on as_of.");

    m.def(
        "stickiness",
        [](const engagement::EventLog& log) {
            engagement::Stickiness r;
            {
                py::gil_scoped_release release;  // reads the log only
                r = engagement::stickiness(log);
            }
            return py::make_tuple(static_cast<std::int64_t>(r.first),
                                  to_numpy(std::move(r.mean_dau)), to_numpy(std::move(r.mau)),
                                  to_numpy(std::move(r.stickiness)));
        },
        py::arg("log"), "(first month number, mean DAU, MAU, stickiness) per calendar month.");

    m.def(
        "stickiness_by_account",
        [](const engagement::EventLog& log) {
            engagement::StickinessByAccount r;
            {
                py::gil_scoped_release release;  // reads the log only
                r = engagement::stickiness_by_account(log);
            }
            return py::make_tuple(to_numpy(std::move(r.account)), to_numpy(std::move(r.month)),
                                  to_numpy(std::move(r.mean_dau)), to_numpy(std::move(r.mau)),
                                  to_numpy(std::move(r.stickiness)));
        },
        py::arg("log"),
        "(account codes, month numbers, mean DAU, MAU, stickiness) of active (account, month).");

    m.def(
        "seat_utilization",
        [](const engagement::EventLog& log, const array_in<double>& seats, std::int64_t as_of,
           std::int64_t window_days, const std::string& seats_col) {
            const auto s = as_span(seats, "seats");
            engagement::SeatUtilization r;
            {
                py::gil_scoped_release release;  // reads the log and the caller's buffer only
                r = engagement::seat_utilization(log, s, as_of, window_days, seats_col);
            }
            return py::make_tuple(to_numpy(std::move(r.active_users)),
                                  to_numpy(std::move(r.utilization)));
        },
        py::arg("log"), py::arg("seats"), py::arg("as_of"), py::arg("window_days"),
        py::arg("seats_col") = "seats",
        "(active users, utilization) per account code; seats has one value per account code.");
}

}  // namespace retain::python
