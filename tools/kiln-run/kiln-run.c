/* kiln-run: tries a GPU artifact without writing code.
 *
 *   kiln-run model.kiln --input x=image.npy --output DIR [--bench N] [--device N]
 *   kiln-run model.kiln --info
 *
 * Writes each output as DIR/<output name>.npy; --bench N then times N more
 * runs on the device buffers (inputs staged once) and prints the median.
 * Every failure is one `error:` line and exit status 1. */
#define _POSIX_C_SOURCE 200809L
#include "kiln_gpu.h"
#include "npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char *const kTypeNames[] = {"float32", "float16", "float64", "int8", "uint8",
                                         "int16",   "int32",   "int64",   "bool"};

static int usage(void) {
  fprintf(stderr, "usage: kiln-run MODEL.kiln [--input NAME=FILE.npy]... [--output DIR] "
                  "[--bench N] [--device N] [--info]\n");
  return 1;
}

static int error_line(const char *message) {
  fprintf(stderr, "error: %s\n", message);
  return 1;
}

/* "float32 [1, 3, 48, 192]" */
static void describe(kiln_element_type type, int rank, const int64_t *dims, char *out,
                     size_t size) {
  int n = snprintf(out, size, "%s [", kTypeNames[type]);
  for (int d = 0; d < rank && n < (int)size; ++d)
    n += snprintf(out + n, size - n, "%s%lld", d ? ", " : "", (long long)dims[d]);
  if (n < (int)size)
    snprintf(out + n, size - n, "]");
}

