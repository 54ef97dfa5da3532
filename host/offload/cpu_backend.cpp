// The cpu backend's pattern stage: Hyperscan for literals, an open-addressing
// table for the Prefix/Exact lists (the rate stage is in cpu_rate.cpp). This
// is the software fallback; its results equal the kernels' (tests/host/offload).
#include <hs/hs.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>

#include "dataplane/core/table_memory.hpp"
#include "hls_kernels/include/pattern_record.hpp"
#include "hls_kernels/include/rate_record.hpp"  // hlsk::mix64
#include "host/offload/backend_detail.hpp"

namespace sigprobe::offload {
namespace {

constexpr size_t kFields = static_cast<size_t>(FieldTag::Count_);

// ---- Prefix / Exact lists ---------------------------------------------------
// The last n < 8 bytes of a text as one word, every byte in it (the length is
// hashed apart): two 4-byte loads that may overlap, or three single bytes.
// A memcpy of variable length here was a library call per probe.
uint64_t tail_bytes(const char* p, size_t n) {
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return lo | (uint64_t{hi} << 32);
  }
  if (n == 0) return 0;
  return uint64_t{uint8_t(p[0])} | uint64_t{uint8_t(p[n / 2])} << 8 | uint64_t{uint8_t(p[n - 1])} << 16;
}

// 64-bit hash of (kind, text), 8 bytes at a time.
uint64_t list_hash(uint8_t kind, std::string_view s) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t{kind} << 56) ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = hlsk::mix64(h ^ w);
  }
  return hlsk::mix64(h ^ tail_bytes(s.data() + i, s.size() - i) ^ 0x632be59bd9b4e019ull);
}

class ListTable {
 public:
  struct Posting {
    uint32_t pattern_id;
    uint32_t field_mask;
  };

