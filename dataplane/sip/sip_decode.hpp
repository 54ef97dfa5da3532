// SIP entry points the L2-L4 walk calls. Owner: dataplane/sip.
#pragma once
#include <cstddef>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"
#include "dataplane/core/signal_event.hpp"

namespace sigprobe::sip {

// Content detection on any port: true when b starts like a SIP request line
// ("METHOD sip:... SIP/2.0") or status line ("SIP/2.0 200 ...").
bool looks_like_sip(Bytes b);

// Framing of SIP over a byte stream (TCP, RFC 3261 section 18.3).
struct SipFrame {
  enum class Status : uint8_t { Complete, NeedMore, Invalid, KeepAlive };
  Status status = Status::NeedMore;
  size_t len = 0;  // Complete: bytes of this message; KeepAlive: CRLF bytes to skip
};
SipFrame sip_frame(Bytes stream);

// Decode one whole SIP message into an event pushed onto `out`. Returns false
// when it is not a usable SIP message (the anomaly is counted).
// isup_body: as fill_sip_info gives it (SIP-I), when asked for.
bool decode_sip(Bytes msg, const MsgContext& ctx, EventBatch& out, DecodeCounters& c,
                std::string_view* isup_body = nullptr);

}  // namespace sigprobe::sip
