// The pattern kernel's algorithm (C++14 subset for Vitis HLS: no STL, no
// recursion, no allocation, bounded loops). The top function in
// pattern_kernel.cpp keeps the DFAs on chip and wires load -> match -> store
// under dataflow.
//
// Per byte: one transition in each DFA (case-sensitive, nocase; two on-chip
// reads in the same cycle) and the running FNV-1a hashes of the field's first
// kListMaxLen bytes. At a field's last chunk: one exact and up to 64 prefix
// lookups in the hash table in card memory.
#pragma once
#include <stdint.h>

#include "hls_kernels/compat/hls_compat.hpp"
#include "hls_kernels/include/pattern_record.hpp"

namespace sigprobe {
namespace hlsk {

// One DFA in on-chip memory (URAM for the cells, BRAM for the rest).
struct DfaTables {
  uint16_t class_of[256];
  uint32_t classes;
  uint16_t next[kMaxDfaCells];             // state * classes + class
  uint32_t out_begin[kMaxDfaStates + 1];
  uint32_t out_pat[kMaxDfaOutputs];
  uint32_t out_mask[kMaxDfaOutputs];
};

// Copies one DFA of the image (header words from hdr) on chip.
inline void dfa_load(const uint32_t* img, unsigned hdr, DfaTables& t) {
  const uint32_t classes = img[hdr + 1], states = img[hdr + 2];
  const uint32_t* cls = img + img[hdr];
  const uint32_t* delta = img + img[hdr + 3];
  const uint32_t* ob = img + img[hdr + 4];
  const uint32_t* op = img + img[hdr + 5];
  t.classes = classes;
  for (unsigned b = 0; b < 256; ++b) t.class_of[b] = uint16_t(cls[b]);
  for (uint32_t i = 0; i < states * classes; ++i) {
    SP_HLS_PRAGMA(HLS PIPELINE II = 1)
    SP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT max = 4194304)
    t.next[i] = uint16_t(delta[i]);
  }
  for (uint32_t s = 0; s <= states; ++s) {
    SP_HLS_PRAGMA(HLS PIPELINE II = 1)
    SP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT max = 65537)
    t.out_begin[s] = ob[s];
  }
  for (uint32_t k = 0; k < ob[states]; ++k) {
    SP_HLS_PRAGMA(HLS PIPELINE II = 1)
    SP_HLS_PRAGMA(HLS LOOP_TRIPCOUNT max = 131072)
    t.out_pat[k] = op[2 * k];
    t.out_mask[k] = op[2 * k + 1];
  }
}

// A hit on its way to the store stage; last marks the end of the stream.
struct HitToken {
  PatternHit hit;
  bool last;
};

// State carried from chunk to chunk within one field.
struct FieldState {
  uint32_t cs;               // case-sensitive DFA state
  uint32_t nc;               // nocase DFA state
  uint32_t len;              // bytes seen
  uint64_t prefix_hash[kListMaxLen];  // hash of (kListPrefix, first L+1 bytes)
  uint64_t exact_hash;                // hash of (kListExact, the whole field so far)
  uint8_t head[kListMaxLen];          // the field's first bytes
  uint32_t recent[kRecentHits];       // last patterns emitted (repeat filter)
  uint32_t recent_n;
};

inline void field_reset(FieldState& s) {
  s.cs = 0;
  s.nc = 0;
  s.len = 0;
  s.exact_hash = fnv1a_step(kFnvBasis, kListExact);
  s.recent_n = 0;
}

// Emits pattern p for the field unless its mask excludes the field or it was
// one of the last kRecentHits emitted for this field.
inline void emit(FieldState& s, uint32_t item, uint32_t field, uint32_t p, uint32_t mask,
                 hls::stream<HitToken>& hits) {
  if (((mask >> field) & 1u) == 0) return;
  bool seen = false;
  for (unsigned k = 0; k < kRecentHits; ++k) {
    SP_HLS_PRAGMA(HLS UNROLL)
    if (k < s.recent_n && s.recent[k] == p) seen = true;
  }
  if (seen) return;
  s.recent[s.recent_n % kRecentHits] = p;
  s.recent_n = s.recent_n + 1;
  HitToken t;
  t.hit.item = item;
  t.hit.pattern = p;
  t.hit.field = field;
  t.hit.pad = 0;
  t.last = false;
  hits.write(t);
}

// One DFA step from state st on byte b; emits the new state's outputs.
inline uint32_t dfa_step(const DfaTables& t, uint32_t st, uint8_t b, FieldState& s, uint32_t item, uint32_t field,
                         hls::stream<HitToken>& hits) {
  const uint32_t next = t.next[st * t.classes + t.class_of[b]];
  for (uint32_t k = t.out_begin[next]; k < t.out_begin[next + 1]; ++k)
    emit(s, item, field, t.out_pat[k], t.out_mask[k], hits);
  return next;
}

