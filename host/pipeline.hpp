// The pipeline, top to bottom: source -> decode -> track/detect -> act.
// One Pipeline per worker; it owns the worker's decoder state, borrows the
// analyzer (track + detect) and the sinks (act).
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dataplane/core/counters.hpp"
#include "dataplane/core/signal_event.hpp"
#include "dataplane/decode.hpp"
#include "dataplane/io/packet_source.hpp"
#include "host/detect/alert.hpp"

namespace sigprobe {

// track + detect, as the pipeline sees it.
class Analyzer {
 public:
  virtual ~Analyzer() = default;
  // Events of one burst in order; alerts raised while processing them are
  // appended (a verdict is due on the message that crosses the threshold).
  virtual void on_events(std::span<const SignalEvent> events, std::vector<Alert>& alerts) = 0;
  // Inline enforcement: true when the event belongs to a call, SMS or SS7
  // transaction that the rules blocked (its packet is dropped with --enforce).
  virtual bool blocked(const SignalEvent& ev) const { (void)ev; return false; }
  // Inline enforcement: the SIP final status the rules answer a blocked
  // INVITE with (settings.sip_reject), 0 to drop it silently.
  virtual uint16_t sip_reject_status() const { return 0; }
  // Inline enforcement: the answered SIP calls to cut now (a blocking
  // victim_on_line rule raised them in the last on_events() call), by
  // track::call_id_hash; the dataplane sends both parties a BYE.
  virtual std::span<const uint64_t> calls_to_cut() const { return {}; }
  // Whether the rules can ask for a cut (the dataplane then keeps what the
  // link shows of each SIP dialog over UDP).
  virtual bool cuts_calls() const { return false; }
  // Called between bursts when a reload was requested (SIGHUP, next file).
  virtual void maybe_reload() {}
  // End of input: calls still open time out, windows close.
  virtual void finish(uint64_t now_ns, std::vector<Alert>& alerts) { (void)now_ns; (void)alerts; }
  // Offload work the chosen backend could not do and handed to the cpu
  // (a card failure, a failed Hyperscan scan): counted, for the statistics.
  virtual uint64_t offload_fallbacks() const { return 0; }
};

// Frame numbers of the packets the probe sent itself (Sink::on_sent): a
// space of their own above any capture's.
inline constexpr uint64_t kSentFrame = 1ull << 63;

// act: alert writers, mirrors, HEP, metrics. Every callback is optional.
class Sink {
 public:
  virtual ~Sink() = default;
  // Every packet and event of a burst, before the burst's alerts.
  virtual void on_burst(std::span<const PacketRef> pkts, std::span<const SignalEvent> events) {
    (void)pkts; (void)events;
  }
  virtual void on_alert(const Alert& a) { (void)a; }
  // Packets the probe itself put on the link (an inline probe's BYEs that cut
  // a call and their resends, its final responses to blocked INVITEs), after
  // the burst whose packet caused them, with their events as on_burst. Their
  // frames are kSentFrame + n (the n-th sent packet), never an input frame;
  // port: the port each went out on.
  virtual void on_sent(std::span<const PacketRef> pkts, std::span<const SignalEvent> events) {
    (void)pkts; (void)events;
  }
  virtual void on_source_start(const PacketSource& src, uint16_t index) { (void)src; (void)index; }
  virtual void finish() {}
};

enum class SpeedMode : uint8_t { Max, Realtime, Factor };
struct Pace {
  SpeedMode mode = SpeedMode::Max;
  double factor = 1.0;  // Factor: N times capture speed
};

class Pipeline {
 public:
  Pipeline(const DecoderConfig& cfg, Analyzer* analyzer, std::vector<Sink*> sinks, Pace pace = {});

  // Run a source to its end. Returns false when it ended on an error (err
  // names the file and the packet); what was read before has been processed.
  bool run(PacketSource& src, uint16_t index, std::string& err, const std::atomic<bool>* stop = nullptr);
  // End of all input: flush the analyzer and the sinks.
  void finish();

  const DecodeCounters& counters() const { return counters_; }
  uint64_t alerts() const { return alerts_; }
  double busy_seconds() const { return busy_s_; }
  uint64_t last_ts_ns() const { return last_ts_ns_; }

 private:
  void process(std::span<const PacketRef> pkts);
  void pace(uint64_t ts_ns);

  Decoder decoder_;
  Analyzer* analyzer_;
  std::vector<Sink*> sinks_;
  Pace pace_;
  EventBatch batch_;
  std::vector<Alert> pending_;
  DecodeCounters counters_;
  uint64_t alerts_ = 0;
  double busy_s_ = 0;
  uint64_t last_ts_ns_ = 0;
  uint64_t first_ts_ns_ = 0;
  std::chrono::steady_clock::time_point wall_start_{};
};

}  // namespace sigprobe
