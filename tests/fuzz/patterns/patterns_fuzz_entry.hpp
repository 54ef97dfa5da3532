// The one fuzz entry point for the pattern stage, shared by the libFuzzer
// target (patterns_fuzz.cpp) and the g++ replay test: the input is read as a
// pattern set and a batch of fields; the cpu engine (Hyperscan) and the csim
// engine (the kernel's C++) must both refuse the set or both accept it, and
// then report exactly the matches of the longhand rules
// (tests/support/pattern_reference.hpp). Aborts when they differ.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "host/offload/engines.hpp"
#include "tests/support/pattern_reference.hpp"

namespace sigprobe::offload::fuzz {

inline void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "patterns fuzz: %s\n", what);
  std::abort();
}

// Reads bytes in order; past the end it gives zeros and empty runs.
struct Input {
  const uint8_t* p;
  size_t n, pos = 0;
  uint8_t byte() { return pos < n ? p[pos++] : 0; }
  std::string take(size_t len) {
    len = std::min(len, n - pos);
    std::string s(reinterpret_cast<const char*>(p + pos), len);
    pos += len;
    return s;
  }
};

// Layout: pattern count (fewer where the input ends first); per pattern kind, field mask (2 bytes), id, length,
// text (list texts up to 70 bytes: past the 64 the factories refuse); then
// fields to the end, each a field tag, a length and its bytes. One more field
// strings every pattern's text together, so that most sets match something.
// Returns how many matches the engines agreed on (-1: both refused the set).
inline long check_one(const uint8_t* data, size_t size) {
  Input in{data, size};
  std::vector<PatternSpec> pats(1 + in.byte() % 24);
  for (size_t i = 0; i < pats.size(); ++i) {
    if (in.pos >= in.n) {  // a cut input: the patterns read so far
      pats.resize(std::max<size_t>(i, 1));
      break;
    }
    PatternSpec& p = pats[i];
    p.kind = PatternKind(in.byte() % 4);
    p.field_mask = (uint32_t(in.byte()) | uint32_t(in.byte()) << 8) & ((1u << uint32_t(FieldTag::Count_)) - 1);
    p.id = in.byte() % 16;  // ids repeat, as a list's entries share theirs
    p.text = in.take(in.byte() % 71);
  }
  std::vector<std::string> texts;
  std::vector<FieldTag> tags;
  while (in.pos < in.n) {
    tags.push_back(FieldTag(in.byte() % uint32_t(FieldTag::Count_)));
    texts.push_back(in.take(in.byte()));
  }
  std::string all;
  for (const PatternSpec& p : pats) all += p.text + "|";
  std::vector<ScanItem> items;
  for (size_t i = 0; i < texts.size(); ++i) items.push_back({uint32_t(i / 3), tags[i], texts[i]});
  for (uint32_t f = 0; f < uint32_t(FieldTag::Count_); ++f) items.push_back({1000, FieldTag(f), all});

  std::string cpu_err, csim_err;
  auto cpu = make_cpu_pattern_engine(pats, cpu_err);
  auto csim = make_csim_pattern_engine(pats, csim_err);
  require((cpu == nullptr) == (csim == nullptr), "one engine refused the set, the other took it");
  if (!cpu) return -1;
  std::vector<PatternMatch> a, b;
  cpu->scan(items, a);
  csim->scan(items, b);
  const std::vector<PatternMatch> want = sigprobe::testing::reference_scan(pats, items);
  require(a == want, "the cpu engine's matches differ from the reference");
  require(b == want, "the csim engine's matches differ from the reference");
  return long(want.size());
}

inline int run_one(const uint8_t* data, size_t size) {
  check_one(data, size);
  return 0;
}

}  // namespace sigprobe::offload::fuzz
