#ifndef KILN_BASE_TD
#define KILN_BASE_TD

include "mlir/IR/OpBase.td"

def Kiln_Dialect : Dialect {
  let name = "kiln";
  let summary = "Tensor-level operations of ONNX-style neural network graphs";
  let description = [{
    The `kiln` dialect holds a model graph after import: static shapes,
    value semantics on ranked tensors, one op per graph-level operator.
    Each op infers its result type from its operands and attributes, so
    a shape mismatch is caught where it is introduced.
  }];
  let cppNamespace = "::kiln";
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::quant::QuantDialect"];
}

class Kiln_Op<string mnemonic, list<Trait> traits = []>
    : Op<Kiln_Dialect, mnemonic, traits>;

#endif // KILN_BASE_TD
