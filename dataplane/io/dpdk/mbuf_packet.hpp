// mbufs as PacketRefs, without copying: a single-segment mbuf is viewed in
// place (rte_pktmbuf_mtod); a multi-segment one is gathered into the burst's
// arena (rte_pktmbuf_read). Timestamps come from the mbuf RX
// timestamp dynamic field when the PMD sets it (net_pcap does, NICs with the
// timestamp offload do), else from the TSC mapped onto the wall clock once.
// Owner: dataplane/io/dpdk.
#pragma once
#include <cstdint>
#include <span>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "dataplane/core/packet.hpp"
#include "dataplane/core/signal_event.hpp"

namespace sigprobe::dpdk {

// Where timestamps come from; built once per process after rte_eal_init.
class RxClock {
 public:
  // Looks up the RX timestamp dynamic field and flag (registered by the PMD
  // or by us) and pins the TSC to the wall clock.
  static RxClock make();

  // ns since the epoch: the PMD's stamp (in units of unit_ns) when the mbuf
  // carries one, else `now_ns` (tsc_to_ns of the burst's arrival, mapped
  // once per burst: the mapping costs two 64-bit divisions).
  uint64_t stamp(const rte_mbuf* m, uint64_t now_ns, uint64_t unit_ns) const {
    if (field_offset_ >= 0 && (m->ol_flags & flag_) != 0)
      return *RTE_MBUF_DYNFIELD(m, field_offset_, const rte_mbuf_timestamp_t*) * unit_ns;
    return now_ns;
  }
  uint64_t tsc_to_ns(uint64_t tsc) const {
    // tsc_hz can exceed 2^32; split to keep the product in 64 bits.
    uint64_t d = tsc - tsc0_;
    return epoch_ns0_ + (d / tsc_hz_) * 1'000'000'000ull + (d % tsc_hz_) * 1'000'000'000ull / tsc_hz_;
  }
  bool has_pmd_field() const { return field_offset_ >= 0; }

 private:
  int field_offset_ = -1;
  uint64_t flag_ = 0;
  uint64_t tsc0_ = 0, tsc_hz_ = 1, epoch_ns0_ = 0;
};

struct MbufViewStats {
  uint64_t multi_segment = 0;   // gathered into the arena
  uint64_t unreadable = 0;      // arena full: caplen 0, counted
};

// The unit of a PMD's RX timestamp in ns: net_pcap (22.11) stores the pcap
// record time in microseconds; NICs with the timestamp offload and a
// real-time clock store ns.
uint64_t pmd_timestamp_unit_ns(const char* driver_name);

// Fill refs[i] for mbufs[i]; frame numbers are the burst position + 1 (the
// caller renumbers). Multi-segment packets are gathered into `arena`, which
// must live as long as the refs (it is the burst's EventBatch, so events that
// point into those bytes stay valid with it).
inline void to_packet_refs(std::span<rte_mbuf* const> mbufs, std::span<PacketRef> refs, const RxClock& clock,
                           uint64_t ts_unit_ns, LinkType link, uint16_t port, EventBatch& arena,
                           MbufViewStats& st) {
  const uint64_t now_ns = clock.tsc_to_ns(rte_rdtsc());
  for (size_t i = 0; i < mbufs.size(); ++i) {
    const rte_mbuf* m = mbufs[i];
    PacketRef& r = refs[i];
    r.wirelen = m->pkt_len;
    r.ts_ns = clock.stamp(m, now_ns, ts_unit_ns);
    r.frame = i + 1;
    r.link = link;
    r.port = port;
    if (m->nb_segs == 1) [[likely]] {
      r.data = rte_pktmbuf_mtod(m, const uint8_t*);
      r.caplen = m->data_len;
      continue;
    }
    ++st.multi_segment;
    char* dst = arena.alloc(m->pkt_len);
    const void* p = dst ? rte_pktmbuf_read(m, 0, m->pkt_len, dst) : nullptr;
    if (!p) ++st.unreadable;
    r.data = static_cast<const uint8_t*>(p);
    r.caplen = p ? m->pkt_len : 0;
  }
}

}  // namespace sigprobe::dpdk
