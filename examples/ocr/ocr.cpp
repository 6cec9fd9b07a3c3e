// kiln-ocr: reads the text in a PNG or JPEG image with the three PaddleOCR
// models compiled by kilnc (det, cls, rec) and linked into this program.
//
//   kiln-ocr IMAGE [DICTIONARY] [--dump-inputs DIR]
//
// det finds text regions (DB post-processing turns its probability map into
// boxes), cls says whether a region is upside down, rec reads it (greedy CTC
// decoding against the dictionary shipped with the models). Prints one line
// per region: the box, the text and its score.
//
// A line keeps its aspect ratio, as PaddleOCR feeds it: scaled to the
// recognizer's height, it goes to the narrowest recognizer object at least
// that wide (rec, and rec_wide where the build compiled one), padded on the
// right; a line longer than the widest is split at the blankest columns
// near equal parts, each part read alone and the texts joined.
//
// --dump-inputs DIR also writes every tensor fed to a model as NumPy .npy
// files, DIR/det/<n>.npy, DIR/cls/<n>.npy, DIR/rec/<n>.npy (n counts up
// from what is there): calibration samples for `kilnc --quantize int8`,
// preprocessed exactly as the app preprocesses.
#include "cls.h"
#include "det.h"
#include "rec.h"
#if __has_include("rec_wide.h")
#include "rec_wide.h"
#define KILN_OCR_REC_WIDE 1
#endif

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#include <stb/stb_image.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace {

/// Writes `values` (float32, C order, `dims`) as the next DIR/<n>.npy.
bool dumpNpy(const std::string &dir, const float *values, const int64_t *dims, int rank) {
  if (dir.empty())
    return true;
  std::string path;
  for (int n = 0;; ++n) {
    path = dir + "/" + std::to_string(n) + ".npy";
    if (std::FILE *f = std::fopen(path.c_str(), "rb"))
      std::fclose(f);
    else
      break;
  }
  std::string shape;
  size_t count = 1;
  for (int i = 0; i < rank; ++i) {
    shape += std::to_string(dims[i]) + (rank == 1 ? "," : i + 1 < rank ? ", " : "");
    count *= static_cast<size_t>(dims[i]);
  }
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return std::fprintf(stderr, "error: cannot write %s\n", path.c_str()), false;
  const unsigned char preamble[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                    static_cast<unsigned char>(header.size() & 0xff),
                                    static_cast<unsigned char>(header.size() >> 8)};
  bool ok = std::fwrite(preamble, 1, sizeof preamble, f) == sizeof preamble &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            std::fwrite(values, sizeof(float), count, f) == count;
  ok = std::fclose(f) == 0 && ok;
  if (!ok)
    std::fprintf(stderr, "error: cannot write %s\n", path.c_str());
  return ok;
}

struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb; // row-major, 3 bytes a pixel
  unsigned char at(int x, int y, int c) const {
    x = std::clamp(x, 0, width - 1);
    y = std::clamp(y, 0, height - 1);
    return rgb[(static_cast<size_t>(y) * width + x) * 3 + c];
  }
};

struct Box {
  int x0, y0, x1, y1; // inclusive pixel bounds in the original image
  float score;
};

/// One model's arena, aligned as its header asks.
struct Arena {
  explicit Arena(size_t bytes)
      : data(static_cast<unsigned char *>(std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64))) {}
  ~Arena() { std::free(data); }
  unsigned char *data;
};

/// One compiled recognizer: the same model at one input width.
struct Recognizer {
  const char *name; // its --dump-inputs folder
  const kiln_tensor_desc *(*input)(int);
  const kiln_tensor_desc *(*output)(int);
  size_t (*arenaBytes)(void);
  int (*run)(const void *const *, void *const *, void *);
  int height() const { return static_cast<int>(input(0)->dims[2]); }
  int width() const { return static_cast<int>(input(0)->dims[3]); }
  int steps() const { return static_cast<int>(output(0)->dims[1]); }
  int classes() const { return static_cast<int>(output(0)->dims[2]); }
};

