// Offload benchmarks: the cpu backend (thousands of keywords, a million list
// entries) next to bare Hyperscan on the same bytes, the batch packing and
// unpacking the fpga path adds, and the rate stage.
//   bench_offload --benchmark_format=json > offload.json
#include <benchmark/benchmark.h>
#include <hs/hs.h>

#include <random>

#include "host/offload/backend_detail.hpp"
#include "host/offload/batch_pack.hpp"

namespace sigprobe::offload {
namespace {

constexpr uint32_t kWordsMask = field_bit(FieldTag::Text) | field_bit(FieldTag::UserAgent) |
                                field_bit(FieldTag::FromDisplay);
constexpr size_t kKeywords = 5000;
constexpr uint32_t kNumberMask = field_bit(FieldTag::Calling) | field_bit(FieldTag::Called);

// A synthetic but shaped workload: per event an SMS-sized text, a
// User-Agent-sized string and two numbers.
struct Workload {
  std::vector<PatternSpec> patterns;
  std::vector<std::string> text;
  std::vector<ScanItem> items;
  size_t bytes = 0;
  size_t events = 0;
};

std::string word(std::mt19937& rng) {
  static const char* const kSyll[] = {"ka", "ro", "mi", "ne", "tu", "sa", "po", "li", "ve", "da", "中", "国", "卡"};
  std::string w;
  const int n = 2 + static_cast<int>(rng() % 4);
  for (int i = 0; i < n; ++i) w += kSyll[rng() % std::size(kSyll)];
  return w;
}

const Workload& workload() {
  static const Workload w = [] {
    Workload w;
    std::mt19937 rng(1);
    for (uint32_t i = 0; i < kKeywords; ++i)
      w.patterns.push_back({i, i % 2 ? PatternKind::Literal : PatternKind::LiteralNocase, kWordsMask, word(rng) + word(rng)});
    for (uint32_t i = 0; i < 1'000'000; ++i)  // number lists
      w.patterns.push_back({100'000 + i, PatternKind::Exact, kNumberMask, std::to_string(447000000000ull + 13ull * i)});
    for (uint32_t i = 0; i < 100'000; ++i)
      w.patterns.push_back({2'000'000 + i, PatternKind::Prefix, kNumberMask, std::to_string(3300000 + 7 * i)});
    w.events = 20'000;
    w.text.reserve(w.events * 4);
    for (uint32_t e = 0; e < w.events; ++e) {
      std::string sms;
      while (sms.size() < 120) sms += word(rng) + " ";
      w.text.push_back(sms);
      w.text.push_back("Mozilla/5.0 " + word(rng) + "/" + std::to_string(rng() % 100));
      w.text.push_back(std::to_string(447000000000ull + rng() % 20'000'000));
      w.text.push_back(std::to_string(330000000000ull + rng() % 10'000'000'000ull));
    }
    const FieldTag tags[] = {FieldTag::Text, FieldTag::UserAgent, FieldTag::Called, FieldTag::Calling};
    for (size_t i = 0; i < w.text.size(); ++i) {
      w.items.push_back({static_cast<uint32_t>(i / 4), tags[i % 4], w.text[i]});
      w.bytes += w.text[i].size();
    }
    return w;
  }();
  return w;
}

void set_rates(benchmark::State& state, size_t items, size_t bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * items));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

// Arg 0: the 5000 keywords only (the same work as BM_BareHyperscan);
// arg 1: keywords plus 1,000,000 exact numbers and 100,000 prefixes.
void BM_CpuPatternScan(benchmark::State& state) {
  const Workload& w = workload();
  std::string err;
  const size_t n = state.range(0) ? w.patterns.size() : kKeywords;
  auto e = make_cpu_pattern_engine(std::span(w.patterns).first(n), err);
  if (!e) return state.SkipWithError(err.c_str());
  std::vector<PatternMatch> out;
  out.reserve(1 << 20);
  for (auto _ : state) {
    out.clear();
    e->scan(w.items, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["matches"] = static_cast<double>(out.size());
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(w.events), benchmark::Counter::kIsIterationInvariantRate);
  set_rates(state, w.items.size(), w.bytes);
}
BENCHMARK(BM_CpuPatternScan)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Hyperscan on its own: the same literal databases (one per field, built the
// way the cpu backend builds them) scanning the same fields, a no-op callback.
void BM_BareHyperscan(benchmark::State& state) {
  const Workload& w = workload();
  hs_database_t* dbs[static_cast<size_t>(FieldTag::Count_)] = {};
  hs_scratch_t* scratch = nullptr;
  for (size_t f = 0; f < std::size(dbs); ++f) {
    std::vector<std::string> escaped;
    std::vector<const char*> ex;
    std::vector<unsigned> flags, ids;
    for (const PatternSpec& p : w.patterns) {
      if ((p.kind != PatternKind::Literal && p.kind != PatternKind::LiteralNocase) || !(p.field_mask & (1u << f))) continue;
      escaped.push_back(hyperscan_literal(p.text));
      flags.push_back(HS_FLAG_SINGLEMATCH | (p.kind == PatternKind::LiteralNocase ? HS_FLAG_CASELESS : 0));
      ids.push_back(static_cast<unsigned>(ids.size()));
    }
    if (escaped.empty()) continue;
    for (const std::string& e : escaped) ex.push_back(e.c_str());
    hs_compile_error_t* ce = nullptr;
    if (hs_compile_multi(ex.data(), flags.data(), ids.data(), static_cast<unsigned>(ex.size()), HS_MODE_BLOCK,
                         nullptr, &dbs[f], &ce) != HS_SUCCESS) {
      hs_free_compile_error(ce);
      return state.SkipWithError("hyperscan compile failed");
    }
    hs_alloc_scratch(dbs[f], &scratch);
  }
  size_t matches = 0;
  auto on_match = [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) -> int {
    ++*static_cast<size_t*>(ctx);
    return 0;
  };
  for (auto _ : state) {
    matches = 0;
    for (const ScanItem& it : w.items) {
      hs_database_t* db = dbs[static_cast<size_t>(it.field)];
      if (db) hs_scan(db, it.bytes.data(), static_cast<unsigned>(it.bytes.size()), 0, scratch, on_match, &matches);
    }
    benchmark::DoNotOptimize(matches);
  }
  state.counters["matches"] = static_cast<double>(matches);
  set_rates(state, w.items.size(), w.bytes);
  hs_free_scratch(scratch);
  for (hs_database_t* d : dbs) hs_free_database(d);
}
BENCHMARK(BM_BareHyperscan)->Unit(benchmark::kMillisecond);

void BM_CsimPatternScan(benchmark::State& state) {  // the kernel's C++ on the cpu
  const Workload& w = workload();
  std::string err;
  auto e = make_csim_pattern_engine(w.patterns, err);
  if (!e) return state.SkipWithError(err.c_str());
  std::vector<PatternMatch> out;
  for (auto _ : state) {
    out.clear();
    e->scan(w.items, out);
    benchmark::DoNotOptimize(out.data());
  }
  set_rates(state, w.items.size(), w.bytes);
}
BENCHMARK(BM_CsimPatternScan)->Unit(benchmark::kMillisecond);

// What the fpga path adds on the host: fields -> 64-byte chunks.
void BM_PackFields(benchmark::State& state) {
  const Workload& w = workload();
  std::vector<hlsk::PatternChunk> chunks(8192);
  for (auto _ : state) {
    for (size_t next = 0; next < w.items.size();) {
      size_t used = 0;
      next += pack_fields(w.items, next, chunks, used);
      benchmark::DoNotOptimize(chunks.data());
    }
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(w.events), benchmark::Counter::kIsIterationInvariantRate);
  set_rates(state, w.items.size(), w.bytes);
}
BENCHMARK(BM_PackFields)->Unit(benchmark::kMicrosecond);

// Hits -> matches, sorted and unique (4 hits per event).
void BM_UnpackHits(benchmark::State& state) {
  const size_t events = 20'000;
  std::vector<hlsk::PatternHit> hits;
  std::vector<uint32_t> ids(64);
  for (uint32_t i = 0; i < ids.size(); ++i) ids[i] = 1000 + i;
  std::mt19937 rng(4);
  for (uint32_t e = 0; e < events; ++e)
    for (int k = 0; k < 4; ++k) hits.push_back({e, static_cast<uint32_t>(rng() % 64), static_cast<uint32_t>(rng() % 9), 0});
  std::vector<PatternMatch> out;
  out.reserve(hits.size());
  for (auto _ : state) {
    out.clear();
    unpack_hits(hits, ids, out);
    finish_matches(out, 0);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsIterationInvariantRate);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * hits.size()));
}
BENCHMARK(BM_UnpackHits)->Unit(benchmark::kMicrosecond);

std::vector<RateSample> rate_samples(size_t n, uint64_t keys) {
  std::mt19937_64 rng(8);
  std::vector<RateSample> s;
  for (uint32_t i = 0; i < n; ++i)
    s.push_back({i, static_cast<uint32_t>(rng() % 4), rng() % keys, rng() % 1000, uint64_t{i} * 10'000});
  return s;
}
const std::vector<RateSpec> kBenchRates = {{0, 60'000'000'000ull, 100, 20}, {1, 10'000'000'000ull, 10, 0},
                                           {2, 3'600'000'000'000ull, 0, 50}, {3, 1'000'000'000ull, 5, 5}};

void BM_PackUnpackSamples(benchmark::State& state) {
  const std::vector<RateSample> s = rate_samples(16384, 1'000'000);
  const SpecIndex index(kBenchRates);
  std::vector<hlsk::RateSampleRecord> recs(s.size());
  std::vector<hlsk::RateResultRecord> res(s.size());
  std::vector<RateResult> out;
  out.reserve(s.size());
  for (auto _ : state) {
    out.clear();
    pack_samples(s, index, recs);
    unpack_results(s, res, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.size()));
}
BENCHMARK(BM_PackUnpackSamples)->Unit(benchmark::kMicrosecond);

// 250,000 keys x 4 specs = a million counters in a table of 2 M ways; one
// pass before timing so that page faults of the fresh table are not counted.
// Arg 0: cpu backend; arg 1: csim (the rate kernel's C++); arg 2: cpu with
// 2^8 sets (2,048 ways, the table in cache: what the arithmetic costs).
void BM_RateUpdate(benchmark::State& state) {
  const std::vector<RateSample> s = rate_samples(1 << 20, 250'000);
  std::string err;
  auto e = state.range(0) == 1 ? make_csim_rate_engine_sized(kBenchRates, 18, err)
                               : make_cpu_rate_engine_sized(kBenchRates, state.range(0) == 2 ? 8 : 18, err);
  if (!e) return state.SkipWithError(err.c_str());
  std::vector<RateResult> out;
  out.reserve(s.size());
  e->update(s, out);
  for (auto _ : state) {
    out.clear();
    e->update(s, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * s.size()));
}
BENCHMARK(BM_RateUpdate)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sigprobe::offload
