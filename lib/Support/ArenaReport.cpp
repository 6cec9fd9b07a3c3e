//===- ArenaReport.cpp - The arena plan as a table and a picture ----------===//
#include "kiln/Support/ArenaReport.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kiln {

namespace {

std::string csvField(const std::string &text) {
  if (text.find_first_of(",\"\n") == std::string::npos)
    return text;
  std::string out = "\"";
  for (char c : text)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string humanBytes(uint64_t bytes) {
  char buf[32];
  if (bytes >= (1u << 20))
    std::snprintf(buf, sizeof buf, "%.2f MiB", bytes / 1048576.0);
  else if (bytes >= 1024)
    std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
  else
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  return buf;
}

/// A stable, distinct-enough colour per buffer.
std::string colour(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "hsl(%zu,65%%,55%%)", (i * 137) % 360);
  return buf;
}

} // namespace

std::string escapeXml(const std::string &text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '&': out += "&amp;"; break;
    case '"': out += "&quot;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string renderArenaCsv(const ArenaReport &report) {
  std::ostringstream os;
  os << "tensor,type,offset,bytes,first_step,last_step\n";
  for (const ArenaEntry &e : report.entries)
    os << csvField(e.name) << ',' << e.type << ',' << e.offset << ','
       << e.bytes << ',' << e.firstStep << ',' << e.lastStep << '\n';
  return os.str();
}

std::string renderArenaSvg(const ArenaReport &report) {
  // x: step (kernel order), y: byte offset; the arena's top is its peak.
  const double width = 960, height = 540, left = 70, bottom = 40, top = 30;
  double steps = std::max<int64_t>(report.steps, 1);
  double bytes = std::max<uint64_t>(report.arenaBytes, 1);
  auto x = [&](double step) { return left + step / steps * (width - left - 10); };
  auto y = [&](double offset) {
    return height - bottom - offset / bytes * (height - bottom - top);
  };
  std::ostringstream os;
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width
     << "\" height=\"" << height << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  os << "<text x=\"" << left << "\" y=\"18\">" << escapeXml(report.model)
     << ": arena " << humanBytes(report.arenaBytes) << " (naive sum "
     << humanBytes(report.naiveBytes) << "), " << report.entries.size()
     << " buffers over " << report.steps << " steps</text>\n";
  os << "<rect x=\"" << left << "\" y=\"" << y(bytes) << "\" width=\""
     << x(steps) - left << "\" height=\"" << y(0) - y(bytes)
     << "\" fill=\"#f4f4f4\" stroke=\"#999\"/>\n";
  for (size_t i = 0; i < report.entries.size(); ++i) {
    const ArenaEntry &e = report.entries[i];
    double x0 = x(e.firstStep), x1 = x(e.lastStep + 1);
    double y0 = y(e.offset + e.bytes), y1 = y(e.offset);
    os << "<rect x=\"" << x0 << "\" y=\"" << y0 << "\" width=\""
       << std::max(1.0, x1 - x0) << "\" height=\"" << std::max(1.0, y1 - y0)
       << "\" fill=\"" << colour(i) << "\" stroke=\"#333\" stroke-width=\"0.3\">"
       << "<title>" << escapeXml(e.name) << " " << e.type << "\n"
       << humanBytes(e.bytes) << " at offset " << e.offset << "\nsteps "
       << e.firstStep << "-" << e.lastStep << "</title></rect>\n";
  }
  // Axes: offsets on the left, steps below.
  for (int t = 0; t <= 4; ++t) {
    double offset = bytes * t / 4;
    os << "<text x=\"" << left - 6 << "\" y=\"" << y(offset) + 4
       << "\" text-anchor=\"end\">" << humanBytes(static_cast<uint64_t>(offset))
       << "</text>\n";
    double step = steps * t / 4;
    os << "<text x=\"" << x(step) << "\" y=\"" << height - bottom + 16
       << "\" text-anchor=\"middle\">" << static_cast<int64_t>(step) << "</text>\n";
  }
  os << "<text x=\"" << (left + width) / 2 << "\" y=\"" << height - 6
     << "\" text-anchor=\"middle\">step (kernel order); height = bytes</text>\n";
  os << "</svg>\n";
  return os.str();
}

std::string renderArenaHtml(const ArenaReport &report) {
  std::ostringstream os;
  os << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
     << escapeXml(report.model) << " arena</title>\n"
     << "<style>body{font-family:sans-serif}table{border-collapse:collapse}"
        "td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}"
        "td:first-child,th:first-child{text-align:left}</style></head><body>\n"
     << "<h1>" << escapeXml(report.model) << "</h1>\n<p>Peak arena "
     << report.arenaBytes << " bytes; sum of all buffers " << report.naiveBytes
     << " bytes (" << (report.naiveBytes ? 100.0 * report.arenaBytes / report.naiveBytes : 0)
     << "%).</p>\n"
     << renderArenaSvg(report)
     << "<table><tr><th>tensor</th><th>type</th><th>offset</th><th>bytes</th>"
        "<th>first step</th><th>last step</th></tr>\n";
  for (const ArenaEntry &e : report.entries)
    os << "<tr><td>" << escapeXml(e.name) << "</td><td>" << e.type << "</td><td>"
       << e.offset << "</td><td>" << e.bytes << "</td><td>" << e.firstStep
       << "</td><td>" << e.lastStep << "</td></tr>\n";
  os << "</table>\n" << report.extraHtml << "</body></html>\n";
  return os.str();
}

bool writeArenaReport(const ArenaReport &report, const std::string &dir,
                      std::string &error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    error = "cannot create report directory '" + dir + "': " + ec.message();
    return false;
  }
  std::vector<std::pair<std::string, std::string>> files = {
      {"arena.csv", renderArenaCsv(report)},
      {"arena.svg", renderArenaSvg(report)},
      {"index.html", renderArenaHtml(report)}};
  files.insert(files.end(), report.extraFiles.begin(), report.extraFiles.end());
  for (const auto &[name, text] : files) {
    std::string path = dir + "/" + name;
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out.flush()) {
      error = "cannot write '" + path + "'";
      return false;
    }
  }
  return true;
}

} // namespace kiln
