//===- Npy.h - Reading NumPy .npy arrays ------------------------*- C++ -*-===//
//
// Calibration samples come as .npy files (numpy.save). Files are untrusted:
// every field of the header is checked and the data size must match it.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_SUPPORT_NPY_H
#define KILN_SUPPORT_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace kiln {

struct NpyArray {
  std::string descr;          // numpy dtype string, e.g. "<f4"
  std::vector<int64_t> shape; // C order
  std::vector<char> data;     // raw little-endian elements
};

/// Parses the bytes of a version 1-3 .npy file; false with `error` set
/// (without the file name) when they are not one.
bool parseNpy(const std::string &bytes, NpyArray &out, std::string &error);

/// Reads and parses `path`; errors name the file.
bool readNpy(const std::string &path, NpyArray &out, std::string &error);

} // namespace kiln

#endif // KILN_SUPPORT_NPY_H
