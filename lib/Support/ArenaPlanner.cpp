//===- ArenaPlanner.cpp ---------------------------------------------------===//
#include "kiln/Support/ArenaPlanner.h"

#include <algorithm>
#include <numeric>

namespace kiln {

static uint64_t alignUp(uint64_t value, uint64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

ArenaPlan planArena(const std::vector<BufferLifetime> &buffers,
                    uint64_t alignment) {
  if (alignment == 0)
    alignment = 1;
  ArenaPlan plan;
  plan.offsets.assign(buffers.size(), 0);

  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), 0);
  // Big buffers first: they are the hardest to fit into gaps later.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return buffers[a].bytes > buffers[b].bytes;
  });

  struct Placed {
    uint64_t begin, end;
    int64_t first, last;
  };
  std::vector<Placed> placed;
  for (size_t idx : order) {
    const BufferLifetime &buf = buffers[idx];
    uint64_t size = alignUp(std::max<uint64_t>(buf.bytes, 1), alignment);
    plan.naiveBytes += size;

    // Intervals of memory already taken during this buffer's lifetime.
    std::vector<std::pair<uint64_t, uint64_t>> busy;
    for (const Placed &p : placed)
      if (p.first <= buf.lastUse && buf.firstUse <= p.last)
        busy.push_back({p.begin, p.end});
    std::sort(busy.begin(), busy.end());

    // Best fit: the smallest gap that holds the buffer, else the end.
    uint64_t cursor = 0, best = UINT64_MAX, bestGap = UINT64_MAX;
    for (auto [begin, end] : busy) {
      if (begin > cursor && begin - cursor >= size &&
          begin - cursor < bestGap) {
        best = cursor;
        bestGap = begin - cursor;
      }
      cursor = std::max(cursor, alignUp(end, alignment));
    }
    if (best == UINT64_MAX)
      best = cursor;
    plan.offsets[idx] = best;
    placed.push_back({best, best + size, buf.firstUse, buf.lastUse});
    plan.arenaBytes = std::max(plan.arenaBytes, best + size);
  }
  return plan;
}

} // namespace kiln
