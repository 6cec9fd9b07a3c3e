#include "kiln/Importer/OnnxImporter.h"
#include "kiln/Target/ModelInterface.h"

#include <catch2/catch.hpp>

using namespace kiln;

TEST_CASE("parseShapeText reads D0xD1x...", "[cli]") {
  std::vector<int64_t> dims;
  CHECK(parseShapeText("1x3x48x192", dims));
  CHECK(dims == std::vector<int64_t>{1, 3, 48, 192});
  CHECK(parseShapeText("7", dims));
  CHECK(dims == std::vector<int64_t>{7});
  CHECK(parseShapeText("", dims));
  CHECK(dims.empty());
  CHECK_FALSE(parseShapeText("1x", dims));
  CHECK_FALSE(parseShapeText("x3", dims));
  CHECK_FALSE(parseShapeText("1x-3", dims));
  CHECK_FALSE(parseShapeText("1,3", dims));
  CHECK_FALSE(parseShapeText("99999999999999999999", dims));
}

TEST_CASE("parseShapeRanges reads MIN..MAX dims", "[cli]") {
  std::vector<DimRange> dims;
  CHECK(parseShapeRanges("1x3x48x32..1280", dims));
  REQUIRE(dims.size() == 4);
  CHECK_FALSE(dims[2].ranged());
  CHECK(dims[2].min == 48);
  CHECK(dims[3].ranged());
  CHECK(dims[3].min == 32);
  CHECK(dims[3].max == 1280);
  CHECK(parseShapeRanges("1..2", dims));
  CHECK_FALSE(parseShapeRanges("0..8", dims));  // a size of 0 is no input
  CHECK_FALSE(parseShapeRanges("8..8", dims));  // not a range
  CHECK_FALSE(parseShapeRanges("9..8", dims));
  CHECK_FALSE(parseShapeRanges("1x..8", dims));
  CHECK_FALSE(parseShapeRanges("1x4..", dims));
  CHECK_FALSE(parseShapeRanges("1x4...8", dims));
  // The fixed-shape reader refuses ranges.
  std::vector<int64_t> fixed;
  CHECK_FALSE(parseShapeText("1x4..8", fixed));
}

TEST_CASE("renderHeader adds the ranged API only for ranged models", "[header]") {
  ModelInterface m;
  m.name = "rec";
  m.inputs = {{"x", 1, {1, 3, 48, -1}}};
  m.outputs = {{"y", 1, {1, -1, 6625}}};
  CHECK(renderHeader(m).find("run_sized") == std::string::npos);
  m.ranged = {{0, 3, 32, 1280}};
  std::string h = renderHeader(m);
  CHECK(h.find("#define REC_NUM_RANGED_DIMS 1") != std::string::npos);
  CHECK(h.find("#ifndef KILN_DIM_RANGE_DEFINED") != std::string::npos);
  CHECK(h.find("const kiln_dim_range *rec_ranged_dim(int index);") != std::string::npos);
  CHECK(h.find("int rec_output_dims(const int64_t *sizes, int index, int64_t *dims);") !=
        std::string::npos);
  CHECK(h.find("int rec_run_sized(const int64_t *sizes, const void *const *inputs,") !=
        std::string::npos);
  CHECK(h.find("{0, 3, 32, 1280}") != std::string::npos);
}

TEST_CASE("sanitizeSymbol makes C identifiers", "[cli]") {
  CHECK(sanitizeSymbol("ch_ppocr_mobile_v2.0_cls_infer") ==
        "ch_ppocr_mobile_v2_0_cls_infer");
  CHECK(sanitizeSymbol("my-model") == "my_model");
  CHECK(sanitizeSymbol("3net") == "_3net");
}

TEST_CASE("renderHeader follows the public contract", "[header]") {
  ModelInterface m;
  m.name = "net";
  m.inputs = {{"x", 1, {1, 3}}};
  m.outputs = {{"y\"z", 7, {}}};
  m.arenaBytes = 4096;
  std::string h = renderHeader(m);
  CHECK(h.find("#include <stddef.h>\n#include <stdint.h>") != std::string::npos);
  CHECK(h.find("#define NET_ARENA_BYTES 4096u") != std::string::npos);
  CHECK(h.find("#define NET_ARENA_ALIGN 64") != std::string::npos);
  CHECK(h.find("extern \"C\" {") != std::string::npos);
  CHECK(h.find("#ifndef KILN_TENSOR_DESC_DEFINED") != std::string::npos);
  CHECK(h.find("int net_run(const void *const *inputs, void *const *outputs, "
               "void *arena);") != std::string::npos);
  CHECK(h.find("size_t net_arena_bytes(void);") != std::string::npos);
  CHECK(h.find("const kiln_tensor_desc *net_output(int index);") !=
        std::string::npos);
  // Names are escaped inside the comment listing.
  CHECK(h.find("\"y\\\"z\"") != std::string::npos);
}
