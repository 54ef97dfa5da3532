// The cpu backend's rate stage: the counters of hlsk::rate_one (csim) with
// the same results bit for bit, laid out so that a sample touches few cache
// lines of a table far larger than the caches.
//
// Per set, one 64-byte tag line: for each way the high 40 bits of its last
// sample time and a 24-bit fingerprint of (spec, key) (0 = empty way). Per way,
// one 64-byte line with the exact key and spec, the last sample time, the 16
// slot counts and the OR of the value bitmaps still in the window; and one
// 64-byte line, touched only by keys that have values, holding for each of the
// 64 bitmap bits the epoch (mod 256) that last set it. A hit reads the tag
// line and the way line (+ the bit line when the sample has a value); a miss
// reads the tag line and writes the victim's lines.
//
// Why this equals the kernel's 16 bitmaps: a bit is in the OR of the slots in
// the window exactly when the newest epoch that set it is in the window, and
// the window only moves forward. Epochs in the OR are at most 15 slots old, so
// after a move of gap < 16 slots their age is below 31 and fits mod 256.
// The way's last epoch is last_ts / slot_ns (epochs are max(ts / slot_ns,
// last epoch) and division is monotone), so it is not stored.
#include <algorithm>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dataplane/core/table_memory.hpp"
#include "hls_kernels/include/rate_record.hpp"
#include "host/offload/backend_detail.hpp"

namespace sigprobe::offload {
namespace {

constexpr unsigned kWays = hlsk::kRateWays;
constexpr unsigned kSlots = hlsk::kRateSlots;
constexpr unsigned kFpBits = 24;
constexpr uint64_t kFpMask = (uint64_t{1} << kFpBits) - 1;
static_assert(kWays == 8 && kSlots == 16, "the line layouts below assume 8 ways and 16 slots");

// A zeroed array aligned to cache lines (to 2 MiB, in huge pages where the
// kernel grants them: dataplane/core/table_memory.hpp); pages appear when
// first touched, or at once in a live probe (set_table_prefault).
template <class T>
class LineArray {
 public:
  explicit LineArray(size_t n) : bytes_(n * sizeof(T)), data_(static_cast<T*>(map_zeroed_table(bytes_))) {}
  ~LineArray() { unmap_table(data_, bytes_); }
  LineArray(const LineArray&) = delete;
  LineArray& operator=(const LineArray&) = delete;
  bool ok() const { return data_ != nullptr; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }

 private:
  size_t bytes_;
  T* data_;
};

struct alignas(64) TagLine {
  uint64_t way[kWays];  // (last_ts with the low kFpBits cleared) | fingerprint; 0 = empty
};
struct alignas(64) WayLine {
  uint64_t key;
  uint64_t last_ts;
  uint64_t bits;  // OR of the value bitmaps of the slots in the window
  uint16_t counts[kSlots];
  uint16_t spec_plus1;
  uint8_t bit_count;  // popcount(bits), kept as bits change
  uint32_t total;     // sum of counts, kept as they change
};
struct alignas(64) BitEpochs {
  uint8_t epoch[64];  // per bitmap bit: low 8 bits of the epoch that last set it
};
static_assert(sizeof(TagLine) == 64 && sizeof(WayLine) == 64 && sizeof(BitEpochs) == 64);

// A set's lines side by side: a sample's lines share one page (one TLB entry).
struct SetLines {
  TagLine tag;
  WayLine way[kWays];
  BitEpochs bit_epochs[kWays];
};

// Where a sample lives: its spec index (-1 unknown), set and fingerprint.
struct Place {
  int32_t idx = -1;
  uint32_t set = 0;
  uint64_t fp = 0;
};

class CpuRateEngine final : public RateEngine {
 public:
  CpuRateEngine(std::span<const RateSpec> rates, unsigned sets_log2)
      : index_(rates),
        dense_(dense_index(rates)),
        sets_log2_(sets_log2),
        sets_(size_t{1} << sets_log2) {
    for (const RateSpec& r : rates)
      specs_.push_back({hlsk::rate_slot_ns(r.window_ns), r.count_threshold, r.distinct_threshold});
  }
  bool ok() const { return sets_.ok(); }

  std::string_view backend() const override { return "cpu"; }

  // Two-stage prefetch: the tag line of the sample kAhead places on, and the
  // way (and bit) lines of the one kAhead/2 on, whose tag line has arrived.
  void update(std::span<const RateSample> samples, std::vector<RateResult>& out) override {
    out.reserve(out.size() + samples.size());
    constexpr size_t kAhead = 8;
    Place ring[kAhead];
    const size_t n = samples.size();
    for (size_t i = 0; i < std::min(kAhead, n); ++i) ring[i] = locate(samples[i]);
    // The first kAhead/2 samples get their way lines too: one wait for the
    // tag lines in flight instead of a serial miss each (bursts of the
    // detector are ~100 samples).
    for (size_t i = 0; i < std::min(kAhead / 2, n); ++i) prefetch_way(samples[i], ring[i]);
    for (size_t i = 0; i < n; ++i) {
      const Place here = ring[i % kAhead];
      if (i + kAhead < n) ring[i % kAhead] = locate(samples[i + kAhead]);
      if (i + kAhead / 2 < n) prefetch_way(samples[i + kAhead / 2], ring[(i + kAhead / 2) % kAhead]);
      out.push_back(one(samples[i], here));
    }
  }

