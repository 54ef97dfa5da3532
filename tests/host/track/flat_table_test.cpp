// FlatTable and CallTable keep BoundedTable's semantics (FIFO eviction of the
// oldest inserted live entry, counters) with other layouts: both are checked
// against BoundedTable on random operation sequences, and on the edge cases.
// CallTable's own promises (records that stay put until recycle(), sweeps in
// insertion order) follow.
#include "host/track/flat_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <random>
#include <vector>

#include "host/track/call_table.hpp"

namespace sigprobe::track {
namespace {

// The table kinds under test, each as Kind::Table<V>.
struct FlatKind {
  template <class V>
  using Table = FlatTable<V>;
};
struct CallKind {
  template <class V>
  using Table = CallTable<V>;
};
template <class K>
class Tables : public ::testing::Test {};
using TableKinds = ::testing::Types<FlatKind, CallKind>;
TYPED_TEST_SUITE(Tables, TableKinds);

TYPED_TEST(Tables, EvictsTheOldestInsertedEntryWhenFull) {
  typename TypeParam::template Table<int> t(3);
  for (int k = 1; k <= 3; ++k) *t.emplace(uint64_t(k)).first = k * 10;
  std::vector<int> evicted;
  auto [v, fresh] = t.emplace(4, [&](int& old) { evicted.push_back(old); });
  EXPECT_TRUE(fresh);
  *v = 40;
  EXPECT_EQ(evicted, std::vector<int>{10});
  EXPECT_EQ(t.find(1), nullptr);
  ASSERT_NE(t.find(2), nullptr);
  EXPECT_EQ(*t.find(2), 20);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.counters().evictions, 1u);
  EXPECT_EQ(t.counters().inserts, 4u);
  EXPECT_EQ(t.counters().peak, 3u);
}

TYPED_TEST(Tables, ReinsertedKeyIsNotEvictedByItsStaleQueueEntry) {
  typename TypeParam::template Table<int> t(2);
  t.emplace(1);
  t.emplace(2);
  t.erase(1);
  *t.emplace(1).first = 11;  // now the newest
  t.emplace(3);              // full: 2 is the oldest live entry
  EXPECT_EQ(t.find(2), nullptr);
  ASSERT_NE(t.find(1), nullptr);
  EXPECT_EQ(*t.find(1), 11);
  EXPECT_NE(t.find(3), nullptr);
}

TYPED_TEST(Tables, ReusedEntryStartsValueInitialised) {
  typename TypeParam::template Table<int> t(4);
  *t.emplace(5).first = 99;
  t.erase(5);
  auto [v, fresh] = t.emplace(6);
  EXPECT_TRUE(fresh);
  EXPECT_EQ(*v, 0);
}

TYPED_TEST(Tables, GrowsItsIndexAndFindsEveryKey) {
  typename TypeParam::template Table<uint64_t> t(1 << 20);
  for (uint64_t k = 0; k < 100'000; ++k) *t.emplace(k * 7919).first = k;
  ASSERT_EQ(t.size(), 100'000u);
  for (uint64_t k = 0; k < 100'000; ++k) {
    const uint64_t* v = t.find(k * 7919);
    ASSERT_NE(v, nullptr) << k;
    EXPECT_EQ(*v, k);
  }
  EXPECT_EQ(t.find(3), nullptr);
}

TYPED_TEST(Tables, EraseIfRemovesExactlyTheChosenEntries) {
  typename TypeParam::template Table<uint64_t> t(1000);
  for (uint64_t k = 1; k <= 500; ++k) *t.emplace(k).first = k;
  t.erase_if([](uint64_t, const uint64_t& v) { return v % 3 == 0; });
  EXPECT_EQ(t.size(), 500u - 166u);
  for (uint64_t k = 1; k <= 500; ++k) EXPECT_EQ(t.find(k) == nullptr, k % 3 == 0) << k;
}

// Same operations on the reference and the table under test: same contents, evictions and counters.
// Keys share their upper bits, so many collide in the index and erase has
// to shift runs.
TYPED_TEST(Tables, BehaveLikeBoundedTableOnRandomOperations) {
  for (size_t cap : {1u, 7u, 64u, 1000u}) {
    BoundedTable<uint64_t> ref(cap);
    typename TypeParam::template Table<uint64_t> t(cap);
    std::vector<uint64_t> ev_ref, ev_t;
    std::mt19937_64 rnd(cap);
    for (int step = 0; step < 20'000; ++step) {
      const uint64_t key = (rnd() % (3 * cap + 5)) << 40;
      switch (rnd() % 4) {
        case 0:
        case 1: {
          auto [a, fa] = ref.emplace(key, [&](uint64_t& v) { ev_ref.push_back(v); });
          auto [b, fb] = t.emplace(key, [&](uint64_t& v) { ev_t.push_back(v); });
          ASSERT_EQ(fa, fb);
          if (fa) *a = *b = uint64_t(step);
          break;
        }
        case 2:
          ref.erase(key);
          t.erase(key);
          break;
        default: {
          const uint64_t* a = ref.find(key);
          const uint64_t* b = t.find(key);
          ASSERT_EQ(a == nullptr, b == nullptr) << "cap " << cap << " step " << step;
          if (a) {
            ASSERT_EQ(*a, *b);
          }
        }
      }
      ASSERT_EQ(ref.size(), t.size());
    }
    EXPECT_EQ(ev_ref, ev_t);
    EXPECT_EQ(ref.counters().evictions, t.counters().evictions);
    EXPECT_EQ(ref.counters().inserts, t.counters().inserts);
    EXPECT_EQ(ref.counters().peak, t.counters().peak);
    ref.for_each([&](uint64_t k, const uint64_t& v) {
      const uint64_t* b = t.find(k);
      ASSERT_NE(b, nullptr);
      EXPECT_EQ(*b, v);
    });
  }
}

TEST(FlatTable, EntriesOfALineStartOnALine) {
  struct FortyEight {
    char bytes[48];
  };  // + key + generation = 64 bytes
  FlatTable<FortyEight> t(1000);
  for (uint64_t k = 1; k <= 100; ++k)
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.emplace(k << 32).first) % 64, 0u) << k;
}

TEST(CallTable, ErasedRecordKeepsItsContentsUntilRecycle) {
  CallTable<int> t(8);
  int* p = t.emplace(5).first;
  *p = 99;
  t.erase(5);
  int* q = t.emplace(6).first;  // not p: erased records wait for recycle()
  EXPECT_NE(q, p);
  EXPECT_EQ(*p, 99);
  EXPECT_EQ(t.find(5), nullptr);
  t.recycle();
  int* r = t.emplace(7).first;  // now p's record is free again
  EXPECT_EQ(r, p);
  EXPECT_EQ(*r, 0);
}

TEST(CallTable, EvictedRecordStaysReadableUntilRecycle) {
  CallTable<int> t(2);
  *t.emplace(1).first = 10;
  *t.emplace(2).first = 20;
  const int* evicted = nullptr;
  *t.emplace(3, [&](int& old) { evicted = &old; }).first = 30;
  ASSERT_NE(evicted, nullptr);
  EXPECT_EQ(*evicted, 10);
  *t.emplace(4).first = 40;  // evicts 2; 1's record is not reused yet
  EXPECT_EQ(*evicted, 10);
}

TEST(CallTable, RecordsStayInPlaceWhileTheTableGrows) {
  CallTable<uint64_t> t(1 << 20);
  uint64_t* first = t.emplace(12345).first;
  *first = 7;
  for (uint64_t k = 0; k < 50'000; ++k) *t.emplace(k << 20 | 1).first = k;
  EXPECT_EQ(t.find(12345), first);
  EXPECT_EQ(*first, 7u);
}

TEST(CallTable, EraseIfAndForEachVisitInInsertionOrder) {
  CallTable<uint64_t> t(1000);
  std::vector<uint64_t> inserted;
  std::mt19937_64 rnd(3);
  for (int i = 0; i < 300; ++i) {
    const uint64_t key = rnd();
    *t.emplace(key).first = key;
    inserted.push_back(key);
  }
  // Re-inserting an erased key makes it the newest.
  t.erase(inserted[10]);
  t.emplace(inserted[10]);
  inserted.push_back(inserted[10]);
  inserted.erase(inserted.begin() + 10);
  std::vector<uint64_t> seen;
  t.for_each([&](uint64_t k, const uint64_t&) { seen.push_back(k); });
  EXPECT_EQ(seen, inserted);
  seen.clear();
  t.erase_if([&](uint64_t k, uint64_t&) {
    seen.push_back(k);
    return k % 2 == 0;
  });
  EXPECT_EQ(seen, inserted);
  seen.clear();
  t.for_each([&](uint64_t k, const uint64_t&) { seen.push_back(k); });
  std::vector<uint64_t> odd;
  std::copy_if(inserted.begin(), inserted.end(), std::back_inserter(odd), [](uint64_t k) { return k % 2 != 0; });
  EXPECT_EQ(seen, odd);
}

}  // namespace
}  // namespace sigprobe::track
