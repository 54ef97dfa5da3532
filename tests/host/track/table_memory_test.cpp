// Table memory (dataplane/core/table_memory.hpp): large tables are 2 MiB
// aligned, zeroed, advised for huge pages; small ones keep the usual
// allocator; a FlatTable that grows across the threshold keeps its entries.
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dataplane/core/table_memory.hpp"
#include "host/track/flat_table.hpp"

namespace sigprobe {
namespace {

// The THPeligible line of the mapping that holds p (/proc/self/smaps), or -1
// when the kernel does not say.
int thp_eligible(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    unsigned long lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-' && line.find(':') > line.find(' ')) {
      inside = at >= lo && at < hi;
      continue;
    }
    if (inside && line.rfind("THPeligible:", 0) == 0) return std::stoi(line.substr(12));
  }
  return -1;
}

// The kernel's THP mode: "always", "madvise" or "never" (empty if unknown).
std::string thp_mode() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string s;
  std::getline(f, s);
  const size_t a = s.find('['), b = s.find(']');
  return a == std::string::npos || b == std::string::npos ? "" : s.substr(a + 1, b - a - 1);
}

TEST(TableMemory, ALargeTableIsAlignedZeroedAndAdvisedForHugePages) {
  const size_t bytes = 5 * kHugePage + 123;
  auto* p = static_cast<unsigned char*>(map_table(bytes));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kHugePage, 0u);
  for (size_t i = 0; i < bytes; i += 4096) ASSERT_EQ(p[i], 0) << i;
  EXPECT_EQ(p[bytes - 1], 0);
  std::memset(p, 0xA5, bytes);  // every byte of it is ours to write
  const std::string mode = thp_mode();
  const int eligible = thp_eligible(p);
  if (mode == "always" || mode == "madvise") {
    if (eligible >= 0) {
      EXPECT_EQ(eligible, 1) << "THP mode " << mode;
    }
  } else {
    std::cout << "THP mode '" << mode << "': eligibility not checked\n";
  }
  unmap_table(p, bytes);
}

// Pages of [p, p+bytes) resident now (mincore).
size_t resident_pages(const void* p, size_t bytes) {
  std::vector<unsigned char> v((bytes + 4095) / 4096);
  if (mincore(const_cast<void*>(p), bytes, v.data()) != 0) return SIZE_MAX;
  size_t n = 0;
  for (unsigned char c : v) n += c & 1;
  return n;
}

TEST(TableMemory, UnderPrefaultAZeroedTableIsThereBeforeFirstUseAVectorsStorageIsNot) {
  // A live probe's zeroed tables (set_table_prefault, sigprobe dpdk and
  // live) are faulted in when mapped, not inside a burst; replay's appear
  // when touched, and so do a vector's (it writes what it uses).
  const size_t bytes = 3 * kHugePage;
  auto* lazy = static_cast<unsigned char*>(map_zeroed_table(bytes));
  ASSERT_NE(lazy, nullptr);
  EXPECT_EQ(resident_pages(lazy, bytes), 0u);
  set_table_prefault(true);
  auto* ready = static_cast<unsigned char*>(map_zeroed_table(bytes));
  auto* for_vector = static_cast<unsigned char*>(map_table(bytes));
  set_table_prefault(false);
  ASSERT_NE(for_vector, nullptr);
  EXPECT_EQ(resident_pages(for_vector, bytes), 0u);
  unmap_table(for_vector, bytes);
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(resident_pages(ready, bytes), bytes / 4096);
  for (size_t i = 0; i < bytes; i += 4096) ASSERT_EQ(ready[i], 0) << i;
  unmap_table(lazy, bytes);
  unmap_table(ready, bytes);
}

TEST(TableMemory, TheAllocatorKeepsSmallVectorsOnTheHeapAndMapsLargeOnes) {
  std::vector<uint64_t, TableAllocator<uint64_t>> small(1000, 7);
  EXPECT_NE(reinterpret_cast<uintptr_t>(small.data()) % kHugePage, 0u) << "a small table is not mapped on its own";
  std::vector<uint64_t, TableAllocator<uint64_t>> large(kTableHugeMin / sizeof(uint64_t) + 1, 9);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(large.data()) % kHugePage, 0u);
  EXPECT_EQ(large.front(), 9u);
  EXPECT_EQ(large.back(), 9u);
  // Growing from the heap into a mapping and back down keeps every value.
  std::vector<uint32_t, TableAllocator<uint32_t>> grow;
  for (uint32_t i = 0; i < 3 * kTableHugeMin / sizeof(uint32_t); ++i) grow.push_back(i * 3u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(grow.data()) % kHugePage, 0u);
  for (uint32_t i = 0; i < grow.size(); i += 4099) ASSERT_EQ(grow[i], i * 3u);
  grow.resize(100);
  grow.shrink_to_fit();
  for (uint32_t i = 0; i < 100; ++i) ASSERT_EQ(grow[i], i * 3u);
}

TEST(TableMemory, AFlatTableGrowingPastTheThresholdKeepsItsEntries) {
  struct V {
    uint64_t a = 0, b = 0;
  };
  constexpr uint64_t kN = 300'000;  // entries of 32 bytes: 9.6 MB, index 8 MB
  track::FlatTable<V> t(kN);
  for (uint64_t k = 1; k <= kN; ++k) {
    auto [v, fresh] = t.emplace(k * 0x9e3779b97f4a7c15ull);
    ASSERT_TRUE(fresh);
    v->a = k;
    v->b = ~k;
  }
  EXPECT_EQ(t.size(), kN);
  EXPECT_EQ(t.counters().evictions, 0u);
  for (uint64_t k = 1; k <= kN; k += 997) {
    const V* v = t.find(k * 0x9e3779b97f4a7c15ull);
    ASSERT_NE(v, nullptr) << k;
    EXPECT_EQ(v->a, k);
    EXPECT_EQ(v->b, ~k);
  }
}

}  // namespace
}  // namespace sigprobe
