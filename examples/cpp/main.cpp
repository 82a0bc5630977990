// A churn-risk report from a folder of CSV exports: reads them into a retain::Book, scores every
// current account with a JSON health model at an as-of date, lists the accounts at risk, and
// backtests the model at past dates (would it have foreseen the churns that followed?).
//
//   retain_example DATA_FOLDER MODEL.json --as-of 2024-03-31 [--backtest DATE,DATE,...]
//                  [--horizon DAYS]
//
// Exit codes: 0 done, 2 bad input (the message names the file, line and column), 1 anything else.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <retain/book.hpp>
#include <retain/book_backtest.hpp>
#include <retain/error.hpp>
#include <retain/health.hpp>
#include <retain/snapshot.hpp>
#include <retain/time.hpp>

#include "csv.hpp"

namespace fs = std::filesystem;

namespace {

// The file and the lines of every table read, so that an error's table and row point at a line.
struct Source {
    std::string file;
    std::vector<std::size_t> lines;
};
std::map<std::string, Source, std::less<>> sources;

// One CSV file seen through the Book's column contract (README: "The tables retain reads"). Cells
// stay text until a column is asked for; a bad cell is an InputError naming the table, column
// and row, as the Book's own errors do.
class Table {
  public:
    Table(std::string name, const fs::path& file) : name_(std::move(name)), csv_(csv::read(file)) {
        sources[name_] = {file.string(), csv_.lines};
    }

    bool has(std::string_view column) const { return csv_.find(column) != nullptr; }
    const std::vector<std::string>& cells(std::string_view column) const {
        if (const auto* cells = csv_.find(column)) return *cells;
        std::string have;
        for (const auto& name : csv_.header) have += (have.empty() ? "" : ", ") + name;
        throw retain::ColumnError::missing(name_, column, " (its columns: " + have + ")");
    }

    // Ids and labels, read in place. An optional column that is absent is empty.
    std::vector<std::string_view> text(std::string_view column, bool required = true) const {
        if (!required && !has(column)) return {};
        const auto& c = cells(column);
        return {c.begin(), c.end()};
    }

    // retain's time rule, with UTC as the Book's clock: text with an offset ('+02:00', 'Z') is an
    // instant, moved to UTC; text without one is UTC wall time already. A blank cell is no_time,
    // which the Book refuses where a date is required.
    std::vector<retain::Time> times(std::string_view column, bool required = true) const {
        if (!required && !has(column)) return {};
        const auto& c = cells(column);
        std::vector<retain::Time> out(c.size(), retain::no_time);
        for (std::size_t row = 0; row < c.size(); ++row) {
            retain::ParsedTime t;
            if (c[row].empty()) continue;
            if (!retain::parse_datetime(c[row], t))
                throw retain::InputError::in_table(name_, column, row,
                                                   "cannot read '" + c[row] +
                                                       "' as a date (ISO 8601: 2024-03-01, "
                                                       "2024-03-01T09:00:00+02:00)");
            out[row] = t.has_offset ? t.local - t.offset : t.local;
        }
        return out;
    }

    // MRR periods are dates by the same rule ('2024-03' is March 1st), floored to their month.
    std::vector<std::int64_t> months(std::string_view column) const {
        std::vector<std::int64_t> out;
        for (const retain::Time t : times(column)) {
            if (t == retain::no_time)
                throw retain::InputError::in_table(name_, column, out.size(), "missing period");
            out.push_back(retain::month_of_day(retain::day_of_time(t)));
        }
        return out;
    }

    // A blank cell is NaN, which the Book refuses with a message that says what it expects.
    std::vector<double> numbers(std::string_view column) const {
        const auto& c = cells(column);
        std::vector<double> out(c.size(), std::numeric_limits<double>::quiet_NaN());
        for (std::size_t row = 0; row < c.size(); ++row) {
            const char* end = c[row].data() + c[row].size();
            if (!c[row].empty() && std::from_chars(c[row].data(), end, out[row]).ptr != end)
                throw retain::InputError::in_table(name_, column, row,
                                                   "'" + c[row] + "' is not a number");
        }
        return out;
    }

