#pragma once
// Interning of account (or user) ids into dense codes 0..n-1, so that every formula indexes plain
// arrays instead of hashing ids in its inner loop. Ids may be integers or strings.

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "retain/detail/hash.hpp"
#include "retain/error.hpp"

namespace retain {

/// Dense codes for ids, given in order of first appearance (the order pandas.factorize uses).
/// `Id` is std::int64_t or std::string; strings are looked up as std::string_view.
template <class Id>
class IdIndex {
  public:
    using key_type = std::conditional_t<std::is_same_v<Id, std::string>, std::string_view, Id>;

    /// Number of distinct ids seen.
    std::size_t size() const noexcept { return ids_.size(); }
    /// The id behind a code; a code not below size() is an InputError naming both.
    const Id& id(std::size_t code) const {
        if (code >= ids_.size()) throw InputError::out_of_range("id code", code, ids_.size());
        return ids_[code];
    }
    /// All ids, indexed by code.
    std::span<const Id> ids() const noexcept { return ids_; }

    /// The code of `key`, or -1 when it was never interned.
    std::int64_t find(key_type key) const noexcept {
        return slots_.empty() ? -1 : find_hashed(key, detail::hash_id(key));
    }

    /// find() of the keys `key_of(i)` for i in [begin, end), written to `codes[i]`: the same
    /// codes, several times faster on tables that do not fit in cache (see pipelined). A key
    /// equal to the previous one (a table sorted by id) reuses its code.
    template <class KeyOf>
    void find_all(std::size_t begin, std::size_t end, KeyOf key_of, std::int64_t* codes) const {
        if (slots_.empty()) {
            std::fill(codes + begin, codes + end, std::int64_t{-1});
            return;
        }
        pipelined(begin, end, key_of, codes,
                  [this](key_type key, std::size_t hash) { return find_hashed(key, hash); });
    }

    /// intern() of the keys `key_of(i)` for i in [begin, end), codes written to `codes[i]`: the
    /// same codes as one intern() after another, faster as find_all is.
    template <class KeyOf>
    void intern_all(std::size_t begin, std::size_t end, KeyOf key_of, std::int64_t* codes) {
        pipelined(begin, end, key_of, codes,
                  [this](key_type key, std::size_t hash) { return intern_hashed(key, hash); });
    }

    /// The code of `key`, interning it when new.
    std::int64_t intern(key_type key) { return intern_hashed(key, detail::hash_id(key)); }

    /// Interns every key, writing each row's code to `codes` (same length: another is an
    /// InputError naming `codes`).
    void intern(std::span<const key_type> keys, std::span<std::int64_t> codes) {
        if (codes.size() != keys.size())
            throw InputError::argument("codes", "has " + std::to_string(codes.size()) +
                                                    " slots for " + std::to_string(keys.size()) +
                                                    " keys");
        if constexpr (std::is_same_v<Id, std::int64_t>)
            if (intern_dense(keys, codes)) return;
        // Tables usually list an account's rows together: reuse the previous row's code.
        bool have_last = false;
        key_type last{};
        std::int64_t last_code = -1;
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (!have_last || !(keys[i] == last)) {
                last = keys[i];
                last_code = intern(last);
                have_last = true;
            }
            codes[i] = last_code;
        }
    }

    /// Interns every key and returns the codes.
    std::vector<std::int64_t> intern(std::span<const key_type> keys) {
        std::vector<std::int64_t> codes(keys.size());
        intern(keys, codes);
        return codes;
    }

    /// String ids as a program holds them (a vector of std::string), without building views.
    std::vector<std::int64_t> intern(
        std::span<const std::string> keys) requires std::is_same_v<Id, std::string> {
        std::vector<std::int64_t> codes(keys.size());
        for (std::size_t i = 0; i < keys.size(); ++i)
            codes[i] = (i > 0 && keys[i] == keys[i - 1]) ? codes[i - 1] : intern(keys[i]);
        return codes;
    }

