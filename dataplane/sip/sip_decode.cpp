// Placeholder until the SIP parser lands: recognises nothing.
#include "dataplane/sip/sip_decode.hpp"

namespace sigprobe::sip {
bool looks_like_sip(Bytes) { return false; }
SipFrame sip_frame(Bytes) { return {SipFrame::Status::Invalid, 0}; }
bool decode_sip(Bytes, const MsgContext&, EventBatch&, DecodeCounters&) { return false; }
}  // namespace sigprobe::sip
