#include <doctest/doctest.h>

#include <cstdint>
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
