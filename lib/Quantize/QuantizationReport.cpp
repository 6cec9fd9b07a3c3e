//===- QuantizationReport.cpp - The per-layer table of --report -----------===//
#include "kiln/Quantize/PostTrainingQuantization.h"
#include "kiln/Support/ArenaReport.h"

#include "llvm/Support/FormatVariadic.h"

#include <sstream>

namespace kiln {
namespace {
std::string error(const LayerDecision &d) {
  return d.outputError < 0 ? "" : llvm::formatv("{0:F4}", d.outputError).str();
}
std::string added(const LayerDecision &d) {
  return d.outputError < 0 ? "" : llvm::formatv("{0:F4}", d.addedError).str();
}
} // namespace

std::string renderQuantizationHtml(const QuantizationSummary &summary) {
  std::ostringstream os;
  size_t quantized = 0;
  for (const LayerDecision &d : summary.layers)
    quantized += d.quantized;
  os << "<h2>int8</h2>\n<p>" << quantized << " of " << summary.layers.size()
     << " conv/Gemm/MatMul layers run in int8, calibrated on " << summary.samples
     << " samples.";
  if (summary.evaluated)
    os << " Relative L2 error of the outputs against the float model over the "
          "calibration set: "
       << llvm::formatv("{0:F4}", summary.outputError).str() << ".";
  os << " Per layer: the error of its output against float (over the same "
        "samples), and how much of it the layer adds to its input's.</p>\n"
     << "<table><tr><th>layer</th><th>op</th><th>int8</th><th>output scale</th>"
        "<th>zero point</th><th>output error</th><th>added error</th>"
        "<th>why float</th></tr>\n";
  for (const LayerDecision &d : summary.layers) {
    os << "<tr><td>" << escapeXml(d.name) << "</td><td>" << d.op << "</td><td>"
       << (d.quantized ? "yes" : "no") << "</td><td>";
    if (d.quantized)
      os << llvm::formatv("{0:E3}", d.output.scale).str() << "</td><td>"
         << d.output.zeroPoint;
    else
      os << "</td><td>";
    os << "</td><td>" << error(d) << "</td><td>" << added(d) << "</td><td>"
       << escapeXml(d.reason) << "</td></tr>\n";
  }
  os << "</table>\n";
  return os.str();
}

std::string renderQuantizationCsv(const QuantizationSummary &summary) {
  std::ostringstream os;
  os << "layer,op,int8,output_scale,output_zero_point,output_error,added_error,"
        "why_float\n";
  for (const LayerDecision &d : summary.layers) {
    std::string reason = d.reason;
    for (char &c : reason)
      if (c == ',' || c == '"')
        c = ';';
    os << d.name << "," << d.op << "," << (d.quantized ? 1 : 0) << ","
       << (d.quantized ? llvm::formatv("{0:E6}", d.output.scale).str() : "") << ","
       << (d.quantized ? std::to_string(d.output.zeroPoint) : "") << "," << error(d)
       << "," << added(d) << "," << reason << "\n";
  }
  return os.str();
}

} // namespace kiln