/// The recognizers linked in, narrowest first.
std::vector<Recognizer> recognizers() {
  std::vector<Recognizer> all = {
      {"rec", rec_input, rec_output, rec_arena_bytes, rec_run},
#ifdef KILN_OCR_REC_WIDE
      {"rec_wide", rec_wide_input, rec_wide_output, rec_wide_arena_bytes, rec_wide_run},
#endif
  };
  std::sort(all.begin(), all.end(), [](const Recognizer &a, const Recognizer &b) {
    return a.width() < b.width();
  });
  return all;
}

/// Bilinear sample of a region of `img` into a CHW float tensor of
/// `outH x outW` (BGR order, as PaddleOCR feeds), normalized per channel;
/// columns from `validW` on stay `fill`.
void sampleRegion(const Image &img, float rx0, float ry0, float rw, float rh,
                  int outH, int outW, int validW, const float mean[3],
                  const float stdv[3], bool rotate180, std::vector<float> &chw) {
  chw.assign(static_cast<size_t>(3) * outH * outW, 0.0f);
  for (int y = 0; y < outH; ++y)
    for (int x = 0; x < validW; ++x) {
      float sx = rx0 + (x + 0.5f) * rw / validW - 0.5f;
      float sy = ry0 + (y + 0.5f) * rh / outH - 0.5f;
      if (rotate180) {
        sx = rx0 + rw - 1 - (sx - rx0);
        sy = ry0 + rh - 1 - (sy - ry0);
      }
      int ix = static_cast<int>(std::floor(sx)), iy = static_cast<int>(std::floor(sy));
      float fx = sx - ix, fy = sy - iy;
      for (int c = 0; c < 3; ++c) {
        float v = (1 - fy) * ((1 - fx) * img.at(ix, iy, c) + fx * img.at(ix + 1, iy, c)) +
                  fy * ((1 - fx) * img.at(ix, iy + 1, c) + fx * img.at(ix + 1, iy + 1, c));
        int bgr = 2 - c;
        chw[(static_cast<size_t>(bgr) * outH + y) * outW + x] =
            (v / 255.0f - mean[bgr]) / stdv[bgr];
      }
    }
}

/// DB post-processing: threshold the probability map, take each connected
/// region, score it by its mean probability, grow it by
/// area * unclip_ratio / perimeter and map it back to the image.
std::vector<Box> findBoxes(const float *prob, int side, float scale,
                           const Image &img) {
  const float thresh = 0.3f, boxThresh = 0.6f, unclipRatio = 1.5f;
  std::vector<int> label(static_cast<size_t>(side) * side, -1);
  std::vector<Box> boxes;
  std::vector<int> stack;
  for (int start = 0; start < side * side; ++start) {
    if (prob[start] <= thresh || label[start] >= 0)
      continue;
    int x0 = side, y0 = side, x1 = -1, y1 = -1, count = 0;
    double sum = 0;
    stack.assign(1, start);
    label[start] = start;
    while (!stack.empty()) {
      int p = stack.back();
      stack.pop_back();
      int px = p % side, py = p / side;
      x0 = std::min(x0, px), x1 = std::max(x1, px);
      y0 = std::min(y0, py), y1 = std::max(y1, py);
      sum += prob[p];
      ++count;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          int nx = px + dx, ny = py + dy;
          if (nx < 0 || ny < 0 || nx >= side || ny >= side)
            continue;
          int q = ny * side + nx;
          if (prob[q] > thresh && label[q] < 0) {
            label[q] = start;
            stack.push_back(q);
          }
        }
    }
    float w = x1 - x0 + 1.0f, h = y1 - y0 + 1.0f;
    float score = static_cast<float>(sum / count);
    if (std::min(w, h) < 3 || score < boxThresh)
      continue;
    float grow = w * h * unclipRatio / (2 * (w + h));
    Box b;
    b.x0 = std::max(0, static_cast<int>(std::floor((x0 - grow) / scale)));
    b.y0 = std::max(0, static_cast<int>(std::floor((y0 - grow) / scale)));
    b.x1 = std::min(img.width - 1, static_cast<int>(std::ceil((x1 + grow) / scale)));
    b.y1 = std::min(img.height - 1, static_cast<int>(std::ceil((y1 + grow) / scale)));
    b.score = score;
    if (b.x1 > b.x0 && b.y1 > b.y0)
      boxes.push_back(b);
  }
  // Reading order: top to bottom, then left to right within a line.
  std::sort(boxes.begin(), boxes.end(), [](const Box &a, const Box &b) {
    if (std::abs(a.y0 - b.y0) > 10)
      return a.y0 < b.y0;
    return a.x0 < b.x0;
  });
  return boxes;
}