 private:
  // Spec index, set (hlsk::rate_set_of) and fingerprint; prefetches the tag line.
  Place locate(const RateSample& s) const {
    Place p;
    p.idx = s.spec_id < dense_.size() ? dense_[s.spec_id] : index_.find(s.spec_id);
    if (p.idx < 0) return p;
    const uint32_t idx = static_cast<uint32_t>(p.idx);
    p.set = hlsk::rate_set_of(idx, s.key, sets_log2_);
    // Low bits of a second hash of (spec, key): the set index already holds
    // the high bits of the first; never 0, which marks an empty way.
    const uint64_t fp = hlsk::mix64(s.key + idx) & kFpMask;
    p.fp = fp == 0 ? 1 : fp;
    __builtin_prefetch(&sets_[p.set].tag);
    return p;
  }

  void prefetch_way(const RateSample& s, const Place& p) const {
    if (p.idx < 0) return;
    const SetLines& set = sets_[p.set];
    const unsigned cand = fp_matches(set.tag, p.fp);
    const unsigned way = cand != 0 ? 31 - static_cast<unsigned>(__builtin_clz(cand)) : coarse_victim(set.tag);
    __builtin_prefetch(&set.way[way]);
    if (s.value != 0) __builtin_prefetch(&set.bit_epochs[way]);
  }

  RateResult one(const RateSample& s, const Place& p) {
    RateResult r;
    r.item = s.item;
    r.spec_id = s.spec_id;
    if (p.idx < 0) return r;
    const hlsk::RateSpecRecord& spec = specs_[static_cast<size_t>(p.idx)];
    const uint16_t tag = static_cast<uint16_t>(p.idx + 1);
    SetLines& set = sets_[p.set];
    TagLine& t = set.tag;
    WayLine* ways = set.way;
    unsigned way = kWays;
    for (unsigned cand = fp_matches(t, p.fp); cand != 0; cand &= cand - 1) {
      const unsigned w = static_cast<unsigned>(__builtin_ctz(cand));
      if (ways[w].key == s.key && ways[w].spec_plus1 == tag) way = w;
    }
    uint64_t epoch = s.ts_ns / spec.slot_ns;
    WayLine* e;
    BitEpochs* be;
    if (way == kWays) {
      way = victim(t, ways);
      e = &ways[way];
      be = &set.bit_epochs[way];
      *e = WayLine{};
      e->key = s.key;
      e->spec_plus1 = tag;
      e->last_ts = s.ts_ns;
    } else {
      e = &ways[way];
      be = &set.bit_epochs[way];
      const uint64_t last_epoch = e->last_ts / spec.slot_ns;
      epoch = std::max(epoch, last_epoch);
      slide(*e, *be, last_epoch, epoch);
      e->last_ts = std::max(e->last_ts, s.ts_ns);
    }
    const unsigned slot = static_cast<unsigned>(epoch % kSlots);
    if (e->counts[slot] < hlsk::kSlotCountMax) {
      ++e->counts[slot];
      ++e->total;
    }
    if (s.value != 0) {
      const unsigned bit = static_cast<unsigned>(hlsk::mix64(s.value) >> 58);
      e->bit_count += static_cast<uint8_t>(((e->bits >> bit) & 1) ^ 1);
      e->bits |= uint64_t{1} << bit;
      be->epoch[bit] = static_cast<uint8_t>(epoch);
    }
    t.way[way] = (e->last_ts & ~kFpMask) | p.fp;
    r.count = e->total;
    r.distinct = hlsk::kDistinctEstimate[e->bit_count];
    r.count_fired = spec.count_threshold != 0 && r.count >= spec.count_threshold;
    r.distinct_fired = spec.distinct_threshold != 0 && r.distinct >= spec.distinct_threshold;
    return r;
  }

