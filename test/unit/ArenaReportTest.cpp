#include "kiln/Support/ArenaReport.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace kiln;

namespace {
ArenaReport sample() {
  ArenaReport r;
  r.model = "net<1>";
  r.arenaBytes = 4096;
  r.naiveBytes = 8192;
  r.steps = 4;
  r.entries = {{"conv,0", "1x8x8xf32", 0, 256, 0, 1},
               {"relu\"1", "1x8x8xf32", 256, 256, 1, 3}};
  return r;
}
} // namespace

TEST_CASE("arena csv has one quoted row per buffer", "[report]") {
  std::string csv = renderArenaCsv(sample());
  CHECK(csv == "tensor,type,offset,bytes,first_step,last_step\n"
               "\"conv,0\",1x8x8xf32,0,256,0,1\n"
               "\"relu\"\"1\",1x8x8xf32,256,256,1,3\n");
}

TEST_CASE("arena svg draws a titled rectangle per buffer", "[report]") {
  std::string svg = renderArenaSvg(sample());
  size_t rects = 0;
  for (size_t at = svg.find("<title>"); at != std::string::npos;
       at = svg.find("<title>", at + 1))
    ++rects;
  CHECK(rects == 2);
  CHECK(svg.find("net&lt;1&gt;") != std::string::npos); // escaped
  CHECK(svg.find("relu&quot;1") != std::string::npos);
  CHECK(svg.rfind("</svg>") != std::string::npos);
}

TEST_CASE("arena report files are written, bad directories are errors",
          "[report]") {
  auto dir = std::filesystem::temp_directory_path() / "kiln-report-test";
  std::filesystem::remove_all(dir);
  std::string error;
  REQUIRE(writeArenaReport(sample(), dir.string(), error));
  for (const char *name : {"arena.csv", "arena.svg", "index.html"})
    CHECK(std::filesystem::file_size(dir / name) > 0);
  std::filesystem::remove_all(dir);

  auto file = std::filesystem::temp_directory_path() / "kiln-report-file";
  std::ofstream(file) << "x";
  CHECK_FALSE(writeArenaReport(sample(), (file / "sub").string(), error));
  CHECK(error.find("cannot create report directory") != std::string::npos);
  std::filesystem::remove(file);
}
