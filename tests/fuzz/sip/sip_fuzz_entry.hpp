// The one fuzz entry point for the SIP layer, shared by the libFuzzer target
// (sip_fuzz.cpp) and the g++ replay test (sip_fuzz_replay_test.cpp). It runs
// every SIP entry point over the input and aborts when an invariant breaks:
// every view the parser or the extraction returns lies inside the input or
// the event arena.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dataplane/sip/sip_decode.hpp"
#include "dataplane/sip/sip_fields.hpp"
#include "dataplane/sip/sip_parser.hpp"

namespace sigprobe::sip::fuzz {

inline void require(bool ok) {
  if (!ok) std::abort();
}

// v is empty, inside [base, base+n), or inside the arena [arena, arena_end).
inline void require_inside(std::string_view v, const char* base, size_t n) {
  if (v.empty()) return;
  require(v.data() >= base && v.data() + v.size() <= base + n);
}

inline void check_message(const SipMessage& m, std::string_view in) {
  require(m.length <= in.size());
  require(m.header_count <= SipMessage::kMaxHeaders);
  require_inside(m.body, in.data(), in.size());
  require_inside(m.method, in.data(), in.size());
  require_inside(m.reason, in.data(), in.size());
  for (size_t i = 0; i < m.header_count; ++i) {
    require_inside(m.headers[i].name, in.data(), in.size());
    require_inside(m.headers[i].value, in.data(), in.size());
  }
}

inline int run_one(const uint8_t* data, size_t size) {
  Bytes bytes{data, size};
  std::string_view in = as_chars(bytes);
  for (auto kind : {SipTransportKind::Datagram, SipTransportKind::Stream}) {
    AnomalySet a;
    if (auto m = parse_sip(in, a, kind)) check_message(*m, in);
  }
  (void)looks_like_sip(bytes);

  // Stream framing: consume the input as a TCP byte stream.
  size_t off = 0;
  for (int guard = 0; off < size && guard < 4096; ++guard) {
    SipFrame f = sip_frame(bytes.subspan(off));
    if (f.status == SipFrame::Status::Complete || f.status == SipFrame::Status::KeepAlive) {
      require(f.len > 0 && f.len <= size - off);
      off += f.len;
    } else {
      break;
    }
  }

  static EventBatch batch(4, 1 << 16);
  batch.clear();
  // The input as a URI: a global phone-context only ever puts digits in
  // front of the number read without it.
  {
    std::string_view uri = in.substr(0, std::min<size_t>(in.size(), 512));
    std::string_view plain = normalize_user(uri_user(uri), batch);
    std::string_view got = uri_number(uri, batch);
    if (got != plain) {
      require(got.size() > plain.size() && got.substr(got.size() - plain.size()) == plain);
      for (char ch : got) require(ch >= '0' && ch <= '9');
    }
    batch.clear();
  }
  PacketRef pkt;
  MsgContext ctx;
  ctx.pkt = &pkt;
  ctx.transport = Transport::Udp;
  DecodeCounters c;
  if (decode_sip(bytes, ctx, batch, c) && batch.size() == 1) {
    const SipInfo& s = batch.events()[0].sip;
    for (std::string_view v : {s.call_id, s.cseq, s.from_user, s.to_user, s.ruri_user, s.pai_user, s.diversion_user,
                               s.from_display, s.from_tag, s.to_tag, s.user_agent,
                               s.contact_instance, s.imei, s.via_host, s.content_type,
                               s.body_text, s.sdp_addr, s.method_name, s.reason}) {
      // inside the input, or copied into the arena (which we cannot see: a
      // view outside the input must then be short enough to fit the arena)
      bool in_input = v.empty() || (v.data() >= in.data() && v.data() + v.size() <= in.data() + size);
      require(in_input || v.size() <= (1u << 16));
    }
  }
  return 0;
}

}  // namespace sigprobe::sip::fuzz
