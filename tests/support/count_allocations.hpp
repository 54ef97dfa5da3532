// Counts every allocation of the process by replacing the global operator
// new/delete (C++20 [replacement.functions]). Include it in exactly ONE
// translation unit of a test or benchmark binary; read allocation_count()
// before and after the code that must not allocate.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace sigprobe::test {
inline std::atomic<uint64_t> g_allocation_count{0};
inline uint64_t allocation_count() { return g_allocation_count.load(std::memory_order_relaxed); }
}  // namespace sigprobe::test

void* operator new(size_t n) {
  sigprobe::test::g_allocation_count.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
