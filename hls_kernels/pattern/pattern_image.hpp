// The host's compiler of the pattern kernel's table image (not synthesised:
// it runs once at start-up on the CPU and may use the STL). Builds the two
// Aho-Corasick DFAs and the Prefix/Exact hash table that
// hls_kernels/include/pattern_record.hpp describes.
#pragma once
#include <stdint.h>

#include <string>
#include <vector>

namespace sigprobe {
namespace hlsk {

enum class ImageKind : uint8_t { Literal, LiteralNocase, Prefix, Exact };

struct ImagePattern {
  ImageKind kind;
  uint32_t field_mask;
  std::string text;
};

// Pattern i of the input is pattern index i in the kernel's hits. Returns an
// empty image and sets err when the DFAs exceed the kernel's on-chip capacity
// (kMaxDfaStates, kMaxDfaCells, kMaxDfaOutputs in pattern_record.hpp).
std::vector<uint32_t> build_pattern_image(const std::vector<ImagePattern>& patterns, std::string& err);

}  // namespace hlsk
}  // namespace sigprobe
