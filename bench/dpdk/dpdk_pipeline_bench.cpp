// bench_dpdk [EAL args] -- [--mode inline|tap] [--workers N] [--seconds S] [--no-detect]
//            [--json FILE] [CAPTURE...]
//
// Packets per second per worker lcore through the whole pipeline (RX, mbuf
// views, decode, track + detect, act) with no file I/O in the loop.
// The captures (default: the mixed SIP + SIGTRAN workload of pcaps/ and the
// shared corpus, bench/l2l4/dpdk_workload.hpp) are preloaded into mbufs,
// split over N rte_rings by IP pair as RSS would. Modes:
//  - inline (default): the rings are the RX and TX queues of two net_ring
//    ports bridged inline: every packet forwarded goes back onto the ring it
//    came from, so the same mbufs circulate for the whole run;
//  - tap: one net_ring port; the worker frees every packet to the mempool
//    (in bulk) as a tap does, and a feeder thread stands in for the NIC:
//    it allocates mbufs, copies each queue's next packets into them and
//    enqueues them (it takes a core of its own; the worker's figures do not
//    include it).
// Prints packets/s per lcore and TSC cycles per packet by stage, and one JSON
// line (--json) for scripts to compare runs.
//
// Caveat, stated with the figures: packets repeat, so the decoder meets
// SCTP TSNs and TCP segments it has seen (suppressed as duplicates) and the
// analyzer meets the same calls again; the messages decoded per second are
// printed beside the packets per second.
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/l2l4/dpdk_workload.hpp"
#include "dataplane/core/table_memory.hpp"
#include "dataplane/io/dpdk/eal.hpp"
#include "dataplane/io/dpdk/mbuf_packet.hpp"
#include "host/detect/analyzer.hpp"
#include "host/dp/engine.hpp"