  // Moves a way's window from last_epoch to epoch (>= last_epoch): the slots
  // in between start empty, bits whose newest epoch left the window drop out.
  static void slide(WayLine& e, const BitEpochs& be, uint64_t last_epoch, uint64_t epoch) {
    const uint64_t gap = epoch - last_epoch;
    if (gap == 0) return;
    if (gap >= kSlots) {
      std::memset(e.counts, 0, sizeof e.counts);
      e.total = 0;
      e.bits = 0;
      e.bit_count = 0;
      return;
    }
    for (uint64_t x = last_epoch + 1; x <= epoch; ++x) {
      e.total -= e.counts[x % kSlots];
      e.counts[x % kSlots] = 0;
    }
    for (uint64_t live = e.bits; live != 0; live &= live - 1) {
      const unsigned bit = static_cast<unsigned>(__builtin_ctzll(live));
      const uint8_t age = static_cast<uint8_t>(static_cast<uint8_t>(epoch) - be.epoch[bit]);
      if (age >= kSlots) {
        e.bits &= ~(uint64_t{1} << bit);
        --e.bit_count;
      }
    }
  }

  // Ways whose fingerprint is fp, one bit per way. SSE2 (part of x86-64):
  // the fingerprint is the low 24 bits of each way's word, so each way's low
  // 32-bit half is compared under a 24-bit mask, two ways per load, and the
  // four loads' low halves gathered into two 4-bit masks. Two calls per
  // sample. The loop over the ways it replaces was 4 % of the detector's
  // instructions, yet BM_TrackDetect gained 15-17 % (bench/README.md): with
  // fewer instructions per sample, more samples' way-line misses overlap.
  static unsigned fp_matches(const TagLine& t, uint64_t fp) {
#if defined(__SSE2__)
    const __m128i mask = _mm_set_epi32(0, int(kFpMask), 0, int(kFpMask));
    const __m128i want = _mm_set_epi32(0, int(fp), 0, int(fp));
    auto eq = [&](unsigned w) {
      const __m128i v = _mm_load_si128(reinterpret_cast<const __m128i*>(&t.way[w]));
      return _mm_castsi128_ps(_mm_cmpeq_epi32(_mm_and_si128(v, mask), want));
    };
    const auto low4 = [](__m128 a, __m128 b) {  // lanes 0 and 2 of a, then of b
      return static_cast<unsigned>(_mm_movemask_ps(_mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))));
    };
    return low4(eq(0), eq(2)) | low4(eq(4), eq(6)) << 4;
#else
    unsigned m = 0;
    for (unsigned w = 0; w < kWays; ++w) m |= static_cast<unsigned>((t.way[w] & kFpMask) == fp) << w;
    return m;
#endif
  }

  // Spec index by id for small ids (-1 = unknown); empty when an id is large.
  static std::vector<int32_t> dense_index(std::span<const RateSpec> rates) {
    constexpr uint32_t kDenseMax = 4096;
    std::vector<int32_t> d;
    for (const RateSpec& r : rates)
      if (r.id >= kDenseMax) return {};
    for (size_t i = 0; i < rates.size(); ++i) {
      if (d.size() <= rates[i].id) d.resize(rates[i].id + 1, -1);
      d[rates[i].id] = static_cast<int32_t>(i);
    }
    return d;
  }

  // The kernel's choice from the tag line alone: the first empty way, else
  // the way whose last sample has the smallest high bits (lowest way on ties).
  static unsigned coarse_victim(const TagLine& t) {
    unsigned best = 0;
    for (unsigned w = 0; w < kWays; ++w) {
      if (t.way[w] == 0) return w;
      if ((t.way[w] >> kFpBits) < (t.way[best] >> kFpBits)) best = w;
    }
    return best;
  }

  // The kernel's choice exactly: first empty way, else the oldest last sample,
  // lowest way on ties. Ways fill in order and never empty again, so the tag
  // line decides unless several ways share the smallest high bits of their
  // last sample time; then their exact times decide.
  static unsigned victim(const TagLine& t, const WayLine* ways) {
    const unsigned best = coarse_victim(t);
    if (t.way[best] == 0) return best;
    unsigned exact = best;
    for (unsigned w = best + 1; w < kWays; ++w)
      if ((t.way[w] >> kFpBits) == (t.way[best] >> kFpBits) && ways[w].last_ts < ways[exact].last_ts) exact = w;
    return exact;
  }

  SpecIndex index_;
  std::vector<int32_t> dense_;  // the same for ids below 4096, one load
  unsigned sets_log2_;
  std::vector<hlsk::RateSpecRecord> specs_;
  LineArray<SetLines> sets_;
};

}  // namespace

std::unique_ptr<RateEngine> make_cpu_rate_engine_sized(std::span<const RateSpec> rates, unsigned sets_log2,
                                                       std::string& err) {
  if (!validate_rates(rates, err)) return nullptr;
  auto e = std::make_unique<CpuRateEngine>(rates, sets_log2);
  if (!e->ok()) {
    err = "cpu rate engine: cannot allocate the counter table";
    return nullptr;
  }
  return e;
}

std::unique_ptr<RateEngine> make_cpu_rate_engine(std::span<const RateSpec> rates, std::string& err) {
  return make_cpu_rate_engine_sized(rates, kDefaultRateSetsLog2, err);
}

}  // namespace sigprobe::offload
