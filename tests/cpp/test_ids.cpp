#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <retain/ids.hpp>
#include <string>
#include <string_view>
#include <vector>

using namespace retain;

TEST_CASE("integer ids get dense codes in order of first appearance") {
    IdIndex<std::int64_t> index;
    const std::vector<std::int64_t> ids = {5, 3, 5, 7, 3, -2};
    const auto codes = index.intern(ids);
    CHECK(codes == std::vector<std::int64_t>{0, 1, 0, 2, 1, 3});
    CHECK(index.size() == 4);
    CHECK(index.id(2) == 7);
    CHECK(index.find(7) == 2);
    CHECK(index.find(-2) == 3);
    CHECK(index.find(9) == -1);
}

TEST_CASE("string ids intern the same way") {
    IdIndex<std::string> index;
    const std::vector<std::string_view> ids = {"acme", "globex", "acme", "initech"};
    const auto codes = index.intern(ids);
    CHECK(codes == std::vector<std::int64_t>{0, 1, 0, 2});
    CHECK(index.id(1) == "globex");
    CHECK(index.find("initech") == 2);
    CHECK(index.find("umbrella") == -1);
}

TEST_CASE("interning survives growth: 100,000 ids, each found again") {
    IdIndex<std::int64_t> index;
    std::vector<std::int64_t> ids;
    for (std::int64_t i = 0; i < 100'000; ++i) ids.push_back(i * 7919 - 50'000);
    const auto codes = index.intern(ids);
    REQUIRE(index.size() == ids.size());
    bool all_found = true;
    for (std::size_t i = 0; i < ids.size(); ++i)
        all_found = all_found && codes[i] == static_cast<std::int64_t>(i) &&
                    index.find(ids[i]) == static_cast<std::int64_t>(i);
    CHECK(all_found);
}

TEST_CASE("compact and sparse integer ids intern to the same codes") {
    // Month-major rows of ids 1000..1999 (compact: the dense path) and the same ids spread over
    // the whole int64 range (sparse: the hash path) must give identical codes.
    std::vector<std::int64_t> compact, sparse;
    for (int month = 0; month < 3; ++month)
        for (std::int64_t a = 1999; a >= 1000; a -= (month + 1)) {
            compact.push_back(a);
            sparse.push_back(a * 4'000'000'000'000'000LL / 2000 - 3'000'000'000'000'000'000LL);
        }
    compact.push_back(std::numeric_limits<std::int64_t>::max());  // widens the range: hash path
    sparse.push_back(std::numeric_limits<std::int64_t>::max());
    IdIndex<std::int64_t> a, b;
    const auto ca = a.intern(std::span<const std::int64_t>(compact).first(compact.size() - 1));
    const auto cb = b.intern(std::span<const std::int64_t>(sparse).first(sparse.size() - 1));
    CHECK(ca == cb);
    CHECK(a.size() == 1000);
    CHECK(a.id(0) == 1999);
    CHECK(a.find(1000) >= 0);
    IdIndex<std::int64_t> wide;
    CHECK(wide.intern(compact).back() == 1000);  // range too wide for the dense path
    CHECK(wide.find(std::numeric_limits<std::int64_t>::max()) == 1000);
    IdIndex<std::int64_t> extremes;
    const std::vector<std::int64_t> ends = {std::numeric_limits<std::int64_t>::min(), 0,
                                            std::numeric_limits<std::int64_t>::max(), 0};
    CHECK(extremes.intern(ends) == std::vector<std::int64_t>{0, 1, 2, 1});
}

TEST_CASE("IdIndex find_all gives find's codes, runs of one key included") {
    IdIndex<std::string> index;
    for (const char* id : {"ACC-1", "ACC-2", "Café", ""}) index.intern(id);
    // More keys than the lookahead of find_all, so every stage of it runs; unknown keys are -1.
    std::vector<std::string> keys;
    for (int k = 0; k < 200; ++k)
        keys.push_back(k % 5 == 0 ? "ACC-1" : k % 5 == 1 ? "Café" : k % 5 == 2 ? "nope" : "ACC-2");
    keys.insert(keys.begin() + 50, {"ACC-2", "ACC-2", "ACC-2"});
    std::vector<std::int64_t> codes(keys.size(), 99);
    index.find_all(
        0, keys.size(), [&](std::size_t i) { return std::string_view(keys[i]); }, codes.data());
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::int64_t expected = keys[i] == "ACC-1"   ? 0
                                      : keys[i] == "ACC-2" ? 1
                                      : keys[i] == "Café"  ? 2
                                                           : -1;
        CHECK(codes[i] == expected);
    }
    // A sub-range writes only its own slots.
    std::vector<std::int64_t> part(keys.size(), 99);
    index.find_all(
        3, 7, [&](std::size_t i) { return std::string_view(keys[i]); }, part.data());
    CHECK(part[2] == 99);
    CHECK(part[3] == 1);
    CHECK(part[5] == 0);
    CHECK(part[7] == 99);

    IdIndex<std::int64_t> ints;
    ints.intern(std::int64_t{40});
    ints.intern(std::int64_t{-3});
    const std::vector<std::int64_t> int_keys{-3, -3, 40, 7, 40};
    std::vector<std::int64_t> int_codes(int_keys.size());
    ints.find_all(
        0, int_keys.size(), [&](std::size_t i) { return int_keys[i]; }, int_codes.data());
    CHECK(int_codes == std::vector<std::int64_t>{1, 1, 0, -1, 0});
    IdIndex<std::int64_t> empty;
    empty.find_all(
        0, 2, [&](std::size_t i) { return int_keys[i]; }, int_codes.data());
    CHECK(int_codes[0] == -1);
    CHECK(int_codes[1] == -1);
}
