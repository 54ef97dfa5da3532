// The Vitis HLS headers when they are present, small stand-ins when they are
// not (g++ builds of the kernels: the csim backend and the test benches).
#pragma once

#if __has_include(<hls_stream.h>) && __has_include(<ap_int.h>)
#include <ap_int.h>
#include <hls_stream.h>
#define SP_HLS_VITIS 1
#define SP_HLS_PRAGMA(x) _Pragma(#x)
#else
#include <deque>

#define SP_HLS_VITIS 0
#define SP_HLS_PRAGMA(x)

namespace hls {

// Unbounded FIFO with hls::stream's read/write/empty. Under g++ the dataflow
// processes run one after the other, so a stage sees everything its producer
// wrote (the same model as Vitis C-simulation).
template <typename T>
class stream {
 public:
  stream() {}
  explicit stream(const char*) {}
  void write(const T& v) { q_.push_back(v); }
  T read() {
    T v = q_.front();
    q_.pop_front();
    return v;
  }
  bool read_nb(T& v) {
    if (q_.empty()) return false;
    v = read();
    return true;
  }
  bool empty() const { return q_.empty(); }
  unsigned size() const { return unsigned(q_.size()); }

 private:
  std::deque<T> q_;
};

}  // namespace hls
#endif
