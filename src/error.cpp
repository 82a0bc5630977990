#include "retain/error.hpp"

#include <sstream>

namespace retain {

InputError InputError::at(std::string_view column, std::size_t row, std::string_view what) {
    std::ostringstream out;
    out << "column '" << column << "', row " << row << ": " << what;
    return InputError(out.str());
}

InputError InputError::in_table(std::string_view table, std::string_view column,
                                std::size_t row, std::string_view what) {
    std::ostringstream out;
    out << "table '" << table << "', column '" << column << "', row " << row << ": " << what;
    return InputError(out.str());
}

InputError InputError::argument(std::string_view name, std::string_view what) {
    std::ostringstream out;
    out << name << ": " << what;
    return InputError(out.str());
}

}  // namespace retain
