// Reads a GPU artifact into a kiln_plan. The flatbuffers verifier checks
// the structure (every offset, vector and string inside the buffer); the
// checks after it are the meaning: the checksum, the version, element
// types, sizes that multiply out, and kernel arguments that point inside
// their buffers. Built without exceptions or RTTI and with no allocation
// but malloc, so the runtime needs no C++ library at link time.
#include "kiln_plan.h"

#include "kiln_artifact_generated.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace fb = kiln::artifact;

namespace {

constexpr uint32_t kVersion = 1;
constexpr int kMaxRank = 16;

struct Reader {
  char *error;
  size_t errorSize;

  kiln_status fail(kiln_status status, const char *format, ...) {
    va_list args;
    va_start(args, format);
    std::vsnprintf(error, errorSize, format, args);
    va_end(args);
    return status;
  }
};

bool multiply(uint64_t a, uint64_t b, uint64_t &out) {
  if (a != 0 && b > UINT64_MAX / a)
    return false;
  out = a * b;
  return true;
}

uint64_t elementBytes(fb::ElementType type) {
  switch (type) {
  case fb::ElementType::F32: case fb::ElementType::I32: return 4;
  case fb::ElementType::F16: case fb::ElementType::I16: return 2;
  case fb::ElementType::F64: case fb::ElementType::I64: return 8;
  case fb::ElementType::I8: case fb::ElementType::U8: case fb::ElementType::Bool:
    return 1;
  }
  return 0;
}

kiln_status readTensors(Reader &r, const char *what,
                        const flatbuffers::Vector<flatbuffers::Offset<fb::Tensor>> *tensors,
                        kiln_tensor_info **out, int &count) {
  if (tensors->size() > 4096)
    return r.fail(KILN_ERROR_INVALID_ARTIFACT, "%u %s", tensors->size(), what);
  count = static_cast<int>(tensors->size());
  *out = static_cast<kiln_tensor_info *>(std::calloc(count ? count : 1, sizeof(kiln_tensor_info)));
  if (!*out)
    return r.fail(KILN_ERROR_OUT_OF_MEMORY, "out of memory");
  for (int i = 0; i < count; ++i) {
    const fb::Tensor *t = tensors->Get(i);
    uint64_t bytes = elementBytes(t->element_type());
    if (!bytes)
      return r.fail(KILN_ERROR_INVALID_ARTIFACT, "%s #%d has element type %d", what, i,
                    static_cast<int>(t->element_type()));
    if (t->dims()->size() > kMaxRank)
      return r.fail(KILN_ERROR_INVALID_ARTIFACT, "%s #%d has rank %u", what, i,
                    t->dims()->size());
    for (int64_t d : *t->dims())
      if (d < 0 || !multiply(bytes, static_cast<uint64_t>(d), bytes))
        return r.fail(KILN_ERROR_INVALID_ARTIFACT, "%s '%s' has a bad dimension", what,
                      t->name()->c_str());
    if (bytes != t->bytes())
      return r.fail(KILN_ERROR_INVALID_ARTIFACT, "%s '%s' says %llu bytes, its dims %llu",
                    what, t->name()->c_str(), (unsigned long long)t->bytes(),
                    (unsigned long long)bytes);
    kiln_tensor_info &info = (*out)[i];
    info.name = t->name()->c_str();
    info.type = static_cast<kiln_element_type>(t->element_type());
    info.rank = static_cast<int>(t->dims()->size());
    info.dims = t->dims()->data();
    info.bytes = static_cast<size_t>(bytes);
  }
  return KILN_OK;
}

/// Whether a pointer argument lands inside its buffer.
bool argumentInside(const fb::Argument &a, const kiln_plan &plan) {
  switch (a.kind()) {
  case fb::ArgumentKind::Input:
    return a.index() < static_cast<uint32_t>(plan.input_count) &&
           a.value() <= plan.inputs[a.index()].bytes;
  case fb::ArgumentKind::Output:
    return a.index() < static_cast<uint32_t>(plan.output_count) &&
           a.value() <= plan.outputs[a.index()].bytes;
  case fb::ArgumentKind::Arena:
    return a.value() <= plan.arena_bytes;
  case fb::ArgumentKind::Weights:
    return a.value() <= plan.weight_bytes;
  case fb::ArgumentKind::Int64:
  case fb::ArgumentKind::Int32:
  case fb::ArgumentKind::Float32:
    return true;
  }
  return false;
}

kiln_status readPlan(Reader &r, const uint8_t *bytes, size_t size, kiln_plan *plan) {
  if (size < 8 || !fb::ArtifactBufferHasIdentifier(bytes))
    return r.fail(KILN_ERROR_INVALID_ARTIFACT, "not a Kiln GPU artifact (no KILN identifier)");
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE) // the verifier asserts on it
    return r.fail(KILN_ERROR_INVALID_ARTIFACT, "the artifact is over 2 GiB");
  flatbuffers::Verifier verifier(bytes, size, flatbuffers::Verifier::Options());
  if (!fb::VerifyArtifactBuffer(verifier))
    return r.fail(KILN_ERROR_INVALID_ARTIFACT,
                  "the artifact is truncated or corrupted (flatbuffers verifier)");
  const fb::Artifact *a = fb::GetArtifact(bytes);
  // The checksum covers every byte but its own four.
  const uint8_t *field = reinterpret_cast<const flatbuffers::Table *>(a)->GetAddressOf(
      fb::Artifact::VT_CHECKSUM);
  if (!field)
    return r.fail(KILN_ERROR_INVALID_ARTIFACT, "the artifact has no checksum");
  size_t at = static_cast<size_t>(field - bytes);
  static const uint8_t zero[4] = {0, 0, 0, 0};
  uint32_t crc = kiln_crc32(0, bytes, at);
  crc = kiln_crc32(crc, zero, 4);
  crc = kiln_crc32(crc, bytes + at + 4, size - at - 4);
  if (crc != a->checksum())
    return r.fail(KILN_ERROR_INVALID_ARTIFACT,
                  "the artifact is corrupted (checksum %08x, expected %08x)", crc,
                  a->checksum());
  if (a->version() != kVersion)
    return r.fail(KILN_ERROR_VERSION,
                  "the artifact is version %u; this runtime reads version %u (recompile it "
                  "with the kilnc of this release)",
                  a->version(), kVersion);
  plan->name = a->name()->c_str();
  plan->chip = a->chip()->c_str();
  plan->arena_bytes = a->arena_bytes();
  plan->weights = a->weights() ? a->weights()->data() : nullptr;
  plan->weight_bytes = a->weights() ? a->weights()->size() : 0;
  plan->ptx = a->ptx()->c_str();
  if (kiln_status s = readTensors(r, "input", a->inputs(), &plan->inputs, plan->input_count))
    return s;
  if (kiln_status s = readTensors(r, "output", a->outputs(), &plan->outputs, plan->output_count))
    return s;
  const auto *launches = a->launches();
  plan->launch_count = launches->size();
  plan->launches = static_cast<kiln_plan_launch *>(
      std::calloc(plan->launch_count ? plan->launch_count : 1, sizeof(kiln_plan_launch)));
  if (!plan->launches)
    return r.fail(KILN_ERROR_OUT_OF_MEMORY, "out of memory");
  for (uint32_t i = 0; i < plan->launch_count; ++i) {
    const fb::Launch *l = launches->Get(i);
    kiln_plan_launch &out = plan->launches[i];
    out.kernel = l->kernel()->c_str();
    if (!*out.kernel || l->grid()->size() != 3 || l->block()->size() != 3)
      return r.fail(KILN_ERROR_INVALID_ARTIFACT, "launch #%u is malformed", i);
    for (int d = 0; d < 3; ++d) {
      out.grid[d] = l->grid()->Get(d);
      out.block[d] = l->block()->Get(d);
      if (!out.grid[d] || !out.block[d])
        return r.fail(KILN_ERROR_INVALID_ARTIFACT, "launch #%u (%s) has an empty grid or block",
                      i, out.kernel);
    }
    out.shared_bytes = l->dynamic_shared_bytes();
    out.argument_count = l->arguments()->size();
    if (out.argument_count > 4096)
      return r.fail(KILN_ERROR_INVALID_ARTIFACT, "launch #%u has %u arguments", i,
                    out.argument_count);
    out.arguments = static_cast<kiln_plan_argument *>(
        std::calloc(out.argument_count ? out.argument_count : 1, sizeof(kiln_plan_argument)));
    if (!out.arguments)
      return r.fail(KILN_ERROR_OUT_OF_MEMORY, "out of memory");
    for (uint32_t j = 0; j < out.argument_count; ++j) {
      const fb::Argument *arg = l->arguments()->Get(j);
      if (!argumentInside(*arg, *plan))
        return r.fail(KILN_ERROR_INVALID_ARTIFACT,
                      "launch #%u (%s) argument #%u points outside its buffer", i, out.kernel, j);
      out.arguments[j].kind = static_cast<int>(arg->kind());
      out.arguments[j].index = arg->index();
      out.arguments[j].value = arg->value();
    }
  }
  return KILN_OK;
}

} // namespace

extern "C" kiln_status kiln_plan_read(const void *data, size_t size, kiln_plan *plan,
                                      char *error, size_t error_size) {
  std::memset(plan, 0, sizeof *plan);
  if (error_size)
    error[0] = '\0';
  Reader r{error, error_size};
  kiln_status status = readPlan(r, static_cast<const uint8_t *>(data), size, plan);
  if (status != KILN_OK)
    kiln_plan_free(plan);
  return status;
}

extern "C" void kiln_plan_free(kiln_plan *plan) {
  if (plan->launches)
    for (uint32_t i = 0; i < plan->launch_count; ++i)
      std::free(plan->launches[i].arguments);
  std::free(plan->launches);
  std::free(plan->inputs);
  std::free(plan->outputs);
  std::memset(plan, 0, sizeof *plan);
}
