#pragma once
// A small RFC 4180 CSV reader: a header row, then records with as many fields; fields separated by
// commas and optionally in double quotes, inside which commas, line breaks and doubled quotes ("")
// are text. Records end with CRLF or LF; a UTF-8 byte-order mark (Excel writes one) is skipped,
// and so are blank lines. Written here rather than taken from a library so that the example needs
// nothing but retain, and strict so that a malformed export stops with its line number instead
// of shifting cells into the wrong columns.

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace csv {

/// A file that is not well-formed CSV, or cannot be read (line 0).
class Error : public std::runtime_error {
  public:
    Error(std::string file, std::size_t line, const std::string& what)
        : std::runtime_error(what), file_(std::move(file)), line_(line) {}
    const std::string& file() const noexcept { return file_; }
    std::size_t line() const noexcept { return line_; }

  private:
    std::string file_;
    std::size_t line_;
};

/// The cells of a file by column, as text.
struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> columns;  ///< columns[c][row]
    std::vector<std::size_t> lines;                 ///< the line (from 1) each row starts on

    std::size_t rows() const noexcept { return lines.size(); }
    /// The column named `name`, or nullptr.
    const std::vector<std::string>* find(std::string_view name) const {
        for (std::size_t c = 0; c < header.size(); ++c)
            if (header[c] == name) return &columns[c];
        return nullptr;
    }
};

inline Table parse(std::string_view text, const std::string& file = "") {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    Table table;
    std::size_t i = 0, line = 1;
    const auto line_end = [&] { return i == text.size() || text[i] == '\n' || text[i] == '\r'; };
    while (i < text.size()) {
        if (line_end()) {  // a blank line
            i += text.compare(i, 2, "\r\n") == 0 ? 2 : 1;
            ++line;
            continue;
        }
        const std::size_t record_line = line;
        std::vector<std::string> record;
        for (;;) {
            std::string field;
            if (i < text.size() && text[i] == '"') {
                const std::size_t opened = line;
                for (++i;; ++i) {
                    if (i == text.size()) throw Error(file, opened, "a quoted field is not closed");
                    if (text[i] == '"') {
                        if (i + 1 == text.size() || text[i + 1] != '"') break;
                        ++i;  // "" is one quote
                    } else if (text[i] == '\n') {
                        ++line;
                    }
                    field += text[i];
                }
                ++i;
                if (!line_end() && text[i] != ',')
                    throw Error(file, line,
                                "text after a closing quote (write a quote inside a quoted field "
                                "as \"\")");
            } else {
                for (; !line_end() && text[i] != ','; ++i) {
                    if (text[i] == '"')
                        throw Error(file, line,
                                    "a quote in an unquoted field (quote the field and write the "
                                    "quote as \"\")");
                    field += text[i];
                }
            }
            record.push_back(std::move(field));
            if (line_end()) break;
            ++i;  // the comma; a field follows it, if only an empty one at the end of the text
        }
        if (i < text.size()) i += text.compare(i, 2, "\r\n") == 0 ? 2 : 1;
        ++line;

        if (table.header.empty()) {
            for (std::size_t c = 0; c < record.size(); ++c)
                for (std::size_t d = 0; d < c; ++d)
                    if (record[c] == record[d])
                        throw Error(file, record_line,
                                    "the header names column '" + record[c] + "' twice");
            table.header = std::move(record);
            table.columns.resize(table.header.size());
            continue;
        }
        if (record.size() != table.header.size())
            throw Error(file, record_line,
                        std::to_string(record.size()) + " fields, but the header has " +
                            std::to_string(table.header.size()));
        for (std::size_t c = 0; c < record.size(); ++c)
            table.columns[c].push_back(std::move(record[c]));
        table.lines.push_back(record_line);
    }
    if (table.header.empty()) throw Error(file, 1, "no header row");
    return table;
}

/// The bytes of a file; an Error (line 0) when it cannot be opened.
inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path.string(), 0, "cannot open the file");
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline Table read(const std::filesystem::path& path) {
    return parse(read_file(path), path.string());
}

}  // namespace csv
