// decode_burst: link types -> the L2-L4 walk -> SIP and SS7 decoders.
//
// Decoder::Impl is the walk's L4Handler: it picks the decoder by content
// (SIP on any port), by SCTP PPID and port (SIGTRAN), and frames SIP over
// TCP with sip::sip_frame() (or, on a WebSocket connection, RFC 7118, with its
// frames: dataplane/l2l4/websocket.hpp). Bytes that do not lie in the packet (reassembled
// IP datagrams, TCP stream buffers, SCTP fragments) are copied into the
// batch arena first, because events keep views into what they decode.
#include "dataplane/decode.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "dataplane/l2l4/walk.hpp"
#include "dataplane/l2l4/websocket.hpp"
#include "dataplane/sip/sip_decode.hpp"
#include "dataplane/ss7/isup.hpp"
#include "dataplane/ss7/ss7_decoder.hpp"

namespace sigprobe {
namespace {

constexpr uint16_t kSipPort = 5060;  // TCP streams on this port are followed whatever they start with
constexpr size_t kWsMaxMessage = 64 * 1024;  // the longest SIP message taken from one WebSocket frame
constexpr uint32_t kPpidM2ua = 2, kPpidM3ua = 3, kPpidSua = 4, kPpidM2pa = 5;

bool sigtran_port(uint16_t p) { return p == 2905 || p == 3565 || p == 2904 || p == 14001; }
// A chunk with no payload protocol (PPID 0) between SIGTRAN ports: SIGTRAN all the same.
bool unlabelled_sigtran(const MsgContext& ctx) {
  return ctx.sctp_ppid == 0 && (sigtran_port(ctx.src.port) || sigtran_port(ctx.dst.port));
}

l2l4::L2L4Config walk_config(const DecoderConfig& d) {
  l2l4::L2L4Config w;
  w.ip_frag_max_datagrams = d.ip_frag_max_datagrams;
  w.ip_frag_timeout_ns = d.ip_frag_timeout_ns;
  w.tcp_max_streams = d.tcp_max_streams;
  w.tcp_max_buffer = d.tcp_max_buffer;
  w.tcp_idle_timeout_ns = d.tcp_idle_timeout_ns;
  w.sctp_max_partial = d.sctp_max_partial;
  // Directions remembered for duplicate TSNs: a few per partial message slot.
  w.sctp_max_assocs = std::max<uint32_t>(d.sctp_max_partial * 4, 16);
  return w;
}

// After bytes at pos failed to frame as SIP: the offset of the next line that
// starts like a SIP message (found = true), or else the start of the last,
// unfinished line, which may still become a start line with more bytes.
size_t sip_resync(Bytes data, size_t pos, bool& found) {
  size_t keep = data.size();
  for (size_t i = pos; i < data.size(); ++i) {
    if (data[i] != '\n') continue;
    if (sip::looks_like_sip(data.subspan(i + 1))) {
      found = true;
      return i + 1;
    }
    keep = i + 1;
  }
  found = false;
  return keep;
}

ss7::Ss7Config ss7_config(const DecoderConfig& cfg) {
  ss7::Ss7Config s;
  s.ansi_point_codes = cfg.ansi_point_codes;
  s.country_code = cfg.country_code;
  return s;
}

}  // namespace

struct Decoder::Impl final : l2l4::L4Handler {
  explicit Impl(const DecoderConfig& cfg)
      : walker(walk_config(cfg)), ss7(ss7_config(cfg)) {}

  l2l4::Walker walker;
  ss7::Ss7Decoder ss7;
  EventBatch* out = nullptr;
  DecodeCounters* c = nullptr;

  // Bytes that stay valid for the batch: the packet itself, or an arena copy.
  std::optional<Bytes> stable(Bytes b, bool in_packet) {
    if (in_packet) return b;
    char* p = out->alloc(b.size());
    if (!p) return std::nullopt;
    std::memcpy(p, b.data(), b.size());
    return Bytes{reinterpret_cast<const uint8_t*>(p), b.size()};
  }
  // Whether there is room for another event; counts the drop when not.
  bool room() {
    if (!out->full()) return true;
    ++c->events_dropped;
    return false;
  }

  void sip(const MsgContext& ctx, Bytes msg, bool in_packet) {
    if (!room()) return;
    auto m = stable(msg, in_packet);
    if (!m) {
      ++c->events_dropped;
      return;
    }
    size_t before = out->size();
    std::string_view isup;
    sip::decode_sip(*m, ctx, *out, *c, &isup);
    if (out->size() > before && !in_packet) out->note_copied_message(before, as_chars(*m));
    if (!isup.empty() && out->size() > before) sip_i(out->events()[out->size() - 1], isup);
  }

