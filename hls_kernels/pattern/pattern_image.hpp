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

struct ImageLimits {
  uint64_t max_dfa_words = 64ull << 20;  // states * classes per DFA
};

// Pattern i of the input is pattern index i in the kernel's hits. Returns an
// empty image and sets err when a limit is passed.
std::vector<uint32_t> build_pattern_image(const std::vector<ImagePattern>& patterns, const ImageLimits& limits,
                                          std::string& err);

}  // namespace hlsk
}  // namespace sigprobe
