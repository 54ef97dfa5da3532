// Records and table image of the pattern stage, shared by the pattern kernel,
// its C-simulation and the host backends. C++14 subset (Vitis HLS includes it).
//
// Input: the fields of a batch as 64-byte chunks (one 512-bit bus word each).
// A field longer than kChunkBytes spans consecutive chunks; the first has
// kChunkFirst, the last kChunkLast; the matcher's state carries over between
// them. A field never spans two batches.
//
// Tables: one read-only image of 32-bit words built by the host once
// (hls_kernels/pattern/pattern_image.cpp) and copied to the card once. The
// kernel copies the DFAs into on-chip memory (URAM/BRAM) on the first run
// that sees a new image id and keeps them there; the list table stays in
// card memory (HBM/DDR). See hls_kernels/pattern/README.md.
//  - two DFAs (Aho-Corasick made total): one over the bytes as given for
//    Literal patterns, one over ASCII-lowercased bytes for LiteralNocase;
//    bytes map to classes first (alphabet compression);
//  - each DFA output and each list posting as (pattern index, field mask);
//  - an open-addressing hash table of Prefix/Exact texts (at most
//    kListMaxLen bytes), keyed by FNV-1a 64 of (kind byte, text).
// Output: hits (item, field, pattern index); a pattern may hit more than
// once per field (the host sorts and removes repeats).
#pragma once
#include <stdint.h>

namespace sigprobe {
namespace hlsk {

static const unsigned kChunkBytes = 56;
static const unsigned kListMaxLen = 64;      // longest Prefix/Exact text
static const unsigned kRecentHits = 8;       // per-field repeat filter in the kernel
static const unsigned kListMaxProbe = 32;    // hash probes per lookup (the host guarantees it)
static const uint8_t kChunkFirst = 1;
static const uint8_t kChunkLast = 2;
static const uint8_t kListPrefix = 1;        // kind byte hashed with the text
static const uint8_t kListExact = 2;
static const uint32_t kImageMagic = 0x54505053u;  // "SPPT"
static const uint32_t kImageVersion = 2;

// On-chip capacity of one DFA (both DFAs have their own).
static const uint32_t kMaxDfaStates = 65536;      // next-state fits 16 bits
static const uint32_t kMaxDfaCells = 1u << 22;    // states * classes: 8 MiB of 16-bit cells
static const uint32_t kMaxDfaOutputs = 1u << 17;  // (pattern, mask) pairs

struct PatternChunk {
  uint32_t item;
  uint8_t field;
  uint8_t flags;   // kChunkFirst | kChunkLast
  uint8_t len;     // valid bytes, <= kChunkBytes
  uint8_t pad;
  uint8_t bytes[kChunkBytes];
};
static_assert(sizeof(PatternChunk) == 64, "PatternChunk is one 512-bit word");

struct PatternHit {
  uint32_t item;
  uint32_t pattern;  // index into the image's pattern table
  uint32_t field;
  uint32_t pad;
};
static_assert(sizeof(PatternHit) == 16, "PatternHit is 16 bytes");

// Word offsets of the image header.
enum ImageWord {
  kImgMagic = 0,
  kImgVersion,
  kImgPatterns,        // number of patterns
  kImgId,              // non-zero, new for every image: the kernel reloads its DFAs when it changes
  kImgCsClassOff,      // 256 words: class of each byte (case-sensitive DFA)
  kImgCsClasses,
  kImgCsStates,
  kImgCsDeltaOff,      // states * classes words: next state
  kImgCsOutOff,        // states + 1 words: begin of each state's outputs
  kImgCsOutPatOff,     // (pattern index, field mask) pairs
  kImgNcClassOff,      // the same for the nocase DFA
  kImgNcClasses,
  kImgNcStates,
  kImgNcDeltaOff,
  kImgNcOutOff,
  kImgNcOutPatOff,
  kImgListSlotsLog2,   // hash slots = 1 << this
  kImgListSlotOff,     // 4 words per slot: hash lo, hash hi, entry + 1, 0
  kImgListEntryOff,    // kListEntryWords per entry
  kImgListPostOff,     // (pattern index, field mask) pairs
  kImgPrefixLenLo,     // bit L-1: some Prefix text has length L (1..64)
  kImgPrefixLenHi,
  kImgExactLenLo,
  kImgExactLenHi,
  kImgWords,           // image size in words
  kImgHeaderWords = 32
};
// An entry: 16 words of text, then len | kind << 8, post begin, post end
// (in pairs).
static const unsigned kListEntryWords = 19;

inline uint64_t fnv1a_step(uint64_t h, uint8_t b) {
  return (h ^ b) * 0x100000001b3ull;
}
static const uint64_t kFnvBasis = 0xcbf29ce484222325ull;

inline uint8_t ascii_lower(uint8_t b) {
  return (b >= 'A' && b <= 'Z') ? uint8_t(b + 32) : b;
}

}  // namespace hlsk
}  // namespace sigprobe
