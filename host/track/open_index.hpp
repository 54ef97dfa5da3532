// The parts FlatTable and CallTable share.
//
// OpenIndex: 64-bit hash keys to
// 32-bit entry numbers in one array of {key, entry} slots, linear probing,
// backward-shift erase (no tombstones), Fibonacci hashing. The slot count
// doubles at half load up to twice the tables' bound, so a large bound costs
// nothing until it is reached.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "dataplane/core/table_memory.hpp"
#include "host/track/bounded_table.hpp"

namespace sigprobe::track {

class OpenIndex {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Slot {
    uint64_t key = 0;
    uint32_t index = kNone;
  };
  // From 131,072 slots (2 MiB) on, the index lives in huge pages.
  using SlotVector = std::vector<Slot, TableAllocator<Slot>>;

  explicit OpenIndex(size_t max_entries) {
    size_t max_slots = kMinSlots;
    while (max_slots < 2 * max_entries) max_slots <<= 1;
    max_slots_ = max_slots;
    resize(kMinSlots < max_slots_ ? kMinSlots : max_slots_);
  }

  // The key's slot, or the empty slot that ends its run (where it would go).
  size_t slot_of(uint64_t key) const {
    size_t i = home_of(key);
    while (slots_[i].index != kNone && slots_[i].key != key) i = (i + 1) & mask_;
    return i;
  }
  uint32_t entry_at(size_t slot) const { return slots_[slot].index; }
  uint32_t find(uint64_t key) const { return slots_[slot_of(key)].index; }
  // The key's home slot, for prefetches (the key is usually there).
  const Slot& home(uint64_t key) const { return slots_[home_of(key)]; }

  // Room for entry number `count` (count entries already there): doubles the
  // slots at half load. True when slots moved (slot_of() again).
  bool make_room(size_t count) {
    if (2 * (count + 1) <= slots_.size() || slots_.size() >= max_slots_) return false;
    resize(slots_.size() * 2);
    return true;
  }
  void set(size_t slot, uint64_t key, uint32_t entry) { slots_[slot] = {key, entry}; }

  // Takes key out; returns its entry number (kNone when absent).
  uint32_t erase(uint64_t key) {
    size_t i = slot_of(key);
    const uint32_t entry = slots_[i].index;
    if (entry == kNone) return kNone;
    // Backward shift: pull later entries of the run into the hole unless
    // their home lies cyclically in (hole, their slot].
    for (size_t j = (i + 1) & mask_; slots_[j].index != kNone; j = (j + 1) & mask_) {
      const size_t home = home_of(slots_[j].key);
      const bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i].index = kNone;
    return entry;
  }

 private:
  static constexpr size_t kMinSlots = 1024;

  // Fibonacci hashing: the keys are FNV hashes whose low bits are weak.
  size_t home_of(uint64_t key) const { return size_t((key * 0x9e3779b97f4a7c15ull) >> shift_); }

  void resize(size_t n) {
    SlotVector old;
    old.swap(slots_);
    slots_.assign(n, Slot{});
    mask_ = n - 1;
    shift_ = 64;
    for (size_t v = n; v > 1; v >>= 1) --shift_;
    for (const Slot& s : old)
      if (s.index != kNone) slots_[slot_of(s.key)] = s;
  }

  size_t max_slots_ = 0;
  size_t mask_ = 0;
  unsigned shift_ = 64;
  SlotVector slots_;
};

// EntryQueue: (entry, generation) pairs in insertion order, for FIFO
// eviction. An entry erased (or erased and reused) leaves a stale pair behind,
// which gen_of(entry) != generation exposes; stale pairs are skipped and
// dropped on the way.
class EntryQueue {
 public:
  void push(uint32_t entry, uint64_t gen) { q_.emplace_back(entry, gen); }
  size_t size() const { return q_.size(); }

