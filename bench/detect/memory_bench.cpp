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
//
// BM_PageWalk separates the two costs of such a line: the same 1 MiB of lines
// side by side or one per page. On a virtual machine a TLB miss walks two
// page tables (the guest's and the host's), and huge pages in the guest do
// not shorten the host's walk where the host backs guest memory with 4 KiB
// pages: compare huge:0 and huge:1 there.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>
#include <random>
#include <vector>

#include <sys/mman.h>

namespace {

struct alignas(64) Line {
  uint64_t next;
  uint64_t pad[7];
};

// The tables: 512 MiB is far beyond any last-level cache, as the detector's
// tables are at operator scale; 4 and 32 MiB fit a last-level cache but not
// the TLB's reach in 4 KiB pages, which separates the cost of a page walk
// from the cost of DRAM.
constexpr size_t kMiB = size_t{1} << 20;

// bytes of zeroed memory aligned to 2 MiB, never freed; huge pages requested
// (madvise) or refused.
Line* map_lines(size_t bytes, bool huge) {
  void* p = mmap(nullptr, bytes + 2 * kMiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  auto* lines = reinterpret_cast<Line*>((reinterpret_cast<uintptr_t>(p) + 2 * kMiB - 1) & ~uintptr_t{2 * kMiB - 1});
  madvise(lines, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  return lines;
}

// A table of mib MiB, in 4 KiB pages or in 2 MiB pages where the kernel gives
// them (transparent huge pages on request: madvise); its lines form one
// random cycle.
const Line* table(bool huge, size_t mib) {
  static std::map<std::pair<bool, size_t>, const Line*> made;
  auto& t = made[{huge, mib}];
  if (t) return t;
  const size_t lines_n = mib * kMiB / sizeof(Line);
  Line* lines = map_lines(lines_n * sizeof(Line), huge);
  if (!lines) return nullptr;
  std::vector<uint64_t> order(lines_n);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin() + 1, order.end(), std::mt19937_64(11));
  for (size_t i = 0; i < lines_n; ++i) lines[order[i]].next = order[(i + 1) % lines_n];
  t = lines;
  return t;
}

template <int kChains>
void BM_RandomLines(benchmark::State& state) {
  const Line* t = table(state.range(0) != 0, size_t(state.range(1)));
  const uint64_t lines_n = uint64_t(state.range(1)) * kMiB / sizeof(Line);
  if (!t) {
    state.SkipWithError("mmap failed");
    return;
  }
  uint64_t at[kChains];
  for (int c = 0; c < kChains; ++c) at[c] = (lines_n / kChains) * uint64_t(c);
  constexpr int kSteps = 1024;
  for (auto _ : state) {
    for (int s = 0; s < kSteps; ++s)
      for (int c = 0; c < kChains; ++c) at[c] = t[at[c]].next;
    benchmark::DoNotOptimize(at);
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * kSteps * kChains);
  state.counters["chains"] = kChains;
}
// The cost of a page walk alone: the same 16,384 lines (1 MiB, within the
// last-level cache) in one random cycle, either side by side (256 pages) or one
// per 4 KiB page (16,384 pages, beyond the TLB's reach), each at its own
// offset in its page so that they spread over the cache's sets as side-by-side
// lines do. The difference is what a table costs per line only because its
// entries sit on many pages: the case of hashed tables whose live entries are
// few next to their size.
const Line* spread_table(bool spread, bool huge) {
  static std::map<std::pair<bool, bool>, const Line*> made;
  auto& t = made[{spread, huge}];
  if (t) return t;
  constexpr size_t kLines = 16384, kPage = 4096, kPerPage = kPage / sizeof(Line);
  const size_t bytes = spread ? kLines * kPage : kLines * sizeof(Line);
  Line* base = map_lines(bytes, huge);
  if (!base) return nullptr;
  // Line i's place in the table, as an index of Line.
  auto at = [&](size_t i) { return spread ? i * kPerPage + (i * 2654435761u >> 7) % kPerPage : i; };
  std::vector<uint64_t> order(kLines);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin() + 1, order.end(), std::mt19937_64(11));
  for (size_t i = 0; i < kLines; ++i) base[at(order[i])].next = at(order[(i + 1) % kLines]);
  t = base;
  return t;
}

void BM_PageWalk(benchmark::State& state) {
  const Line* t = spread_table(state.range(0) != 0, state.range(1) != 0);
  if (!t) {
    state.SkipWithError("mmap failed");
    return;
  }
  uint64_t at = 0;
  constexpr int kSteps = 1024;
  for (auto _ : state) {
    for (int s = 0; s < kSteps; ++s) at = t[at].next;
    benchmark::DoNotOptimize(at);
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * kSteps);
}

// Arguments: huge (0 = 4 KiB pages, 1 = huge pages requested), table MiB.
BENCHMARK(BM_RandomLines<1>)->ArgNames({"huge", "mib"})->ArgsProduct({{0, 1}, {4, 32, 512}});
BENCHMARK(BM_RandomLines<4>)->ArgNames({"huge", "mib"})->ArgsProduct({{0, 1}, {512}});
BENCHMARK(BM_RandomLines<8>)->ArgNames({"huge", "mib"})->ArgsProduct({{0, 1}, {512}});
BENCHMARK(BM_RandomLines<16>)->ArgNames({"huge", "mib"})->ArgsProduct({{0, 1}, {32, 512}});
BENCHMARK(BM_RandomLines<32>)->ArgNames({"huge", "mib"})->ArgsProduct({{0, 1}, {512}});
// Arguments: spread (0 = 1 MiB side by side, 1 = one line per 4 KiB page), huge.
BENCHMARK(BM_PageWalk)->ArgNames({"spread", "huge"})->ArgsProduct({{0, 1}, {0, 1}});

}  // namespace
