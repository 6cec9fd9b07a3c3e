/* Loads each artifact named on the command line and prints one line per
 * file: "ok" or the runtime's status and message. Built with ASan and
 * UBSan over the runtime's sources, so a corrupted artifact that reads out
 * of bounds fails the test rather than passing by luck. */
#include "kiln_gpu.h"

#include <stdio.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    kiln_model *model = NULL;
    kiln_status s = kiln_model_load_file(argv[i], &model);
    if (s == KILN_OK) {
      kiln_tensor_info t;
      int ok = kiln_model_input_count(model) >= 0 && kiln_model_output_count(model) >= 0;
      for (int k = 0; ok && k < kiln_model_input_count(model); ++k)
        ok = kiln_model_input(model, k, &t) == KILN_OK;
      printf("%s: ok %s\n", argv[i], kiln_model_chip(model));
    } else {
      printf("%s: status %d: %s\n", argv[i], (int)s, kiln_last_error());
    }
    kiln_model_free(model);
  }
  return 0;
}
