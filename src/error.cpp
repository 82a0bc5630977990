#include "retain/error.hpp"

#include <string>

namespace retain {

namespace {
std::string quoted(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out.push_back('\'');
    out.append(s);
    out.push_back('\'');
    return out;
}
}  // namespace

InputError InputError::at(std::string_view column, std::size_t row, std::string_view what) {
    return InputError(
        "column " + quoted(column) + ", row " + std::to_string(row) + ": " + std::string(what),
        ErrorSite{{}, std::string(column), row, {}});
}

InputError InputError::in_table(std::string_view table, std::string_view column, std::size_t row,
                                std::string_view what) {
    return InputError("table " + quoted(table) + ", column " + quoted(column) + ", row " +
                          std::to_string(row) + ": " + std::string(what),
                      ErrorSite{std::string(table), std::string(column), row, {}});
}

InputError InputError::argument(std::string_view name, std::string_view what) {
    return InputError(std::string(name) + ": " + std::string(what),
                      ErrorSite{{}, std::string(name), std::nullopt, {}});
}

InputError InputError::out_of_range(std::string_view what, std::size_t index, std::size_t size) {
    return InputError(std::string(what) + " " + std::to_string(index) + " out of range: there " +
                          (size == 1 ? "is 1 " : "are " + std::to_string(size) + " ") +
                          std::string(what) + (size == 1 ? "" : "s"),
                      ErrorSite{{}, std::string(what), index, {}});
}

ColumnError ColumnError::missing(std::string_view table, std::string_view column,
                                 std::string_view hint) {
    std::string message = table.empty()
                              ? "no column " + quoted(column)
                              : "table " + quoted(table) + " has no column " + quoted(column);
    if (!hint.empty()) message += std::string(hint);
    return ColumnError(message, ErrorSite{std::string(table), std::string(column), {}, {}});
}

ConfigError ConfigError::at(std::string_view path, std::string_view what) {
    return ConfigError(std::string(path) + ": " + std::string(what),
                       ErrorSite{{}, {}, std::nullopt, std::string(path)});
}

}  // namespace retain
