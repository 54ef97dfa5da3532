#include "host/dp/sip_reject.hpp"

#include <cstring>

#include "dataplane/sip/sip_parser.hpp"
#include "host/out/l4_view.hpp"

namespace sigprobe::dp {
namespace {

constexpr uint16_t kEtherVlan = 0x8100, kEtherQinQ = 0x88A8, kEtherQinQOld = 0x9100;
constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kReplyTtl = 64;

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
void put16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}

// Length of the Ethernet header with its VLAN tags, 0 when it is cut short.
size_t ethernet_header_len(std::span<const uint8_t> f) {
  size_t off = 12;
  for (int tags = 0; tags <= 4; ++tags) {
    if (f.size() < off + 2) return 0;
    uint16_t type = be16(f.data() + off);
    if (type != kEtherVlan && type != kEtherQinQ && type != kEtherQinQOld) return off + 2;
    off += 4;
  }
  return 0;
}

// RFC 1071 one's-complement sum, folded at the end by the caller.
uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc) {
  for (; n >= 2; p += 2, n -= 2) acc += be16(p);
  if (n) acc += uint32_t(p[0]) << 8;
  return acc;
}
uint16_t fold(uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
  return uint16_t(~acc);
}

// Appends to a fixed buffer; remembers when it ran out of room.
class TextOut {
 public:
  TextOut(uint8_t* p, size_t cap) : p_(p), cap_(cap) {}
  void put(std::string_view s) {
    if (!room(s.size())) return;
    std::memcpy(p_ + n_, s.data(), s.size());
    n_ += s.size();
  }
  // A header line; a folded value is unfolded into place.
  void header(std::string_view name, const sip::SipHeader& h) {
    put(name);
    put(": ");
    if (!h.folded) {
      put(h.value);
    } else if (room(h.value.size())) {
      n_ += sip::unfold(h.value, reinterpret_cast<char*>(p_ + n_)).size();
    }
    put("\r\n");
  }
  void hex32(uint32_t v) {
    char d[8];
    for (int i = 7; i >= 0; --i, v >>= 4) d[i] = "0123456789abcdef"[v & 0xF];
    put({d, 8});
  }
  void number(uint16_t v) {
    char d[5];
    int i = 5;
    do { d[--i] = char('0' + v % 10); v = uint16_t(v / 10); } while (v && i > 0);
    put({d + i, size_t(5 - i)});
  }
  bool ok() const { return ok_; }
  size_t size() const { return n_; }

 private:
  bool room(size_t k) {
    if (!ok_ || cap_ - n_ < k) ok_ = false;
    return ok_;
  }
  uint8_t* p_;
  size_t cap_, n_ = 0;
  bool ok_ = true;
};

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
  L4View v;
  const size_t l2 = ethernet_header_len(request);
  if (l2 == 0 || !find_l4(Bytes{request.data(), request.size()}, LinkType::Ethernet, v) ||
      v.ip_proto != kIpProtoUdp)
    return RejectResult::Unsupported;
  sip::AnomalySet anomalies;
  auto m = sip::parse_sip({reinterpret_cast<const char*>(v.payload.data()), v.payload.size()}, anomalies);
  if (!m || !m->is_request || m->method != "INVITE") return RejectResult::NotInvite;
  for (sip::HeaderId id : {sip::HeaderId::Via, sip::HeaderId::From, sip::HeaderId::To, sip::HeaderId::CallId,
                           sip::HeaderId::CSeq})
    if (!m->first(id)) return RejectResult::Malformed;

  const size_t l3 = v.family == 4 ? 20 : 40;
  const size_t hdr = l2 + l3 + 8;
  if (out.size() <= hdr) return RejectResult::NoRoom;
  const size_t sip_len = write_response(*m, status, out.data() + hdr, out.size() - hdr);
  if (sip_len == 0 || hdr + sip_len > 0xFFFF) return RejectResult::NoRoom;

  // Ethernet: back to where the request came from, same VLAN tags.
  uint8_t* p = out.data();
  std::memcpy(p, request.data() + 6, 6);
  std::memcpy(p + 6, request.data(), 6);
  std::memcpy(p + 12, request.data() + 12, l2 - 12);
  // IP: the request's addresses swapped.
  uint8_t* ip = p + l2;
  const size_t alen = v.family == 4 ? 4 : 16;
  const uint16_t udp_len = uint16_t(8 + sip_len);
  std::memset(ip, 0, l3);
  if (v.family == 4) {
    ip[0] = 0x45;
    ip[1] = request[l2 + 1];  // the request's DSCP/ECN: signaling keeps its class
    put16(ip + 2, uint16_t(20 + udp_len));
    put16(ip + 6, 0x4000);    // don't fragment
    ip[8] = kReplyTtl;
    ip[9] = kIpProtoUdp;
    std::memcpy(ip + 12, v.dst.data(), 4);
    std::memcpy(ip + 16, v.src.data(), 4);
    put16(ip + 10, fold(sum16(ip, 20, 0)));
  } else {
    ip[0] = 0x60;
    put16(ip + 4, udp_len);
    ip[6] = kIpProtoUdp;
    ip[7] = kReplyTtl;
    std::memcpy(ip + 8, v.dst.data(), 16);
    std::memcpy(ip + 24, v.src.data(), 16);
  }
  // UDP, checksum over the pseudo-header (RFC 768, RFC 8200 8.1).
  uint8_t* udp = ip + l3;
  put16(udp, v.dport);
  put16(udp + 2, v.sport);
  put16(udp + 4, udp_len);
  put16(udp + 6, 0);
  uint32_t acc = sum16(ip + (v.family == 4 ? 12 : 8), 2 * alen, 0);
  acc += kIpProtoUdp + udp_len;
  acc = sum16(udp, udp_len, acc);
  uint16_t c = fold(acc);
  put16(udp + 6, c == 0 ? 0xFFFF : c);
  out_len = hdr + sip_len;
  return RejectResult::Built;
}

}  // namespace sigprobe::dp
