// Memory for the large tables of the tracker, the detector and the rate
// stage: 2 MiB aligned and advised for transparent huge pages
// (madvise(MADV_HUGEPAGE)), so that a table far larger than the caches costs
// one TLB entry per 2 MiB instead of per 4 KiB. The tables are hashed: each
// lookup lands on its own page, and with 4 KiB pages nearly every lookup is
// also a TLB miss and a page walk (host/detect/README.md). Where the kernel
// grants no huge page (THP off, memory fragmented) the advice does nothing
// and the memory is ordinary pages.
//
// Allocations below kTableHugeMin keep the usual allocator: small tables
// (tests, short captures, a table still growing) waste nothing.
//
// A probe on a live link (sigprobe dpdk, live) faults in, when it maps them,
// the tables that are used as mapped, zero where never written (the rate
// table: map_zeroed_table under set_table_prefault): a huge page first
// touched while packets are processed costs its zeroing (2 MiB) and, with
// memory fragmented, the kernel's compaction, milliseconds each, inside a
// burst. Replay leaves their pages to appear when touched (a short capture
// touches a little of them). A std::vector's storage (TableAllocator) is
// never faulted in here: the vector writes its values as it constructs them,
// and its spare capacity stays unbacked until it grows into it.
#pragma once
#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

namespace sigprobe {

inline constexpr size_t kHugePage = size_t{2} << 20;
inline constexpr size_t kTableHugeMin = kHugePage;

inline std::atomic<bool> g_table_prefault{false};
// Process-wide: map_zeroed_table() from now on faults its tables in.
inline void set_table_prefault(bool on) { g_table_prefault.store(on, std::memory_order_relaxed); }
inline bool table_prefault() { return g_table_prefault.load(std::memory_order_relaxed); }

// Fault [p, p+len) in, writable: MADV_POPULATE_WRITE (Linux 5.14), else a
// write per 4 KiB page (the memory is zero; writing zero changes nothing).
inline void prefault_table(void* p, size_t len) {
#ifdef MADV_POPULATE_WRITE
  if (madvise(p, len, MADV_POPULATE_WRITE) == 0) return;
#endif
  auto* b = static_cast<volatile unsigned char*>(p);
  for (size_t i = 0; i < len; i += 4096) b[i] = 0;
}

// bytes of zeroed memory from the kernel (pages appear when first touched),
// 2 MiB aligned and advised for huge pages; nullptr when it cannot be mapped.
// Release with unmap_table(p, bytes), the same bytes.
inline void* map_table(size_t bytes) {
  const size_t len = (bytes + kHugePage - 1) & ~(kHugePage - 1);
  void* raw = mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const uintptr_t r = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t p = (r + kHugePage - 1) & ~uintptr_t(kHugePage - 1);
  // Give back the slack before and after the aligned range.
  if (p > r) munmap(raw, p - r);
  if (const size_t tail = r + len + kHugePage - (p + len); tail > 0) munmap(reinterpret_cast<void*>(p + len), tail);
  madvise(reinterpret_cast<void*>(p), len, MADV_HUGEPAGE);  // advice: its failure changes nothing
  return reinterpret_cast<void*>(p);
}

// map_table() for a table used as mapped (read as zero where never written):
// under set_table_prefault(true) its pages are all there when it returns.
inline void* map_zeroed_table(size_t bytes) {
  void* p = map_table(bytes);
  if (p && table_prefault()) prefault_table(p, (bytes + kHugePage - 1) & ~(kHugePage - 1));
  return p;
}

inline void unmap_table(void* p, size_t bytes) {
  if (p == nullptr) return;
  munmap(p, (bytes + kHugePage - 1) & ~(kHugePage - 1));
}

// std::vector's allocator for table storage: map_table() from kTableHugeMin
// bytes on, operator new below. The choice depends only on the size, so
// deallocate() takes the same path as the allocate() it undoes.
template <class T>
struct TableAllocator {
  using value_type = T;
  TableAllocator() = default;
  template <class U>
  TableAllocator(const TableAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kTableHugeMin) return static_cast<T*>(::operator new(bytes, std::align_val_t(alignof(T))));
    void* p = map_table(bytes);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kTableHugeMin) {
      ::operator delete(p, std::align_val_t(alignof(T)));
      return;
    }
    unmap_table(p, bytes);
  }
  template <class U>
  bool operator==(const TableAllocator<U>&) const noexcept { return true; }
};

}  // namespace sigprobe