    // The position of each cell's word in `words` (case ignored); -1 for a blank cell.
    std::vector<std::int8_t> choice(std::string_view column, const std::vector<std::string>& words,
                                    bool required = true) const {
        if (!required && !has(column)) return {};
        const auto& c = cells(column);
        std::vector<std::int8_t> out(c.size(), -1);
        for (std::size_t row = 0; row < c.size(); ++row) {
            std::string word = c[row];
            for (char& ch : word)
                ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            const auto at = std::find(words.begin(), words.end(), word);
            if (at != words.end()) {
                out[row] = static_cast<std::int8_t>(at - words.begin());
            } else if (!word.empty()) {
                std::string expected;
                for (const auto& w : words) expected += (expected.empty() ? "" : " or ") + w;
                throw retain::InputError::in_table(name_, column, row,
                                                   "'" + c[row] + "' is not " + expected);
            }
        }
        return out;
    }

  private:
    std::string name_;
    csv::Table csv_;
};

// What the report prints of each account, by the Book's account code (the accounts file's row).
struct Accounts {
    std::vector<std::string> id, name;
};

// The Book of a folder: accounts.csv, and whichever other tables of the contract are there.
retain::Book read_book(const fs::path& folder, Accounts& accounts) {
    const auto file = [&](const char* table) { return folder / (std::string(table) + ".csv"); };
    const Table a("accounts", file("accounts"));
    const auto ids = a.text("account_id");
    const auto signed_at = a.times("signed_at");
    retain::Book book({.id = ids, .signed_at = signed_at});
    accounts.id = a.cells("account_id");
    if (a.has("name")) accounts.name = a.cells("name");

    // MRR comes before churns: a churn without a return date takes its return from MRR.
    if (fs::exists(file("mrr"))) {
        const Table t("mrr", file("mrr"));
        const auto account = t.text("account_id");
        const auto month = t.months("period");
        const auto mrr = t.numbers("mrr");
        std::vector<std::int64_t> plan;
        std::vector<std::string> plan_names;
        for (const auto name : t.text("plan", false)) {
            auto at = std::find(plan_names.begin(), plan_names.end(), name);
            if (!name.empty() && at == plan_names.end()) at = plan_names.emplace(at, name);
            plan.push_back(name.empty() ? -1 : at - plan_names.begin());
        }
        book.set_mrr({.account = account,
                      .month = month,
                      .mrr = mrr,
                      .plan = plan,
                      .plan_names = plan_names});
    }
    if (fs::exists(file("events"))) {
        const Table t("events", file("events"));
        const auto account = t.text("account_id"), user = t.text("user_id");
        const auto feature = t.text("feature", false);
        const auto at = t.times("timestamp");
        book.set_events({.account = account, .user = user, .feature = feature, .timestamp = at});
    }
    if (fs::exists(file("surveys"))) {
        const Table t("surveys", file("surveys"));
        const auto account = t.text("account_id");
        const auto at = t.times("answered_at");
        const auto score = t.numbers("score");
        const auto kind = t.choice("kind", {"nps", "csat"}, false);
        book.set_surveys({.account = account, .answered_at = at, .score = score, .kind = kind});
    }
    if (fs::exists(file("tickets"))) {
        const Table t("tickets", file("tickets"));
        const auto account = t.text("account_id");
        const auto opened = t.times("opened_at"), closed = t.times("closed_at", false);
        book.set_tickets({.account = account, .opened_at = opened, .closed_at = closed});
    }
    if (fs::exists(file("milestones"))) {
        const Table t("milestones", file("milestones"));
        const auto account = t.text("account_id"), milestone = t.text("milestone");
        const auto at = t.times("reached_at");
        book.set_milestones({.account = account, .milestone = milestone, .reached_at = at});
    }
    if (fs::exists(file("churns"))) {
        const Table t("churns", file("churns"));
        const auto account = t.text("account_id"), reason = t.text("reason", false);
        const auto churned = t.times("churned_at"), returned = t.times("returned_at", false);
        const auto kind = t.choice("kind", {"involuntary", "voluntary"}, false);
        book.set_churns({.account = account,
                         .reason = reason,
                         .churned_at = churned,
                         .returned_at = returned,
                         .voluntary = kind});
    }
    if (fs::exists(file("activities"))) {
        const Table t("activities", file("activities"));
        const auto account = t.text("account_id"), type = t.text("type", false),
                   owner = t.text("owner", false);
        const auto at = t.times("at");
        book.set_activities({.account = account, .type = type, .owner = owner, .at = at});
    }
    return book;
}

struct Options {
    fs::path data, model;
    std::int64_t as_of = 0;
    std::vector<std::int64_t> backtest;
    std::int64_t horizon = 90;
};

Options parse_args(std::span<char*> args) {
    Options opt;
    std::vector<fs::path> files;
    bool as_of = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        const auto value = [&] {
            if (i + 1 == args.size()) throw retain::InputError::argument(arg, "needs a value");
            return std::string_view(args[++i]);
        };
        if (arg == "--as-of") {
            opt.as_of = retain::parse_day(value(), arg);
            as_of = true;
        } else if (arg == "--backtest") {
            const std::string_view dates = value();
            for (std::size_t at = 0; at <= dates.size();) {
                const std::size_t end = std::min(dates.find(',', at), dates.size());
                opt.backtest.push_back(
                    retain::parse_day(dates.substr(at, end - at), arg, opt.backtest.size()));
                at = end + 1;
            }
        } else if (arg == "--horizon") {
            const std::string_view days = value();
            const char* end = days.data() + days.size();
            if (std::from_chars(days.data(), end, opt.horizon).ptr != end || opt.horizon < 1)
                throw retain::InputError::argument(
                    arg, "a whole number of days >= 1, got '" + std::string(days) + "'");
        } else if (arg.starts_with("--")) {
            throw retain::InputError::argument(arg, "unknown option");
        } else {
            files.emplace_back(arg);
        }
    }
    if (files.size() != 2 || !as_of)
        throw retain::InputError::argument("arguments", "need DATA_FOLDER, MODEL.json and --as-of");
    opt.data = files[0];
    opt.model = files[1];
    return opt;
}