  // SIP-I / SIP-T (RFC 3204): the ISUP message beside the SDP says what SIP
  // leaves unsaid, the nature of the numbers. They read as an ISUP event's
  // (a national one in international form with a country code), and so does
  // a SIP user that is that national number itself: the From and PAI of the
  // calling number, the To and Request-URI of the called one.
  void sip_i(SignalEvent& e, std::string_view isup_body) {
    ss7.on_sip_isup(as_bytes(isup_body), e, *out, *c);
    const std::string_view cc = ss7.country_code();
    if (!e.has(kLayerSipIsup) || cc.empty()) return;
    auto intl = [cc](std::string_view& user, std::string_view number, uint8_t nai) {
      if (nai == ss7::kNaiNationalNumber && number.size() == cc.size() + user.size() &&
          number.substr(0, cc.size()) == cc && number.substr(cc.size()) == user)
        user = number;
    };
    intl(e.sip.from_user, e.isup.calling, e.isup.calling_nai);
    intl(e.sip.pai_user, e.isup.calling, e.isup.calling_nai);
    intl(e.sip.to_user, e.isup.called, e.isup.called_nai);
    intl(e.sip.ruri_user, e.isup.called, e.isup.called_nai);
  }

  void on_udp(const MsgContext& ctx, Bytes payload, bool in_packet) override {
    if (sip::looks_like_sip(payload)) sip(ctx, payload, in_packet);
  }

  bool want_tcp_stream(const MsgContext& ctx, Bytes first) override {
    return sip::looks_like_sip(first) || ctx.src.port == kSipPort || ctx.dst.port == kSipPort ||
           l2l4::ws_opens_stream(first);
  }

  // WebSocket bytes at the start of `data`: the handshake (skipped) or a
  // frame (its SIP message decoded). How many bytes were used, 0 when more
  // must come first; nullopt when data does not start a handshake or frame.
  std::optional<size_t> on_ws(const MsgContext& ctx, Bytes data, bool in_packet) {
    if (!l2l4::ws_frame_start(data[0])) {
      const l2l4::WsHandshake h = l2l4::ws_handshake(data);
      if (h.status == l2l4::WsStatus::No) return std::nullopt;
      return h.status == l2l4::WsStatus::Complete ? h.len : 0;
    }
    const l2l4::WsFrame f = l2l4::ws_frame(data, kWsMaxMessage);
    if (f.status == l2l4::WsStatus::NeedMore) return 0;
    if (f.status == l2l4::WsStatus::No) {
      // Frame boundaries are lost with it: give up on what is buffered.
      c->anomaly(Anomaly::WsFrameInvalid);
      return data.size();
    }
    if (f.opcode >= l2l4::kWsOpClose) return f.len();  // close, ping, pong
    if (!f.fin || f.opcode == l2l4::kWsOpContinuation) {
      c->anomaly(Anomaly::WsFragmented);
      return f.len();
    }
    if (f.rsv != 0) {
      c->anomaly(Anomaly::WsCompressed);
      return f.len();
    }
    Bytes payload = data.subspan(f.header_len, f.payload_len);
    if (f.masked) {
      // Unmasked into the arena, where the event's views stay valid.
      if (!room()) return f.len();  // counted by room()
      char* p = out->alloc(payload.size());
      if (!p) {
        ++c->events_dropped;
        return f.len();
      }
      l2l4::ws_unmask(payload, f.mask, reinterpret_cast<uint8_t*>(p));
      payload = {reinterpret_cast<const uint8_t*>(p), payload.size()};
      in_packet = true;
    }
    if (sip::looks_like_sip(payload)) sip(ctx, payload, in_packet);
    else c->anomaly(Anomaly::WsNotSip);
    return f.len();
  }

  bool starts_message(Bytes b) override { return sip::looks_like_sip(b); }

  size_t on_tcp_data(const MsgContext& ctx, Bytes data, bool in_packet, size_t carried) override {
    size_t pos = 0;
    while (pos < data.size()) {
      // A WebSocket handshake or frame never starts like SIP, nor SIP like them.
      if (l2l4::ws_frame_start(data[pos]) || data[pos] == 'G' || data[pos] == 'H') {
        if (const std::optional<size_t> used = on_ws(ctx, data.subspan(pos), in_packet)) {
          if (*used == 0) return pos;  // more bytes to come
          pos += *used;
          continue;
        }
      }
      const sip::SipFrame f = sip::sip_frame(data.subspan(pos));
      switch (f.status) {
        case sip::SipFrame::Status::Complete:
          if (f.len == 0 || f.len > data.size() - pos) return data.size();  // a framer bug: drop
          if (pos < carried) ++c->reasm.tcp_multi_segment_msgs;
          sip(ctx, data.subspan(pos, f.len), in_packet);
          pos += f.len;
          break;
        case sip::SipFrame::Status::KeepAlive:
          if (f.len == 0) return data.size();
          pos += std::min(f.len, data.size() - pos);
          break;
        case sip::SipFrame::Status::NeedMore:
          return pos;
        case sip::SipFrame::Status::Invalid: {
          c->anomaly(Anomaly::TcpSipResync);
          bool found = false;
          pos = sip_resync(data, pos, found);
          if (!found) return pos;
          break;
        }
      }
    }
    return pos;
  }

