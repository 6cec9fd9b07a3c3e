//===- ArenaReport.h - The arena plan as a table and a picture ------------===//
//
// `kilnc --report DIR` writes where every intermediate buffer lives in the
// arena and when: arena.csv (one row per buffer), arena.svg (offset against
// step, one rectangle per buffer, hover for details) and index.html (both,
// for a browser).
//
//===----------------------------------------------------------------------===//
#ifndef KILN_SUPPORT_ARENAREPORT_H
#define KILN_SUPPORT_ARENAREPORT_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

struct ArenaEntry {
  std::string name; // the ONNX node that produced the buffer
  std::string type; // e.g. 1x16x320x320xf32
  uint64_t offset = 0, bytes = 0;
  int64_t firstStep = 0, lastStep = 0; // inclusive, in kernel order
};

struct ArenaReport {
  std::string model;
  uint64_t arenaBytes = 0, naiveBytes = 0;
  int64_t steps = 0;
  std::vector<ArenaEntry> entries;
  /// More of the report (e.g. the quantization table): HTML appended to
  /// index.html, and files written beside it.
  std::string extraHtml;
  std::vector<std::pair<std::string, std::string>> extraFiles;
};

/// `text` with XML's special characters escaped.
std::string escapeXml(const std::string &text);

std::string renderArenaCsv(const ArenaReport &report);
std::string renderArenaSvg(const ArenaReport &report);
std::string renderArenaHtml(const ArenaReport &report);

/// Writes arena.csv, arena.svg and index.html into `dir` (created if
/// missing); false with `error` set on failure.
bool writeArenaReport(const ArenaReport &report, const std::string &dir,
                      std::string &error);

} // namespace kiln

#endif // KILN_SUPPORT_ARENAREPORT_H
