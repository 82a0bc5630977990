#pragma once
// The one exception family of retain. Every message names what is at fault (a column and row, an
// argument, or a config key) so a user can fix the input without a debugger.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace retain {

/// Base of every exception retain throws (Python: retain.RetainError).
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// A bad value in the data or in an argument: NaN or negative MRR, an unparseable period,
/// columns of different lengths (Python: retain.InputError, a ValueError).
class InputError : public Error {
  public:
    using Error::Error;

    /// "column 'mrr', row 17: <what>" — rows are 0-based positions in the input.
    static InputError at(std::string_view column, std::size_t row, std::string_view what);
    /// "table 'events', column 'account_id', row 17: <what>" — for the tables of a Book.
    static InputError in_table(std::string_view table, std::string_view column, std::size_t row,
                               std::string_view what);
    /// "<argument>: <what>"
    static InputError argument(std::string_view name, std::string_view what);
};

/// A column or key that should be there is not (Python: retain.ColumnError, a KeyError).
class ColumnError : public Error {
  public:
    using Error::Error;
};

/// A configuration document or option that cannot be used, naming the key's path
/// (Python: retain.ConfigError, a ValueError).
class ConfigError : public Error {
  public:
    using Error::Error;
};

}  // namespace retain