  void build(std::span<const PatternSpec> patterns) {
    std::vector<uint32_t> order;
    for (uint32_t i = 0; i < patterns.size(); ++i) {
      const PatternKind k = patterns[i].kind;
      if (k == PatternKind::Prefix || k == PatternKind::Exact) {
        order.push_back(i);
        fields_ |= patterns[i].field_mask;
      }
    }
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return std::tie(patterns[a].kind, patterns[a].text) < std::tie(patterns[b].kind, patterns[b].text);
    });
    size_filters(patterns);
    size_t cap = 16;
    while (cap < order.size() * 2) cap <<= 1;
    mask_ = cap - 1;
    slots_.assign(cap, Slot{});
    for (size_t i = 0; i < order.size();) {
      const PatternSpec& p = patterns[order[i]];
      Slot e;
      e.kind = p.kind == PatternKind::Prefix ? hlsk::kListPrefix : hlsk::kListExact;
      e.text_off = static_cast<uint32_t>(text_.size());
      e.len = static_cast<uint8_t>(p.text.size());
      e.post_begin = static_cast<uint32_t>(posts_.size());
      text_ += p.text;
      size_t j = i;
      for (; j < order.size() && patterns[order[j]].kind == p.kind && patterns[order[j]].text == p.text; ++j)
        posts_.push_back({patterns[order[j]].id, patterns[order[j]].field_mask});
      e.post_end = static_cast<uint32_t>(posts_.size());
      uint32_t entry_fields = 0;
      for (uint32_t q = e.post_begin; q < e.post_end; ++q) entry_fields |= posts_[q].field_mask;
      for (size_t f = 0; f < kFields; ++f) {
        if (!(entry_fields & (1u << f))) continue;
        if (e.kind == hlsk::kListPrefix) by_field_[f].prefix[e.len] = true;
        else by_field_[f].exact[e.len] = true;
      }
      e.hash = list_hash(e.kind, p.text);
      insert(e);
      filter_of(e.kind).add(e.hash);
      i = j;
    }
    for (Lengths& l : by_field_)
      for (unsigned len = hlsk::kListMaxLen; len >= 1; --len)
        if (l.prefix[len]) l.prefix_desc.push_back(static_cast<uint8_t>(len));
  }

  void size_filters(std::span<const PatternSpec> patterns) {
    size_t prefixes = 0, exacts = 0;
    for (const PatternSpec& p : patterns) {
      prefixes += p.kind == PatternKind::Prefix;
      exacts += p.kind == PatternKind::Exact;
    }
    prefix_filter_.size_for(prefixes);
    exact_filter_.size_for(exacts);
  }

  // One hash lookup to make: the field's whole text (Exact) or a prefix.
  struct Probe {
    uint64_t hash;
    uint32_t item;  // index into the scanned items
    uint8_t kind, len;
  };

  // The lookups one field needs: the lengths listed for this field only (a
  // list of another field could not match here). Prefetches each probe's
  // presence-filter word for resolve().
  void add_probes(uint32_t index, FieldTag field, std::string_view s, std::vector<Probe>& probes) const {
    if (!(fields_ & field_bit(field))) return;
    const Lengths& lens = by_field_[static_cast<size_t>(field)];
    if (s.size() <= hlsk::kListMaxLen && lens.exact[s.size()]) {
      const uint64_t h = list_hash(hlsk::kListExact, s);
      exact_filter_.prefetch(h);
      probes.push_back({h, index, hlsk::kListExact, static_cast<uint8_t>(s.size())});
    }
    for (uint8_t len : lens.prefix_desc) {
      if (len > s.size()) continue;
      const uint64_t h = list_hash(hlsk::kListPrefix, s.substr(0, len));
      prefix_filter_.prefetch(h);
      probes.push_back({h, index, hlsk::kListPrefix, len});
    }
  }

  // Drops the probes the presence filter rules out, then resolves the rest
  // kGroup at a time: prefetch every home slot, find the entries and prefetch
  // their texts, then compare and emit. The table is far larger than the
  // caches; overlapping the misses is what makes it fast (bench/offload:
  // BM_CpuPatternScan/1).
  void resolve(std::span<const ScanItem> items, std::vector<Probe>& all, std::vector<PatternMatch>& out) const {
    const auto kept = std::remove_if(all.begin(), all.end(), [&](const Probe& p) {
      return !(p.kind == hlsk::kListPrefix ? prefix_filter_ : exact_filter_).may_hold(p.hash);
    });
    const std::span<const Probe> probes(all.begin(), kept);
    constexpr size_t kGroup = 16;
    const Slot* found[kGroup];
    for (size_t g = 0; g < probes.size(); g += kGroup) {
      const size_t n = std::min(kGroup, probes.size() - g);
      for (size_t k = 0; k < n; ++k) __builtin_prefetch(&slots_[probes[g + k].hash & mask_]);
      for (size_t k = 0; k < n; ++k) {
        found[k] = find(probes[g + k]);
        if (found[k]) __builtin_prefetch(text_.data() + found[k]->text_off);
      }
      for (size_t k = 0; k < n; ++k) {
        const Probe& p = probes[g + k];
        const Slot* e = found[k];
        const ScanItem& it = items[p.item];
        if (!e || std::memcmp(text_.data() + e->text_off, it.bytes.data(), p.len) != 0) continue;
        const uint32_t bit = field_bit(it.field);
        for (uint32_t q = e->post_begin; q < e->post_end; ++q)
          if (posts_[q].field_mask & bit) out.push_back({it.item, posts_[q].pattern_id, it.field});
      }
    }
  }

 private:
  // The entry sits in its slot: one cache line per probe, then the text.
  struct Slot {
    uint64_t hash = 0;
    uint32_t text_off = 0, post_begin = 0, post_end = 0;
    uint8_t len = 0, kind = 0;  // kind 0 = empty
  };

  void insert(const Slot& e) {
    for (size_t i = e.hash & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].kind == 0) {
        slots_[i] = e;
        return;
      }
    }
  }

  // The slot with the probe's hash, kind and length (the caller compares the text).
  const Slot* find(const Probe& p) const {
    for (size_t i = p.hash & mask_; slots_[i].kind != 0; i = (i + 1) & mask_) {
      const Slot& e = slots_[i];
      if (e.hash == p.hash && e.kind == p.kind && e.len == p.len) return &e;
    }
    return nullptr;
  }

  // One bit per hash (bits apart from those that pick the slot), 16 bits per
  // entry: a text whose bit is clear is not listed, and its probe is skipped.
  // The prefixes' filter is small enough to stay in L1; the exact numbers'
  // (2 MiB for a million) stays in the caches, unlike the table.
  class Filter {
   public:
    void size_for(size_t entries) {
      unsigned log2 = 9;
      while ((size_t{1} << log2) < entries * 16) ++log2;
      shift_ = 64 - log2;
      words_.assign((size_t{1} << log2) / 64, 0);
    }
    void add(uint64_t h) { words_[(h >> shift_) / 64] |= uint64_t{1} << ((h >> shift_) % 64); }
    void prefetch(uint64_t h) const { __builtin_prefetch(&words_[(h >> shift_) / 64]); }
    bool may_hold(uint64_t h) const { return (words_[(h >> shift_) / 64] >> ((h >> shift_) % 64)) & 1; }

   private:
    unsigned shift_ = 55;
    std::vector<uint64_t> words_;
  };
  Filter& filter_of(uint8_t kind) { return kind == hlsk::kListPrefix ? prefix_filter_ : exact_filter_; }

  // The text lengths listed for one field.
  struct Lengths {
    std::array<bool, hlsk::kListMaxLen + 1> prefix{};
    std::array<bool, hlsk::kListMaxLen + 1> exact{};
    std::vector<uint8_t> prefix_desc;  // prefix lengths, longest first
  };

  uint32_t fields_ = 0;  // fields some list pattern applies to
  std::vector<Slot, TableAllocator<Slot>> slots_;  // huge pages: a probe per number field
  size_t mask_ = 0;
  std::vector<Posting, TableAllocator<Posting>> posts_;
  std::string text_;
  std::array<Lengths, kFields> by_field_;
  Filter prefix_filter_, exact_filter_;
};