  void on_sctp_message(const MsgContext& ctx, Bytes msg, bool in_packet) override {
    const uint32_t ppid = ctx.sctp_ppid;
    const bool sigtran = ppid == kPpidM3ua || ppid == kPpidM2pa || ppid == kPpidM2ua || ppid == kPpidSua;
    if (!sigtran && sip::looks_like_sip(msg)) return sip(ctx, msg, in_packet);
    if (sigtran || unlabelled_sigtran(ctx)) {
      if (!room()) return;
      auto m = stable(msg, in_packet);
      if (!m) {
        ++c->events_dropped;
        return;
      }
      ss7.on_sctp_message(*m, ctx, *out, *c);
    }
  }

  void on_sctp_repeat(const MsgContext& ctx, Bytes msg) override {
    // What an inline probe holds: M3UA DATA (version 1, Transfer class, type
    // DATA; PPID 3, or 0 on a SIGTRAN port) or a SIP request.
    const bool m3ua = (ctx.sctp_ppid == kPpidM3ua || unlabelled_sigtran(ctx)) && msg.size() >= 8 && msg[0] == 1 &&
                      msg[2] == 1 && msg[3] == 1;
    const bool sip_request =
        !m3ua && sip::looks_like_sip(msg) && !(msg.size() >= 7 && std::memcmp(msg.data(), "SIP/2.0", 7) == 0);
    if (!m3ua && !sip_request) return;
    if (!out->add_repeat({ctx.pkt->frame, ctx.wire, Transport::Sctp})) ++c->repeats_dropped;
  }

  void on_tcp_repeat(const MsgContext& ctx) override {
    if (!out->add_repeat({ctx.pkt->frame, ctx.wire, Transport::Tcp})) ++c->repeats_dropped;
  }

  void packet(const PacketRef& p) {
    MsgContext ctx;
    ctx.pkt = &p;
    switch (p.link) {
      case LinkType::Mtp2:
        ctx.transport = Transport::Mtp2;
        if (room()) ss7.on_mtp2(p.bytes(), ctx, *out, *c);
        break;
      case LinkType::Mtp2WithPhdr:
        ctx.transport = Transport::Mtp2;
        if (room()) ss7.on_mtp2_with_phdr(p.bytes(), ctx, *out, *c);
        break;
      case LinkType::Mtp3:
        ctx.transport = Transport::Mtp3;
        if (room()) ss7.on_mtp3(p.bytes(), ctx, *out, *c);
        break;
      default:
        walker.walk(p, *this, *c);
        break;
    }
  }
};

Decoder::Decoder(const DecoderConfig& cfg) : impl_(std::make_unique<Impl>(cfg)) {}
Decoder::~Decoder() = default;

void Decoder::begin_capture() { impl_->walker.reset(); }

uint16_t Decoder::decode_burst(std::span<const PacketRef> pkts, EventBatch& out, DecodeCounters& c) {
  impl_->out = &out;
  impl_->c = &c;
  // The bytes of a packet just received are rarely in the cache (a NIC
  // writes them, or, replayed, they were last read long ago): start loading
  // the first lines of the packet kAhead places on while this one decodes.
  // The hardware prefetcher follows the rest of a long SIP message.
  constexpr size_t kAhead = 3, kLines = 4;
  auto prefetch = [&](size_t k) {
    const PacketRef& p = pkts[k];
    const size_t n = std::min<size_t>(kLines, (p.caplen + 63) / 64);
    for (size_t l = 0; l < n; ++l) __builtin_prefetch(p.data + 64 * l);
  };
  for (size_t k = 0; k < kAhead && k < pkts.size(); ++k) prefetch(k);
  uint64_t bytes = 0;
  for (size_t k = 0; k < pkts.size(); ++k) {
    if (k + kAhead < pkts.size()) prefetch(k + kAhead);
    const PacketRef& p = pkts[k];
    bytes += p.wirelen;
    // A packet is malformed when it added to the anomaly total.
    const uint64_t before = c.anomalies_total;
    impl_->packet(p);
    c.malformed_packets += c.anomalies_total != before;
  }
  // Once per burst: the decoders write through `c`, so the compiler cannot
  // keep per-packet sums in registers across them.
  c.packets += pkts.size();
  c.bytes += bytes;
  return uint16_t(pkts.size());
}

}  // namespace sigprobe
