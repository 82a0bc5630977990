// The example's CSV reading (examples/cpp: csv.hpp, and main.cpp's Table and read_book) on
// arbitrary bytes: the input is up to eight CSV tables separated by form feeds ('\f'), in the
// order of `tables` below; an empty or absent part is a table the Book does not have. The
// expected rejections are csv::Error (not CSV) and retain::Error (CSV, but not a valid Book
// table: the example's Table throws InputError and ColumnError); anything else escaping, or a
// sanitizer report, is a bug. A Book that builds is then snapshotted at one date, as the example
// does: on a valid Book that must not fail at all.
//
// main.cpp is compiled in here with its main() renamed, so that the reader under test is the
// example's own code rather than a copy (the README prints main.cpp whole, so the code stays in
// that one file). It reads a folder, so each input is written to one first, in memory (/dev/shm).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include <retain/book.hpp>
#include <retain/book_backtest.hpp>
#include <retain/error.hpp>
#include <retain/health.hpp>
#include <retain/snapshot.hpp>
#include <retain/threads.hpp>
#include <retain/time.hpp>

#include "check.hpp"
#include "csv.hpp"

// The headers are in already, so the macro renames only the example's own main().
#define main retain_example_main
#include "main.cpp"
#undef main

namespace fuzz_book {

constexpr std::string_view tables[] = {"accounts",   "mrr",    "events",    "surveys", "tickets",
                                       "milestones", "churns", "activities"};
constexpr char separator = '\f';

// The input's parts, in the order of `tables`.
std::vector<std::string_view> split(std::string_view input) {
    std::vector<std::string_view> parts;
    while (parts.size() < std::size(tables)) {
        const std::size_t end = input.find(separator);
        parts.push_back(input.substr(0, end));
        if (end == std::string_view::npos) break;
        input.remove_prefix(end + 1);
    }
    return parts;
}

// This process's folder of tables, removed when the process exits.
struct Folder {
    fs::path path;
    Folder() {
        const fs::path shm = "/dev/shm";
        path = (fs::is_directory(shm) ? shm : fs::temp_directory_path()) /
               ("retain-fuzz-book-csv-" + std::to_string(::getpid()));
        fs::create_directories(path);
    }
    ~Folder() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

const fs::path& folder() {
    static const Folder instance;
    return instance.path;
}

// The input as the example's data folder: one file per non-empty part, no file for the others.
void write_tables(std::string_view input) {
    const std::vector<std::string_view> parts = split(input);
    for (std::size_t i = 0; i < std::size(tables); ++i) {
        const fs::path file = folder() / (std::string(tables[i]) + ".csv");
        if (i >= parts.size() || parts[i].empty()) {
            fs::remove(file);
            continue;
        }
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(parts[i].data(), static_cast<std::streamsize>(parts[i].size()));
        fuzz::check(static_cast<bool>(out.flush()), "cannot write the input's tables",
                    file.string());
    }
}

}  // namespace fuzz_book

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    retain::set_default_threads(1);  // one input at a time; threads would only add noise
    fuzz_book::folder();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz_book::write_tables(fuzz::text_of(data, size));
    Accounts accounts;
    std::optional<retain::Book> book;
    try {
        book = read_book(fuzz_book::folder(), accounts);
    } catch (const csv::Error&) {
        return 0;
    } catch (const retain::Error&) {
        return 0;
    }
    fuzz::check(book->n_accounts() == accounts.id.size(), "the Book's accounts are not the rows");
    const std::int64_t as_of = retain::day_of(2024, 3, 31);
    const retain::Snapshots snaps = retain::snapshots(*book, std::span(&as_of, 1));
    fuzz::check(snaps.n_rows() <= book->n_accounts(), "more snapshot rows than accounts");
    return 0;
}
