// Flow mirroring: the packets of flagged flows, handed to outputs (pcap per
// alert, HEPv3). A flagged flow is everything reached from an alert's
// subject: the SIP dialogs (Call-ID), TCAP transactions (and the MAP/SMS they
// carry) and ISUP circuits of packets that name the subject, plus the
// alert's own call_ids, tcap_tids and frames. It is taken from a bounded
// look-back ring (so the packets that led to the alert are included) and
// followed for a configurable capture time after the alert.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "host/out/packet_ring.hpp"
#include "host/pipeline.hpp"

namespace sigprobe {

struct MirrorOptions {
  size_t lookback_packets = 65536;
  size_t lookback_bytes = 64u << 20;
  uint64_t after_ns = 30'000'000'000ull;  // follow the flow this long after the alert (capture time)
  size_t max_active = 256;                // flagged flows followed at once; the oldest ends early
};

// One destination of mirrored packets. `slot` names a flagged flow from
// open() to close(); slots are reused afterwards.
class FlowOutput {
 public:
  virtual ~FlowOutput() = default;
  virtual void open(uint32_t slot, const Alert& a) = 0;
  virtual void write(uint32_t slot, const MirrorPacket& p) = 0;
  virtual void close(uint32_t slot) = 0;
  virtual void end_burst() {}
  virtual void finish() {}
};

struct MirrorStats {
  uint64_t flows = 0;            // alerts mirrored
  uint64_t packets = 0;          // packet writes (one packet may go to several flows)
  uint64_t lookback_packets = 0; // of those, from the look-back ring
  uint64_t ended_early = 0;      // flows closed before their time because max_active was reached
  uint64_t key_overflows = 0;    // packets with more keys than a KeySet holds
  uint64_t ring_evictions = 0;
};

class FlowMirror final : public Sink {
 public:
  FlowMirror(const MirrorOptions& opts, std::vector<std::unique_ptr<FlowOutput>> outputs);

  void on_burst(std::span<const PacketRef> pkts, std::span<const SignalEvent> events) override;
  void on_alert(const Alert& a) override;
  // The probe's own packets are the link's too: followed as its input.
  void on_sent(std::span<const PacketRef> pkts, std::span<const SignalEvent> events) override {
    on_burst(pkts, events);
  }
  void finish() override;

  const MirrorStats& stats() const { return stats_; }
  size_t active() const;

 private:
  struct Flagged {
    bool live = false;
    uint64_t until_ns = 0;
    uint64_t subject = 0;
    std::vector<uint64_t> flow;  // correlation keys reached so far
  };
  bool belongs(Flagged& f, const KeySet& ks, bool learn);
  void emit(uint32_t slot, const MirrorPacket& p);
  void close(uint32_t slot);

  MirrorOptions opts_;
  std::vector<std::unique_ptr<FlowOutput>> outputs_;
  PacketRing ring_;
  std::vector<Flagged> flows_;
  size_t live_ = 0;  // flows_ with live set
  std::vector<KeySet> burst_keys_;
  std::vector<std::array<char, 96>> corr_buf_;
  std::vector<std::string_view> corr_;
  MirrorStats stats_;
};

}  // namespace sigprobe
