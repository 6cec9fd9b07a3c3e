//===- ArenaPlanner.h - Static offsets for buffers with known lifetimes ---===//
//
// Every intermediate buffer of a compiled model lives in one caller-owned
// arena. Given each buffer's size and its live interval (first and last step
// that touch it), the planner assigns offsets such that buffers alive at the
// same time never overlap.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_SUPPORT_ARENAPLANNER_H
#define KILN_SUPPORT_ARENAPLANNER_H

#include <cstdint>
#include <vector>

namespace kiln {

struct BufferLifetime {
  uint64_t bytes = 0;
  int64_t firstUse = 0; // inclusive
  int64_t lastUse = 0;  // inclusive
};

struct ArenaPlan {
  std::vector<uint64_t> offsets; // one per buffer, in input order
  uint64_t arenaBytes = 0;       // peak, rounded up to the alignment
  uint64_t naiveBytes = 0;       // sum of all aligned buffer sizes
};

/// Greedy best-fit by decreasing size: each buffer takes the lowest aligned
/// offset that does not collide with an already placed buffer whose lifetime
/// overlaps its own.
ArenaPlan planArena(const std::vector<BufferLifetime> &buffers,
                    uint64_t alignment);

} // namespace kiln

#endif // KILN_SUPPORT_ARENAPLANNER_H