/// Where a long line is cut: a column, and whether the blank run around it
/// is as wide as a word gap (the parts' texts then join with a space).
struct Cut {
  int x;
  bool space;
};

/// Cuts box `b` into `parts` pieces, each near an equal share: at the middle
/// of the longest run of blank columns (ink at most 2% of the densest
/// column above the emptiest) within a quarter share of the even cut. A run
/// is a word gap when it is well over the line's typical gap between
/// glyphs (Chinese has none wider than that).
std::vector<Cut> cutLine(const Image &img, const Box &b, int parts) {
  const int w = b.x1 - b.x0 + 1, h = b.y1 - b.y0 + 1;
  std::vector<double> ink(w, 0.0);
  for (int x = 0; x < w; ++x)
    for (int y = b.y0; y <= b.y1; ++y)
      ink[x] += 255.0 - (img.at(b.x0 + x, y, 0) + img.at(b.x0 + x, y, 1) +
                         img.at(b.x0 + x, y, 2)) / 3.0;
  const double densest = *std::max_element(ink.begin(), ink.end());
  // The blank runs between the line's first and last inked columns.
  const double lineBlank = *std::min_element(ink.begin(), ink.end()) + 0.02 * densest;
  std::vector<int> gaps;
  int first = 0, last = w - 1;
  while (first < w && ink[first] <= lineBlank)
    ++first;
  while (last > first && ink[last] <= lineBlank)
    --last;
  for (int x = first; x <= last;) {
    int start = x;
    while (x <= last && ink[x] <= lineBlank)
      ++x;
    if (x > start)
      gaps.push_back(x - start);
    else
      ++x;
  }
  std::sort(gaps.begin(), gaps.end());
  const double typicalGap = gaps.empty() ? 0.0 : gaps[gaps.size() / 2];
  std::vector<Cut> cuts;
  const double share = static_cast<double>(w) / parts;
  for (int k = 1; k < parts; ++k) {
    int lo = std::max(1, static_cast<int>(k * share - share / 4));
    int hi = std::min(w - 2, static_cast<int>(k * share + share / 4));
    double emptiest = *std::min_element(ink.begin() + lo, ink.begin() + hi + 1);
    double blank = emptiest + 0.02 * densest;
    int bestStart = lo, bestLength = 0;
    for (int x = lo; x <= hi;) {
      if (ink[x] > blank) {
        ++x;
        continue;
      }
      int start = x;
      while (x <= hi && ink[x] <= blank)
        ++x;
      if (x - start > bestLength)
        bestStart = start, bestLength = x - start;
    }
    // A word gap is about a quarter of the text's height (the box is the
    // text grown by det's unclip margin, roughly twice its height).
    cuts.push_back({b.x0 + bestStart + bestLength / 2,
                    bestLength >= std::max(2.5 * typicalGap, 0.12 * h)});
  }
  return cuts;
}

