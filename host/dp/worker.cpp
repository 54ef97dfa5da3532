#include "host/dp/worker.hpp"

#include <string>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

namespace sigprobe::dp {
namespace {

// Empty polls in a row before the worker naps between polls, and the nap.
// A busy link never reaches it; an idle one stops burning a shared core.
constexpr uint32_t kIdlePollsBeforeNap = 4096;
constexpr unsigned kNapUs = 20;
constexpr int kTxRetries = 4;

unsigned ring_size_for(size_t n) {
  unsigned s = 2;
  while (s <= n) s <<= 1;
  return s;
}

// Send all it can; free and count the rest.
void tx_or_free(uint16_t port, uint16_t queue, rte_mbuf** m, uint16_t n, Counter& sent_c, Counter& full_c) {
  uint16_t sent = 0;
  for (int t = 0; t < kTxRetries && sent < n; ++t) sent += rte_eth_tx_burst(port, queue, m + sent, n - sent);
  sent_c.add(sent);
  if (sent < n) {
    full_c.add(n - sent);
    rte_pktmbuf_free_bulk(m + sent, n - sent);
  }
}

}  // namespace

Worker::Worker(const WorkerConfig& cfg, std::vector<Stream*> streams, const dpdk::RxClock& clock,
               LcoreStats& stats, std::string& err)
    : cfg_(cfg), streams_(std::move(streams)), clock_(clock), stats_(stats), decoder_(cfg.decoder) {
  uint16_t max_index = 0;
  for (Stream* s : streams_) max_index = std::max<uint16_t>(max_index, s->index);
  own_index_.assign(size_t(max_index) + 1, 0);
  free_.resize(streams_.size());
  for (size_t k = 0; k < streams_.size(); ++k) {
    own_index_[streams_[k]->index] = uint16_t(k);
    free_[k].reserve(cfg.slots_per_queue);
    for (uint32_t j = 0; j < cfg.slots_per_queue; ++j) {
      slots_.push_back(std::make_unique<BurstSlot>(cfg.arena_bytes));
      slots_.back()->batch.keep_repeats(cfg.keep_repeats);
      free_[k].push_back(slots_.back().get());
    }
  }
  std::string name = "sp_give_back_" + std::to_string(cfg.index);
  give_back_ = rte_ring_create(name.c_str(), ring_size_for(slots_.size()), int(rte_socket_id()),
                               RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (!give_back_) err = "worker " + std::to_string(cfg.index) + ": cannot create its ring";
}

Worker::~Worker() {
  if (give_back_) rte_ring_free(give_back_);
}

void Worker::recycle(BurstSlot* s) {
  free_[own_index_[s->stream]].push_back(s);
  --out_;
}

void Worker::drain_returns() {
  if (out_ == 0) return;
  void* back[16];
  unsigned n = rte_ring_sc_dequeue_burst(give_back_, back, 16, nullptr);
  for (unsigned i = 0; i < n; ++i) {
    auto* s = static_cast<BurstSlot*>(back[i]);
    uint64_t t0 = rte_rdtsc();
    act(*s);
    stats_.cycles_act.add(rte_rdtsc() - t0);
    recycle(s);
  }
}

bool Worker::poll_once() {
  drain_returns();
  bool got = false;
  for (size_t k = 0; k < streams_.size(); ++k) {
    Stream& st = *streams_[k];
    auto& fl = free_[k];
    if (fl.empty()) continue;  // all its bursts are with the detect lcore: back-pressure
    BurstSlot* s = fl.back();
    const uint64_t t0 = rte_rdtsc();
    const uint16_t n = rte_eth_rx_burst(st.port, st.queue, s->mbufs.data(), kBurstMax);
    if (n == 0) {
      st.empty_poll_tsc.store(t0, std::memory_order_release);
      st.stats.empty_polls.add(1);
      continue;
    }
    fl.pop_back();
    ++out_;
    got = true;
    s->n = n;
    s->stream = st.index;
    s->batch.clear();
    dpdk::MbufViewStats mv;
    dpdk::to_packet_refs({s->mbufs.data(), n}, {s->pkts.data(), n}, clock_, st.ts_unit_ns, st.link, st.port,
                         s->batch, mv);
    uint64_t bytes = 0;
    for (uint16_t i = 0; i < n; ++i) bytes += s->pkts[i].wirelen;
    const uint64_t t1 = rte_rdtsc();
    decoder_.decode_burst({s->pkts.data(), n}, s->batch, counters_);
    index_events(*s);
    const uint64_t t2 = rte_rdtsc();

    stats_.anomalies.add(counters_.anomalies_total - anomalies_seen_);
    anomalies_seen_ = counters_.anomalies_total;
    stats_.rx_packets.add(n);
    stats_.events.add(s->batch.size());
    stats_.multi_segment.add(mv.multi_segment);
    st.stats.rx_packets.add(n);
    st.stats.rx_bytes.add(bytes);
    stats_.cycles_decode.add(t2 - t1);

    if (direct_) {
      direct_->process_slot(*s);
      const uint64_t t3 = rte_rdtsc();
      act(*s);
      const uint64_t t4 = rte_rdtsc();
      stats_.cycles_detect.add(t3 - t2);
      stats_.cycles_act.add(t4 - t3);
      recycle(s);
      stats_.busy_cycles.add(t4 - t0);
    } else {
      s->enq_tsc = rte_rdtsc();
      // Sized for every slot of the queue: never full.
      rte_ring_sp_enqueue(st.to_detect, s);
      stats_.busy_cycles.add(s->enq_tsc - t0);
    }
  }
  return got;
}

// A blocked INVITE's final response (written by the detect lcore), out of the
// port the INVITE came in on.
rte_mbuf* Worker::send_answer(const Stream& st, rte_mbuf* r, bool mirror) {
  if (mirror) rte_mbuf_refcnt_update(r, 1);  // one mbuf, two transmits
  if (rte_eth_tx_burst(st.port, cfg_.index, &r, 1) == 1) {
    stats_.rejected.add(1);
  } else {
    rte_pktmbuf_free(r);
    stats_.reject_failed.add(1);
  }
  return mirror ? r : nullptr;
}

void Worker::act(BurstSlot& s) {
  const Stream& st = *streams_[own_index_[s.stream]];
  const uint16_t out_port = st.out_port;
  const bool mirror_on = cfg_.mirror_port != kNoPort;
  uint16_t nf = 0, nm = 0, nd = 0;
  uint64_t enforced = 0;
  for (uint16_t i = 0; i < s.n; ++i) {
    rte_mbuf* m = s.mbufs[i];
    const uint8_t v = s.verdict[i];
    const bool fwd = out_port != kNoPort && !(v & kVerdictDrop);
    const bool mir = mirror_on && (v & kVerdictMirror);
    // Held in place with a mirror port on: the mirror gets the copy made as
    // the packet came in (unused copies are freed at once, not batched).
    rte_mbuf* to_mirror = m;
    if (rte_mbuf* orig = s.as_received[i]) {
      s.as_received[i] = nullptr;
      if (mir) to_mirror = orig;
      else rte_pktmbuf_free(orig);
    }
    enforced += (v & kVerdictDrop) ? 1 : 0;
    rte_mbuf* answer = nullptr;
    if (rte_mbuf* r = s.answer[i]) {
      s.answer[i] = nullptr;
      answer = send_answer(st, r, mir);
    }
    if (fwd && mir) {
      if (to_mirror == m) rte_mbuf_refcnt_update(m, 1);  // one mbuf, two transmits: no byte copied
      fwd_[nf++] = m;
      mir_[nm++] = to_mirror;
    } else if (fwd) {
      fwd_[nf++] = m;
    } else if (mir) {
      mir_[nm++] = to_mirror;
      if (to_mirror != m) drop_[nd++] = m;
    } else {
      drop_[nd++] = m;
    }
    if (answer) mir_[nm++] = answer;  // after its INVITE
  }
  stats_.enforced.add(enforced);
  stats_.reject_failed.add(s.answers_failed);
  s.answers_failed = 0;
  if (nf) tx_or_free(out_port, cfg_.index, fwd_.data(), nf, stats_.tx_packets, stats_.tx_full);
  if (nm) tx_or_free(cfg_.mirror_port, cfg_.index, mir_.data(), nm, stats_.mirrored, stats_.mirror_full);
  if (nd) rte_pktmbuf_free_bulk(drop_.data(), nd);
  // The BYEs of a cut call, after the burst that raised it; on the mirror
  // port too when the call's flow is flagged (one mbuf, two transmits).
  for (uint8_t k = 0; k < s.n_inject; ++k) {
    if (mirror_on && s.inject_mirror[k]) {
      rte_mbuf_refcnt_update(s.inject[k], 1);
      tx_or_free(cfg_.mirror_port, cfg_.index, &s.inject[k], 1, stats_.mirrored, stats_.mirror_full);
    }
    tx_or_free(s.inject_port[k], cfg_.index, &s.inject[k], 1, stats_.byes_sent, stats_.byes_failed);
  }
  s.n_inject = 0;
}

void Worker::run(const std::atomic<bool>& stop, void (*tick)(void*), void* tick_arg) {
  uint32_t idle = 0, iter = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    const bool got = poll_once();
    if (tick && (++iter & 1023) == 0) tick(tick_arg);
    if (got) {
      idle = 0;
    } else if (++idle > kIdlePollsBeforeNap) {
      rte_delay_us_sleep(kNapUs);
    }
  }
  done_.store(true, std::memory_order_release);
  while (out_ > 0) {
    drain_returns();
    if (tick) tick(tick_arg);
    rte_pause();
  }
}

}  // namespace sigprobe::dp
