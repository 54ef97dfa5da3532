#include "hls_kernels/pattern/pattern_image.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <random>
#include <utility>

#include "hls_kernels/include/pattern_record.hpp"

namespace sigprobe {
namespace hlsk {
namespace {

// An Aho-Corasick automaton made total (every state has a next state for
// every byte class), with each state's outputs merged along its fail links.
struct Dfa {
  uint32_t classes = 1;
  uint32_t class_of[256] = {};
  std::vector<uint32_t> delta;      // states * classes
  std::vector<uint32_t> out_begin;  // states + 1
  std::vector<uint32_t> out_pat;    // (pattern index, field mask) pairs
};

bool build_dfa(const std::vector<std::pair<std::string, uint32_t>>& words, const std::vector<uint32_t>& masks,
               const char* which, Dfa& d, std::string& err) {
  bool used[256] = {};
  for (const auto& w : words)
    for (unsigned char b : w.first) used[b] = true;
  for (unsigned b = 0; b < 256; ++b)
    if (used[b]) d.class_of[b] = d.classes++;
  // Trie over classes.
  std::vector<std::map<uint32_t, uint32_t>> next(1);
  std::vector<std::vector<uint32_t>> own(1);
  for (const auto& w : words) {
    uint32_t s = 0;
    for (unsigned char b : w.first) {
      const uint32_t c = d.class_of[b];
      auto it = next[s].find(c);
      if (it == next[s].end()) {
        next[s][c] = static_cast<uint32_t>(next.size());
        s = static_cast<uint32_t>(next.size());
        next.emplace_back();
        own.emplace_back();
      } else {
        s = it->second;
      }
    }
    own[s].push_back(w.second);
  }
  const uint64_t states = next.size();
  if (states > kMaxDfaStates || states * d.classes > kMaxDfaCells) {
    err = std::string(which) + " automaton needs " + std::to_string(states) + " states x " +
          std::to_string(d.classes) + " byte classes; the kernel holds " + std::to_string(kMaxDfaStates) +
          " states and " + std::to_string(kMaxDfaCells) + " cells";
    return false;
  }
  d.delta.assign(states * d.classes, 0);
  std::vector<uint32_t> fail(states, 0), order;
  order.reserve(states);
  order.push_back(0);
  for (size_t i = 0; i < order.size(); ++i) {  // breadth first
    const uint32_t s = order[i];
    for (uint32_t c = 0; c < d.classes; ++c) {
      auto it = next[s].find(c);
      const uint32_t via_fail = s == 0 ? 0 : d.delta[uint64_t{fail[s]} * d.classes + c];
      if (it == next[s].end()) {
        d.delta[uint64_t{s} * d.classes + c] = via_fail;
      } else {
        d.delta[uint64_t{s} * d.classes + c] = it->second;
        fail[it->second] = via_fail;
        order.push_back(it->second);
      }
    }
  }
  // Outputs: own words, then the fail state's (already complete: BFS order).
  std::vector<std::vector<uint32_t>> outs(states);
  for (uint32_t s : order) {
    outs[s] = own[s];
    if (s != 0) outs[s].insert(outs[s].end(), outs[fail[s]].begin(), outs[fail[s]].end());
    std::sort(outs[s].begin(), outs[s].end());
    outs[s].erase(std::unique(outs[s].begin(), outs[s].end()), outs[s].end());
  }
  d.out_begin.assign(states + 1, 0);
  uint64_t n_out = 0;
  for (uint64_t s = 0; s < states; ++s) {
    d.out_begin[s] = static_cast<uint32_t>(n_out);
    for (uint32_t p : outs[s]) {
      d.out_pat.push_back(p);
      d.out_pat.push_back(masks[p]);
      ++n_out;
    }
  }
  d.out_begin[states] = static_cast<uint32_t>(n_out);
  if (n_out > kMaxDfaOutputs) {
    err = std::string(which) + " automaton has " + std::to_string(n_out) + " outputs; the kernel holds " +
          std::to_string(kMaxDfaOutputs);
    return false;
  }
  return true;
}

uint64_t list_key_hash(uint8_t kind, const std::string& text) {
  uint64_t h = fnv1a_step(kFnvBasis, kind);
  for (unsigned char b : text) h = fnv1a_step(h, b);
  return h;
}

uint32_t append(std::vector<uint32_t>& img, const std::vector<uint32_t>& v) {
  const uint32_t off = static_cast<uint32_t>(img.size());
  img.insert(img.end(), v.begin(), v.end());
  return off;
}

void put_dfa(std::vector<uint32_t>& img, const Dfa& d, unsigned class_word) {
  img[class_word] = append(img, std::vector<uint32_t>(d.class_of, d.class_of + 256));
  img[class_word + 1] = d.classes;
  img[class_word + 2] = static_cast<uint32_t>(d.out_begin.size() - 1);
  img[class_word + 3] = append(img, d.delta);
  img[class_word + 4] = append(img, d.out_begin);
  img[class_word + 5] = append(img, d.out_pat);
}

// A fresh non-zero id per image, unlikely to repeat across processes (the
// card keeps its DFAs between runs and between processes).
uint32_t new_image_id() {
  static std::atomic<uint32_t> counter{0};
  static const uint32_t base = std::random_device{}();
  uint32_t id = 0;
  while (id == 0) id = base ^ (++counter * 0x9e3779b9u);
  return id;
}

}  // namespace

std::vector<uint32_t> build_pattern_image(const std::vector<ImagePattern>& patterns, std::string& err) {
  std::vector<std::pair<std::string, uint32_t>> cs_words, nc_words;
  // Prefix/Exact: one entry per distinct (kind, text), its patterns as postings.
  std::map<std::pair<uint8_t, std::string>, std::vector<uint32_t>> lists;
  uint64_t prefix_lens = 0, exact_lens = 0;
  std::vector<uint32_t> masks;
  for (uint32_t i = 0; i < patterns.size(); ++i) {
    const ImagePattern& p = patterns[i];
    masks.push_back(p.field_mask);
    if (p.text.empty()) {
      err = "pattern index " + std::to_string(i) + ": empty text";
      return {};
    }
    switch (p.kind) {
      case ImageKind::Literal:
        cs_words.emplace_back(p.text, i);
        break;
      case ImageKind::LiteralNocase: {
        std::string low = p.text;
        for (char& ch : low) ch = static_cast<char>(ascii_lower(static_cast<uint8_t>(ch)));
        nc_words.emplace_back(low, i);
        break;
      }
      case ImageKind::Prefix:
      case ImageKind::Exact: {
        if (p.text.size() > kListMaxLen) {
          err = "pattern index " + std::to_string(i) + ": list text longer than " + std::to_string(kListMaxLen);
          return {};
        }
        const bool prefix = p.kind == ImageKind::Prefix;
        lists[{prefix ? kListPrefix : kListExact, p.text}].push_back(i);
        (prefix ? prefix_lens : exact_lens) |= 1ull << (p.text.size() - 1);
        break;
      }
    }
  }
  Dfa cs, nc;
  if (!build_dfa(cs_words, masks, "literal", cs, err) || !build_dfa(nc_words, masks, "nocase literal", nc, err))
    return {};

  std::vector<uint32_t> img(kImgHeaderWords, 0);
  img[kImgMagic] = kImageMagic;
  img[kImgVersion] = kImageVersion;
  img[kImgPatterns] = static_cast<uint32_t>(patterns.size());
  img[kImgId] = new_image_id();
  put_dfa(img, cs, kImgCsClassOff);
  put_dfa(img, nc, kImgNcClassOff);

  // Entries and postings.
  std::vector<uint32_t> entries, posts;
  std::vector<uint64_t> hashes;
  for (const auto& [key, pats] : lists) {
    uint32_t text_words[16] = {};
    for (size_t b = 0; b < key.second.size(); ++b)
      text_words[b / 4] |= uint32_t{static_cast<uint8_t>(key.second[b])} << (8 * (b % 4));
    entries.insert(entries.end(), text_words, text_words + 16);
    entries.push_back(static_cast<uint32_t>(key.second.size()) | (uint32_t{key.first} << 8));
    entries.push_back(static_cast<uint32_t>(posts.size() / 2));
    for (uint32_t p : pats) {
      posts.push_back(p);
      posts.push_back(masks[p]);
    }
    entries.push_back(static_cast<uint32_t>(posts.size() / 2));
    hashes.push_back(list_key_hash(key.first, key.second));
  }
  // Open addressing, linear probing; grow until every entry sits within
  // kListMaxProbe slots of its home so the kernel's probe loop is bounded.
  unsigned slots_log2 = 4;
  while ((size_t{1} << slots_log2) < hashes.size() * 2) ++slots_log2;
  std::vector<uint32_t> slots;
  for (;; ++slots_log2) {
    if (slots_log2 > 30) {
      err = "prefix/exact table does not fit";
      return {};
    }
    const size_t n = size_t{1} << slots_log2;
    slots.assign(n * 4, 0);
    bool ok = true;
    for (size_t e = 0; e < hashes.size() && ok; ++e) {
      size_t at = hashes[e] & (n - 1);
      unsigned probe = 0;
      while (slots[at * 4 + 2] != 0 && probe < kListMaxProbe) {
        at = (at + 1) & (n - 1);
        ++probe;
      }
      if (probe == kListMaxProbe) {
        ok = false;
        break;
      }
      slots[at * 4] = static_cast<uint32_t>(hashes[e]);
      slots[at * 4 + 1] = static_cast<uint32_t>(hashes[e] >> 32);
      slots[at * 4 + 2] = static_cast<uint32_t>(e + 1);
    }
    if (ok) break;
  }
  img[kImgListSlotsLog2] = slots_log2;
  img[kImgListSlotOff] = append(img, slots);
  img[kImgListEntryOff] = append(img, entries);
  img[kImgListPostOff] = append(img, posts);
  img[kImgPrefixLenLo] = static_cast<uint32_t>(prefix_lens);
  img[kImgPrefixLenHi] = static_cast<uint32_t>(prefix_lens >> 32);
  img[kImgExactLenLo] = static_cast<uint32_t>(exact_lens);
  img[kImgExactLenHi] = static_cast<uint32_t>(exact_lens >> 32);
  img[kImgWords] = static_cast<uint32_t>(img.size());
  return img;
}

}  // namespace hlsk
}  // namespace sigprobe
