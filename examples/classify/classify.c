/* Text-line orientation with the PaddleOCR direction classifier compiled by
 * kilnc: reads a binary PPM image, prepares it the way PaddleOCR does
 * (height 48, width up to 192, right-padded, scaled to [-1, 1]) and prints
 * whether the line is upright or upside down, for the image and for the
 * image turned 180 degrees.
 *
 *   kilnc ch_ppocr_mobile_v2.0_cls_infer.onnx -o cls.o --name cls \
 *         --shape x=1x3x48x192
 *   cc -O2 classify.c cls.o -lm -o classify && ./classify text_line.ppm
 */
#include "cls.h"

#include <stdio.h>
#include <stdlib.h>

enum { H = 48, W = 192 };

static unsigned char *read_ppm(const char *path, int *width, int *height) {
  FILE *f = fopen(path, "rb");
  int maxval;
  if (!f)
    return NULL;
  if (fscanf(f, "P6 %d %d %d", width, height, &maxval) != 3 || maxval != 255 ||
      *width <= 0 || *height <= 0 || *width > 16384 || *height > 16384) {
    fclose(f);
    return NULL;
  }
  fgetc(f); /* the single whitespace after the header */
  size_t bytes = (size_t)*width * (size_t)*height * 3;
  unsigned char *rgb = malloc(bytes);
  if (rgb && fread(rgb, 1, bytes, f) != bytes) {
    free(rgb);
    rgb = NULL;
  }
  fclose(f);
  return rgb;
}

/* Bilinear resize to height 48 keeping the aspect ratio, into a CHW tensor
 * normalized to [-1, 1]; columns past the resized width stay 0. */
static void prepare(const unsigned char *rgb, int w, int h, int flip,
                    float *chw) {
  int rw = (int)((double)w * H / h + 0.999);
  if (rw > W)
    rw = W;
  for (int i = 0; i < 3 * H * W; ++i)
    chw[i] = 0.0f;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < rw; ++x) {
      double sy = (y + 0.5) * h / H - 0.5, sx = (x + 0.5) * w / rw - 0.5;
      int y0 = sy < 0 ? 0 : (int)sy, x0 = sx < 0 ? 0 : (int)sx;
      int y1 = y0 + 1 < h ? y0 + 1 : h - 1, x1 = x0 + 1 < w ? x0 + 1 : w - 1;
      double fy = sy - y0 < 0 ? 0 : sy - y0, fx = sx - x0 < 0 ? 0 : sx - x0;
      for (int c = 0; c < 3; ++c) {
        double v = (1 - fy) * ((1 - fx) * rgb[(y0 * w + x0) * 3 + c] +
                               fx * rgb[(y0 * w + x1) * 3 + c]) +
                   fy * ((1 - fx) * rgb[(y1 * w + x0) * 3 + c] +
                         fx * rgb[(y1 * w + x1) * 3 + c]);
        int ty = flip ? H - 1 - y : y, tx = flip ? rw - 1 - x : x;
        /* PaddleOCR feeds BGR. */
        chw[(2 - c) * H * W + ty * W + tx] = (float)((v / 255.0 - 0.5) / 0.5);
      }
    }
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : "text_line.ppm";
  int w, h;
  unsigned char *rgb = read_ppm(path, &w, &h);
  if (!rgb) {
    fprintf(stderr, "error: %s: not a readable 8-bit binary PPM (P6)\n", path);
    return 1;
  }
  static float input[3 * H * W];
  static float scores[2];
  /* The arena: size from the header, alignment as the header asks. */
  static _Alignas(CLS_ARENA_ALIGN) unsigned char arena[CLS_ARENA_BYTES];
  const void *inputs[] = {input};
  void *outputs[] = {scores};
  for (int flip = 0; flip < 2; ++flip) {
    prepare(rgb, w, h, flip, input);
    if (cls_run(inputs, outputs, arena) != 0) {
      fprintf(stderr, "error: cls_run failed\n");
      return 1;
    }
    printf("%s%s: %s (0: %.4f, 180: %.4f)\n", path,
           flip ? " turned 180" : "", scores[0] >= scores[1] ? "upright" : "upside down",
           scores[0], scores[1]);
  }
  free(rgb);
  return 0;
}
