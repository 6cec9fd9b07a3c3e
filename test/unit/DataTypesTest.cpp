// The one dtype table: the importer types values with it and the header
// generator describes them with it, so every code must round-trip.
#include "Kiln/DataTypes.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"

#include <catch2/catch.hpp>

using namespace kiln;

TEST_CASE("Every supported dtype round-trips through its MLIR type",
          "[dtype]") {
  mlir::MLIRContext ctx;
  for (int32_t code : {kFloat, kUInt8, kInt8, kInt32, kInt64, kBool}) {
    INFO("dtype " << code);
    const DataTypeInfo *info = lookupDataType(code);
    REQUIRE(info);
    CHECK(std::string(info->name) == dtypeName(code));
    mlir::Type type = elementTypeFor(&ctx, code);
    REQUIRE(type);
    CHECK(dtypeFor(type) == code);
    CHECK(elementSize(code) * 8 == type.getIntOrFloatBitWidth() +
                                       (code == kBool ? 7 : 0));
  }
}

TEST_CASE("uint8 is its own type, and crosses the model boundary", "[dtype]") {
  mlir::MLIRContext ctx;
  CHECK(elementTypeFor(&ctx, kUInt8) != elementTypeFor(&ctx, kInt8));
  CHECK(elementTypeFor(&ctx, kUInt8).isUnsignedInteger(8));
  CHECK(lookupDataType(kUInt8)->atRunTime); // quantized inputs and outputs
  CHECK(lookupDataType(kInt8)->atRunTime);
}

TEST_CASE("Unsupported codes have no entry", "[dtype]") {
  mlir::MLIRContext ctx;
  for (int32_t code : {0, 4, 8, 10, 11, 16, 99, -1}) {
    INFO("dtype " << code);
    CHECK_FALSE(lookupDataType(code));
    CHECK(elementSize(code) == 0);
    CHECK_FALSE(elementTypeFor(&ctx, code));
  }
  CHECK(dtypeFor(mlir::Float64Type::get(&ctx)) == 0);
  CHECK(std::string(dtypeName(11)) == "double");
  CHECK(std::string(dtypeName(99)) == "unknown");
}
