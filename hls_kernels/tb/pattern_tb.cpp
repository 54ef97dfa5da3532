// Test bench of the pattern kernel: random literal, nocase, prefix and exact
// patterns over random fields (short and spanning several chunks), hits
// compared with a naive matcher. main() returns the number of errors.
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "hls_kernels/include/kernels.hpp"
#include "hls_kernels/pattern/pattern_image.hpp"

using namespace sigprobe::hlsk;

namespace {

using Hit = std::tuple<uint32_t, uint32_t, uint32_t>;  // item, field, pattern

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(ascii_lower(static_cast<uint8_t>(c)));
  return s;
}

bool naive_match(const ImagePattern& p, const std::string& f) {
  switch (p.kind) {
    case ImageKind::Literal: return f.find(p.text) != std::string::npos;
    case ImageKind::LiteralNocase: return lower(f).find(lower(p.text)) != std::string::npos;
    case ImageKind::Prefix: return f.compare(0, p.text.size(), p.text) == 0 && f.size() >= p.text.size();
    case ImageKind::Exact: return f == p.text;
  }
  return false;
}

struct Field {
  uint32_t item, field;
  std::string bytes;
};

std::vector<PatternChunk> pack(const std::vector<Field>& fields) {
  std::vector<PatternChunk> out;
  for (const Field& f : fields) {
    for (size_t off = 0; off < f.bytes.size(); off += kChunkBytes) {
      PatternChunk c;
      std::memset(&c, 0, sizeof c);
      c.item = f.item;
      c.field = static_cast<uint8_t>(f.field);
      c.len = static_cast<uint8_t>(std::min<size_t>(kChunkBytes, f.bytes.size() - off));
      c.flags = static_cast<uint8_t>((off == 0 ? kChunkFirst : 0) |
                                     (off + kChunkBytes >= f.bytes.size() ? kChunkLast : 0));
      std::memcpy(c.bytes, f.bytes.data() + off, c.len);
      out.push_back(c);
    }
  }
  return out;
}

size_t g_expected_hits = 0;  // coverage: the naive matcher found something

int run_case(std::mt19937& rng, int round) {
  const char alphabet[] = "abAB01";  // small alphabet: many overlaps and repeats
  auto rand_str = [&](size_t lo, size_t hi) {
    std::string s(lo + rng() % (hi - lo + 1), 'a');
    for (char& c : s) c = alphabet[rng() % 6];
    return s;
  };
  std::vector<ImagePattern> pats;
  const int n_pats = 1 + static_cast<int>(rng() % 40);
  for (int i = 0; i < n_pats; ++i) {
    ImagePattern p;
    p.kind = static_cast<ImageKind>(rng() % 4);
    p.field_mask = 1u + rng() % 7u;  // fields 0..2
    p.text = rand_str(1, p.kind == ImageKind::Prefix || p.kind == ImageKind::Exact ? 8 : 5);
    pats.push_back(p);
  }
  std::string err;
  std::vector<uint32_t> img = build_pattern_image(pats, err);
  if (img.empty()) {
    std::printf("round %d: image: %s\n", round, err.c_str());
    return 1;
  }
  std::vector<Field> fields;
  for (uint32_t item = 0; item < 30; ++item) fields.push_back({item, static_cast<uint32_t>(rng() % 3), rand_str(1, item % 5 == 0 ? 200 : 10)});
  std::set<Hit> want;
  for (const Field& f : fields)
    for (uint32_t p = 0; p < pats.size(); ++p)
      if (((pats[p].field_mask >> f.field) & 1u) && naive_match(pats[p], f.bytes)) want.insert({f.item, f.field, p});

  g_expected_hits += want.size();
  std::vector<PatternChunk> chunks = pack(fields);
  std::vector<PatternHit> hits(4096);
  unsigned n_hits = 0;
  sp_pattern(chunks.data(), static_cast<unsigned>(chunks.size()), img.data(), hits.data(),
             static_cast<unsigned>(hits.size()), &n_hits);
  if (n_hits > hits.size()) {
    std::printf("round %d: %u hits overflow the buffer\n", round, n_hits);
    return 1;
  }
  std::set<Hit> got;
  for (unsigned i = 0; i < n_hits; ++i) got.insert({hits[i].item, hits[i].field, hits[i].pattern});
  if (got != want) {
    std::printf("round %d: %zu hits, expected %zu\n", round, got.size(), want.size());
    return 1;
  }
  return 0;
}

// A keyword split across the chunk boundary is still found.
int keyword_across_chunks() {
  std::vector<ImagePattern> pats = {{ImageKind::Literal, 1u << 7, "boundary"}};
  std::string err;
  std::vector<uint32_t> img = build_pattern_image(pats, err);
  std::string text(kChunkBytes - 3, 'x');
  text += "boundary";
  std::vector<PatternChunk> chunks = pack({{5, 7, text}});
  PatternHit hits[4];
  unsigned n = 0;
  sp_pattern(chunks.data(), static_cast<unsigned>(chunks.size()), img.data(), hits, 4, &n);
  const bool ok = chunks.size() == 2 && n == 1 && hits[0].item == 5 && hits[0].pattern == 0 && hits[0].field == 7;
  if (!ok) std::printf("keyword across chunks: %u hits in %zu chunks\n", n, chunks.size());
  return ok ? 0 : 1;
}

}  // namespace

int main() {
  std::mt19937 rng(2024);
  int errors = keyword_across_chunks();
  for (int round = 0; round < 300; ++round) errors += run_case(rng, round);
  if (g_expected_hits < 1000) {
    std::printf("only %zu expected hits: the random cases test too little\n", g_expected_hits);
    ++errors;
  }
  std::printf("pattern_tb: %zu expected hits, %d errors\n", g_expected_hits, errors);
  return errors;
}