std::vector<std::string> loadDictionary(const std::string &path) {
  std::vector<std::string> chars = {""}; // index 0: the CTC blank
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    chars.push_back(line);
  }
  chars.push_back(" "); // PaddleOCR appends the space character
  return chars;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args;
  std::string dumpDir;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--dump-inputs" && i + 1 < argc)
      dumpDir = argv[++i];
    else
      args.push_back(argv[i]);
  }
  if (args.empty() || args.size() > 2) {
    std::fprintf(stderr, "usage: kiln-ocr IMAGE [DICTIONARY] [--dump-inputs DIR]\n");
    return 2;
  }
  auto dump = [&](const char *model, const std::vector<float> &values,
                  const kiln_tensor_desc *desc) {
    return dumpDir.empty() ||
           dumpNpy(dumpDir + "/" + model, values.data(), desc->dims, desc->rank);
  };
  std::string dictPath = args.size() > 1 ? args[1] : KILN_OCR_DICTIONARY;
  std::vector<std::string> dict = loadDictionary(dictPath);
  const std::vector<Recognizer> recs = recognizers();
  for (const Recognizer &r : recs)
    if (static_cast<int>(dict.size()) != r.classes()) {
      std::fprintf(stderr, "error: %s: %zu characters, the model %s has %d classes\n",
                   dictPath.c_str(), dict.size(), r.name, r.classes());
      return 1;
    }

  Image img;
  int channels = 0;
  std::unique_ptr<unsigned char, void (*)(void *)> pixels(
      stbi_load(args[0].c_str(), &img.width, &img.height, &channels, 3), stbi_image_free);
  if (!pixels) {
    std::fprintf(stderr, "error: %s: %s\n", args[0].c_str(), stbi_failure_reason());
    return 1;
  }
  img.rgb.assign(pixels.get(), pixels.get() + static_cast<size_t>(img.width) * img.height * 3);

  // det: the image scaled to fit the model's square input, padded with 0.
  const int side = static_cast<int>(det_input(0)->dims[2]);
  const float detMean[3] = {0.485f, 0.456f, 0.406f}, detStd[3] = {0.229f, 0.224f, 0.225f};
  float scale = std::min(1.0f, static_cast<float>(side) / std::max(img.width, img.height));
  int dw = std::max(1, static_cast<int>(img.width * scale));
  int dh = std::max(1, static_cast<int>(img.height * scale));
  std::vector<float> detIn, detOut(static_cast<size_t>(side) * side);
  // Sample rows beyond dh as padding: build per row with the valid width.
  sampleRegion(img, 0, 0, static_cast<float>(img.width), static_cast<float>(img.height) * side / dh,
               side, side, dw, detMean, detStd, false, detIn);
  for (int c = 0; c < 3; ++c)
    for (int y = dh; y < side; ++y)
      std::fill_n(&detIn[(static_cast<size_t>(c) * side + y) * side], side, 0.0f);
  size_t recBytes = 0;
  for (const Recognizer &r : recs)
    recBytes = std::max(recBytes, r.arenaBytes());
  Arena detArena(det_arena_bytes()), clsArena(cls_arena_bytes()), recArena(recBytes);
  if (!dump("det", detIn, det_input(0)))
    return 1;
  {
    const void *in[] = {detIn.data()};
    void *out[] = {detOut.data()};
    if (det_run(in, out, detArena.data) != 0)
      return std::fprintf(stderr, "error: det failed\n"), 1;
  }
  std::vector<Box> boxes = findBoxes(detOut.data(), side, scale, img);

  const float half[3] = {0.5f, 0.5f, 0.5f};
  const int clsH = static_cast<int>(cls_input(0)->dims[2]), clsW = static_cast<int>(cls_input(0)->dims[3]);
  const int recH = recs.front().height();
  std::vector<float> clsIn, recIn, recProb;
  float clsOut[2];
  // Reads the region with recognizer `r` (greedy CTC), appending to `text`.
  auto read = [&](const Recognizer &r, float x0, float y0, float w, float h, bool flip,
                  std::string &text, double &scoreSum, int &kept) {
    int rw = std::min(r.width(), static_cast<int>(std::ceil(recH * w / h)));
    sampleRegion(img, x0, y0, w, h, recH, r.width(), rw, half, half, flip, recIn);
    if (!dump(r.name, recIn, r.input(0)))
      return false;
    recProb.resize(static_cast<size_t>(r.steps()) * r.classes());
    const void *rin[] = {recIn.data()};
    void *rout[] = {recProb.data()};
    if (r.run(rin, rout, recArena.data) != 0)
      return std::fprintf(stderr, "error: %s failed\n", r.name), false;
    int previous = 0;
    for (int t = 0; t < r.steps(); ++t) {
      const float *row = &recProb[static_cast<size_t>(t) * r.classes()];
      int best = static_cast<int>(std::max_element(row, row + r.classes()) - row);
      if (best != 0 && best != previous) {
        text += dict[best];
        scoreSum += row[best];
        ++kept;
      }
      previous = best;
    }
    return true;
  };
  for (const Box &b : boxes) {
    float bw = b.x1 - b.x0 + 1.0f, bh = b.y1 - b.y0 + 1.0f;
    // cls: upside down? A line longer than cls's input is judged on up to
    // four windows of its own aspect ratio, spread over it, rather than
    // squeezed; their probabilities are averaged.
    float clsWindow = std::min(bw, bh * clsW / clsH);
    int windows = std::min(4, static_cast<int>(std::ceil(bw / clsWindow - 0.05f)));
    float upright = 0, flipped = 0;
    for (int i = 0; i < windows; ++i) {
      float wx = b.x0 + (windows > 1 ? i * (bw - clsWindow) / (windows - 1) : 0.0f);
      int cw = std::min(clsW, static_cast<int>(std::ceil(clsH * clsWindow / bh)));
      sampleRegion(img, wx, b.y0, clsWindow, bh, clsH, clsW, cw, half, half, false, clsIn);
      if (!dump("cls", clsIn, cls_input(0)))
        return 1;
      const void *cin[] = {clsIn.data()};
      void *cout[] = {clsOut};
      if (cls_run(cin, cout, clsArena.data) != 0)
        return std::fprintf(stderr, "error: cls failed\n"), 1;
      upright += clsOut[0] / windows;
      flipped += clsOut[1] / windows;
    }
    bool flip = flipped > upright && flipped > 0.9f;

    // rec: the narrowest recognizer the line fits, or the widest on parts
    // of the line (each with some room: a cut moves off the even share).
    int needed = static_cast<int>(std::ceil(recH * bw / bh));
    auto fits = std::find_if(recs.begin(), recs.end(),
                             [&](const Recognizer &r) { return r.width() >= needed; });
    const Recognizer &rec = fits != recs.end() ? *fits : recs.back();
    int parts = fits != recs.end()
                    ? 1
                    : static_cast<int>(std::ceil(needed / (0.75 * rec.width())));
    std::vector<Cut> cuts = cutLine(img, b, parts);
    // Parts in reading order: right to left when the line is upside down.
    std::vector<int> edges = {b.x0};
    for (const Cut &c : cuts)
      edges.push_back(c.x);
    edges.push_back(b.x1 + 1);
    std::string text;
    double scoreSum = 0;
    int kept = 0;
    for (int i = 0; i < parts; ++i) {
      int p = flip ? parts - 1 - i : i;
      std::string part;
      if (!read(rec, edges[p], b.y0, edges[p + 1] - edges[p], bh, flip, part, scoreSum,
                kept))
        return 1;
      if (parts > 1) { // a cut's own blank is the join's business, not the parts'
        part.erase(0, part.find_first_not_of(' '));
        part.erase(part.find_last_not_of(' ') + 1);
      }
      if (i > 0 && cuts[flip ? p : p - 1].space && !text.empty() && !part.empty())
        text += ' ';
      text += part;
    }
    if (text.empty())
      continue;
    std::printf("[%d,%d,%d,%d] %s %.3f%s\n", b.x0, b.y0, b.x1, b.y1, text.c_str(),
                scoreSum / kept, flip ? " (rotated)" : "");
  }
  return 0;
}
