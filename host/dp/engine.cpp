#include "host/dp/engine.hpp"

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/io/dpdk/mbuf_packet.hpp"
#include "dataplane/io/dpdk/port.hpp"
#include "host/dp/detect_stage.hpp"
#include "host/dp/worker.hpp"

namespace sigprobe::dp {
namespace {

using Clock = std::chrono::steady_clock;

unsigned ring_size_for(size_t n) {
  unsigned s = 2;
  while (s <= n) s <<= 1;
  return s;
}

struct PortPlan {
  uint16_t id = 0;
  bool input = false, output = false;
  dpdk::PortSetup setup;
};

// Everything the run owns, torn down in reverse.
struct Plane {
  const DpOptions& opts;
  const std::atomic<bool>& ext_stop;
  std::ostream& report;
  std::atomic<bool> stop{false};
  std::map<uint16_t, PortPlan> ports;
  std::vector<uint16_t> inputs;          // in option order
  uint16_t mirror = kNoPort;
  rte_mempool* pool = nullptr;
  dpdk::RxClock clock;
  std::vector<std::unique_ptr<Stream>> streams;
  std::vector<unsigned> stream_lcore;
  std::vector<std::unique_ptr<LcoreStats>> lstats;
  std::vector<unsigned> worker_lcore;    // lcore id of each worker
  std::vector<std::unique_ptr<Worker>> workers;
  DetectStats dstats;
  std::unique_ptr<DetectStage> stage;
  std::unique_ptr<Merger> merger;
  uint64_t tsc0 = 0;
  Clock::time_point t0, next_print, last_rx_change;
  uint64_t last_rx = 0;
  std::vector<uint64_t> empty_polls_at_change;  // per stream, when rx last moved

  Plane(const DpOptions& o, const std::atomic<bool>& s, std::ostream& r) : opts(o), ext_stop(s), report(r) {}
  ~Plane() {
    workers.clear();
    for (auto& st : streams)
      if (st->to_detect) rte_ring_free(st->to_detect);
    for (auto& [id, p] : ports) dpdk::stop_port(id);
    if (pool) rte_mempool_free(pool);
  }

  // Idle means the workers looked and found nothing, not that they were not
  // scheduled: a worker thread the host leaves unscheduled for longer than the
  // idle limit must not end the run before it read its capture. Two empty
  // polls of every queue since rx last moved (the first may have begun before).
  void mark_rx_change(Clock::time_point now) {
    last_rx_change = now;
    empty_polls_at_change.resize(streams.size());
    for (size_t i = 0; i < streams.size(); ++i) empty_polls_at_change[i] = streams[i]->stats.empty_polls.get();
  }

  bool every_queue_seen_empty() const {
    for (size_t i = 0; i < streams.size(); ++i)
      if (streams[i]->stats.empty_polls.get() < empty_polls_at_change[i] + 2) return false;
    return true;
  }

  uint64_t total_rx() const {
    uint64_t n = 0;
    for (auto& s : lstats) n += s->rx_packets.get();
    return n;
  }

