#include "dataplane/io/dpdk/mbuf_packet.hpp"

#include <cstring>
#include <ctime>

namespace sigprobe::dpdk {

RxClock RxClock::make() {
  RxClock c;
  // Registering is idempotent: it returns the PMD's field when the PMD
  // registered it first (net_pcap does at probe), else reserves it so that a
  // PMD with the timestamp offload fills it.
  int offset = -1;
  uint64_t flag = 0;
  if (rte_mbuf_dyn_rx_timestamp_register(&offset, &flag) == 0) {
    c.field_offset_ = offset;
    c.flag_ = flag;
  }
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  c.tsc0_ = rte_rdtsc();
  c.tsc_hz_ = rte_get_tsc_hz();
  if (c.tsc_hz_ == 0) c.tsc_hz_ = 1;
  c.epoch_ns0_ = uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
  return c;
}

uint64_t pmd_timestamp_unit_ns(const char* driver_name) {
  if (driver_name && std::strcmp(driver_name, "net_pcap") == 0) return 1000;
  return 1;
}

}  // namespace sigprobe::dpdk