  // The oldest live entry, taken out of the queue (OpenIndex::kNone: none).
  template <class GenOf>
  uint32_t pop_oldest(GenOf&& gen_of) {
    while (!q_.empty()) {
      const auto [entry, gen] = q_.front();
      q_.pop_front();
      if (gen_of(entry) == gen) return entry;
    }
    return OpenIndex::kNone;
  }
  // keep(entry) for each live entry, oldest first; the queue keeps the live
  // pairs for which it returned true (in place, no allocation).
  template <class GenOf, class Keep>
  void filter(GenOf&& gen_of, Keep&& keep) {
    size_t out = 0;
    for (size_t r = 0; r < q_.size(); ++r) {
      const auto [entry, gen] = q_[r];
      if (gen_of(entry) == gen && keep(entry)) q_[out++] = q_[r];
    }
    q_.resize(out);
  }
  template <class GenOf, class F>
  void for_each(GenOf&& gen_of, F&& f) const {
    for (const auto& [entry, gen] : q_)
      if (gen_of(entry) == gen) f(entry);
  }
  // Drops the stale pairs once the queue outgrows twice the table's bound.
  template <class GenOf>
  void compact(size_t bound, GenOf&& gen_of) {
    if (q_.size() >= 2 * bound + 1024) filter(gen_of, [](uint32_t) { return true; });
  }

 private:
  std::deque<std::pair<uint32_t, uint64_t>> q_;
};

// BoundedIndex: the index, the insertion order and the bound of a table whose
// entries live elsewhere (FlatTable: a dense array; CallTable: blocks that
// never move), with its counters. The table keeps each entry's key and
// generation (0: not in the index) and passes gen_of(entry) to read them.
class BoundedIndex {
 public:
  static constexpr uint32_t kNone = OpenIndex::kNone;

  explicit BoundedIndex(size_t capacity) : capacity_(capacity ? capacity : 1), index_(capacity_) {
    counters_.capacity = capacity_;
  }

  uint32_t find(uint64_t key) const { return index_.find(key); }
  const OpenIndex::Slot& home(uint64_t key) const { return index_.home(key); }

  // key's entry and false when present. Else, at the bound, evict(entry) for
  // the oldest live entries until there is room (it must erase() them), then
  // take(key, gen) for the new entry's number: the table gives it a fresh
  // value and records key and gen, which gen_of must see at once.
  template <class GenOf, class Evict, class Take>
  std::pair<uint32_t, bool> emplace(uint64_t key, GenOf&& gen_of, Evict&& evict, Take&& take) {
    size_t s = index_.slot_of(key);
    if (index_.entry_at(s) != kNone) return {index_.entry_at(s), false};
    bool moved = false;
    while (size_ >= capacity_) {
      const uint32_t old = order_.pop_oldest(gen_of);
      if (old == kNone) break;
      evict(old);
      ++counters_.evictions;
      moved = true;
    }
    if (index_.make_room(size_)) moved = true;
    if (moved) s = index_.slot_of(key);
    const uint64_t gen = ++gen_;
    const uint32_t entry = take(key, gen);
    index_.set(s, key, entry);
    order_.push(entry, gen);
    ++size_;
    ++counters_.inserts;
    if (size_ > counters_.peak) counters_.peak = size_;
    order_.compact(capacity_, gen_of);
    return {entry, true};
  }

  // Takes key out of the index; its entry (kNone when absent) is the table's
  // to mark free (generation 0).
  uint32_t erase(uint64_t key) {
    const uint32_t e = index_.erase(key);
    if (e != kNone) --size_;
    return e;
  }

  EntryQueue& order() { return order_; }
  const EntryQueue& order() const { return order_; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  const TableCounters& counters() const { return counters_; }

 private:
  size_t capacity_;
  OpenIndex index_;
  size_t size_ = 0;
  uint64_t gen_ = 0;
  EntryQueue order_;  // (entry, gen) in insertion order
  TableCounters counters_;
};

}  // namespace sigprobe::track
