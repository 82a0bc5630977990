#pragma once
// Reading the JSON documents that configure retain (segmentation rules, health models): one
// spelling for every fault, "path: what", so that a user can find the key at fault in a long
// document. Private to the compiled sources.

#include <cstddef>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "retain/error.hpp"

namespace retain::detail {

using json = nlohmann::json;

[[noreturn]] inline void config_fail(const std::string& path, const std::string& what) {
    throw ConfigError::at(path, what);
}

/// What a JSON value is, for messages: "number", "string 'x'", "list", ...
inline std::string json_kind(const json& j) {
    if (j.is_number()) return "number";
    if (j.is_boolean()) return "boolean";
    if (j.is_string()) return "string '" + j.get<std::string>() + "'";
    if (j.is_null()) return "null";
    if (j.is_array()) return "list";
    return "object";
}

/// Every key of `object` at `path` must be one of `allowed`: a misspelt key is an error, never
/// silently ignored.
inline void only_keys(const json& object, const std::string& path,
                      std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : object.items()) {
        bool known = false;
        for (auto a : allowed) known = known || key == a;
        if (known) continue;
        std::string expected;
        for (auto a : allowed) expected += (expected.empty() ? "" : ", ") + std::string(a);
        config_fail((path.empty() ? "" : path + ".") + key,
                    "unknown key (expected " + expected + ")");
    }
}

/// A number at `path`. Booleans are not numbers here, although JSON libraries often treat them
/// as 0 and 1.
inline double json_number(const json& j, const std::string& path) {
    if (!j.is_number()) config_fail(path, "expected a number, got " + json_kind(j));
    return j.get<double>();
}

/// A non-empty string at `path`.
inline std::string json_name(const json& j, const std::string& path, std::string_view what) {
    if (!j.is_string() || j.get<std::string>().empty())
        config_fail(path, "expected a non-empty " + std::string(what) + ", got " + json_kind(j));
    return j.get<std::string>();
}

/// "list[3]"
inline std::string indexed(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
}

/// A value as JSON text for a message. Never throws: text that is not UTF-8 is shown with U+FFFD
/// in its place, where dump() would throw nlohmann's type_error.
inline std::string shown(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Every string and key of `j` is UTF-8, or to_json() could not write the document back: a
/// ConfigError names the first that is not. Recursive: for a document already validated (shallow).
inline void require_utf8(const json& j, const std::string& path) {
    const auto utf8 = [](const std::string& text) {
        try {
            (void)json(text).dump();
            return true;
        } catch (const json::type_error&) {
            return false;
        }
    };
    if (j.is_string() && !utf8(j.get<std::string>()))
        config_fail(path, "text that is not valid UTF-8: " + shown(j));
    if (j.is_array())
        for (std::size_t i = 0; i < j.size(); ++i) require_utf8(j[i], indexed(path, i));
    if (j.is_object())
        for (const auto& [key, value] : j.items()) {
            const std::string at = path.empty() ? key : path + "." + key;
            if (!utf8(key)) config_fail(at, "a key that is not valid UTF-8");
            require_utf8(value, at);
        }
}

/// Parses JSON text; a syntax error is a ConfigError naming the document, and so is a number
/// no double can hold.
inline json parse_document(std::string_view text, std::string_view what) {
    try {
        return json::parse(text);
    } catch (const json::parse_error& e) {
        throw ConfigError(std::string(what) + ": not valid JSON (" + e.what() + ")");
    } catch (const json::out_of_range& e) {
        // Valid JSON (1e400) that nlohmann refuses with out_of_range 406, not a parse_error.
        throw ConfigError(std::string(what) + ": a number out of range (" + e.what() + ")");
    }
}

}  // namespace retain::detail
