// What the host's memory gives a table-bound stage: random 64-byte lines per
// second from a table far larger than the caches, with 1 to 32 independent
// chains of loads in flight. Track + detect touches a few dozen random lines of
// large tables per event (rate ways, profiles, contacts, list entries), so
// this ceiling, divided by the lines per event, bounds its events per second
// on the host whatever the code does; compare hosts with it before comparing
// detect_bench figures.
//
// Each chain follows a random cycle through the table (every line visited
// once per lap), so a load's address depends on the line before it: the
// chains are the only parallelism.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include <sys/mman.h>

namespace {

struct alignas(64) Line {
  uint64_t next;
  uint64_t pad[7];
};

// 512 MiB: far beyond any last-level cache, as the detector's tables are at
// operator scale.
constexpr size_t kLines = size_t{512} << 20 >> 6;

// The table in 4 KiB pages, or in 2 MiB pages where the kernel gives them
// (transparent huge pages on request: madvise).
const Line* table(bool huge) {
  auto make = [](bool h) {
    const size_t bytes = kLines * sizeof(Line);
    void* p = mmap(nullptr, bytes + (size_t{2} << 20), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return static_cast<Line*>(nullptr);
    auto* lines = reinterpret_cast<Line*>((reinterpret_cast<uintptr_t>(p) + (size_t{2} << 20) - 1) &
                                          ~uintptr_t{(size_t{2} << 20) - 1});
    madvise(lines, bytes, h ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    std::vector<uint64_t> order(kLines);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin() + 1, order.end(), std::mt19937_64(11));
    for (size_t i = 0; i < kLines; ++i) lines[order[i]].next = order[(i + 1) % kLines];
    return lines;
  };
  static const Line* small = make(false);
  static const Line* large = make(true);
  return huge ? large : small;
}

template <int kChains>
void BM_RandomLines(benchmark::State& state) {
  const Line* t = table(state.range(0) != 0);
  if (!t) {
    state.SkipWithError("mmap failed");
    return;
  }
  uint64_t at[kChains];
  for (int c = 0; c < kChains; ++c) at[c] = (kLines / kChains) * uint64_t(c);
  constexpr int kSteps = 1024;
  for (auto _ : state) {
    for (int s = 0; s < kSteps; ++s)
      for (int c = 0; c < kChains; ++c) at[c] = t[at[c]].next;
    benchmark::DoNotOptimize(at);
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * kSteps * kChains);
  state.counters["chains"] = kChains;
}
// Argument: 0 = 4 KiB pages, 1 = huge pages requested.
BENCHMARK(BM_RandomLines<1>)->ArgName("huge")->Arg(0)->Arg(1);
BENCHMARK(BM_RandomLines<4>)->ArgName("huge")->Arg(0)->Arg(1);
BENCHMARK(BM_RandomLines<8>)->ArgName("huge")->Arg(0)->Arg(1);
BENCHMARK(BM_RandomLines<16>)->ArgName("huge")->Arg(0)->Arg(1);
BENCHMARK(BM_RandomLines<32>)->ArgName("huge")->Arg(0)->Arg(1);

}  // namespace
