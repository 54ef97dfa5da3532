// The one fuzz entry point for the L2-L4 walk and the decode glue, shared by
// the libFuzzer target (l2l4_fuzz.cpp) and the g++ replay test. The input is
// a short capture, so that reassembly state builds up across packets:
//   record := link selector (1 byte) | length (2 bytes, big-endian) | bytes
// the last record takes whatever is left. Every packet goes through a Walker
// with tiny tables (so that eviction and expiry paths run) checking that what
// it hands on lies inside the packet when it says so, and through a Decoder;
// the Decoder's SIP events over UDP go into the inline probe's dialog store
// (host/dp/sip_cut), and each answered dialog gets its two BYEs written.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "dataplane/decode.hpp"
#include "dataplane/l2l4/walk.hpp"
#include "host/dp/sip_cut.hpp"
#include "host/track/call_tracker.hpp"

namespace sigprobe::l2l4::fuzz {

inline constexpr std::array<LinkType, 11> kLinks{
    LinkType::Ethernet, LinkType::LinuxSll, LinkType::LinuxSll2, LinkType::Raw,
    LinkType::Null,     LinkType::Loop,     LinkType::Ipv4,      LinkType::Ipv6,
    LinkType::Mtp2,     LinkType::Mtp2WithPhdr, LinkType::Mtp3};

inline uint8_t link_selector(LinkType t) {
  for (size_t i = 0; i < kLinks.size(); ++i) {
    if (kLinks[i] == t) return uint8_t(i);
  }
  return 0;
}

// The input's records, at most 64, in order: f(selector, bytes, length).
template <class F>
void for_each_record(const uint8_t* data, size_t size, F&& f) {
  size_t off = 0;
  for (int n = 0; off < size && n < 64; ++n) {
    const uint8_t sel = data[off++];
    size_t len = size - off;
    if (len >= 2) {
      const size_t want = size_t(data[off]) << 8 | data[off + 1];
      off += 2;
      len = std::min(want, size - off);
    } else {
      off = size;
      len = 0;
    }
    f(sel, data + off, len);
    off += len;
  }
}

inline void require(bool ok) {
  if (!ok) std::abort();
}

class CheckingHandler final : public L4Handler {
 public:
  const PacketRef* pkt = nullptr;
  void on_udp(const MsgContext& ctx, Bytes b, bool in_packet) override { check(ctx, b, in_packet); }
  bool want_tcp_stream(const MsgContext& ctx, Bytes first) override {
    check(ctx, first, false);  // may come from the out-of-order area
    return !first.empty() && (first[0] & 1);  // follow about half of them
  }
  size_t on_tcp_data(const MsgContext& ctx, Bytes b, bool in_packet, size_t carried) override {
    check(ctx, b, in_packet);
    require(carried <= b.size());
    // Consume up to the last '\n', as a framer would consume whole messages.
    for (size_t i = b.size(); i > 0; --i) {
      if (b[i - 1] == '\n') return i;
    }
    return 0;
  }
  void on_sctp_message(const MsgContext& ctx, Bytes b, bool in_packet) override {
    check(ctx, b, in_packet);
    require(!b.empty());
  }