  void print(bool final_report) {
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    const double tsc_span = double(rte_rdtsc() - tsc0);
    char line[1024];
    std::snprintf(line, sizeof line, "== sigprobe dpdk %s: %.1f s, %zu worker(s), %s%s%s\n",
                  final_report ? "final" : "stats", secs, workers.size(),
                  opts.mode == Mode::Inline ? "inline" : "tap", opts.enforce ? " enforce" : "",
                  mirror != kNoPort ? " mirror" : "");
    report << line;
    for (auto& [id, p] : ports) {
      auto s = dpdk::read_port_stats(id);
      std::snprintf(line, sizeof line,
                    "port %u %s (%s): rx %" PRIu64 " tx %" PRIu64 " missed %" PRIu64 " rx-errors %" PRIu64
                    " tx-errors %" PRIu64 " no-mbuf %" PRIu64 "\n",
                    id, p.setup.name.c_str(), p.setup.driver.c_str(), s.ipackets, s.opackets, s.imissed,
                    s.ierrors, s.oerrors, s.rx_nombuf);
      report << line;
    }
    for (size_t i = 0; i < streams.size(); ++i) {
      const Stream& st = *streams[i];
      std::snprintf(line, sizeof line, "  port %u rx queue %u (lcore %u): rx %" PRIu64 " bytes %" PRIu64 "\n",
                    st.port, st.queue, stream_lcore[i], st.stats.rx_packets.get(), st.stats.rx_bytes.get());
      report << line;
    }
    for (size_t w = 0; w < lstats.size(); ++w) {
      const LcoreStats& s = *lstats[w];
      const uint64_t rx = s.rx_packets.get();
      auto per = [rx](uint64_t c) { return rx ? double(c) / double(rx) : 0.0; };
      std::snprintf(line, sizeof line,
                    "lcore %u worker %zu: rx %" PRIu64 " forwarded %" PRIu64 " dropped %" PRIu64
                    " (enforce %" PRIu64 ", tx full %" PRIu64 ") rejected %" PRIu64 " (failed %" PRIu64
                    ") byes %" PRIu64 " (failed %" PRIu64 ") mirrored %" PRIu64 " (full %" PRIu64
                    ") events %" PRIu64 " anomalies %" PRIu64 " busy %.1f%% cycles/pkt decode %.0f detect %.0f"
                    " act %.0f\n",
                    worker_lcore[w], w, rx, s.tx_packets.get(), s.enforced.get() + s.tx_full.get(),
                    s.enforced.get(), s.tx_full.get(), s.rejected.get(), s.reject_failed.get(), s.byes_sent.get(),
                    s.byes_failed.get(), s.mirrored.get(), s.mirror_full.get(), s.events.get(),
                    s.anomalies.get(), tsc_span > 0 ? 100.0 * double(s.busy_cycles.get()) / tsc_span : 0.0,
                    per(s.cycles_decode.get()), per(s.cycles_detect.get()), per(s.cycles_act.get()));
      report << line;
    }
    std::snprintf(line, sizeof line,
                  "detect lcore %u: packets %" PRIu64 " events %" PRIu64 " alerts %" PRIu64 " flagged flows %" PRIu64
                  " held in place %" PRIu64 " (not held %" PRIu64 ", retransmissions held again %" PRIu64
                  ") calls cut %" PRIu64 " (failed %" PRIu64 ", dialogs seen %" PRIu64 " answered %" PRIu64
                  " not kept %" PRIu64 "; byes resent %" PRIu64 " answered %" PRIu64 " unanswered %" PRIu64
                  " not kept %" PRIu64 " failed %" PRIu64
                  ") offload fallbacks %" PRIu64 " merge waits %" PRIu64 " cycles/pkt %.0f\n",
                  rte_get_main_lcore(), dstats.packets.get(), dstats.events.get(), dstats.alerts.get(),
                  dstats.flagged_flows.get(), dstats.held.get(), dstats.not_held.get(), dstats.held_repeats.get(),
                  dstats.cuts.get(), dstats.cut_failed.get(), dstats.dialogs.get(), dstats.dialogs_answered.get(),
                  dstats.dialogs_not_kept.get(), dstats.byes_resent.get(), dstats.byes_answered.get(),
                  dstats.byes_unanswered.get(), dstats.resends_not_kept.get(), dstats.resend_failed.get(),
                  dstats.offload_fallbacks.get(), dstats.merge_waits.get(),
                  dstats.packets.get() ? double(dstats.cycles.get()) / double(dstats.packets.get()) : 0.0);
    report << line;
    report.flush();
  }

  // Period statistics, idle limit and signals; on the main lcore.
  void tick() {
    auto now = Clock::now();
    if (opts.stats_period_s > 0 && now >= next_print) {
      print(false);
      next_print = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opts.stats_period_s));
    }
    if (ext_stop.load(std::memory_order_relaxed)) stop.store(true, std::memory_order_relaxed);
    if (opts.idle_exit_s > 0) {
      uint64_t rx = total_rx();
      if (rx != last_rx) {
        last_rx = rx;
        mark_rx_change(now);
      } else if (std::chrono::duration<double>(now - last_rx_change).count() > opts.idle_exit_s &&
                 every_queue_seen_empty()) {
        stop.store(true, std::memory_order_relaxed);
      }
    }
  }
};

int worker_main(void* arg) {
  auto* p = static_cast<std::pair<Worker*, const std::atomic<bool>*>*>(arg);
  p->first->run(*p->second);
  return 0;
}

void tick_thunk(void* arg) { static_cast<Plane*>(arg)->tick(); }

