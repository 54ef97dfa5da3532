// Benchmarks of the L2-L4 walk and of decode_burst (walk + SIP/SS7 decode),
// over packets loaded into memory before timing, whole bursts at a time.
//   bench_l2l4 --benchmark_counters_tabular=true [--benchmark_format=json]
// Counters: items_per_second = packets/s, bytes_per_second, and
// allocs_per_pkt (global operator new calls per packet while timing; the
// steady state should show 0).
#include <benchmark/benchmark.h>
#include <valgrind/callgrind.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "bench/l2l4/dpdk_workload.hpp"
#include "dataplane/decode.hpp"
#include "dataplane/io/packet_source.hpp"
#include "dataplane/l2l4/walk.hpp"

#include "tests/support/count_allocations.hpp"  // this binary's one counting operator new

namespace sigprobe {
namespace {

using Buf = std::vector<uint8_t>;

void put16(Buf& b, uint16_t v) {
  b.push_back(uint8_t(v >> 8));
  b.push_back(uint8_t(v));
}

// Ethernet / IPv4 / UDP / SIP INVITE of about `size` bytes on the wire, with
// a distinct Call-ID and source port per packet. Written here from RFC 3261.
Buf sip_udp_frame(size_t size, unsigned i) {
  std::string sip =
      "INVITE sip:+8613800138000@ims.example.net SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 10.1.2.3:5060;branch=z9hG4bK" + std::to_string(100000 + i) + "\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:+4917612345678@ims.example.net>;tag=" + std::to_string(i) + "\r\n"
      "To: <sip:+8613800138000@ims.example.net>\r\n"
      "Call-ID: bench-" + std::to_string(i) + "@10.1.2.3\r\n"
      "CSeq: 1 INVITE\r\n"
      "User-Agent: bench/1.0\r\n"
      "Contact: <sip:+4917612345678@10.1.2.3:5060>\r\n"
      "Content-Type: application/sdp\r\n";
  std::string sdp = "v=0\r\no=- 1 1 IN IP4 10.1.2.3\r\ns=-\r\nc=IN IP4 10.1.2.3\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n";
  const size_t fixed = 14 + 20 + 8 + sip.size() + 24 + sdp.size();
  if (fixed < size) sdp += "a=x:" + std::string(size - fixed - 6, 'p') + "\r\n";
  sip += "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp;

  Buf b = {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10, 0x08, 0x00};
  const size_t ip_len = 20 + 8 + sip.size();
  Buf ip = {0x45, 0};
  put16(ip, uint16_t(ip_len));
  put16(ip, uint16_t(i));
  put16(ip, 0);
  ip.push_back(64);
  ip.push_back(17);
  put16(ip, 0);
  for (uint8_t x : {10, 1, 2, 3, 10, 9, 8, 7}) ip.push_back(x);
  uint32_t s = 0;
  for (size_t k = 0; k < 20; k += 2) s += uint32_t(ip[k] << 8 | ip[k + 1]);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  ip[10] = uint8_t(~s >> 8);
  ip[11] = uint8_t(~s);
  b.insert(b.end(), ip.begin(), ip.end());
  put16(b, uint16_t(20000 + i % 40000));
  put16(b, 5060);
  put16(b, uint16_t(8 + sip.size()));
  put16(b, 0);
  b.insert(b.end(), sip.begin(), sip.end());
  return b;
}

struct Corpus {
  std::vector<Buf> frames;
  std::vector<PacketRef> refs;
  uint64_t bytes = 0;
  void finish(LinkType link) {
    refs.clear();
    bytes = 0;
    for (size_t i = 0; i < frames.size(); ++i) {
      PacketRef p;
      p.data = frames[i].data();
      p.caplen = p.wirelen = uint32_t(frames[i].size());
      p.ts_ns = 1'700'000'000'000'000'000ull + i * 1000;
      p.frame = i + 1;
      p.link = link;
      refs.push_back(p);
      bytes += frames[i].size();
    }
  }
};

const Corpus& synthetic() {
  static Corpus c = [] {
    Corpus k;
    for (unsigned i = 0; i < 4096; ++i) k.frames.push_back(sip_udp_frame(750, i));
    k.finish(LinkType::Ethernet);
    return k;
  }();
  return c;
}

// A capture of the shared corpus loaded whole into memory (empty when absent).
Corpus load_capture(const std::string& rel) {
  Corpus k;
  std::string path = std::string(SIGPROBE_SOURCE_DIR) + "/../shared/corpus/" + rel;
  std::string err;
  auto src = open_pcap_file(path, 0, err);
  if (!src) return k;
  std::array<PacketRef, kBurstMax> burst;
  LinkType link = LinkType::Ethernet;
  while (true) {
    uint16_t n = src->rx_burst(burst);
    if (n == 0 && src->at_end()) break;
    for (uint16_t i = 0; i < n; ++i) {
      k.frames.emplace_back(burst[i].data, burst[i].data + burst[i].caplen);
      link = burst[i].link;
    }
  }
  k.finish(link);
  return k;
}

// decode_burst over the set, burst after burst. With `fresh_per_pass`, a new
// Decoder starts every pass over a capture (outside the timing): replaying
// the same TCP segments or SCTP TSNs to the same decoder would only measure
// retransmission suppression. Slot creation for the flows of each pass then
// shows in allocs_per_pkt; the synthetic UDP set keeps one decoder.
void run_decode(benchmark::State& state, const Corpus& k, bool fresh_per_pass) {
  if (k.refs.empty()) {
    state.SkipWithError("capture not found");
    return;
  }
  auto dec = std::make_unique<Decoder>();
  EventBatch out;
  DecodeCounters c;
  size_t at = 0;
  if (!fresh_per_pass) {
    // Warm up once over the whole set: reassembly slots get created here.
    for (size_t i = 0; i < k.refs.size(); i += kBurstMax) {
      out.clear();
      dec->decode_burst({k.refs.data() + i, std::min<size_t>(kBurstMax, k.refs.size() - i)}, out, c);
    }
    c = DecodeCounters{};
  }
  uint64_t packets = 0, bytes = 0, events = 0, allocs = 0;
  uint64_t allocs0 = test::allocation_count();
  for (auto _ : state) {
    if (at == 0 && fresh_per_pass && packets) {
      state.PauseTiming();
      allocs += test::allocation_count() - allocs0;
      dec = std::make_unique<Decoder>();
      allocs0 = test::allocation_count();
      state.ResumeTiming();
    }
    const size_t n = std::min<size_t>(kBurstMax, k.refs.size() - at);
    out.clear();
    dec->decode_burst({k.refs.data() + at, n}, out, c);
    events += out.size();
    for (size_t i = 0; i < n; ++i) bytes += k.refs[at + i].caplen;
    packets += n;
    at = (at + n) % k.refs.size();
  }
  allocs += test::allocation_count() - allocs0;
  state.SetItemsProcessed(int64_t(packets));
  state.SetBytesProcessed(int64_t(bytes));
  state.counters["allocs_per_pkt"] = double(allocs) / double(packets ? packets : 1);
  state.counters["events_per_pkt"] = double(events) / double(packets ? packets : 1);
  state.counters["events_per_s"] = benchmark::Counter(double(events), benchmark::Counter::kIsRate);
}

// The walk alone, with a handler that only looks at what it is handed.
struct NullHandler final : l2l4::L4Handler {
  uint64_t seen = 0;
  void on_udp(const MsgContext&, Bytes b, bool) override { seen += b.size(); }
  bool want_tcp_stream(const MsgContext&, Bytes) override { return true; }
  size_t on_tcp_data(const MsgContext&, Bytes b, bool, size_t) override {
    seen += b.size();
    return b.size();
  }
  void on_sctp_message(const MsgContext&, Bytes b, bool) override { seen += b.size(); }
};

void BM_WalkSipUdp750(benchmark::State& state) {
  const Corpus& k = synthetic();
  l2l4::Walker walker;
  NullHandler h;
  DecodeCounters c;
  size_t at = 0;
  uint64_t packets = 0, bytes = 0;
  const uint64_t allocs0 = test::allocation_count();
  for (auto _ : state) {
    const size_t n = std::min<size_t>(kBurstMax, k.refs.size() - at);
    for (size_t i = 0; i < n; ++i) {
      walker.walk(k.refs[at + i], h, c);
      bytes += k.refs[at + i].caplen;
    }
    packets += n;
    at = (at + n) % k.refs.size();
  }
  benchmark::DoNotOptimize(h.seen);
  state.SetItemsProcessed(int64_t(packets));
  state.SetBytesProcessed(int64_t(bytes));
  state.counters["allocs_per_pkt"] = double(test::allocation_count() - allocs0) / double(packets ? packets : 1);
}
BENCHMARK(BM_WalkSipUdp750);

void BM_DecodeSipUdp750(benchmark::State& state) { run_decode(state, synthetic(), false); }
BENCHMARK(BM_DecodeSipUdp750);

void BM_DecodeCaptureSipScan(benchmark::State& state) {
  static Corpus k = load_capture("initconf__sip-attacks/SIP-212.32.250.134");
  run_decode(state, k, true);
}
BENCHMARK(BM_DecodeCaptureSipScan);

void BM_DecodeCaptureSipTcpSegmented(benchmark::State& state) {
  static Corpus k = load_capture("sipcapture__heplify/sip_ipv4_tcp_fragmented.pcap");
  run_decode(state, k, true);
}
BENCHMARK(BM_DecodeCaptureSipTcpSegmented);

void BM_DecodeCaptureSigtran(benchmark::State& state) {
  static Corpus k = load_capture("araditc__sigtran.net/sigtran.net-performance-first3000.pcap");
  run_decode(state, k, true);
}
BENCHMARK(BM_DecodeCaptureSigtran);

// The DPDK bench's workload (dpdk_workload.hpp) decoded lap after lap by one
// decoder, in bursts of 32 as net_ring hands them to the worker: from the
// second lap on, SCTP TSNs and TCP segments repeat and are suppressed as
// duplicates, as in bench_dpdk. Capture time moves on 1 us a packet. The
// decode part of bench_dpdk's cycles/packet without mbufs, rings or EAL.
// For a figure that does not wobble on a shared machine, count instructions:
//   valgrind --tool=callgrind --instr-atstart=no bench_l2l4
//            --benchmark_filter=DpdkWorkload/callgrind
// The timed loop runs between CALLGRIND_START/STOP_INSTRUMENTATION; the
// dump is of that loop alone, and the counter `packets` divides it.
void BM_DecodeDpdkWorkload(benchmark::State& state) {
  static const Corpus k = [] {
    Corpus c;
    std::string err;
    if (!bench::load_ethernet_packets(bench::dpdk_workload_captures(SIGPROBE_SOURCE_DIR), c.frames, err))
      c.frames.clear();
    c.finish(LinkType::Ethernet);
    return c;
  }();
  if (k.refs.empty()) {
    state.SkipWithError("captures not found");
    return;
  }
  constexpr size_t kBurst = 32;
  Decoder dec;
  EventBatch out;
  DecodeCounters c;
  std::array<PacketRef, kBurst> burst;
  uint64_t now_ns = 1'700'000'000'000'000'000ull;
  size_t at = 0;
  auto one_burst = [&] {
    const size_t n = std::min(kBurst, k.refs.size() - at);
    for (size_t i = 0; i < n; ++i) {
      burst[i] = k.refs[at + i];
      burst[i].ts_ns = now_ns += 1000;
    }
    out.clear();
    dec.decode_burst({burst.data(), n}, out, c);
    at = (at + n) % k.refs.size();
    return n;
  };
  do one_burst(); while (at != 0);  // first lap: flows and slots created
  c = DecodeCounters{};
  uint64_t packets = 0, events = 0, bytes = 0;
  const uint64_t allocs0 = test::allocation_count();
  CALLGRIND_START_INSTRUMENTATION;
  for (auto _ : state) {
    packets += one_burst();
    events += out.size();
  }
  CALLGRIND_STOP_INSTRUMENTATION;
  const uint64_t allocs = test::allocation_count() - allocs0;  // before the counters map allocates
  for (const PacketRef& p : k.refs) bytes += p.caplen;
  state.SetItemsProcessed(int64_t(packets));
  state.SetBytesProcessed(int64_t(double(bytes) * double(packets) / double(k.refs.size())));
  state.counters["packets"] = double(packets);
  state.counters["allocs_per_pkt"] = double(allocs) / double(packets ? packets : 1);
  state.counters["events_per_pkt"] = double(events) / double(packets ? packets : 1);
  state.counters["dup_tsn_per_pkt"] = double(c.reasm.sctp_duplicate_tsns) / double(packets ? packets : 1);
}
BENCHMARK(BM_DecodeDpdkWorkload);
// Four laps of 16,044 packets in 502 bursts each: a fixed count for callgrind.
BENCHMARK(BM_DecodeDpdkWorkload)->Name("BM_DecodeDpdkWorkload/callgrind")->Iterations(4 * 502);

}  // namespace
}  // namespace sigprobe

BENCHMARK_MAIN();