 private:
  void check(const MsgContext& ctx, Bytes b, bool in_packet) {
    require(ctx.pkt == pkt);
    if (in_packet && !b.empty()) {
      require(b.data() >= pkt->data && b.data() + b.size() <= pkt->data + pkt->caplen);
    }
  }
};

inline int run_one(const uint8_t* data, size_t size) {
  L2L4Config wc;
  wc.ip_frag_max_datagrams = 4;
  wc.tcp_max_streams = 4;
  wc.tcp_max_buffer = 4096;
  wc.sctp_max_partial = 4;
  wc.sctp_max_assocs = 4;
  wc.sctp_max_message = 8192;
  wc.ip_frag_timeout_ns = wc.tcp_gap_timeout_ns = wc.sctp_partial_timeout_ns = 3'000'000;
  Walker walker(wc);
  // The Decoder (SS7 state included) is costly to build, so it lives across
  // inputs; the Walker, fresh per input, keeps each input reproducible for
  // the L2-L4 layer itself.
  static Decoder decoder = [] {
    DecoderConfig dc;
    dc.ip_frag_max_datagrams = 4;
    dc.tcp_max_streams = 4;
    dc.sctp_max_partial = 4;
    return Decoder(dc);
  }();
  // Repeats kept, as an enforcing inline probe keeps them: what they name
  // must lie in their packet (the detect stage rewrites bytes there).
  static EventBatch batch = [] {
    EventBatch b(16, 1 << 16);
    b.keep_repeats(true);
    return b;
  }();
  DecodeCounters c;
  CheckingHandler h;
  dp::SipDialogs dialogs(4);  // four slots: replacements happen
  dp::ByeResends resends;     // every answered dialog's BYEs, sent again each packet

  std::vector<PacketRef> pkts;
  for_each_record(data, size, [&](uint8_t sel, const uint8_t* bytes, size_t len) {
    PacketRef p;
    p.data = bytes;
    p.caplen = p.wirelen = uint32_t(len);
    p.frame = pkts.size() + 1;
    p.ts_ns = p.frame * 1'000'000;
    p.link = kLinks[sel % kLinks.size()];
    pkts.push_back(p);
  });
  for (const PacketRef& p : pkts) {
    h.pkt = &p;
    walker.walk(p, h, c);
  }
  for (size_t i = 0; i < pkts.size(); i += 8) {
    batch.clear();
    const size_t n = std::min<size_t>(8, pkts.size() - i);
    require(decoder.decode_burst({pkts.data() + i, n}, batch, c) == n);
    for (const SignalEvent& e : batch.events()) require(e.frame >= 1 && e.frame <= pkts.size());
    for (size_t k = 0; k < batch.events().size(); ++k) {
      const SignalEvent& e = batch.events()[k];
      const PacketRef& p = pkts[e.frame - 1];
      if (e.proto != Proto::Sip || e.transport != Transport::Udp || p.link != LinkType::Ethernet) continue;
      const std::string_view copied = batch.copied_message(k);  // a datagram from IP fragments
      // Capture time runs 1 ms a frame: a second here, so that Timer E and F fire.
      const uint64_t now = p.ts_ns * 1000;
      dialogs.learn({p.data, p.caplen}, e.sip, uint16_t(e.frame & 1),
                    copied.empty() ? dp::SipDialogs::Reassembled{} : dp::SipDialogs::Reassembled{copied, e.src, e.dst});
      resends.on_sip(e.sip);
      if (const dp::SipDialog* d = dialogs.find(track::call_id_hash(e.sip.call_id))) {
        std::array<std::array<uint8_t, 2048>, 2> out;
        std::array<size_t, 2> len{};
        for (dp::CutSide side : {dp::CutSide::Callee, dp::CutSide::Caller}) {
          const size_t k = side == dp::CutSide::Callee ? 0 : 1;
          len[k] = dp::build_sip_bye(*d, side, out[k]);
          require(len[k] == 0 || (len[k] > 42 && len[k] <= out[k].size()));
        }
        if (len[0] != 0 && len[1] != 0)
          resends.add(*d, {out[0].data(), len[0]}, 1, {out[1].data(), len[1]}, 0, now);
      }
      if (resends.due(now))
        resends.resend(now, 3, [&](std::span<const uint8_t> f, uint16_t port) {
          require(!f.empty() && f.size() <= dp::ByeResends::kFrameBytes && port <= 1);
        });
    }
    for (const Repeat& r : batch.repeats()) {
      require(r.frame > i && r.frame <= i + n);  // a packet of this burst (frame = position + 1)
      const PacketRef& p = pkts[r.frame - 1];
      require(r.wire.l4_len != 0 && size_t(r.wire.l4_off) + r.wire.l4_len <= p.caplen);
      if (r.transport == Transport::Sctp)
        require(r.wire.msg_off >= r.wire.l4_off + 12 + 16 && r.wire.msg_off <= r.wire.l4_off + r.wire.l4_len);
    }
  }
  return 0;
}

}  // namespace sigprobe::l2l4::fuzz
