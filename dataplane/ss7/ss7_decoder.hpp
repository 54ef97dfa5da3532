// SS7 entry points the L2-L4 walk calls. Owner: dataplane/ss7.
// Stateful (SCCP segment and concatenated-SMS reassembly), one per worker.
#pragma once
#include <memory>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"
#include "dataplane/core/signal_event.hpp"

namespace sigprobe::ss7 {

struct Ss7Config {
  bool ansi_point_codes = false;  // MTP3 routing label: ANSI 24-bit instead of ITU 14-bit
};

class Ss7Decoder {
 public:
  explicit Ss7Decoder(const Ss7Config& cfg = {});
  ~Ss7Decoder();
  Ss7Decoder(const Ss7Decoder&) = delete;
  Ss7Decoder& operator=(const Ss7Decoder&) = delete;

  // A complete SCTP user message (already reassembled) with ctx.sctp_ppid set
  // (3 M3UA, 5 M2PA, 2 M2UA, 4 SUA; 0 = decide by content and port).
  void on_sctp_message(Bytes msg, const MsgContext& ctx, EventBatch& out, DecodeCounters& c);
  // Link-type captures.
  void on_mtp2(Bytes frame, const MsgContext& ctx, EventBatch& out, DecodeCounters& c);
  void on_mtp2_with_phdr(Bytes frame, const MsgContext& ctx, EventBatch& out, DecodeCounters& c);
  void on_mtp3(Bytes msu, const MsgContext& ctx, EventBatch& out, DecodeCounters& c);

 private:
  struct State;
  std::unique_ptr<State> st_;
  Ss7Config cfg_;
};

}  // namespace sigprobe::ss7
