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

/// resolveReshape for an input with dynamic dims: static entries stay,
/// copies of dynamic dims and the one inferred entry are dynamic, and at most
/// one result dim may be dynamic (the run divides the element count by the
/// static ones).
static std::optional<Shape> resolveDynamicReshape(const Shape &input,
                                                  const Shape &target,
                                                  bool allowZero) {
  Shape result;
  int dynamic = 0;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == 0 && !allowZero) {
      if (i >= input.size())
        return std::nullopt;
      d = input[i];
    }
    if (d == -1 || d == kDynamicShapeValue || d == kDynamicDim) {
      d = kDynamicDim;
      ++dynamic;
    } else if (d < 0) {
      return std::nullopt;
    }
    result.push_back(d);
  }
  if (dynamic != 1)
    return std::nullopt;
  return result;
}

std::optional<Shape> resolveReshape(const Shape &input, const Shape &target,
                                    bool allowZero) {
  for (int64_t d : input)
    if (d == kDynamicDim)
      return resolveDynamicReshape(input, target, allowZero);
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

std::optional<SliceBounds> resolveSlice(const Shape &dims, const Shape &starts,
                                        const Shape &ends, Shape axes,
                                        Shape steps) {
  int64_t rank = static_cast<int64_t>(dims.size());
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(static_cast<int64_t>(i));
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return std::nullopt;
  SliceBounds b{Shape(rank, 0), Shape(rank, 1), dims};
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    auto axis = normalizeAxis(axes[i], rank);
    if (!axis || steps[i] == 0 || seen[*axis])
      return std::nullopt;
    seen[*axis] = true;
    int64_t dim = dims[*axis], s = starts[i], e = ends[i], st = steps[i];
    // A dynamic dim (ranged input) is only taken whole: from 0 to an end
    // past any size it may have.
    if (dim == kDynamicDim) {
      if (s != 0 || st != 1 || e < (int64_t{1} << 31) - 1)
        return std::nullopt;
      continue;
    }
    // Saturate huge sentinel values (INT64_MAX, INT64_MIN) before shifting.
    s = std::clamp<int64_t>(s, -dim - 1, dim + 1);
    e = std::clamp<int64_t>(e, -dim - 1, dim + 1);
    if (s < 0)
      s += dim;
    if (e < 0)
      e += dim;
    if (st > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
    }
    int64_t count = st > 0 ? (e - s + st - 1) / st : (s - e - st - 1) / -st;
    b.begin[*axis] = s;
    b.step[*axis] = st;
    b.size[*axis] = std::max<int64_t>(count, 0);
  }
  return b;
}

std::string formatDims(const Shape &dims) {
  std::string text;
  for (int64_t d : dims)
    text += (text.empty() ? "" : "x") +
            (d == kDynamicDim ? std::string("?") : std::to_string(d));
  return text.empty() ? "[]" : text;
}

} // namespace kiln
