//===- KilnDialect.h - The kiln dialect -----------------------------------===//
#ifndef KILN_DIALECT_KILNDIALECT_H
#define KILN_DIALECT_KILNDIALECT_H

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Dialect.h"

#include "Kiln/KilnDialect.h.inc"

#endif // KILN_DIALECT_KILNDIALECT_H