// Looks up (hash, text of len bytes) in the Prefix/Exact table in card
// memory; emits its postings.
inline void list_lookup(const uint32_t* img, uint64_t h, uint8_t kind, uint32_t len, FieldState& s, uint32_t item,
                        uint32_t field, hls::stream<HitToken>& hits) {
  const uint32_t slots_log2 = img[kImgListSlotsLog2];
  const uint32_t mask = (1u << slots_log2) - 1u;
  const uint32_t* slots = img + img[kImgListSlotOff];
  const uint32_t* posts = img + img[kImgListPostOff];
  uint32_t at = uint32_t(h) & mask;
  bool done = false;
  for (unsigned probe = 0; probe < kListMaxProbe; ++probe) {
    const uint32_t entry_plus1 = slots[at * 4 + 2];
    if (!done && entry_plus1 == 0) done = true;
    if (!done && slots[at * 4] == uint32_t(h) && slots[at * 4 + 1] == uint32_t(h >> 32)) {
      const uint32_t* e = img + img[kImgListEntryOff] + (entry_plus1 - 1) * kListEntryWords;
      bool same = (e[16] & 0xffu) == len && ((e[16] >> 8) & 0xffu) == kind;
      for (unsigned b = 0; b < kListMaxLen; ++b) {
        SP_HLS_PRAGMA(HLS UNROLL)
        if (b < len && uint8_t(e[b / 4] >> (8 * (b % 4))) != s.head[b]) same = false;
      }
      if (same) {
        for (uint32_t k = e[17]; k < e[18]; ++k) emit(s, item, field, posts[2 * k], posts[2 * k + 1], hits);
        done = true;
      }
    }
    at = (at + 1) & mask;
  }
}

// Matches one chunk; field state carries over until the chunk marked last.
inline void match_chunk(const uint32_t* img, const DfaTables& cs, const DfaTables& nc, const PatternChunk& c,
                        FieldState& s, hls::stream<HitToken>& hits) {
  if (c.flags & kChunkFirst) field_reset(s);
  for (unsigned j = 0; j < kChunkBytes; ++j) {
    SP_HLS_PRAGMA(HLS PIPELINE II = 1)
    if (j < c.len) {
      const uint8_t b = c.bytes[j];
      s.cs = dfa_step(cs, s.cs, b, s, c.item, c.field, hits);
      s.nc = dfa_step(nc, s.nc, ascii_lower(b), s, c.item, c.field, hits);
      if (s.len < kListMaxLen) {
        const uint64_t prev = s.len == 0 ? fnv1a_step(kFnvBasis, kListPrefix) : s.prefix_hash[s.len - 1];
        s.prefix_hash[s.len] = fnv1a_step(prev, b);
        s.head[s.len] = b;
      }
      s.exact_hash = fnv1a_step(s.exact_hash, b);
      s.len = s.len + 1;
    }
  }
  if ((c.flags & kChunkLast) == 0) return;
  const uint64_t exact_lens = uint64_t(img[kImgExactLenLo]) | (uint64_t(img[kImgExactLenHi]) << 32);
  const uint64_t prefix_lens = uint64_t(img[kImgPrefixLenLo]) | (uint64_t(img[kImgPrefixLenHi]) << 32);
  if (s.len >= 1 && s.len <= kListMaxLen && ((exact_lens >> (s.len - 1)) & 1u))
    list_lookup(img, s.exact_hash, kListExact, s.len, s, c.item, c.field, hits);
  for (unsigned l = kListMaxLen; l >= 1; --l) {  // longest prefix first
    if (l <= s.len && ((prefix_lens >> (l - 1)) & 1u))
      list_lookup(img, s.prefix_hash[l - 1], kListPrefix, l, s, c.item, c.field, hits);
  }
}

// ---- dataflow stages --------------------------------------------------------
inline void pattern_load(const PatternChunk* in, uint32_t n, hls::stream<PatternChunk>& out) {
  for (uint32_t i = 0; i < n; ++i) {
    SP_HLS_PRAGMA(HLS PIPELINE II = 1)
    out.write(in[i]);
  }
}

inline void pattern_match(const uint32_t* img, const DfaTables& cs, const DfaTables& nc, uint32_t n,
                          hls::stream<PatternChunk>& in, hls::stream<HitToken>& hits) {
  FieldState s;
  field_reset(s);
  for (uint32_t i = 0; i < n; ++i) {
    const PatternChunk c = in.read();
    if (c.field < 32) match_chunk(img, cs, nc, c, s, hits);
  }
  HitToken end;
  end.hit.item = 0;
  end.hit.pattern = 0;
  end.hit.field = 0;
  end.hit.pad = 0;
  end.last = true;
  hits.write(end);
}

// Writes up to cap hits; *n_hits is the total, which may exceed cap (the host
// then handles the batch another way).
inline void pattern_store(hls::stream<HitToken>& hits, PatternHit* out, uint32_t cap, uint32_t* n_hits) {
  uint32_t n = 0;
  for (;;) {
    SP_HLS_PRAGMA(HLS PIPELINE II = 1)
    const HitToken t = hits.read();
    if (t.last) break;
    if (n < cap) out[n] = t.hit;
    n = n + 1;
  }
  *n_hits = n;
}

}  // namespace hlsk
}  // namespace sigprobe