namespace {

using namespace sigprobe;

constexpr const char* kUsage =
    "bench_dpdk [EAL args] -- [--mode inline|tap] [--workers N] [--seconds S] [--no-detect] [--json FILE] "
    "[CAPTURE...]\n"
    "  --mode inline  two net_ring ports bridged, every packet forwarded back onto its ring (default)\n"
    "  --mode tap     one port, every packet freed to the mempool; a feeder thread refills the rings\n"
    "  --workers N    worker lcores (EAL -l must give N besides the main one; 1: may run on the main)\n"
    "  --seconds S    run time (default 5)\n"
    "  --no-detect    decode only: no track/detect stage\n"
    "  --refs-only    the RX view alone: queue 0's ring, a burst of 32 at a time, through\n"
    "                 dpdk::to_packet_refs, the bytes summed, back onto the ring (no port, no decode)\n"
    "  --json FILE    one JSON line with the figures\n"
    "  CAPTURE...     captures to replay (default: the mixed workload of pcaps/ and the shared corpus)\n";

struct BenchArgs {
  bool tap = false;
  uint16_t workers = 1;
  double seconds = 5;
  bool no_detect = false;
  bool refs_only = false;
  std::string json;
  std::vector<std::string> captures;
};

uint32_t ip_pair_hash(const uint8_t* b, uint32_t len) {
  uint32_t off = 12;
  auto u16 = [&](uint32_t at) { return at + 1 < len ? uint32_t(b[at] << 8 | b[at + 1]) : 0u; };
  uint32_t type = u16(off);
  while ((type == 0x8100 || type == 0x88a8) && off + 4 < len) { off += 4; type = u16(off); }
  off += 2;
  uint32_t h = 0;
  uint32_t a = type == 0x0800 ? off + 12 : off + 8, n = type == 0x0800 ? 8 : 32;
  if ((type == 0x0800 || type == 0x86dd) && a + n <= len)
    for (uint32_t i = 0; i < n; ++i) h ^= uint32_t(b[a + i]) << (8 * (i % 4));
  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  return h;
}

int fail(const std::string& s) {
  std::fprintf(stderr, "bench_dpdk: %s\n", s.c_str());
  return 2;
}

// --refs-only: TSC cycles per packet of dpdk::to_packet_refs over the
// preloaded mbufs. The packet bytes are read too (a 64-bit sum of each
// packet, as a decoder reads it all), so the headers leave the cache between
// laps as they do in the pipeline. The ring dequeue and enqueue and that sum
// are in the figure.
int refs_only(rte_ring* ring, double seconds) {
  const dpdk::RxClock clock = dpdk::RxClock::make();
  EventBatch arena;
  dpdk::MbufViewStats st;
  std::array<rte_mbuf*, 32> m{};
  std::array<PacketRef, 32> refs{};
  uint64_t packets = 0, check = 0, cycles = 0;
  const uint64_t end = rte_rdtsc() + uint64_t(seconds * double(rte_get_tsc_hz()));
  while (rte_rdtsc() < end) {
    const uint64_t t0 = rte_rdtsc();
    for (int k = 0; k < 1024; ++k) {
      const unsigned n = rte_ring_dequeue_burst(ring, reinterpret_cast<void**>(m.data()), unsigned(m.size()), nullptr);
      arena.clear();
      dpdk::to_packet_refs({m.data(), n}, {refs.data(), n}, clock, 1, LinkType::Ethernet, 0, arena, st);
      for (unsigned i = 0; i < n; ++i) {
        check += refs[i].caplen + refs[i].ts_ns;
        for (uint32_t at = 0; at + 8 <= refs[i].caplen; at += 8) {
          uint64_t w;
          std::memcpy(&w, refs[i].data + at, 8);
          check += w;
        }
      }
      rte_ring_enqueue_burst(ring, reinterpret_cast<void**>(m.data()), n, nullptr);
      packets += n;
    }
    cycles += rte_rdtsc() - t0;
  }
  std::printf("refs-only: %llu packets, %.1f cycles/packet (TSC %.2f GHz; check %llu)\n",
              (unsigned long long)packets, packets ? double(cycles) / double(packets) : 0.0,
              double(rte_get_tsc_hz()) / 1e9, (unsigned long long)(check & 0xff));
  dpdk::eal_cleanup();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> eal{argv[0]};
  BenchArgs b;
  int i = 1;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) eal.push_back(argv[i]);
  for (++i; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--mode" && i + 1 < argc) {
      const std::string m = argv[++i];
      if (m != "inline" && m != "tap") return fail("--mode " + m + ": expected inline or tap");
      b.tap = m == "tap";
    } else if (a == "--workers" && i + 1 < argc) b.workers = uint16_t(std::stoi(argv[++i]));
    else if (a == "--seconds" && i + 1 < argc) b.seconds = std::stod(argv[++i]);
    else if (a == "--json" && i + 1 < argc) b.json = argv[++i];
    else if (a == "--no-detect") b.no_detect = true;
    else if (a == "--refs-only") b.refs_only = true;
    else if (!a.empty() && a[0] != '-') b.captures.push_back(a);
    else return fail("unknown option " + a + " (--help lists them)");
  }
  if (b.captures.empty()) b.captures = bench::dpdk_workload_captures(SIGPROBE_SOURCE_DIR);
  if (b.captures.empty()) return fail("no capture given and none found under pcaps/");
  std::string err;
  if (!dpdk::eal_init(eal, err)) return fail(err);

  // Preload: every Ethernet packet of every capture, in order, into mbufs.
  std::vector<std::vector<uint8_t>> pkts;
  if (!bench::load_ethernet_packets(b.captures, pkts, err)) return fail(err);
  if (pkts.empty()) return fail("no Ethernet packets in the captures");
  const uint16_t nw = b.workers;
  // tap: room for a second copy of the workload in flight (freed by the
  // worker into its lcore cache, refilled by the feeder) and a cache as a
  // real RX pool has; inline allocates nothing after the preload.
  rte_mempool* pool = rte_pktmbuf_pool_create("bench_mbufs", unsigned(pkts.size() * (b.tap ? 2 : 1) + 1024),
                                              b.tap ? 256 : 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, int(rte_socket_id()));
  if (!pool) return fail("cannot allocate the preload mbufs (more -m?)");
  std::vector<rte_ring*> loop(nw), unused(nw);
  unsigned ring_size = 1024;
  while (ring_size <= pkts.size() + 1) ring_size <<= 1;
  for (uint16_t q = 0; q < nw; ++q) {
    loop[q] = rte_ring_create(("bench_loop" + std::to_string(q)).c_str(), ring_size, int(rte_socket_id()), 0);
    unused[q] = rte_ring_create(("bench_back" + std::to_string(q)).c_str(), ring_size, int(rte_socket_id()), 0);
    if (!loop[q] || !unused[q]) return fail("cannot create the rings");
  }
  std::vector<size_t> per_queue(nw, 0);
  std::vector<std::vector<uint32_t>> queue_pkts(nw);  // each queue's packets, in order
  uint64_t bytes = 0;
  for (auto& p : pkts) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    char* d = m ? rte_pktmbuf_append(m, uint16_t(p.size())) : nullptr;
    if (!d) return fail("packet of " + std::to_string(p.size()) + " bytes does not fit an mbuf");
    std::memcpy(d, p.data(), p.size());
    uint16_t q = uint16_t(ip_pair_hash(p.data(), uint32_t(p.size())) % nw);
    rte_ring_enqueue(loop[q], m);
    queue_pkts[q].push_back(uint32_t(&p - pkts.data()));
    ++per_queue[q];
    bytes += p.size();
  }
  if (b.refs_only) return refs_only(loop[0], b.seconds);
  // Port A receives from loop[q] and transmits to back[q]; port B the other
  // way: inline A->B puts every packet back on the ring it came from.
  // tap: port A alone, its TX rings unused.
  const int port_a = rte_eth_from_rings("bench_a", loop.data(), nw, unused.data(), nw, rte_socket_id());
  const int port_b =
      b.tap ? 0 : rte_eth_from_rings("bench_b", unused.data(), nw, loop.data(), nw, rte_socket_id());
  if (port_a < 0 || port_b < 0) return fail("cannot create the net_ring ports");

  std::unique_ptr<DetectAnalyzer> analyzer;
  if (!b.no_detect) {
    set_table_prefault(true);  // as sigprobe dpdk
    analyzer = make_analyzer(AnalyzerOptions{}, err);
    if (!analyzer) return fail(err);
  }
  dp::DpOptions o;
  o.mode = b.tap ? dp::Mode::Tap : dp::Mode::Inline;
  o.ports = {std::to_string(port_a)};
  if (!b.tap) o.ports.push_back(std::to_string(port_b));
  o.workers = nw;
  std::atomic<bool> stop{false};
  std::thread timer([&] {
    std::this_thread::sleep_for(std::chrono::duration<double>(b.seconds));
    stop = true;
  });
  // tap: the NIC's part. Each queue's packets go round in order, a burst at
  // a time, into fresh mbufs, whenever its ring has room for a burst.
  uint64_t fed = 0, pool_empty = 0;
  std::thread feeder;
  if (b.tap) {
    feeder = std::thread([&] {
      std::vector<size_t> next(nw, 0);
      std::array<rte_mbuf*, 32> m{};
      while (!stop.load(std::memory_order_relaxed)) {
        bool any = false;
        for (uint16_t q = 0; q < nw; ++q) {
          if (queue_pkts[q].empty() || rte_ring_free_count(loop[q]) < m.size()) continue;
          if (rte_pktmbuf_alloc_bulk(pool, m.data(), unsigned(m.size())) != 0) {
            ++pool_empty;
            continue;
          }
          for (rte_mbuf* mb : m) {
            const auto& p = pkts[queue_pkts[q][next[q]]];
            next[q] = (next[q] + 1) % queue_pkts[q].size();
            std::memcpy(rte_pktmbuf_append(mb, uint16_t(p.size())), p.data(), p.size());
          }
          const unsigned n = rte_ring_enqueue_burst(loop[q], reinterpret_cast<void**>(m.data()),
                                                    unsigned(m.size()), nullptr);
          if (n < m.size()) rte_pktmbuf_free_bulk(m.data() + n, unsigned(m.size() - n));
          fed += n;
          any = true;
        }
        // Rings full: the worker has thousands of packets queued; nap.
        if (!any) std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    });
  }
  std::ostringstream report;
  dp::DpResult r;
  int rc = dp::run_dataplane(o, analyzer.get(), {}, stop, report, r, err);
  timer.join();
  if (feeder.joinable()) feeder.join();
  if (rc != 0) return fail(err);

  uint64_t messages = 0;
  for (uint64_t m : r.decode.messages) messages += m;
  const double pps = double(r.rx_packets) / r.seconds;
  const double per = r.rx_packets ? 1.0 / double(r.rx_packets) : 0;
  std::printf("workload: %zu packets (%zu captures, %.0f bytes avg), per queue:", pkts.size(), b.captures.size(),
              double(bytes) / double(pkts.size()));
  for (size_t q : per_queue) std::printf(" %zu", q);
  std::printf("\nmode %s, workers %u, detection %s, %.2f s\n", b.tap ? "tap" : "inline", nw,
              b.no_detect ? "off" : "on", r.seconds);
  std::printf("packets/s total %.0f, per worker lcore %.0f (%.2f Mpps/lcore)\n", pps, pps / nw, pps / nw / 1e6);
  std::printf("messages decoded/s %.0f; duplicate SCTP TSNs suppressed %llu, TCP retransmissions %llu\n",
              double(messages) / r.seconds, (unsigned long long)r.decode.reasm.sctp_duplicate_tsns,
              (unsigned long long)r.decode.reasm.tcp_retransmissions);
  std::printf("cycles/packet: decode %.0f, detect %.0f (workers) %.0f (detect lcore), act %.0f, worker busy %.0f"
              " (TSC %.2f GHz)\n",
              double(r.cycles_decode) * per, double(r.cycles_detect) * per, double(r.detect_lcore_cycles) * per,
              double(r.cycles_act) * per, double(r.busy_cycles) * per, double(r.tsc_hz) / 1e9);
  std::printf("forwarded %llu, tx full %llu\n", (unsigned long long)r.forwarded, (unsigned long long)r.tx_full);
  if (b.tap)
    std::printf("tap feeder: %llu packets fed, pool empty %llu times\n", (unsigned long long)fed,
                (unsigned long long)pool_empty);
  if (!b.json.empty()) {
    std::ofstream j(b.json);
    j << "{\"mode\":\"" << (b.tap ? "tap" : "inline") << "\",\"workers\":" << nw << ",\"detect\":" << (b.no_detect ? "false" : "true") << ",\"packets\":"
      << r.rx_packets << ",\"seconds\":" << r.seconds << ",\"pps_per_lcore\":" << pps / nw
      << ",\"cycles_decode\":" << double(r.cycles_decode) * per << ",\"cycles_detect\":"
      << double(r.cycles_detect + r.detect_lcore_cycles) * per << ",\"cycles_act\":" << double(r.cycles_act) * per
      << "}\n";
  }
  analyzer.reset();
  dpdk::eal_cleanup();
  return 0;
}