bool plan_ports(Plane& pl, std::string& err) {
  const DpOptions& o = pl.opts;
  if (o.mode == Mode::Inline && o.ports.size() != 2) { err = "--inline needs two ports: A,B"; return false; }
  if (o.mode == Mode::Tap && o.ports.empty()) { err = "--tap needs a port"; return false; }
  for (const auto& spec : o.ports) {
    uint16_t id = 0;
    if (!dpdk::find_port(spec, id, err)) return false;
    for (uint16_t seen : pl.inputs)
      if (seen == id) { err = "port " + spec + " given twice"; return false; }
    pl.inputs.push_back(id);
    auto& p = pl.ports[id];
    p.id = id;
    p.input = true;
    p.output = o.mode == Mode::Inline;
  }
  if (!o.mirror_port.empty()) {
    if (!dpdk::find_port(o.mirror_port, pl.mirror, err)) return false;
    auto& p = pl.ports[pl.mirror];
    if (p.input) { err = "--mirror-port " + o.mirror_port + " is also an input port"; return false; }
    p.id = pl.mirror;
    p.output = true;
  }
  return true;
}

}  // namespace

int run_dataplane(const DpOptions& opts, Analyzer* analyzer, std::vector<Sink*> sinks,
                  const std::atomic<bool>& ext_stop, std::ostream& report, DpResult& result, std::string& err) {
  Plane pl(opts, ext_stop, report);
  unsigned l;
  RTE_LCORE_FOREACH_WORKER(l) pl.worker_lcore.push_back(l);
  const size_t worker_lcores = pl.worker_lcore.size();
  const uint16_t nw = opts.workers ? opts.workers : uint16_t(std::max<size_t>(1, worker_lcores));
  const bool on_main = worker_lcores == 0;
  if (on_main && nw > 1) {
    err = "--workers " + std::to_string(nw) + " needs that many worker lcores besides the main one (EAL -l/--lcores)";
    return 2;
  }
  if (!on_main && nw > worker_lcores) {
    err = "--workers " + std::to_string(nw) + " needs that many worker lcores; the EAL core list gives " +
          std::to_string(worker_lcores) + " besides the main one";
    return 2;
  }
  pl.worker_lcore.resize(on_main ? 1 : nw);
  if (on_main) pl.worker_lcore[0] = rte_get_main_lcore();
  if (!plan_ports(pl, err)) return 2;

  size_t rx_queues = 0;
  for (auto& [id, p] : pl.ports) rx_queues += p.input ? nw : 1;
  const size_t need = rx_queues * opts.rx_desc + size_t(pl.ports.size()) * nw * opts.tx_desc +
                      rx_queues * opts.slots_per_queue * kBurstMax + 1024;
  const unsigned n_mbufs = unsigned(std::max<size_t>(opts.mbufs, need));
  pl.pool = rte_pktmbuf_pool_create("sp_mbufs", n_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, int(rte_socket_id()));
  if (!pl.pool) {
    err = "cannot allocate " + std::to_string(n_mbufs) + " mbufs (give the EAL more memory with -m)";
    return 2;
  }
  for (auto& [id, p] : pl.ports) {
    dpdk::PortRequest req;
    req.rx_queues = p.input ? nw : 1;
    req.tx_queues = p.output ? nw : 1;
    req.rx_desc = opts.rx_desc;
    req.tx_desc = opts.tx_desc;
    if (!dpdk::setup_port(id, req, pl.pool, p.setup, err)) return 2;
  }
  pl.clock = dpdk::RxClock::make();

  // RX queues: queue q of every input port belongs to worker q % workers.
  std::vector<std::vector<Stream*>> by_worker(nw);
  for (size_t k = 0; k < pl.inputs.size(); ++k) {
    const PortPlan& p = pl.ports[pl.inputs[k]];
    for (uint16_t q = 0; q < p.setup.rx_queues; ++q) {
      auto st = std::make_unique<Stream>();
      st->index = uint16_t(pl.streams.size());
      st->port = p.id;
      st->queue = q;
      st->out_port = opts.mode == Mode::Inline ? pl.inputs[1 - k] : kNoPort;
      st->ts_unit_ns = dpdk::pmd_timestamp_unit_ns(p.setup.driver.c_str());
      if (nw > 1) {
        std::string name = "sp_rx_" + std::to_string(st->index);
        st->to_detect = rte_ring_create(name.c_str(), ring_size_for(opts.slots_per_queue), int(rte_socket_id()),
                                        RING_F_SP_ENQ | RING_F_SC_DEQ);
        if (!st->to_detect) { err = "cannot create ring " + name; return 2; }
      }
      by_worker[q % nw].push_back(st.get());
      pl.stream_lcore.push_back(pl.worker_lcore[q % nw]);
      pl.streams.push_back(std::move(st));
    }
  }
  pl.stage = std::make_unique<DetectStage>(analyzer, std::move(sinks), opts.enforce, pl.mirror != kNoPort, pl.dstats);
  if (opts.mode == Mode::Inline) {
    std::vector<uint16_t> peer(RTE_MAX_ETHPORTS, kNoPort);
    for (const auto& st : pl.streams) peer[st->port] = st->out_port;
    pl.stage->set_peers(std::move(peer));
  }
  for (uint16_t w = 0; w < nw; ++w) {
    pl.lstats.push_back(std::make_unique<LcoreStats>());
    WorkerConfig wc;
    wc.index = w;
    wc.mirror_port = pl.mirror;
    wc.slots_per_queue = opts.slots_per_queue;
    wc.keep_repeats = opts.enforce;
    wc.decoder = opts.decoder;
    pl.workers.push_back(std::make_unique<Worker>(wc, by_worker[w], pl.clock, *pl.lstats.back(), err));
    if (!err.empty()) return 2;
  }
  if (nw == 1) {
    pl.workers[0]->set_direct(pl.stage.get());
  } else {
    std::vector<MergeInput> inputs;
    for (auto& st : pl.streams) {
      Worker& w = *pl.workers[st->queue % nw];
      inputs.push_back({st->to_detect, &st->empty_poll_tsc, &w.done(), w.give_back()});
    }
    pl.merger = std::make_unique<Merger>(std::move(inputs), *pl.stage, pl.dstats);
  }

  pl.tsc0 = rte_rdtsc();
  pl.t0 = pl.next_print = Clock::now();
  pl.mark_rx_change(pl.t0);
  if (opts.stats_period_s > 0) pl.next_print += std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(opts.stats_period_s));
  std::vector<std::pair<Worker*, const std::atomic<bool>*>> args;
  args.reserve(nw);
  if (on_main) {
    pl.workers[0]->run(pl.stop, tick_thunk, &pl);
  } else {
    for (uint16_t w = 0; w < nw; ++w) {
      args.emplace_back(pl.workers[w].get(), &pl.stop);
      rte_eal_remote_launch(worker_main, &args.back(), pl.worker_lcore[w]);
    }
    uint32_t iter = 0, idle = 0;
    for (;;) {
      const bool progressed = pl.merger && pl.merger->step();
      if ((++iter & 255) == 0 || !progressed) pl.tick();
      if (pl.stop.load(std::memory_order_relaxed)) {
        bool all_done = true;
        for (auto& w : pl.workers) all_done = all_done && w->done().load(std::memory_order_acquire);
        if (all_done && (!pl.merger || pl.merger->finished())) break;
      }
      if (progressed) {
        idle = 0;
      } else if (!pl.merger || ++idle > 4096) {
        std::this_thread::sleep_for(std::chrono::microseconds(pl.merger ? 20 : 1000));
      }
    }
    rte_eal_mp_wait_lcore();
  }
  pl.stage->finish();

  result = DpResult{};
  result.workers = nw;
  result.alerts = pl.stage->alerts();
  for (uint16_t w = 0; w < nw; ++w) {
    result.decode += pl.workers[w]->decode_counters();
    const LcoreStats& s = *pl.lstats[w];
    result.rx_packets += s.rx_packets.get();
    result.forwarded += s.tx_packets.get();
    result.enforced += s.enforced.get();
    result.rejected += s.rejected.get();
    result.reject_failed += s.reject_failed.get();
    result.byes_sent += s.byes_sent.get();
    result.mirrored += s.mirrored.get();
    result.tx_full += s.tx_full.get() + s.mirror_full.get();
    result.cycles_decode += s.cycles_decode.get();
    result.cycles_detect += s.cycles_detect.get();
    result.cycles_act += s.cycles_act.get();
    result.busy_cycles += s.busy_cycles.get();
  }
  result.detect_lcore_cycles = pl.dstats.cycles.get();
  result.held = pl.dstats.held.get();
  result.not_held = pl.dstats.not_held.get();
  result.held_repeats = pl.dstats.held_repeats.get();
  result.calls_cut = pl.dstats.cuts.get();
  result.cut_failed = pl.dstats.cut_failed.get();
  result.tsc_hz = rte_get_tsc_hz();
  result.seconds = std::chrono::duration<double>(Clock::now() - pl.t0).count();
  pl.print(true);
  return 0;
}

}  // namespace sigprobe::dp
