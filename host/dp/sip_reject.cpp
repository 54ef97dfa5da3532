#include "host/dp/sip_reject.hpp"

#include <cstring>

#include "dataplane/sip/sip_parser.hpp"
#include "host/dp/udp_frame.hpp"

namespace sigprobe::dp {
namespace {

// Whether a To value already carries a tag: the header parameters are those
// after the URI's closing '>' (or after the URI itself without brackets).
bool has_tag(std::string_view to) {
  size_t gt = to.rfind('>');
  std::string_view params = gt == std::string_view::npos ? to : to.substr(gt + 1);
  for (size_t i = 0; i + 4 <= params.size(); ++i)
    if (params[i] == ';' && sip::istarts_with(sip::trim(params.substr(i + 1)), "tag=")) return true;
  return false;
}

uint32_t fnv1a(std::string_view a, std::string_view b) {
  uint32_t h = 2166136261u;
  for (std::string_view s : {a, b})
    for (unsigned char c : s) h = (h ^ c) * 16777619u;
  return h;
}

// The SIP response text; its size, 0 when it did not fit.
size_t write_response(const sip::SipMessage& m, uint16_t status, uint8_t* out, size_t cap) {
  TextOut t(out, cap);
  t.put("SIP/2.0 ");
  t.number(status);
  t.put(" ");
  t.put(sip_reason_phrase(status));
  t.put("\r\n");
  for (const sip::SipHeader* h = m.first(sip::HeaderId::Via); h; h = m.next(*h)) t.header("Via", *h);
  const sip::SipHeader& from = *m.first(sip::HeaderId::From);
  const sip::SipHeader& to = *m.first(sip::HeaderId::To);
  const sip::SipHeader& call_id = *m.first(sip::HeaderId::CallId);
  t.header("From", from);
  t.put("To: ");
  t.put(sip::trim(to.value));
  if (!has_tag(to.value)) {
    // A stable tag per dialog: the caller's retransmissions get the same one.
    t.put(";tag=sp");
    t.hex32(fnv1a(call_id.value, from.value));
  }
  t.put("\r\n");
  t.header("Call-ID", call_id);
  t.header("CSeq", *m.first(sip::HeaderId::CSeq));
  t.put("Content-Length: 0\r\n\r\n");
  return t.ok() ? t.size() : 0;
}

}  // namespace

std::string_view sip_reason_phrase(uint16_t status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 480: return "Temporarily Unavailable";
    case 486: return "Busy Here";
    case 488: return "Not Acceptable Here";
    case 500: return "Server Internal Error";
    case 503: return "Service Unavailable";
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    case 604: return "Does Not Exist Anywhere";
    case 607: return "Unwanted";
    default: return "Rejected";
  }
}

RejectResult build_sip_reject(std::span<const uint8_t> request, uint16_t status, std::span<uint8_t> out,
                              size_t& out_len) {
  out_len = 0;
  UdpEnvelope env;
  Bytes payload;
  if (!udp_envelope_of(request, env, payload)) return RejectResult::Unsupported;
  sip::AnomalySet anomalies;
  auto m = sip::parse_sip({reinterpret_cast<const char*>(payload.data()), payload.size()}, anomalies);
  if (!m || !m->is_request || m->method != "INVITE") return RejectResult::NotInvite;
  for (sip::HeaderId id : {sip::HeaderId::Via, sip::HeaderId::From, sip::HeaderId::To, sip::HeaderId::CallId,
                           sip::HeaderId::CSeq})
    if (!m->first(id)) return RejectResult::Malformed;

  // Back to where the request came from: MACs, addresses and ports swapped,
  // the same VLAN tags and DSCP.
  const UdpEnvelope back = reversed(env);
  const size_t hdr = back.header_len();
  if (out.size() <= hdr) return RejectResult::NoRoom;
  const size_t sip_len = write_response(*m, status, out.data() + hdr, out.size() - hdr);
  out_len = sip_len ? write_udp_frame(back, sip_len, out) : 0;
  return out_len ? RejectResult::Built : RejectResult::NoRoom;
}

}  // namespace sigprobe::dp