void report_health(const retain::Book& book, const retain::HealthModel& model,
                   const Accounts& accounts, std::int64_t as_of) {
    const retain::Snapshots snaps = retain::snapshots(book, std::span(&as_of, 1));
    for (const auto& warning : snaps.warnings) std::cerr << "warning: " << warning << '\n';
    const auto columns = retain::numeric_columns(snaps, 0, snaps.n_rows());
    const std::vector<std::span<const double>> values(columns.values.begin(), columns.values.end());
    const retain::HealthScores scores = model.score(columns.names, values);

    const auto& grades = model.grades();
    std::vector<std::size_t> graded(grades.size(), 0);
    for (const std::int32_t g : scores.grade)
        if (g >= 0) ++graded[static_cast<std::size_t>(g)];
    std::string counts;
    for (std::size_t g = 0; g < grades.size(); ++g)
        counts += ", " + std::to_string(graded[g]) + " " + grades[g].label;
    const auto unscored = std::count_if(scores.score.begin(), scores.score.end(),
                                        [](double s) { return std::isnan(s); });
    if (unscored > 0) counts += ", " + std::to_string(unscored) + " with nothing to score";
    std::cout << "Health on " << retain::format_day(as_of) << ", model '" << model.name()
              << "': " << snaps.n_rows() << " current accounts"
              << (counts.empty() ? "" : " (" + counts.substr(2) + ")") << '\n';
    if (grades.empty()) return;

    // At risk: the rows of the lowest grade, lowest score first.
    const auto lowest = std::min_element(grades.begin(), grades.end(),
                                         [](auto& a, auto& b) { return a.min < b.min; }) -
                        grades.begin();
    std::vector<std::size_t> rows;
    for (std::size_t r = 0; r < snaps.n_rows(); ++r)
        if (scores.grade[r] == lowest) rows.push_back(r);
    std::stable_sort(rows.begin(), rows.end(),
                     [&](auto a, auto b) { return scores.score[a] < scores.score[b]; });
    std::cout << "At risk (" << grades[lowest].label << "), lowest score first:\n";
    if (rows.empty()) std::cout << "  none\n";
    for (const std::size_t r : rows) {
        const auto account = static_cast<std::size_t>(snaps.account[r]);
        std::cout << "  " << std::left << std::setw(10) << accounts.id[account] << std::right
                  << std::fixed << std::setprecision(2) << std::setw(6) << scores.score[r] << "  "
                  << (accounts.name.empty() ? "" : accounts.name[account]) << '\n';
    }
}

