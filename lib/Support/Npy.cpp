//===- Npy.cpp - Reading NumPy .npy arrays --------------------------------===//
#include "kiln/Support/Npy.h"
#include "kiln/Support/ShapeArithmetic.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace kiln {
namespace {

/// The value text of `key` in the header dict ("'descr': '<f4', ...").
bool dictValue(const std::string &header, const std::string &key,
               std::string &value) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos)
    return false;
  size_t colon = header.find(':', k);
  if (colon == std::string::npos)
    return false;
  size_t start = colon + 1;
  while (start < header.size() && header[start] == ' ')
    ++start;
  size_t end = start;
  if (start < header.size() && header[start] == '(') {
    end = header.find(')', start);
    if (end == std::string::npos)
      return false;
    ++end;
  } else if (start < header.size() && header[start] == '\'') {
    end = header.find('\'', start + 1);
    if (end == std::string::npos)
      return false;
    ++end;
  } else {
    while (end < header.size() && header[end] != ',' && header[end] != '}')
      ++end;
  }
  value = header.substr(start, end - start);
  return true;
}

bool parseShape(const std::string &text, std::vector<int64_t> &shape) {
  // "(1, 3, 48)" or "(5,)" or "()".
  if (text.size() < 2 || text.front() != '(' || text.back() != ')')
    return false;
  std::string inner = text.substr(1, text.size() - 2);
  std::stringstream in(inner);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    if (b == std::string::npos)
      continue; // the trailing comma of a 1-tuple
    item = item.substr(b, e - b + 1);
    if (item.empty() || item.size() > 18 ||
        !std::all_of(item.begin(), item.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      return false;
    shape.push_back(std::stoll(item));
  }
  return true;
}

size_t itemSize(const std::string &descr) {
  if (descr.size() < 3)
    return 0;
  std::string digits = descr.substr(2);
  if (digits != "1" && digits != "2" && digits != "4" && digits != "8")
    return 0;
  return std::stoul(digits);
}

} // namespace

bool parseNpy(const std::string &bytes, NpyArray &out, std::string &error) {
  out = NpyArray();
  static const char magic[] = "\x93NUMPY";
  if (bytes.size() < 10 || bytes.compare(0, 6, magic, 6) != 0) {
    error = "not a NumPy .npy file";
    return false;
  }
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen = 0, offset = 0;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                static_cast<unsigned char>(bytes[9]) << 8;
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) {
      error = "truncated .npy header";
      return false;
    }
    for (int i = 3; i >= 0; --i)
      headerLen = headerLen << 8 | static_cast<unsigned char>(bytes[8 + i]);
    offset = 12;
  } else {
    error = ".npy format version " + std::to_string(major) + " is not supported";
    return false;
  }
  if (headerLen > bytes.size() - offset) {
    error = "truncated .npy header";
    return false;
  }
  std::string header = bytes.substr(offset, headerLen);
  std::string descr, fortran, shape;
  if (!dictValue(header, "descr", descr) ||
      !dictValue(header, "fortran_order", fortran) ||
      !dictValue(header, "shape", shape) || descr.size() < 3) {
    error = "malformed .npy header";
    return false;
  }
  out.descr = descr.substr(1, descr.size() - 2);
  if (fortran != "False") {
    error = "Fortran-ordered arrays are not supported (save a C-ordered copy)";
    return false;
  }
  if (!parseShape(shape, out.shape)) {
    error = "malformed shape " + shape + " in .npy header";
    return false;
  }
  size_t item = itemSize(out.descr);
  std::optional<int64_t> count = numElements(out.shape);
  if (!item || !count) {
    error = "unsupported .npy dtype '" + out.descr + "' or shape";
    return false;
  }
  size_t dataStart = offset + headerLen;
  size_t want = static_cast<size_t>(*count) * item;
  if (bytes.size() - dataStart != want) {
    error = "holds " + std::to_string(bytes.size() - dataStart) +
            " bytes of data, its header says " + std::to_string(want);
    return false;
  }
  out.data.assign(bytes.begin() + dataStart, bytes.end());
  return true;
}

bool readNpy(const std::string &path, NpyArray &out, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path + ": cannot read";
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!parseNpy(buffer.str(), out, error)) {
    error = path + ": " + error;
    return false;
  }
  return true;
}

} // namespace kiln
