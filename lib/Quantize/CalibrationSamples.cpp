//===- CalibrationSamples.cpp - Reading the calibration set ---------------===//
#include "kiln/Quantize/PostTrainingQuantization.h"

#include "Kiln/DataTypes.h"
#include "kiln/Support/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace kiln {
namespace {

std::string dimsText(const std::vector<int64_t> &dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i)
    s += (i ? "x" : "") + std::to_string(dims[i]);
  return s.empty() ? "scalar" : s;
}

/// Entries of `dir` (sorted), files or folders per `folders`.
bool listDir(const std::string &dir, bool folders, const char *extension,
             std::vector<std::string> &out, std::string &error) {
  std::error_code ec;
  llvm::sys::fs::directory_iterator it(dir, ec), end;
  if (ec) {
    error = dir + ": cannot read the calibration folder: " + ec.message();
    return false;
  }
  for (; it != end && !ec; it.increment(ec)) {
    llvm::sys::fs::file_status status;
    if (llvm::sys::fs::status(it->path(), status))
      continue;
    bool isDir = llvm::sys::fs::is_directory(status);
    if (folders ? isDir
                : (!isDir && llvm::StringRef(it->path()).ends_with(extension)))
      out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return true;
}

/// One input's sample from `path`: float32, exactly the input's shape, finite.
bool readInput(const std::string &path, const TensorDesc &input,
               std::vector<float> &values, std::string &error) {
  NpyArray array;
  if (!readNpy(path, array, error))
    return false;
  if (array.descr != "<f4")
    return error = path + ": dtype '" + array.descr + "', input '" + input.name +
                   "' takes float32 ('<f4')",
           false;
  if (array.shape != input.dims)
    return error = path + ": shape " + dimsText(array.shape) + ", input '" +
                   input.name + "' is " + dimsText(input.dims),
           false;
  values.resize(array.data.size() / sizeof(float));
  if (!values.empty())
    std::memcpy(values.data(), array.data.data(), array.data.size());
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      return error = path + ": element " + std::to_string(i) + " is not finite",
             false;
  return true;
}

} // namespace

bool readCalibrationSamples(const std::string &dir, const ModelInterface &model,
                            std::vector<std::vector<std::vector<float>>> &samples,
                            std::string &error) {
  samples.clear();
  for (const TensorDesc &in : model.inputs)
    if (in.dtype != kFloat)
      return error = "calibration needs float32 inputs; input '" + in.name +
                     "' is " + dtypeName(in.dtype),
             false;
  if (model.inputs.size() == 1) {
    std::vector<std::string> files;
    if (!listDir(dir, false, ".npy", files, error))
      return false;
    for (const std::string &file : files)
      if (!readInput(file, model.inputs[0], samples.emplace_back().emplace_back(),
                     error))
        return false;
  } else {
    std::vector<std::string> folders;
    if (!listDir(dir, true, "", folders, error))
      return false;
    for (const std::string &folder : folders) {
      std::vector<std::vector<float>> &sample = samples.emplace_back();
      for (const TensorDesc &in : model.inputs) {
        llvm::SmallString<256> path(folder);
        llvm::sys::path::append(path, in.name + ".npy");
        if (!llvm::sys::fs::exists(path))
          return error = std::string(path) + ": missing (sample '" +
                         llvm::sys::path::filename(folder).str() +
                         "' needs one .npy per input)",
                 false;
        if (!readInput(std::string(path), in, sample.emplace_back(), error))
          return false;
      }
    }
  }
  if (samples.empty())
    return error = dir + ": no calibration samples (" +
                   (model.inputs.size() == 1
                        ? std::string("*.npy files")
                        : std::string("one folder per sample with <input>.npy")) +
                   " expected)",
           false;
  return true;
}

} // namespace kiln
