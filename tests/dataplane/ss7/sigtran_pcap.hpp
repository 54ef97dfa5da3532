// Test-only capture walker for the SS7 tests: reads a pcap/pcapng with
// libpcap and hands every SCTP DATA user message (B..E fragments joined per
// stream; no TSN de-duplication: a retransmitted or duplicated chunk is
// decoded again, where tshark marks it and stops) or MTP2/MTP3 link frame to
// an Ss7Decoder. It exists so the SS7
// decoder can be checked against tshark without the L2-L4 walk.
#pragma once
#include <pcap/pcap.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"
#include "dataplane/core/signal_event.hpp"
#include "dataplane/ss7/ss7_decoder.hpp"

namespace sigprobe::ss7::testing {

// Called once per SS7 message with the events that message produced.
using MessageSink = std::function<void(uint64_t frame, std::span<const SignalEvent> events)>;

class SigtranPcap {
 public:
  // Returns false when the file cannot be opened.
  bool run(const std::string& path, Ss7Decoder& dec, DecodeCounters& c, const MessageSink& sink) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    if (!p) return false;
    int dlt = pcap_datalink(p);
    pcap_pkthdr* h;
    const u_char* data;
    uint64_t frame = 0;
    while (pcap_next_ex(p, &h, &data) == 1) {
      ++frame;
      PacketRef pkt;
      pkt.data = data;
      pkt.caplen = h->caplen;
      pkt.wirelen = h->len;
      pkt.frame = frame;
      pkt.ts_ns = uint64_t(h->ts.tv_sec) * 1'000'000'000ull + uint64_t(h->ts.tv_usec) * 1000ull;
      on_frame(dlt, pkt, dec, c, sink);
    }
    pcap_close(p);
    return true;
  }

 private:
  EventBatch batch_{256, 1 << 20};
  std::map<std::string, std::vector<uint8_t>> partial_;  // per association+stream

  void deliver(Bytes msg, MsgContext& ctx, Ss7Decoder& dec, DecodeCounters& c,
               const MessageSink& sink, int kind) {
    batch_.clear();
    if (kind == 0) dec.on_sctp_message(msg, ctx, batch_, c);
    else if (kind == 140) dec.on_mtp2(msg, ctx, batch_, c);
    else if (kind == 139) dec.on_mtp2_with_phdr(msg, ctx, batch_, c);
    else dec.on_mtp3(msg, ctx, batch_, c);
    sink(ctx.pkt->frame, batch_.events());
  }

  void on_frame(int dlt, const PacketRef& pkt, Ss7Decoder& dec, DecodeCounters& c,
                const MessageSink& sink) {
    MsgContext ctx;
    ctx.pkt = &pkt;
    ByteReader r{pkt.bytes()};
    uint16_t ethertype = 0;
    switch (dlt) {
      case DLT_MTP2: ctx.transport = Transport::Mtp2; deliver(r.rest(), ctx, dec, c, sink, 140); return;
      case 139: ctx.transport = Transport::Mtp2; deliver(r.rest(), ctx, dec, c, sink, 139); return;
      case 141: ctx.transport = Transport::Mtp3; deliver(r.rest(), ctx, dec, c, sink, 141); return;
      case DLT_EN10MB: {
        if (!r.skip(12)) return;
        auto et = r.u16be();
        while (et && (*et == 0x8100 || *et == 0x88A8)) {
          r.skip(2);
          et = r.u16be();
        }
        if (!et) return;
        ethertype = *et;
        break;
      }
      case DLT_LINUX_SLL: {
        if (!r.skip(14)) return;
        auto et = r.u16be();
        if (!et) return;
        ethertype = *et;
        break;
      }
      case DLT_NULL: {
        auto fam = r.u32le();
        if (!fam) return;
        ethertype = *fam == 2 ? 0x0800 : 0x86DD;
        break;
      }
      default: {  // raw IP
        auto v = r.peek_u8();
        if (!v) return;
        ethertype = (*v >> 4) == 4 ? 0x0800 : 0x86DD;
      }
    }
    uint8_t proto = 0;
    if (ethertype == 0x0800) {
      auto vihl = r.peek_u8();
      if (!vihl) return;
      size_t ihl = (*vihl & 0x0F) * 4;
      Bytes ip = r.rest();
      if (ip.size() < 20) return;
      proto = ip[9];
      ctx.src.family = ctx.dst.family = 4;
      std::copy_n(ip.begin() + 12, 4, ctx.src.addr.begin());
      std::copy_n(ip.begin() + 16, 4, ctx.dst.addr.begin());
      size_t total = size_t(ip[2]) << 8 | ip[3];
      r = ByteReader{ip.subspan(0, std::min(total, ip.size()))};
      if (!r.skip(ihl)) return;
    } else if (ethertype == 0x86DD) {
      Bytes ip = r.rest();
      if (ip.size() < 40) return;
      proto = ip[6];
      ctx.src.family = ctx.dst.family = 6;
      std::copy_n(ip.begin() + 8, 16, ctx.src.addr.begin());
      std::copy_n(ip.begin() + 24, 16, ctx.dst.addr.begin());
      r.skip(40);
    } else {
      return;
    }
    if (proto != 132) return;
    auto sport = r.u16be(), dport = r.u16be();
    if (!dport || !r.skip(8)) return;
    ctx.src.port = *sport;
    ctx.dst.port = *dport;
    ctx.transport = Transport::Sctp;
    while (r.remaining() >= 4) {
      Bytes chunk_start = r.rest();
      auto type = r.u8(), flags = r.u8();
      auto len = r.u16be();
      if (!len || *len < 4 || size_t(*len) > chunk_start.size()) return;
      Bytes chunk = chunk_start.subspan(0, *len);
      r.skip(*len - 4);
      r.skip(pad4(*len));
      if (*type != 0 || chunk.size() < 16) continue;
      uint16_t stream = uint16_t(chunk[8] << 8 | chunk[9]);
      ctx.sctp_stream = stream;
      ctx.sctp_ppid = uint32_t(chunk[12]) << 24 | uint32_t(chunk[13]) << 16 |
                      uint32_t(chunk[14]) << 8 | chunk[15];
      Bytes payload = chunk.subspan(16);
      bool b = *flags & 0x02, e = *flags & 0x01;
      if (b && e) {
        deliver(payload, ctx, dec, c, sink, 0);
        continue;
      }
      std::string key(reinterpret_cast<const char*>(ctx.src.addr.data()), 16);
      key += std::to_string(ctx.src.port) + ":" + std::to_string(ctx.dst.port) + ":" +
             std::to_string(stream);
      auto& buf = partial_[key];
      if (b) buf.clear();
      buf.insert(buf.end(), payload.begin(), payload.end());
      if (e) {
        std::vector<uint8_t> whole;
        whole.swap(buf);
        deliver(whole, ctx, dec, c, sink, 0);
      }
    }
  }
};

}  // namespace sigprobe::ss7::testing
