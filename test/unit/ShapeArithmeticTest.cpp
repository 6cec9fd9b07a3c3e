#include "kiln/Support/ShapeArithmetic.h"

#include <catch2/catch.hpp>

#include <limits>

using namespace kiln;

TEST_CASE("broadcastShapes follows numpy rules", "[shape]") {
  CHECK(broadcastShapes({2, 3}, {3}) == Shape{2, 3});
  CHECK(broadcastShapes({4, 1, 5}, {3, 1}) == Shape{4, 3, 5});
  CHECK(broadcastShapes({}, {2, 2}) == Shape{2, 2});
  CHECK(broadcastShapes({1}, {0}) == Shape{0});
  CHECK_FALSE(broadcastShapes({2, 3}, {2}).has_value());
  CHECK_FALSE(broadcastShapes({3, 1}, {2, 1}).has_value());
}

TEST_CASE("numElements rejects overflow and negative dims", "[shape]") {
  CHECK(numElements({}) == 1);
  CHECK(numElements({2, 0, 7}) == 0);
  CHECK(numElements({3, 4, 5}) == 60);
  CHECK_FALSE(numElements({-1, 2}).has_value());
  int64_t big = std::numeric_limits<int64_t>::max() / 2;
  CHECK_FALSE(numElements({big, 3}).has_value());
}

TEST_CASE("windowOutputSize matches ONNX floor and ceil modes", "[shape]") {
  // 5 wide, kernel 3, stride 2: floor 2, ceil 2 (exact).
  CHECK(windowOutputSize(5, 3, 2, 0, 0, 1, false) == 2);
  CHECK(windowOutputSize(5, 3, 2, 0, 0, 1, true) == 2);
  // 6 wide, kernel 3, stride 2: floor 2, ceil 3.
  CHECK(windowOutputSize(6, 3, 2, 0, 0, 1, false) == 2);
  CHECK(windowOutputSize(6, 3, 2, 0, 0, 1, true) == 3);
  // Dilation widens the kernel to 5.
  CHECK(windowOutputSize(7, 3, 1, 0, 0, 2, false) == 3);
  // Padding.
  CHECK(windowOutputSize(7, 3, 2, 1, 1, 1, false) == 4);
  // A ceil-mode window starting in the end padding is dropped.
  CHECK(windowOutputSize(4, 2, 2, 0, 1, 1, true) == 2);
  CHECK_FALSE(windowOutputSize(2, 3, 1, 0, 0, 1, false).has_value());
  CHECK_FALSE(windowOutputSize(5, 3, 0, 0, 0, 1, false).has_value());
}

TEST_CASE("samePadding puts the odd pad at the end for SAME_UPPER", "[shape]") {
  int64_t begin = -1, end = -1;
  samePadding(7, 3, 2, 1, /*upper=*/true, begin, end);
  CHECK(begin == 1);
  CHECK(end == 1);
  samePadding(6, 3, 2, 1, true, begin, end);
  CHECK(begin == 0);
  CHECK(end == 1);
  samePadding(6, 3, 2, 1, false, begin, end);
  CHECK(begin == 1);
  CHECK(end == 0);
}

TEST_CASE("normalizeAxis accepts [-rank, rank)", "[shape]") {
  CHECK(normalizeAxis(-1, 4) == 3);
  CHECK(normalizeAxis(0, 4) == 0);
  CHECK_FALSE(normalizeAxis(4, 4).has_value());
  CHECK_FALSE(normalizeAxis(-5, 4).has_value());
}

TEST_CASE("resolveReshape handles 0, -1 and allowzero", "[shape]") {
  CHECK(resolveReshape({2, 3, 4}, {0, -1}, false) == Shape{2, 12});
  CHECK(resolveReshape({2, 3, 4}, {-1}, false) == Shape{24});
  CHECK(resolveReshape({2, 3, 4}, {4, 0, 2}, false) == Shape{4, 3, 2});
  CHECK(resolveReshape({0, 3}, {0, 3}, true) == Shape{0, 3});
  CHECK_FALSE(resolveReshape({2, 3}, {-1, -1}, false).has_value());
  CHECK_FALSE(resolveReshape({2, 3}, {4, -1}, false).has_value());
  CHECK_FALSE(resolveReshape({2, 3}, {7}, false).has_value());
}

TEST_CASE("resolveSlice clamps like ONNX", "[shape]") {
  auto s = resolveSlice({10, 5}, {1, -3}, {1000, -1}, {}, {});
  REQUIRE(s.has_value());
  CHECK(s->begin == Shape{1, 2});
  CHECK(s->size == Shape{9, 2});
  // Negative step walks backwards from the clamped start.
  s = resolveSlice({10}, {-1}, {std::numeric_limits<int64_t>::min()}, {0}, {-3});
  REQUIRE(s.has_value());
  CHECK(s->begin == Shape{9});
  CHECK(s->step == Shape{-3});
  CHECK(s->size == Shape{4});
  // Axes select dimensions; untouched dims are taken whole.
  s = resolveSlice({4, 6}, {2}, {std::numeric_limits<int64_t>::max()}, {-1}, {2});
  REQUIRE(s.has_value());
  CHECK(s->size == Shape{4, 2});
  CHECK_FALSE(resolveSlice({4}, {0}, {4}, {0}, {0}).has_value());
  CHECK_FALSE(resolveSlice({4}, {0, 1}, {4}, {}, {}).has_value());
}
