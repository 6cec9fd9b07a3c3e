#include "kiln/Support/ArenaPlanner.h"

#include <catch2/catch.hpp>

#include <random>

using namespace kiln;

namespace {
/// No two buffers alive at the same time share a byte; offsets are aligned.
void checkPlan(const std::vector<BufferLifetime> &buffers, const ArenaPlan &plan,
               uint64_t alignment) {
  REQUIRE(plan.offsets.size() == buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i) {
    CHECK(plan.offsets[i] % alignment == 0);
    CHECK(plan.offsets[i] + buffers[i].bytes <= plan.arenaBytes);
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      bool timeOverlap = buffers[i].firstUse <= buffers[j].lastUse &&
                         buffers[j].firstUse <= buffers[i].lastUse;
      bool spaceOverlap =
          plan.offsets[i] < plan.offsets[j] + buffers[j].bytes &&
          plan.offsets[j] < plan.offsets[i] + buffers[i].bytes;
      CHECK_FALSE((timeOverlap && spaceOverlap));
    }
  }
}
} // namespace

TEST_CASE("a chain of buffers reuses memory", "[arena]") {
  // a -> b -> c -> d: only two are alive at any step.
  std::vector<BufferLifetime> buffers = {
      {1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  ArenaPlan plan = planArena(buffers, 64);
  checkPlan(buffers, plan, 64);
  CHECK(plan.arenaBytes == 2 * 1024);
  CHECK(plan.naiveBytes == 4 * 1024);
  CHECK(plan.offsets[0] == plan.offsets[2]);
}

TEST_CASE("buffers alive together are disjoint", "[arena]") {
  std::vector<BufferLifetime> buffers = {{100, 0, 10}, {200, 0, 10}, {50, 5, 6}};
  ArenaPlan plan = planArena(buffers, 64);
  checkPlan(buffers, plan, 64);
  CHECK(plan.arenaBytes == 128 + 256 + 64);
}

TEST_CASE("a small buffer fills a gap left by a dead one", "[arena]") {
  // Big buffers 0 and 1 alive early; 2 alive late with 3: 3 fits into 0's spot.
  std::vector<BufferLifetime> buffers = {
      {4096, 0, 2}, {4096, 0, 5}, {4096, 3, 5}, {64, 4, 5}};
  ArenaPlan plan = planArena(buffers, 64);
  checkPlan(buffers, plan, 64);
  CHECK(plan.arenaBytes == 2 * 4096 + 64);
}

TEST_CASE("random lifetimes never collide", "[arena]") {
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    std::vector<BufferLifetime> buffers;
    for (int i = 0; i < 60; ++i) {
      int64_t first = rng() % 100;
      buffers.push_back({1 + rng() % 5000, first, first + rng() % 20});
    }
    uint64_t alignment = round % 2 ? 64 : 16;
    ArenaPlan plan = planArena(buffers, alignment);
    checkPlan(buffers, plan, alignment);
    CHECK(plan.arenaBytes <= plan.naiveBytes);
  }
}

TEST_CASE("zero-size buffers still get distinct aligned slots", "[arena]") {
  std::vector<BufferLifetime> buffers = {{0, 0, 1}, {0, 0, 1}};
  ArenaPlan plan = planArena(buffers, 64);
  CHECK(plan.offsets[0] != plan.offsets[1]);
}
