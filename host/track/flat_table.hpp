// FlatTable<V>: the bounded table of BoundedTable (64-bit hash keys, oldest
// inserted entry evicted when full, bound and evictions counted) laid out for
// tables far larger than the caches: an open-addressing index of
// {key, entry} pairs (linear probing, backward-shift erase) over a dense
// array of entries. A lookup costs one index line and one entry line, and
// prefetch_slot()/prefetch_entry() let a caller overlap those misses for a batch of keys.
// Memory grows with use (the index doubles at half load, up to twice the
// bound), so a large bound costs nothing until it is reached.
//
// Unlike BoundedTable, a pointer returned by find()/emplace() is valid only
// until the next emplace() or erase(); erase_if() visits in no particular
// order. The call tracker, whose facts point at records and whose sweep order
// reaches the output, has CallTable instead.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "dataplane/core/table_memory.hpp"
#include "host/track/bounded_table.hpp"
#include "host/track/open_index.hpp"

namespace sigprobe::track {

template <class V>
class FlatTable {
 public:
  explicit FlatTable(size_t capacity) : index_(capacity) {}

  V* find(uint64_t key) {
    const uint32_t e = index_.find(key);
    return e == kNone ? nullptr : &entries_[e].value;
  }
  const V* find(uint64_t key) const {
    const uint32_t e = index_.find(key);
    return e == kNone ? nullptr : &entries_[e].value;
  }

  // Batch lookups overlap their misses: prefetch_slot() for key k + d, then
  // prefetch_entry() (its slot has arrived) for key k + d/2, then use key k.
  void prefetch_slot(uint64_t key) const { __builtin_prefetch(&index_.home(key)); }
  void prefetch_entry(uint64_t key) const {
    const OpenIndex::Slot& s = index_.home(key);
    if (s.key != key || s.index == kNone) return;
    // Every line the entry spans: an entry not aligned to a line spans one more.
    const uintptr_t first = reinterpret_cast<uintptr_t>(&entries_[s.index]) & ~uintptr_t(63);
    const uintptr_t last = (reinterpret_cast<uintptr_t>(&entries_[s.index]) + sizeof(Entry) - 1) & ~uintptr_t(63);
    for (uintptr_t line = first; line <= last; line += 64) __builtin_prefetch(reinterpret_cast<const void*>(line));
  }

  // The entry for key, created (value-initialised) when absent. on_evict,
  // when given, sees each entry pushed out to make room.
  template <class OnEvict>
  std::pair<V*, bool> emplace(uint64_t key, OnEvict&& on_evict) {
    const auto [e, fresh] = emplace_entry(key, on_evict);
    return {&entries_[e].value, fresh};
  }
  std::pair<V*, bool> emplace(uint64_t key) {
    return emplace(key, [](V&) {});
  }

  // Handles on entries, for a caller that comes back to the same entry:
  // emplace_entry() is emplace() giving the entry's number, generation() its
  // current generation, and at(entry, gen) the entry while it still has that
  // generation (nullptr once it was erased, evicted or reused).
  std::pair<uint32_t, bool> emplace_entry(uint64_t key) {
    return emplace_entry(key, [](V&) {});
  }
  uint64_t generation(uint32_t entry) const { return entries_[entry].gen; }
  V* at(uint32_t entry, uint64_t gen) {
    return entry < entries_.size() && gen != 0 && entries_[entry].gen == gen ? &entries_[entry].value : nullptr;
  }
  V& value(uint32_t entry) { return entries_[entry].value; }

  template <class OnEvict>
  std::pair<uint32_t, bool> emplace_entry(uint64_t key, OnEvict&& on_evict) {
    auto evict = [&](uint32_t old) {
      on_evict(entries_[old].value);
      erase(entries_[old].key);
    };
    auto take = [&](uint64_t k, uint64_t gen) {
      uint32_t idx;
      if (!free_.empty()) {
        idx = free_.back();
        free_.pop_back();
        // A value with recycle() keeps the small buffers it allocated: a
        // table at its bound pushes out an entry for each new key, which
        // then takes the same entry without allocating (bench/detect
        // BM_TrackDetectAtBound's allocs_per_event).
        if constexpr (requires(V& v) { v.recycle(); }) entries_[idx].value.recycle();
        else entries_[idx].value = V{};
      } else {
        idx = uint32_t(entries_.size());
        entries_.emplace_back();
      }
      entries_[idx].key = k;
      entries_[idx].gen = gen;
      return idx;
    };
    return index_.emplace(key, gen_of(), evict, take);
  }

  void erase(uint64_t key) {
    const uint32_t e = index_.erase(key);
    if (e == kNone) return;
    entries_[e].gen = 0;
    free_.push_back(e);
  }

  // f(key, value) -> true to erase the entry; entries in no set order.
  template <class F>
  void erase_if(F&& f) {
    for (size_t idx = 0; idx < entries_.size(); ++idx)
      if (entries_[idx].gen != 0 && f(entries_[idx].key, entries_[idx].value)) erase(entries_[idx].key);
  }
  template <class F>
  void for_each(F&& f) const {
    for (const Entry& e : entries_)
      if (e.gen != 0) f(e.key, e.value);
  }

  size_t size() const { return index_.size(); }
  size_t capacity() const { return index_.capacity(); }
  const TableCounters& counters() const { return index_.counters(); }

 private:
  static constexpr uint32_t kNone = OpenIndex::kNone;
  struct Fields {
    V value{};
    uint64_t key = 0;
    uint64_t gen = 0;  // 0: free
  };
  // An entry of 16, 32 or 64 bytes is aligned to its size, so that it never
  // straddles two lines: 64-byte contact lists at the vector's 16-byte
  // alignment spanned two lines in three of four entries (bench/detect).
  static constexpr size_t kEntryAlign =
      sizeof(Fields) <= 64 && (sizeof(Fields) & (sizeof(Fields) - 1)) == 0 ? sizeof(Fields) : alignof(Fields);
  struct alignas(kEntryAlign) Entry : Fields {};
  auto gen_of() const {
    return [this](uint32_t e) { return entries_[e].gen; };
  }

  BoundedIndex index_;
  std::vector<Entry, TableAllocator<Entry>> entries_;  // huge pages once large
  std::vector<uint32_t> free_;
};

}  // namespace sigprobe::track
