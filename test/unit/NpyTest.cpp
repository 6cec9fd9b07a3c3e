#include "kiln/Support/Npy.h"

#include <catch2/catch.hpp>

#include <cstring>

using namespace kiln;

namespace {
/// A version 1.0 file as numpy.save writes it (header padded to 64).
std::string npy(const std::string &dict, size_t dataBytes) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out += std::string(dataBytes, '\0');
  return out;
}
} // namespace

TEST_CASE("parseNpy reads numpy.save's format", "[npy]") {
  NpyArray a;
  std::string error;
  REQUIRE(parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 2), }", 24),
                   a, error));
  CHECK(a.descr == "<f4");
  CHECK(a.shape == std::vector<int64_t>{1, 3, 2});
  CHECK(a.data.size() == 24);
  REQUIRE(parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", 20),
                   a, error));
  CHECK(a.shape == std::vector<int64_t>{5});
  REQUIRE(parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4), a,
                   error));
  CHECK(a.shape.empty());
}

TEST_CASE("parseNpy rejects what it cannot trust", "[npy]") {
  NpyArray a;
  std::string error;
  CHECK_FALSE(parseNpy("not numpy at all", a, error));
  CHECK(error == "not a NumPy .npy file");
  CHECK_FALSE(parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 12),
                       a, error));
  CHECK(error == "holds 12 bytes of data, its header says 16");
  CHECK_FALSE(parseNpy(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16),
                       a, error));
  CHECK_FALSE(parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", 16),
                       a, error));
  CHECK_FALSE(parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", 0),
                       a, error));
  CHECK_FALSE(parseNpy(npy("{'descr': 'O', 'fortran_order': False, 'shape': (1,), }", 8), a,
                       error));
  std::string truncated = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4);
  CHECK_FALSE(parseNpy(truncated.substr(0, 20), a, error));
}