static void print_tensor(const char *what, const kiln_tensor_info *t) {
  char shape[256];
  describe(t->type, t->rank, t->dims, shape, sizeof shape);
  printf("%s %s %s %zu bytes\n", what, t->name, shape, t->bytes);
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* An output name as a file name: path separators and the like become '_'. */
static void file_name(const char *name, char *out, size_t size) {
  size_t n = 0;
  for (; name[n] && n + 1 < size; ++n) {
    char c = name[n];
    int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-' || c == '_';
    out[n] = plain && !(n == 0 && c == '.') ? c : '_';
  }
  out[n] = '\0';
}

int main(int argc, char **argv) {
  const char *model_path = NULL, *output_dir = NULL;
  const char *input_specs[64];
  int input_spec_count = 0, bench = 0, device = 0, info = 0;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int has_value = i + 1 < argc;
    if (!strcmp(a, "--input") && has_value) {
      if (input_spec_count == 64)
        return error_line("too many --input");
      input_specs[input_spec_count++] = argv[++i];
    } else if (!strcmp(a, "--output") && has_value) {
      output_dir = argv[++i];
    } else if ((!strcmp(a, "--bench") || !strcmp(a, "--device")) && has_value) {
      char *end;
      long v = strtol(argv[i + 1], &end, 10);
      if (*end || end == argv[i + 1] || v < 0 || v > 1000000) {
        fprintf(stderr, "error: %s needs a non-negative number, not '%s'\n", a, argv[i + 1]);
        return 1;
      }
      *(!strcmp(a, "--bench") ? &bench : &device) = (int)v;
      ++i;
    } else if (!strcmp(a, "--info")) {
      info = 1;
    } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage();
      return 0;
    } else if (a[0] == '-' || model_path) {
      fprintf(stderr, "error: unexpected argument '%s'\n", a);
      return usage();
    } else {
      model_path = a;
    }
  }
  if (!model_path)
    return usage();

  kiln_model *model;
  if (kiln_model_load_file(model_path, &model) != KILN_OK)
    return error_line(kiln_last_error());
  int n_in = kiln_model_input_count(model), n_out = kiln_model_output_count(model);
  if (info) {
    printf("%s: kernels for %s, %zu bytes of device memory\n", model_path,
           kiln_model_chip(model), kiln_model_device_bytes(model));
    for (int i = 0; i < n_in; ++i) {
      kiln_tensor_info t;
      kiln_model_input(model, i, &t);
      print_tensor("input", &t);
    }
    for (int i = 0; i < n_out; ++i) {
      kiln_tensor_info t;
      kiln_model_output(model, i, &t);
      print_tensor("output", &t);
    }
    kiln_model_free(model);
    return 0;
  }

  int rc = 1;
  char error[512];
  npy_array inputs[64];
  void *outputs[64];
  memset(inputs, 0, sizeof inputs);
  memset(outputs, 0, sizeof outputs);
  if (n_in > 64 || n_out > 64) {
    error_line("the model has more than 64 inputs or outputs");
    goto done;
  }
  for (int s = 0; s < input_spec_count; ++s) {
    const char *eq = strchr(input_specs[s], '=');
    if (!eq)
      continue;
    int known = 0;
    for (int i = 0; i < n_in && !known; ++i) {
      kiln_tensor_info t;
      kiln_model_input(model, i, &t);
      known = (size_t)(eq - input_specs[s]) == strlen(t.name) &&
              !strncmp(input_specs[s], t.name, eq - input_specs[s]);
    }
    if (!known) {
      fprintf(stderr, "error: the model has no input '%.*s'\n", (int)(eq - input_specs[s]),
              input_specs[s]);
      goto done;
    }
  }
  /* Each input from its --input NAME=FILE (FILE alone for a one-input model). */
  for (int i = 0; i < n_in; ++i) {
    kiln_tensor_info t;
    kiln_model_input(model, i, &t);
    const char *file = NULL;
    for (int s = 0; s < input_spec_count; ++s) {
      const char *eq = strchr(input_specs[s], '=');
      if (eq && (size_t)(eq - input_specs[s]) == strlen(t.name) &&
          !strncmp(input_specs[s], t.name, eq - input_specs[s]))
        file = eq + 1;
      else if (!eq && n_in == 1)
        file = input_specs[s];
    }
    if (!file) {
      fprintf(stderr, "error: no --input %s=FILE.npy given\n", t.name);
      goto done;
    }
    if (npy_read(file, &inputs[i], error, sizeof error) != 0) {
      error_line(error);
      goto done;
    }
    int same = inputs[i].type == t.type && inputs[i].rank == t.rank;
    for (int d = 0; same && d < t.rank; ++d)
      same = inputs[i].dims[d] == t.dims[d];
    if (!same) {
      char got[256], want[256];
      describe(inputs[i].type, inputs[i].rank, inputs[i].dims, got, sizeof got);
      describe(t.type, t.rank, t.dims, want, sizeof want);
      fprintf(stderr, "error: '%s' holds %s; input '%s' is %s\n", file, got, t.name, want);
      goto done;
    }
  }
  for (int i = 0; i < n_out; ++i) {
    kiln_tensor_info t;
    kiln_model_output(model, i, &t);
    outputs[i] = malloc(t.bytes ? t.bytes : 1);
    if (!outputs[i]) {
      error_line("out of memory");
      goto done;
    }
  }
  if (kiln_model_prepare(model, device) != KILN_OK) {
    error_line(kiln_last_error());
    goto done;
  }
  const void *in[64];
  for (int i = 0; i < n_in; ++i)
    in[i] = inputs[i].data;
  if (kiln_model_run(model, in, outputs) != KILN_OK) {
    error_line(kiln_last_error());
    goto done;
  }
  if (output_dir) {
    if (mkdir(output_dir, 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "error: cannot create '%s': %s\n", output_dir, strerror(errno));
      goto done;
    }
    for (int i = 0; i < n_out; ++i) {
      kiln_tensor_info t;
      kiln_model_output(model, i, &t);
      char name[256], path[4096];
      file_name(t.name, name, sizeof name);
      snprintf(path, sizeof path, "%s/%s.npy", output_dir, name);
      if (npy_write(path, t.type, t.rank, t.dims, outputs[i], t.bytes, error,
                    sizeof error) != 0) {
        error_line(error);
        goto done;
      }
    }
  }
  if (bench > 0) {
    uint64_t dev_in[64], dev_out[64];
    kiln_model_staging_buffers(model, dev_in, dev_out);
    double *times = malloc(sizeof *times * bench);
    if (!times) {
      error_line("out of memory");
      goto done;
    }
    for (int i = -10; i < bench; ++i) { /* 10 warm-up runs, the graph among them */
      double start = now_ms();
      if (kiln_model_run_device(model, dev_in, dev_out, NULL) != KILN_OK ||
          kiln_model_synchronize(model) != KILN_OK) {
        free(times);
        error_line(kiln_last_error());
        goto done;
      }
      if (i >= 0)
        times[i] = now_ms() - start;
    }
    qsort(times, bench, sizeof *times, compare_doubles);
    printf("%s: median %.3f ms over %d runs (min %.3f ms), %s\n", model_path,
           times[bench / 2], bench, times[0], kiln_model_chip(model));
    free(times);
  }
  rc = 0;
done:
  for (int i = 0; i < 64; ++i) {
    free(inputs[i].data);
    free(outputs[i]);
  }
  kiln_model_free(model);
  return rc;
}
