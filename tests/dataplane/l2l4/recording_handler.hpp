// An L4Handler for tests: records what the walk hands on.
#pragma once
#include <string>
#include <vector>

#include "dataplane/l2l4/walk.hpp"

namespace sigprobe::testpkt {

struct Delivery {
  enum class Kind { Udp, Tcp, Sctp } kind;
  MsgContext ctx;
  std::string bytes;
  bool in_packet = false;
  size_t carried = 0;
  uint64_t frame = 0;  // of the packet being walked when it was handed on
};

class RecordingHandler : public l2l4::L4Handler {
 public:
  // TCP: consume only up to the last '\n' (a message "framing" for tests);
  // otherwise everything offered is consumed.
  bool consume_lines = false;
  bool want_tcp = true;
  std::string message_start;  // starts_message(): bytes beginning with this

  std::vector<Delivery> got;

  void on_udp(const MsgContext& ctx, Bytes payload, bool in_packet) override {
    got.push_back({Delivery::Kind::Udp, ctx, std::string(as_chars(payload)), in_packet, 0, frame_of(ctx)});
  }
  bool want_tcp_stream(const MsgContext&, Bytes) override { return want_tcp; }
  bool starts_message(Bytes b) override {
    return !message_start.empty() && as_chars(b).starts_with(message_start);
  }
  size_t on_tcp_data(const MsgContext& ctx, Bytes data, bool in_packet, size_t carried) override {
    size_t used = data.size();
    if (consume_lines) {
      std::string_view s = as_chars(data);
      size_t nl = s.rfind('\n');
      used = nl == std::string_view::npos ? 0 : nl + 1;
    }
    if (used) {
      got.push_back({Delivery::Kind::Tcp, ctx, std::string(as_chars(data.first(used))), in_packet, carried,
                     frame_of(ctx)});
    }
    return used;
  }
  void on_sctp_message(const MsgContext& ctx, Bytes msg, bool in_packet) override {
    got.push_back({Delivery::Kind::Sctp, ctx, std::string(as_chars(msg)), in_packet, 0, frame_of(ctx)});
  }
  // Retransmitted chunks (on_sctp_repeat), recorded apart from what is handed on.
  std::vector<Delivery> repeats;
  void on_sctp_repeat(const MsgContext& ctx, Bytes msg) override {
    repeats.push_back({Delivery::Kind::Sctp, ctx, std::string(as_chars(msg)), true, 0, frame_of(ctx)});
  }
  void on_tcp_repeat(const MsgContext& ctx) override {
    repeats.push_back({Delivery::Kind::Tcp, ctx, {}, true, 0, frame_of(ctx)});
  }
  static uint64_t frame_of(const MsgContext& ctx) { return ctx.pkt ? ctx.pkt->frame : 0; }

  std::string tcp_stream() const {
    std::string s;
    for (const Delivery& d : got) {
      if (d.kind == Delivery::Kind::Tcp) s += d.bytes;
    }
    return s;
  }
};

inline uint64_t anomalies_total(const DecodeCounters& c) {
  uint64_t n = 0;
  for (uint64_t v : c.anomalies) n += v;
  return n;
}
inline uint64_t count(const DecodeCounters& c, Anomaly a) { return c.anomalies[size_t(a)]; }

}  // namespace sigprobe::testpkt
