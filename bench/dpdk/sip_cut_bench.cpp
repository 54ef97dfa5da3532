// What keeping SIP dialogs for a cut costs the detect lcore (inline,
// --enforce, a blocking victim_on_line rule: host/dp/sip_cut.hpp), over the
// SIP messages of pcaps/scenarios/calls.pcap (2,500 subscribers, an hour of
// calls) as the decoder hands them over:
//   BM_SipDialogsLearn/SLOTS: every SIP-over-UDP event of the capture into an
//     empty store (its mapping outside the timing); items = events.
//   BM_SipByeBuild: both BYEs of every dialog answered in the capture (its
//     BYEs left out, so that the dialogs stay up).
//   ninja -C build bench_sip_cut && build/bench/dpdk/bench_sip_cut
#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/decode.hpp"
#include "dataplane/io/packet_source.hpp"
#include "host/dp/sip_cut.hpp"
#include "host/track/call_tracker.hpp"

namespace {

using namespace sigprobe;

struct Item {
  std::span<const uint8_t> frame;
  const SipInfo* sip;
};

struct Workload {
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<PacketRef> pkts;
  std::vector<std::unique_ptr<EventBatch>> batches;
  std::vector<Item> items;
  size_t packets = 0;
  std::string err;
};

const Workload& workload() {
  static Workload w = [] {
    Workload w;
    auto src = open_pcap_file(std::string(SIGPROBE_SOURCE_DIR) + "/pcaps/scenarios/calls.pcap", 0, w.err);
    if (!src) return w;
    std::array<PacketRef, kBurstMax> burst;
    for (uint16_t n; (n = src->rx_burst(burst)) > 0;)
      for (uint16_t i = 0; i < n; ++i) {
        w.bytes.emplace_back(burst[i].data, burst[i].data + burst[i].caplen);
        w.pkts.push_back(burst[i]);
      }
    for (size_t i = 0; i < w.pkts.size(); ++i) w.pkts[i].data = w.bytes[i].data();
    w.packets = w.pkts.size();
    Decoder dec;
    DecodeCounters c;
    for (size_t i = 0; i < w.pkts.size(); i += kBurstMax) {
      const size_t n = std::min<size_t>(kBurstMax, w.pkts.size() - i);
      for (size_t k = 0; k < n; ++k) w.pkts[i + k].frame = k + 1;
      w.batches.push_back(std::make_unique<EventBatch>());
      dec.decode_burst({w.pkts.data() + i, n}, *w.batches.back(), c);
      for (const SignalEvent& e : w.batches.back()->events())
        if (e.proto == Proto::Sip && e.transport == Transport::Udp && e.frame >= 1 && e.frame <= n)
          w.items.push_back({w.pkts[i + e.frame - 1].bytes(), &e.sip});
    }
    return w;
  }();
  return w;
}

void BM_SipDialogsLearn(benchmark::State& state) {
  const Workload& w = workload();
  if (w.items.empty()) {
    state.SkipWithError(("no SIP events: " + w.err).c_str());
    return;
  }
  std::unique_ptr<dp::SipDialogs> ds;
  for (auto _ : state) {
    state.PauseTiming();
    ds.reset();
    ds = std::make_unique<dp::SipDialogs>(size_t(state.range(0)));
    ds->reserve();
    state.ResumeTiming();
    for (const Item& it : w.items) ds->learn(it.frame, *it.sip, 1);
    benchmark::DoNotOptimize(ds->counters().learned);
  }
  state.SetItemsProcessed(int64_t(state.iterations() * w.items.size()));
  state.counters["events"] = double(w.items.size());
  state.counters["packets"] = double(w.packets);
  state.counters["dialogs"] = double(ds->counters().learned);
  state.counters["answered"] = double(ds->counters().answered);
}
// 4,096 slots (5 MiB: mostly in the caches) and the dataplane's 32,768 (41 MiB).
BENCHMARK(BM_SipDialogsLearn)->Arg(4096)->Arg(32768)->Unit(benchmark::kMicrosecond);

void BM_SipByeBuild(benchmark::State& state) {
  const Workload& w = workload();
  // The store as the capture's answers left it, no BYE seen: the dialogs a cut could take.
  dp::SipDialogs ds(4096);
  std::vector<uint64_t> answered;
  for (const Item& it : w.items) {
    if (it.sip->status == 0 && it.sip->method == SipMethod::Bye) continue;
    ds.learn(it.frame, *it.sip, 1);
    if (it.sip->status >= 200 && it.sip->status < 300 && it.sip->cseq_method == SipMethod::Invite)
      answered.push_back(track::call_id_hash(it.sip->call_id));
  }
  std::vector<const dp::SipDialog*> live;
  for (uint64_t k : answered)
    if (const dp::SipDialog* d = ds.find(k)) live.push_back(d);
  if (live.empty()) {
    state.SkipWithError("no answered dialog");
    return;
  }
  std::array<uint8_t, 2048> out;
  for (auto _ : state)
    for (const dp::SipDialog* d : live) {
      benchmark::DoNotOptimize(dp::build_sip_bye(*d, dp::CutSide::Callee, out));
      benchmark::DoNotOptimize(dp::build_sip_bye(*d, dp::CutSide::Caller, out));
    }
  state.SetItemsProcessed(int64_t(state.iterations() * live.size()));
  state.counters["dialogs"] = double(live.size());
}
BENCHMARK(BM_SipByeBuild)->Unit(benchmark::kMicrosecond);

}  // namespace