  private:
    // Integer ids usually fill a compact range (1..n, or an offset of it). Then a table indexed by
    // id - min replaces hashing for every row, and only the distinct ids go through the hash.
    // Returns false (doing nothing) when the range is too wide for that to pay.
    bool intern_dense(std::span<const std::int64_t> keys, std::span<std::int64_t> codes) {
        if (keys.empty()) return true;
        const auto [lo_it, hi_it] = std::minmax_element(keys.begin(), keys.end());
        const std::int64_t lo = *lo_it, hi = *hi_it;
        // Unsigned difference: hi - lo may not fit an int64.
        const std::uint64_t range = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
        if (range >= 4 * keys.size() + 4096 || range >= (std::uint64_t{1} << 28)) return false;
        std::vector<std::int64_t> code_of(range + 1, -1);
        for (std::size_t i = 0; i < keys.size(); ++i) {
            std::int64_t& c =
                code_of[static_cast<std::uint64_t>(keys[i]) - static_cast<std::uint64_t>(lo)];
            if (c < 0) c = intern(keys[i]);
            codes[i] = c;
        }
        return true;
    }

    // One lookup is a chain of cache misses: the key's bytes, its slot, the id the slot names.
    // Working on keys a few rows apart at different links of that chain overlaps the misses of
    // different keys. `code_of(key, hash)` is the last link (it may intern, and so grow the
    // table while later keys' slots are being fetched: a fetch of a stale slot is wasted, never
    // wrong).
    template <class KeyOf, class CodeOf>
    void pipelined(std::size_t begin, std::size_t end, KeyOf key_of, std::int64_t* codes,
                   CodeOf code_of) const {
        constexpr std::size_t lag = 8, ring = 4 * lag;  // rows between links; ring of hashes
        std::array<std::size_t, ring> hashes{};
        key_type last{};
        std::int64_t last_code = -1;
        for (std::size_t i = begin; i < end + 3 * lag; ++i) {
            if constexpr (std::is_same_v<Id, std::string>)
                if (i < end) __builtin_prefetch(key_of(i).data());
            if (i >= begin + lag && i - lag < end) {  // hash, fetch the slot
                const std::size_t h = detail::hash_id(key_of(i - lag));
                hashes[(i - lag) % ring] = h;
                if (!slots_.empty()) __builtin_prefetch(&slots_[h & mask()]);
            }
            if (i >= begin + 2 * lag && i - 2 * lag < end && !slots_.empty()) {  // fetch the id
                const std::int64_t slot = slots_[hashes[(i - 2 * lag) % ring] & mask()];
                if (slot != 0) __builtin_prefetch(&ids_[static_cast<std::size_t>(slot - 1)]);
            }
            if (i >= begin + 3 * lag) {
                const std::size_t r = i - 3 * lag;
                const key_type key = key_of(r);
                if (r == begin || !(key == last)) {
                    last = key;
                    last_code = code_of(key, hashes[r % ring]);
                }
                codes[r] = last_code;
            }
        }
    }

    std::int64_t find_hashed(key_type key, std::size_t hash) const noexcept {
        for (std::size_t s = hash & mask();; s = (s + 1) & mask()) {
            if (slots_[s] == 0) return -1;
            if (key_type(ids_[slots_[s] - 1]) == key) return slots_[s] - 1;
        }
    }

    std::int64_t intern_hashed(key_type key, std::size_t hash) {
        if (2 * (ids_.size() + 1) > slots_.size()) grow();
        std::size_t s = hash & mask();
        for (; slots_[s] != 0; s = (s + 1) & mask())
            if (key_type(ids_[slots_[s] - 1]) == key) return slots_[s] - 1;
        ids_.emplace_back(key);
        slots_[s] = static_cast<std::int64_t>(ids_.size());
        return slots_[s] - 1;
    }

    std::size_t mask() const noexcept { return slots_.size() - 1; }
    std::size_t slot_of(key_type key) const noexcept { return detail::hash_id(key) & mask(); }

    void grow() {
        std::vector<std::int64_t> slots(slots_.empty() ? 64 : 2 * slots_.size(), 0);
        slots_.swap(slots);
        for (std::size_t code = 0; code < ids_.size(); ++code) {
            std::size_t s = slot_of(key_type(ids_[code]));
            while (slots_[s] != 0) s = (s + 1) & mask();
            slots_[s] = static_cast<std::int64_t>(code + 1);
        }
    }

    std::vector<Id> ids_;
    std::vector<std::int64_t> slots_;  // open addressing, linear probing: 0 empty, else code + 1
};

}  // namespace retain
