#pragma once
// The one exception family of retain. Every message names what is at fault (a table, column and
// row, an argument, or a config key), and the same facts are readable one by one, so a service can
// report or route a bad input without parsing text.

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace retain {

/// Where an error is: each part is empty (or no row) when it does not apply.
struct ErrorSite {
    std::string table;               ///< a Book table: "events"
    std::string column;              ///< a column, or an argument's name: "account_id"
    std::optional<std::size_t> row;  ///< a 0-based row (or index) in that column
    std::string path;  ///< a key path in a configuration document: "measures[2].weight"
};

/// Base of every exception retain throws (Python: retain.RetainError).
class Error : public std::runtime_error {
  public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
    Error(const std::string& message, ErrorSite site)
        : std::runtime_error(message), site_(std::move(site)) {}

    const std::string& table() const noexcept { return site_.table; }
    const std::string& column() const noexcept { return site_.column; }
    std::optional<std::size_t> row() const noexcept { return site_.row; }
    const std::string& path() const noexcept { return site_.path; }
    const ErrorSite& site() const noexcept { return site_; }

  private:
    ErrorSite site_;
};

/// A bad value in the data or in an argument: NaN or negative MRR, an unparseable period,
/// columns of different lengths, an index out of range (Python: retain.InputError, a ValueError).
class InputError : public Error {
  public:
    using Error::Error;

    /// "column 'mrr', row 17: <what>" — rows are 0-based positions in the input.
    static InputError at(std::string_view column, std::size_t row, std::string_view what);
    /// "table 'events', column 'account_id', row 17: <what>" — for the tables of a Book.
    static InputError in_table(std::string_view table, std::string_view column, std::size_t row,
                               std::string_view what);
    /// "<argument>: <what>" (column() is the argument's name).
    static InputError argument(std::string_view name, std::string_view what);
    /// "<what> <index> out of range: <size> <what>s" (row() is the index) — checked accessors.
    static InputError out_of_range(std::string_view what, std::size_t index, std::size_t size);
};

/// A column or key that should be there is not (Python: retain.ColumnError, a KeyError).
class ColumnError : public Error {
  public:
    using Error::Error;

    /// "table 'accounts' has no column 'signed_at'<hint>" (table may be empty).
    static ColumnError missing(std::string_view table, std::string_view column,
                               std::string_view hint = {});
};

/// A configuration document or option that cannot be used, naming the key's path
/// (Python: retain.ConfigError, a ValueError).
class ConfigError : public Error {
  public:
    using Error::Error;

    /// "<path>: <what>" (path() is the key path, e.g. "measures[2].weight").
    static ConfigError at(std::string_view path, std::string_view what);
};

}  // namespace retain