void report_backtest(const retain::Book& book, const retain::HealthModel& model,
                     const Options& opt) {
    // Outcomes are known through the as-of date: a date whose horizon ends later is unresolved.
    const retain::HealthBacktest bt =
        retain::backtest_health(book, model, opt.backtest, opt.horizon, opt.as_of);
    std::cout << "Backtest: churn within " << opt.horizon << " days of each date\n"
              << "  as of         rows  churners  ROC AUC  PR AUC\n";
    for (std::size_t q = 0; q < bt.dates.size(); ++q) {
        const retain::backtest::Evaluation& e = bt.per_date[q];
        std::cout << "  " << retain::format_day(bt.dates[q]) << std::setw(8) << e.n << std::setw(10)
                  << e.churners << std::fixed << std::setprecision(3);
        if (e.reason.empty())
            std::cout << std::setw(9) << e.roc_auc << std::setw(8) << e.pr_auc << '\n';
        else
            std::cout << "  (" << e.reason << ")\n";
    }
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    try {
        opt = parse_args({argv, static_cast<std::size_t>(argc)});
        Accounts accounts;
        const retain::Book book = read_book(opt.data, accounts);
        const auto model = retain::HealthModel::from_json(csv::read_file(opt.model));
        std::cout << "Book: " << book.n_accounts() << " accounts; tables";
        for (const char* table : {"accounts", "mrr", "events", "surveys", "tickets", "milestones",
                                  "churns", "activities"})
            if (book.has(table)) std::cout << ' ' << table;
        std::cout << '\n';
        report_health(book, model, accounts, opt.as_of);
        if (!opt.backtest.empty()) report_backtest(book, model, opt);
        return 0;
    } catch (const csv::Error& e) {
        std::cerr << "error: " << e.file();
        if (e.line() > 0) std::cerr << ", line " << e.line();
        std::cerr << "\n  " << e.what() << '\n';
        return 2;
    } catch (const retain::Error& e) {
        // Where the fault is, from the error's parts: a table's row is a line of its file, a key
        // path is in the model document, anything else is in the arguments.
        std::cerr << "error: ";
        if (const auto s = sources.find(e.table()); s != sources.end()) {
            std::cerr << s->second.file;
            if (e.row() && *e.row() < s->second.lines.size())
                std::cerr << ", line " << s->second.lines[*e.row()];
            if (!e.column().empty()) std::cerr << ", column '" << e.column() << "'";
            std::cerr << "\n  " << e.what() << '\n';
        } else if (dynamic_cast<const retain::ConfigError*>(&e)) {
            std::cerr << opt.model.string() << (e.path().empty() ? "" : ", key " + e.path())
                      << "\n  " << e.what() << '\n';
        } else {
            std::cerr << e.what() << "\nusage: retain_example DATA_FOLDER MODEL.json --as-of "
                      << "YYYY-MM-DD [--backtest YYYY-MM-DD,...] [--horizon DAYS]\n";
        }
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << '\n';
        return 1;
    }
}
