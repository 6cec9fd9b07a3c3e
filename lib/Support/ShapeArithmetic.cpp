//===- ShapeArithmetic.cpp ------------------------------------------------===//
#include "kiln/Support/ShapeArithmetic.h"

#include <algorithm>
#include <limits>

namespace kiln {

std::optional<Shape> broadcastShapes(const Shape &lhs, const Shape &rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  Shape result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t l = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t r = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (l != r && l != 1 && r != 1)
      return std::nullopt;
    result[i] = l == 1 ? r : l;
  }
  return result;
}

std::optional<int64_t> numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0)
      return std::nullopt;
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      return std::nullopt;
    n *= d;
  }
  return n;
}

std::optional<int64_t> windowOutputSize(int64_t input, int64_t kernel,
                                        int64_t stride, int64_t padBegin,
                                        int64_t padEnd, int64_t dilation,
                                        bool ceilMode) {
  if (input < 0 || kernel <= 0 || stride <= 0 || dilation <= 0 ||
      padBegin < 0 || padEnd < 0)
    return std::nullopt;
  int64_t span = input + padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (span < 0)
    return std::nullopt;
  int64_t out = span / stride + 1;
  if (ceilMode && span % stride != 0) {
    ++out;
    // The last window has to start inside the input or its begin padding.
    if ((out - 1) * stride >= input + padBegin)
      --out;
  }
  return out;
}

void samePadding(int64_t input, int64_t kernel, int64_t stride,
                 int64_t dilation, bool upper, int64_t &padBegin,
                 int64_t &padEnd) {
  int64_t out = (input + stride - 1) / stride;
  int64_t total =
      std::max<int64_t>(0, (out - 1) * stride + dilation * (kernel - 1) + 1 -
                               input);
  padBegin = upper ? total / 2 : total - total / 2;
  padEnd = total - padBegin;
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

std::optional<Shape> resolveReshape(const Shape &input, const Shape &target,
                                    bool allowZero) {
  auto total = numElements(input);
  if (!total)
    return std::nullopt;
  Shape result(target.size());
  int64_t known = 1;
  int inferred = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == -1) {
      if (inferred >= 0)
        return std::nullopt;
      inferred = static_cast<int>(i);
      continue;
    }
    if (d == 0 && !allowZero) {
      if (i >= input.size())
        return std::nullopt;
      d = input[i];
    }
    if (d < 0)
      return std::nullopt;
    result[i] = d;
    known *= d;
  }
  if (inferred >= 0) {
    if (known == 0 || *total % known != 0)
      return std::nullopt;
    result[inferred] = *total / known;
  } else if (known != *total) {
    return std::nullopt;
  }
  return result;
}

} // namespace kiln
