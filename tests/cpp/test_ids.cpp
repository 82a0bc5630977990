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