// ---- literals: one Hyperscan database per field -----------------------------
struct HsDatabaseFree {
  void operator()(hs_database_t* d) const { hs_free_database(d); }
};
struct HsScratchFree {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};

// hs_scan's error codes by name (hs_common.h), for the fallback reason.
std::string_view hs_error_name(hs_error_t rc) {
  switch (rc) {
    case HS_INVALID: return "HS_INVALID";
    case HS_NOMEM: return "HS_NOMEM";
    case HS_SCAN_TERMINATED: return "HS_SCAN_TERMINATED";
    case HS_BAD_ALIGN: return "HS_BAD_ALIGN";
    case HS_BAD_ALLOC: return "HS_BAD_ALLOC";
    case HS_SCRATCH_IN_USE: return "HS_SCRATCH_IN_USE";
    case HS_INSUFFICIENT_SPACE: return "HS_INSUFFICIENT_SPACE";
    case HS_UNKNOWN_ERROR: return "HS_UNKNOWN_ERROR";
    default: return "an error";
  }
}

class CpuPatternEngine final : public PatternEngine {
 public:
  explicit CpuPatternEngine(ScanFault fault = {}) : fault_(std::move(fault)) {}

  bool build(std::span<const PatternSpec> patterns, std::string& err) {
    if (!validate_patterns(patterns, err)) return false;
    lists_.build(patterns);
    // Each literal is compiled as an expression that spells every byte as
    // \xHH, not with hs_compile_lit_multi: Hyperscan 5.4's literal mode (Debian
    // 12) stops a scan with HS_UNKNOWN_ERROR, or never reports other literals,
    // when a literal ends in a long run of one byte (intel/hyperscan#303, #353;
    // "a" beside "abc" + 34 x "a", found by fuzz_patterns). Expression mode
    // matches the same bytes, caseless folding ASCII letters alike.
    std::vector<std::string> escaped;
    for (size_t f = 0; f < kFields; ++f) {
      std::vector<const char*> exprs;
      std::vector<unsigned> flags, ids;
      escaped.clear();
      for (const PatternSpec& p : patterns) {
        if (p.kind != PatternKind::Literal && p.kind != PatternKind::LiteralNocase) continue;
        if (!(p.field_mask & (1u << f))) continue;
        escaped.push_back(hyperscan_literal(p.text));
        field_literals_[f].push_back({p.text, p.kind == PatternKind::LiteralNocase});
        flags.push_back(HS_FLAG_SINGLEMATCH | (p.kind == PatternKind::LiteralNocase ? HS_FLAG_CASELESS : 0));
        ids.push_back(static_cast<unsigned>(ids.size()));
        field_ids_[f].push_back(p.id);
      }
      if (escaped.empty()) continue;
      for (const std::string& e : escaped) exprs.push_back(e.c_str());
      hs_database_t* db = nullptr;
      hs_compile_error_t* cerr = nullptr;
      if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()),
                           HS_MODE_BLOCK, nullptr, &db, &cerr) != HS_SUCCESS) {
        const int at = cerr ? cerr->expression : -1;
        err = "hyperscan: ";
        if (at >= 0) err += "pattern id " + std::to_string(field_ids_[f][static_cast<size_t>(at)]) + ": ";
        err += cerr ? cerr->message : "compile failed";
        hs_free_compile_error(cerr);
        return false;
      }
      dbs_[f].reset(db);
      hs_scratch_t* s = scratch_.release();
      if (hs_alloc_scratch(db, &s) != HS_SUCCESS) {
        err = "hyperscan: cannot allocate scratch";
        return false;
      }
      scratch_.reset(s);
    }
    return true;
  }

  std::string_view backend() const override { return "cpu"; }
  // Fields whose hs_scan failed, searched literal by literal instead.
  uint64_t fallbacks() const override { return fallbacks_; }
  std::string_view fallback_reason() const override { return reason_; }

  void scan(std::span<const ScanItem> items, std::vector<PatternMatch>& out) override {
    const size_t from = out.size();
    for (const ScanItem& it : items) {
      const size_t f = static_cast<size_t>(it.field);
      if (f >= kFields) continue;
      if (dbs_[f] && !it.bytes.empty()) {
        Ctx ctx{this, &out, it.item, it.field};
        const hs_error_t injected = fault_ ? fault_(scans_++) : HS_SUCCESS;
        const hs_error_t rc =
            injected != HS_SUCCESS ? injected
                                   : hs_scan(dbs_[f].get(), it.bytes.data(), static_cast<unsigned>(it.bytes.size()),
                                             0, scratch_.get(), &CpuPatternEngine::on_match, &ctx);
        if (rc != HS_SUCCESS) [[unlikely]]
          rescan(it, rc, out);
      }
      lists_.add_probes(static_cast<uint32_t>(&it - items.data()), it.field, it.bytes, probes_);
    }
    lists_.resolve(items, probes_, out);
    probes_.clear();
    finish_matches(out, from);
  }

 private:
  // hs_scan failed on one field (none is expected: the databases are ours and
  // the scratch is this engine's alone). The matches it reported stand (the
  // duplicates go in finish_matches); the field's literals are searched one by
  // one, so no match is lost, and the failure is counted with its reason, as
  // the fpga's are.
  void rescan(const ScanItem& it, hs_error_t rc, std::vector<PatternMatch>& out) {
    ++fallbacks_;
    reason_ = "hyperscan: hs_scan returned " + std::to_string(rc) + " (" + std::string(hs_error_name(rc)) +
              "); the field was searched literal by literal";
    const size_t f = static_cast<size_t>(it.field);
    const std::string_view hay(it.bytes.data(), it.bytes.size());
    auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    for (size_t k = 0; k < field_literals_[f].size(); ++k) {
      const auto& [text, nocase] = field_literals_[f][k];
      const bool found =
          nocase ? std::search(hay.begin(), hay.end(), text.begin(), text.end(),
                               [&](char a, char b) { return fold(a) == fold(b); }) != hay.end()
                 : hay.find(text) != std::string_view::npos;
      if (found) out.push_back({it.item, field_ids_[f][k], it.field});
    }
  }

  struct Ctx {
    CpuPatternEngine* self;
    std::vector<PatternMatch>* out;
    uint32_t item;
    FieldTag field;
  };
  static int on_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* p) {
    auto* c = static_cast<Ctx*>(p);
    c->out->push_back({c->item, c->self->field_ids_[static_cast<size_t>(c->field)][id], c->field});
    return 0;
  }

  std::array<std::unique_ptr<hs_database_t, HsDatabaseFree>, kFields> dbs_;
  std::array<std::vector<uint32_t>, kFields> field_ids_;
  std::unique_ptr<hs_scratch_t, HsScratchFree> scratch_;
  ListTable lists_;
  std::vector<ListTable::Probe> probes_;  // reused: no allocation once grown
  // Per field, the literals of field_ids_ (text, nocase), for rescan().
  std::array<std::vector<std::pair<std::string, bool>>, kFields> field_literals_;
  ScanFault fault_;
  uint64_t scans_ = 0, fallbacks_ = 0;
  std::string reason_;
};

}  // namespace

std::unique_ptr<PatternEngine> make_cpu_pattern_engine(std::span<const PatternSpec> patterns, std::string& err) {
  auto e = std::make_unique<CpuPatternEngine>();
  if (!e->build(patterns, err)) return nullptr;
  return e;
}

std::unique_ptr<PatternEngine> make_cpu_pattern_engine_faulty(std::span<const PatternSpec> patterns,
                                                              ScanFault fault, std::string& err) {
  auto e = std::make_unique<CpuPatternEngine>(std::move(fault));
  if (!e->build(patterns, err)) return nullptr;
  return e;
}

}  // namespace sigprobe::offload
