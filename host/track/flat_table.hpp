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
// order, so tables whose sweep order reaches the output (CallTracker) keep
// BoundedTable.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "host/track/bounded_table.hpp"

namespace sigprobe::track {

template <class V>
class FlatTable {
 public:
  explicit FlatTable(size_t capacity) : capacity_(capacity ? capacity : 1) {
    counters_.capacity = capacity_;
    size_t max_slots = kMinSlots;
    while (max_slots < 2 * capacity_) max_slots <<= 1;
    max_slots_ = max_slots;
    resize_index(kMinSlots < max_slots_ ? kMinSlots : max_slots_);
  }

  V* find(uint64_t key) {
    const size_t s = slot_of(key);
    return slots_[s].index == kEmpty ? nullptr : &entries_[slots_[s].index].value;
  }
  const V* find(uint64_t key) const {
    const size_t s = slot_of(key);
    return slots_[s].index == kEmpty ? nullptr : &entries_[slots_[s].index].value;
  }

  // Batch lookups overlap their misses: prefetch_slot() for key k + d, then
  // prefetch_entry() (its slot has arrived) for key k + d/2, then use key k.
  void prefetch_slot(uint64_t key) const { __builtin_prefetch(&slots_[home_of(key)]); }
  void prefetch_entry(uint64_t key) const {
    const Slot& s = slots_[home_of(key)];
    if (s.key != key || s.index == kEmpty) return;
    const char* e = reinterpret_cast<const char*>(&entries_[s.index]);
    for (size_t off = 0; off < sizeof(Entry); off += 64) __builtin_prefetch(e + off);
  }

  // The entry for key, created (value-initialised) when absent. on_evict,
  // when given, sees each entry pushed out to make room.
  template <class OnEvict>
  std::pair<V*, bool> emplace(uint64_t key, OnEvict&& on_evict) {
    size_t s = slot_of(key);
    if (slots_[s].index != kEmpty) return {&entries_[slots_[s].index].value, false};
    bool moved = false;
    while (size_ >= capacity_ && !order_.empty()) {
      auto [idx, gen] = order_.front();
      order_.pop_front();
      if (entries_[idx].gen != gen) continue;
      on_evict(entries_[idx].value);
      erase(entries_[idx].key);
      ++counters_.evictions;
      moved = true;
    }
    if (2 * (size_ + 1) > slots_.size() && slots_.size() < max_slots_) {
      resize_index(slots_.size() * 2);
      moved = true;
    }
    if (moved) s = slot_of(key);
    uint32_t idx;
    if (!free_.empty()) {
      idx = free_.back();
      free_.pop_back();
      entries_[idx].value = V{};
    } else {
      idx = uint32_t(entries_.size());
      entries_.emplace_back();
    }
    const uint64_t gen = ++gen_;
    entries_[idx].key = key;
    entries_[idx].gen = gen;
    slots_[s] = {key, idx};
    order_.emplace_back(idx, gen);
    ++size_;
    ++counters_.inserts;
    if (size_ > counters_.peak) counters_.peak = size_;
    compact();
    return {&entries_[idx].value, true};
  }
  std::pair<V*, bool> emplace(uint64_t key) {
    return emplace(key, [](V&) {});
  }

  void erase(uint64_t key) {
    size_t i = slot_of(key);
    if (slots_[i].index == kEmpty) return;
    entries_[slots_[i].index].gen = 0;
    free_.push_back(slots_[i].index);
    --size_;
    // Backward shift: pull later entries of the run into the hole unless
    // their home lies cyclically in (hole, their slot].
    for (size_t j = (i + 1) & mask_; slots_[j].index != kEmpty; j = (j + 1) & mask_) {
      const size_t home = home_of(slots_[j].key);
      const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i].index = kEmpty;
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

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  const TableCounters& counters() const { return counters_; }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr size_t kMinSlots = 1024;
  struct Slot {
    uint64_t key = 0;
    uint32_t index = kEmpty;
  };
  struct Entry {
    V value{};
    uint64_t key = 0;
    uint64_t gen = 0;  // 0: free
  };

  // Fibonacci hashing: the keys are FNV hashes whose low bits are weak.
  size_t home_of(uint64_t key) const { return size_t((key * 0x9e3779b97f4a7c15ull) >> shift_); }
  // The key's slot, or the empty slot that ends its run.
  size_t slot_of(uint64_t key) const {
    size_t i = home_of(key);
    while (slots_[i].index != kEmpty && slots_[i].key != key) i = (i + 1) & mask_;
    return i;
  }

  void resize_index(size_t n) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    shift_ = 64;
    for (size_t v = n; v > 1; v >>= 1) --shift_;
    for (const Slot& s : old)
      if (s.index != kEmpty) slots_[slot_of(s.key)] = s;
  }

  // Drop stale queue entries so the queue stays proportional to the table.
  void compact() {
    if (order_.size() < 2 * capacity_ + 1024) return;
    std::deque<std::pair<uint32_t, uint64_t>> live;
    for (auto& e : order_)
      if (entries_[e.first].gen == e.second) live.push_back(e);
    order_.swap(live);
  }

  size_t capacity_;
  size_t max_slots_ = 0;
  size_t mask_ = 0;
  unsigned shift_ = 64;
  size_t size_ = 0;
  uint64_t gen_ = 0;
  std::vector<Slot> slots_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  std::deque<std::pair<uint32_t, uint64_t>> order_;  // (entry, gen) in insertion order
  TableCounters counters_;
};

}  // namespace sigprobe::track
