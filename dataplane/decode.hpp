// decode: the single entry point from packets to SignalEvents.
// Owns the per-worker reassembly state (IP fragments, TCP streams, SCTP
// messages) and the SIP and SS7 decoders. One Decoder per worker; not shared.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "dataplane/core/counters.hpp"
#include "dataplane/core/packet.hpp"
#include "dataplane/core/signal_event.hpp"

namespace sigprobe {

struct DecoderConfig {
  uint32_t ip_frag_max_datagrams = 4096;
  uint64_t ip_frag_timeout_ns = 30'000'000'000ull;
  uint32_t tcp_max_streams = 65536;
  uint32_t tcp_max_buffer = 256 * 1024;    // per direction
  uint64_t tcp_idle_timeout_ns = 300'000'000'000ull;
  uint32_t sctp_max_partial = 4096;        // fragmented user messages in flight
  bool ansi_point_codes = false;
  // The link's country code (E.164, 1-3 digits; China "86"), or empty. SS7
  // numbers whose nature of address says national (significant) number are
  // given in international form: this code, then their digits (ss7_decoder.hpp);
  // so are the SIP users that a SIP-I body's IAM names national (decode.cpp).
  std::string country_code;
};

class Decoder {
 public:
  explicit Decoder(const DecoderConfig& cfg = {});
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decode every packet of the burst, appending events to `out`. Returns the
  // number of packets handled (all of them; events beyond the batch capacity
  // are counted in c.events_dropped).
  uint16_t decode_burst(std::span<const PacketRef> pkts, EventBatch& out, DecodeCounters& c);

  // A new capture begins (replay of several files): transport reassembly
  // state of the previous one is dropped, so equal SCTP TSNs or TCP
  // sequence numbers in the next file are not taken for retransmissions.
  void begin_capture();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigprobe
