// Holding back a blocked SS7 message in place (host/dp/hold_in_place): the SCTP
// checksum as the receivers check it, the rewrite touching only the M3UA
// message class and the checksum, the other chunks of a bundled packet intact,
// and a refusal for what is not a whole M3UA DATA message in the packet.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dataplane/decode.hpp"
#include "host/dp/hold_in_place.hpp"
#include "tests/dpdk/pcap_files.hpp"
#include "tests/support/kamailio_process.hpp"

namespace sigprobe::dp {
namespace {

namespace fs = std::filesystem;

std::string pcaps_dir() {
  const char* env = std::getenv("SIGPROBE_SOURCE_DIR");
  return std::string(env ? env : SIGPROBE_SOURCE_DIR) + "/pcaps";
}

// Events of one frame decoded alone (a fresh decoder: no TSN history).
struct Decoded {
  EventBatch batch;
  std::vector<SignalEvent> events;
};
std::vector<SignalEvent> decode_frame(const std::vector<uint8_t>& bytes, Decoded& d) {
  Decoder dec;
  DecodeCounters c;
  PacketRef p;
  p.data = bytes.data();
  p.caplen = p.wirelen = uint32_t(bytes.size());
  p.frame = 1;
  d.batch.clear();
  dec.decode_burst({&p, 1}, d.batch, c);
  auto ev = d.batch.events();
  return {ev.begin(), ev.end()};
}

// Events of a whole capture decoded in order by one decoder (frame = index + 1).
void decode_in_order(const std::vector<test::Frame>& frames, EventBatch& batch) {
  Decoder dec;
  DecodeCounters c;
  std::vector<PacketRef> refs(frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    refs[i].data = frames[i].bytes.data();
    refs[i].caplen = refs[i].wirelen = uint32_t(frames[i].bytes.size());
    refs[i].frame = i + 1;
  }
  dec.decode_burst(refs, batch, c);
}

uint32_t checksum_field(const std::vector<uint8_t>& frame, const WireSpot& w) {
  const uint8_t* f = frame.data() + w.l4_off + 8;
  return uint32_t(f[0]) | uint32_t(f[1]) << 8 | uint32_t(f[2]) << 16 | uint32_t(f[3]) << 24;
}

std::vector<test::Frame> capture(const std::string& name) { return test::read_pcap(pcaps_dir() + "/" + name); }

// scapy wrote the bundled captures' checksums and tshark finds every one good
// (`tshark -o sctp.checksum:CRC-32C -e sctp.checksum.status`): ours must agree
// on each SS7-over-SCTP frame, and a frame with one bit changed must not.
TEST(SctpChecksum, AgreesWithEveryBundledSigtranFrame) {
  size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(pcaps_dir() + "/ss7")) {
    if (entry.path().extension() != ".pcap") continue;
    int dlt = 0;
    auto frames = test::read_pcap(entry.path().string(), &dlt);
    if (dlt != 1) continue;  // Ethernet only: the MTP2/MTP3 link types carry no SCTP
    for (const auto& f : frames) {
      Decoded d;
      for (const SignalEvent& e : decode_frame(f.bytes, d)) {
        if (e.transport != Transport::Sctp || e.wire.l4_len == 0) continue;
        SCOPED_TRACE(entry.path().filename().string());
        std::span<const uint8_t> sctp(f.bytes.data() + e.wire.l4_off, e.wire.l4_len);
        EXPECT_EQ(sctp_checksum(sctp), checksum_field(f.bytes, e.wire));
        auto flipped = f.bytes;
        flipped[e.wire.l4_off + e.wire.l4_len - 1] ^= 0x10;
        EXPECT_NE(sctp_checksum({flipped.data() + e.wire.l4_off, e.wire.l4_len}), checksum_field(f.bytes, e.wire));
        ++checked;
        break;
      }
    }
  }
  EXPECT_GT(checked, 100u);
}

// map_call_forwarding.pcap frame 5: the registerSS invoke (MAP over M3UA).
TEST(HoldM3ua, RewritesTheMessageClassAndTheChecksumOnly) {
  auto frames = capture("ss7/map_call_forwarding.pcap");
  ASSERT_EQ(frames.size(), 8u);
  const std::vector<uint8_t> original = frames[4].bytes;
  Decoded d;
  auto ev = decode_frame(original, d);
  ASSERT_EQ(ev.size(), 1u);
  ASSERT_TRUE(ev[0].has(kLayerMap));
  const WireSpot w = ev[0].wire;
  ASSERT_GT(w.msg_off, w.l4_off);

  std::vector<uint8_t> held = original;
  EXPECT_EQ(hold_m3ua(held, w), HoldResult::Held);
  std::vector<size_t> changed;
  for (size_t i = 0; i < held.size(); ++i)
    if (held[i] != original[i]) changed.push_back(i);
  for (size_t i : changed)
    EXPECT_TRUE(i == size_t(w.msg_off) + 2 || (i >= size_t(w.l4_off) + 8 && i < size_t(w.l4_off) + 12)) << i;
  EXPECT_EQ(held[w.msg_off + 2], kHeldClass);
  EXPECT_EQ(sctp_checksum({held.data() + w.l4_off, w.l4_len}), checksum_field(held, w));
  // What the receiver's M3UA gets is no longer a DATA message: no MAP event.
  Decoded d2;
  for (const SignalEvent& e : decode_frame(held, d2)) EXPECT_FALSE(e.has(kLayerMap));
  // A second event of the same message finds it held.
  std::vector<uint8_t> again = held;
  EXPECT_EQ(hold_m3ua(again, w), HoldResult::AlreadyHeld);
  EXPECT_EQ(again, held);
}

// A packet bundling several DATA chunks: holding one message leaves the
// others as they were, and they still decode.
TEST(HoldM3ua, LeavesTheOtherChunksOfThePacketIntact) {
  bool found = false;
  for (const auto& f : capture("ss7/m3ua_multi_chunk.pcap")) {
    Decoded d;
    auto ev = decode_frame(f.bytes, d);
    if (ev.size() < 2 || ev[0].wire.msg_off == 0 || ev[1].wire.msg_off == ev[0].wire.msg_off) continue;
    found = true;
    std::vector<uint8_t> held = f.bytes;
    ASSERT_EQ(hold_m3ua(held, ev[1].wire), HoldResult::Held);
    Decoded d2;
    auto after = decode_frame(held, d2);
    ASSERT_EQ(after.size(), ev.size() - 1);
    EXPECT_EQ(after[0].proto, ev[0].proto);
    EXPECT_EQ(after[0].wire.msg_off, ev[0].wire.msg_off);
    EXPECT_EQ(after[0].mtp3.opc, ev[0].mtp3.opc);
    EXPECT_EQ(sctp_checksum({held.data() + ev[1].wire.l4_off, ev[1].wire.l4_len}), checksum_field(held, ev[1].wire));
    break;
  }
  EXPECT_TRUE(found) << "no packet with two whole M3UA messages in m3ua_multi_chunk.pcap";
}

TEST(HoldM3ua, DeclinesWhatIsNotAWholeM3uaDataMessageInThePacket) {
  // User messages fragmented over DATA chunks (frames 5-7 and 9-10): the
  // M3UA header went by in an earlier packet than the one that completes the
  // message; their events name no spot. The whole chunks of the capture do.
  auto frames = capture("ss7/m3ua_fragmented_data.pcap");
  EventBatch batch;
  decode_in_order(frames, batch);
  size_t reassembled = 0, whole = 0;
  for (const SignalEvent& e : batch.events()) {
    if (e.transport != Transport::Sctp) continue;
    if (e.frame == 7 || e.frame == 10) {
      EXPECT_EQ(e.wire.msg_off, 0);
      std::vector<uint8_t> b = frames[e.frame - 1].bytes;
      EXPECT_EQ(hold_m3ua(b, e.wire), HoldResult::NotInPlace);
      EXPECT_EQ(b, frames[e.frame - 1].bytes);
      ++reassembled;
    } else {
      EXPECT_NE(e.wire.msg_off, 0);
      ++whole;
    }
  }
  EXPECT_EQ(reassembled, 2u);
  EXPECT_GT(whole, 0u);

  auto frames5 = capture("ss7/map_call_forwarding.pcap");
  Decoded d;
  auto ev = decode_frame(frames5[4].bytes, d);
  ASSERT_EQ(ev.size(), 1u);
  std::vector<uint8_t> b = frames5[4].bytes;
  WireSpot w = ev[0].wire;
  w.msg_off = uint16_t(w.l4_off + 4);  // not an M3UA header
  EXPECT_EQ(hold_m3ua(b, w), HoldResult::NotInPlace);
  w = ev[0].wire;
  w.l4_len = uint16_t(b.size());  // runs past the frame
  EXPECT_EQ(hold_m3ua(b, w), HoldResult::NotInPlace);
  w = WireSpot{};
  EXPECT_EQ(hold_m3ua(b, w), HoldResult::NotInPlace);
  EXPECT_EQ(b, frames5[4].bytes);
  // An M3UA management message (ASP Up of frame 1, one chunk at the same
  // offsets) is not DATA.
  w = ev[0].wire;
  std::vector<uint8_t> up = frames5[0].bytes;
  ASSERT_GE(up.size(), size_t(w.msg_off) + 8);
  EXPECT_EQ(up[w.msg_off + 2], 3);  // ASPSM
  EXPECT_EQ(hold_m3ua(up, WireSpot{w.l4_off, uint16_t(up.size() - w.l4_off), w.msg_off}), HoldResult::NotInPlace);
}

// An INVITE over TCP whose Max-Forwards value starts at an even or an odd
// offset of the segment (the Via branch one character longer or not).
std::vector<uint8_t> tcp_invite(bool odd, const std::string& max_forwards = "70") {
  std::string inv = test::sip_invite("8613800138000", "8613700000010", odd ? "c1x" : "c1");
  inv.replace(inv.find("Via: SIP/2.0/UDP"), 16, "Via: SIP/2.0/TCP");
  inv.replace(inv.find("Max-Forwards: 70"), 16, "Max-Forwards: " + max_forwards);
  return test::tcp_frame(0x0a000001u, 0x0a010001u, 40001, 5060, 1000, inv);
}

TEST(HoldSipTcp, ZeroesMaxForwardsAndKeepsTheChecksumValidAtEitherAlignment) {
  std::set<size_t> parities;
  for (bool odd : {false, true}) {
    SCOPED_TRACE(odd ? "odd" : "even");
    const std::vector<uint8_t> original = tcp_invite(odd);
    ASSERT_EQ(test::tcp_checksum_ipv4(original), uint16_t(original[50] << 8 | original[51]));
    Decoded d;
    auto ev = decode_frame(original, d);
    ASSERT_EQ(ev.size(), 1u);
    ASSERT_EQ(ev[0].sip.method, SipMethod::Invite);
    const WireSpot w = ev[0].wire;
    ASSERT_EQ(w.l4_off, 34);
    ASSERT_EQ(w.msg_len, 2);
    ASSERT_EQ(std::string(original.begin() + w.msg_off, original.begin() + w.msg_off + 2), "70");
    parities.insert((w.msg_off - w.l4_off) % 2);

    std::vector<uint8_t> held = original;
    ASSERT_EQ(hold_sip_tcp(held, w), HoldResult::Held);
    EXPECT_EQ(std::string(held.begin() + w.msg_off - 14, held.begin() + w.msg_off + 2), "Max-Forwards: 00");
    EXPECT_EQ(test::tcp_checksum_ipv4(held), uint16_t(held[50] << 8 | held[51]));
    for (size_t i = 0; i < held.size(); ++i) {
      if (held[i] == original[i]) continue;
      EXPECT_TRUE(i == 50 || i == 51 || (i >= w.msg_off && i < size_t(w.msg_off) + w.msg_len)) << i;
    }
    std::vector<uint8_t> again = held;
    EXPECT_EQ(hold_sip_tcp(again, w), HoldResult::AlreadyHeld);
    EXPECT_EQ(again, held);
  }
  EXPECT_EQ(parities.size(), 2u) << "both alignments of the value";
  // A three-digit value straddling words.
  std::vector<uint8_t> f = tcp_invite(true, "255");
  Decoded d;
  auto ev = decode_frame(f, d);
  ASSERT_EQ(ev.size(), 1u);
  ASSERT_EQ(ev[0].wire.msg_len, 3);
  ASSERT_EQ(hold_sip_tcp(f, ev[0].wire), HoldResult::Held);
  EXPECT_EQ(test::tcp_checksum_ipv4(f), uint16_t(f[50] << 8 | f[51]));
}

TEST(HoldSipTcp, DeclinesResponsesAndWhatIsNotAMaxForwardsValue) {
  // A response has no Max-Forwards to act on: no spot.
  std::string ok = "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKc1\r\nMax-Forwards: 70\r\n"
                   "From: <sip:a@x>;tag=1\r\nTo: <sip:b@y>;tag=2\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n"
                   "Content-Length: 0\r\n\r\n";
  auto resp = test::tcp_frame(0x0a010001u, 0x0a000001u, 5060, 40001, 5000, ok);
  Decoded d;
  auto ev = decode_frame(resp, d);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].wire.msg_off, 0);
  std::vector<uint8_t> b = resp;
  EXPECT_EQ(hold_sip_tcp(b, ev[0].wire), HoldResult::NotInPlace);
  EXPECT_EQ(b, resp);
  // Over UDP no spot is recorded (a datagram is dropped instead).
  std::string inv = test::sip_invite("8613800138000", "8613700000010", "c2");
  auto udp = test::udp_frame(0x0a000001u, 0x0a010001u, 5060, 5060, inv);
  Decoded du;
  auto evu = decode_frame(udp, du);
  ASSERT_EQ(evu.size(), 1u);
  EXPECT_EQ(evu[0].wire.msg_off, 0);
  // A spot on something else than digits, or past the segment.
  std::vector<uint8_t> f = tcp_invite(false);
  Decoded d2;
  WireSpot w = decode_frame(f, d2)[0].wire;
  const std::vector<uint8_t> before = f;
  WireSpot bad = w;
  bad.msg_off = uint16_t(w.msg_off - 3);  // ": 7"
  EXPECT_EQ(hold_sip_tcp(f, bad), HoldResult::NotInPlace);
  bad = w;
  bad.l4_len = uint16_t(f.size());  // runs past the frame
  EXPECT_EQ(hold_sip_tcp(f, bad), HoldResult::NotInPlace);
  EXPECT_EQ(f, before);
}

// SIP over SCTP (sctp_identity.pcap, frame 1: an INVITE with Max-Forwards 69
// in one DATA chunk): zeroed, the CRC32c recomputed, nothing else changed.
TEST(HoldSipSctp, ZeroesMaxForwardsAndRecomputesTheCrc) {
  auto frames = capture("sip/sctp_identity.pcap");
  ASSERT_FALSE(frames.empty());
  const std::vector<uint8_t>& original = frames[0].bytes;
  Decoded d;
  auto ev = decode_frame(original, d);
  ASSERT_EQ(ev.size(), 1u);
  ASSERT_EQ(ev[0].sip.method, SipMethod::Invite);
  ASSERT_EQ(ev[0].transport, Transport::Sctp);
  const WireSpot w = ev[0].wire;
  ASSERT_EQ(w.msg_len, 2);
  ASSERT_EQ(std::string(original.begin() + w.msg_off, original.begin() + w.msg_off + 2), "69");
  ASSERT_EQ(sctp_checksum({original.data() + w.l4_off, w.l4_len}), checksum_field(original, w));
  std::vector<uint8_t> held = original;
  ASSERT_EQ(hold_sip_sctp(held, w), HoldResult::Held);
  EXPECT_EQ(std::string(held.begin() + w.msg_off, held.begin() + w.msg_off + 2), "00");
  EXPECT_EQ(sctp_checksum({held.data() + w.l4_off, w.l4_len}), checksum_field(held, w));
  for (size_t i = 0; i < held.size(); ++i) {
    if (held[i] == original[i]) continue;
    EXPECT_TRUE((i >= w.msg_off && i < size_t(w.msg_off) + 2) || (i >= size_t(w.l4_off) + 8 && i < size_t(w.l4_off) + 12))
        << i;
  }
  std::vector<uint8_t> again = held;
  EXPECT_EQ(hold_sip_sctp(again, w), HoldResult::AlreadyHeld);
  // Not an M3UA message: hold_m3ua declines the same spot.
  std::vector<uint8_t> b = original;
  WireSpot m3 = w;
  m3.msg_off = uint16_t(w.l4_off + 28);  // the chunk's user data: "INVITE sip:..."
  EXPECT_EQ(hold_m3ua(b, m3), HoldResult::NotInPlace);
}

// The DATA chunk around a byte: the INVITE's chunk for its Max-Forwards value
// (what a held SIP-over-SCTP request is remembered by); none for the common or
// the chunk header; of a bundle, the chunk that holds the byte.
TEST(SctpDataStart, FindsTheDataChunkThatHoldsAByte) {
  auto frames = capture("sip/sctp_identity.pcap");
  ASSERT_FALSE(frames.empty());
  Decoded d;
  auto ev = decode_frame(frames[0].bytes, d);
  ASSERT_EQ(ev.size(), 1u);
  const WireSpot w = ev[0].wire;
  const uint16_t data = uint16_t(w.l4_off + 12 + 16);
  EXPECT_EQ(sctp_data_start(frames[0].bytes, w, w.msg_off), data);
  EXPECT_EQ(sctp_data_start(frames[0].bytes, w, data), data);
  EXPECT_EQ(sctp_data_start(frames[0].bytes, w, w.l4_off + 4), 0u) << "the common header";
  EXPECT_EQ(sctp_data_start(frames[0].bytes, w, data - 1), 0u) << "the DATA chunk's header";
  EXPECT_EQ(sctp_data_start(frames[0].bytes, w, size_t(w.l4_off) + w.l4_len), 0u) << "past the packet";
  WireSpot cut = w;
  cut.l4_len = 40;  // a chunk length running past the packet
  EXPECT_EQ(sctp_data_start(frames[0].bytes, cut, w.msg_off), 0u);
  bool bundle = false;
  for (const auto& f : capture("ss7/m3ua_multi_chunk.pcap")) {
    Decoded d2;
    auto e2 = decode_frame(f.bytes, d2);
    if (e2.size() < 2 || e2[0].wire.msg_off == 0 || e2[1].wire.msg_off == e2[0].wire.msg_off) continue;
    bundle = true;
    EXPECT_EQ(sctp_data_start(f.bytes, e2[1].wire, e2[1].wire.msg_off + 9), e2[1].wire.msg_off);
    EXPECT_EQ(sctp_data_start(f.bytes, e2[0].wire, e2[0].wire.msg_off + 9), e2[0].wire.msg_off);
    break;
  }
  EXPECT_TRUE(bundle);
}

// The bundled SIP-over-TCP captures (scapy's checksums, good in tshark): every
// request whose Max-Forwards lies in its segment is held with a valid checksum.
TEST(HoldSipTcp, HoldsEveryRequestOfTheBundledTcpCapturesWithValidChecksums) {
  size_t held = 0, spanning = 0;
  for (const char* name : {"sip/tcp_coalesced_split.pcap", "sip/tcp_reorder_retrans.pcap"}) {
    SCOPED_TRACE(name);
    auto frames = capture(name);
    EventBatch batch;
    decode_in_order(frames, batch);
    for (const SignalEvent& e : batch.events()) {
      if (e.sip.method == SipMethod::None) continue;
      if (e.wire.msg_off == 0) {
        ++spanning;  // Max-Forwards in an earlier segment, or a message reassembled out of order
        continue;
      }
      std::vector<uint8_t> f = frames[e.frame - 1].bytes;
      if (f[12] != 0x08 || f[13] != 0x00 || f[14] != 0x45) continue;  // IPv4 without options only
      ASSERT_EQ(test::tcp_checksum_ipv4(f), uint16_t(f[50] << 8 | f[51]));
      ASSERT_EQ(hold_sip_tcp(f, e.wire), HoldResult::Held);
      EXPECT_EQ(test::tcp_checksum_ipv4(f), uint16_t(f[50] << 8 | f[51]));
      ++held;
    }
  }
  EXPECT_GT(held, 0u);
  EXPECT_GT(spanning, 0u);
}

// Inside a tunnel an outer checksum or ICV (UDP over IPv6, GRE, ESP) would
// no longer match rewritten bytes: events decoded there name no spot. Here
// IP in IP around the TCP INVITE and around the registerSS over SCTP.
TEST(HoldInPlace, NothingInsideATunnelIsHeld) {
  auto ipip = [](const std::vector<uint8_t>& frame) {
    std::vector<uint8_t> inner(frame.begin() + 14, frame.end());  // IPv4 header on
    std::vector<uint8_t> outer = test::ipv4_frame(4, 0xc0a80001u, 0xc0a80002u, inner.size());
    std::copy(inner.begin(), inner.end(), outer.begin() + 34);
    return outer;
  };
  const std::vector<uint8_t> tcp = tcp_invite(false);
  Decoded d;
  auto plain = decode_frame(tcp, d);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_NE(plain[0].wire.msg_off, 0);
  Decoded d2;
  auto tunnelled = decode_frame(ipip(tcp), d2);
  ASSERT_EQ(tunnelled.size(), 1u);
  EXPECT_EQ(tunnelled[0].sip.method, SipMethod::Invite);
  EXPECT_EQ(tunnelled[0].wire.msg_off, 0);
  EXPECT_EQ(tunnelled[0].wire.l4_len, 0);

  auto frames = capture("ss7/map_call_forwarding.pcap");
  Decoded d3;
  auto ss7 = decode_frame(ipip(frames[4].bytes), d3);
  ASSERT_EQ(ss7.size(), 1u);
  EXPECT_TRUE(ss7[0].has(kLayerMap));
  EXPECT_EQ(ss7[0].wire.msg_off, 0);
  EXPECT_EQ(ss7[0].wire.l4_len, 0);
}

// Every event of the shared corpus's Ethernet captures that names a spot,
// held in a copy of its frame: only the allowed bytes change, the checksum
// stays valid (SCTP: the CRC32c of the rewritten packet; TCP over IPv4: the
// checksum computed in full, where the capture's own was valid). Real
// captures: the spot logic against encoders other than ours.
TEST(HoldInPlace, EveryHoldableEventOfTheCorpusKeepsItsFrameValid) {
  fs::path corpus;
  for (const std::string& d : {pcaps_dir() + "/../../shared/corpus", std::string("/work/shared/corpus")})
    if (fs::exists(d + "/MANIFEST.tsv")) corpus = d;
  if (corpus.empty()) GTEST_SKIP() << "shared corpus not present";
  size_t sctp_held = 0, tcp_held = 0, tcp_checked = 0, sip_sctp_held = 0;
  for (const auto& entry : fs::recursive_directory_iterator(corpus)) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".pcap" && ext != ".pcapng" && ext != ".cap") continue;
    int dlt = 0;
    auto frames = test::read_pcap(entry.path().string(), &dlt);
    if (dlt != 1) continue;
    SCOPED_TRACE(entry.path().filename().string());
    EventBatch batch(1 << 16, 64 << 20);
    decode_in_order(frames, batch);
    for (const SignalEvent& e : batch.events()) {
      if (e.wire.msg_off == 0) continue;
      const std::vector<uint8_t>& original = frames[e.frame - 1].bytes;
      std::vector<uint8_t> f = original;
      const WireSpot w = e.wire;
      if (e.transport == Transport::Sctp && e.proto == Proto::Sip) {
        ASSERT_EQ(hold_sip_sctp(f, w), HoldResult::Held) << "frame " << e.frame;
        EXPECT_EQ(sctp_checksum({f.data() + w.l4_off, w.l4_len}), checksum_field(f, w));
        ++sip_sctp_held;
        continue;
      }
      if (e.transport == Transport::Sctp) {
        if (hold_m3ua(f, w) != HoldResult::Held) continue;  // a management message, or held already
        for (size_t i = 0; i < f.size(); ++i) {
          if (f[i] == original[i]) continue;
          EXPECT_TRUE(i == size_t(w.msg_off) + 2 || (i >= size_t(w.l4_off) + 8 && i < size_t(w.l4_off) + 12)) << i;
        }
        EXPECT_EQ(sctp_checksum({f.data() + w.l4_off, w.l4_len}), checksum_field(f, w));
        ++sctp_held;
      } else {
        ASSERT_EQ(e.transport, Transport::Tcp);
        ASSERT_EQ(hold_sip_tcp(f, w), HoldResult::Held) << "frame " << e.frame;
        for (size_t i = 0; i < f.size(); ++i) {
          if (f[i] == original[i]) continue;
          EXPECT_TRUE(i == size_t(w.l4_off) + 16 || i == size_t(w.l4_off) + 17 ||
                      (i >= w.msg_off && i < size_t(w.msg_off) + w.msg_len))
              << i;
        }
        const bool ipv4 = f[12] == 0x08 && f[13] == 0x00 && f[14] == 0x45 && w.l4_off == 34;
        if (ipv4 && test::tcp_checksum_ipv4(original) == uint16_t(original[50] << 8 | original[51])) {
          EXPECT_EQ(test::tcp_checksum_ipv4(f), uint16_t(f[50] << 8 | f[51])) << "frame " << e.frame;
          ++tcp_checked;
        }
        ++tcp_held;
      }
    }
  }
  std::printf("corpus: %zu SS7 messages over SCTP, %zu SIP requests over TCP (%zu TCP checksums checked) and %zu "
              "over SCTP held in copies\n", sctp_held, tcp_held, tcp_checked, sip_sctp_held);
  EXPECT_GT(sctp_held, 100u);
}

// What the hold relies on, against a real proxy: Kamailio with the maxfwd
// module (as its default configuration uses it) answers the held INVITE 483
// for the caller's INVITE transaction, and routes the original one (here to
// a 404).
TEST(HoldSipTcp, KamailioAnswersTheHeldInvite483) {
  namespace fs = std::filesystem;
  if (!fs::exists(fs::path(testing::kKamailioModules) / "maxfwd.so")) GTEST_SKIP() << "kamailio is not installed";
  const uint16_t port = uint16_t(20000 + (getpid() * 7 + 3) % 20000);
  const fs::path dir = fs::temp_directory_path() / ("sigprobe-hold-kamailio-" + std::to_string(getpid()));
  fs::remove_all(dir);
  std::ostringstream cfg;
  cfg << "#!KAMAILIO\nfork=yes\nchildren=1\ntcp_children=1\nlog_stderror=yes\n"
      << "listen=tcp:127.0.0.1:" << port << "\nmpath=\"" << testing::kKamailioModules << "/\"\n"
      << "loadmodule \"sl.so\"\nloadmodule \"maxfwd.so\"\n"
      << "request_route {\n  if (!mf_process_maxfwd_header(\"10\")) { sl_send_reply(\"483\", \"Too Many Hops\"); exit; }\n"
      << "  sl_send_reply(\"404\", \"Not Here\");\n}\n";
  testing::KamailioProcess kam;
  ASSERT_TRUE(kam.start(dir, cfg.str(), port)) << kam.log();
  // The SIP payload of a frame, sent on a connection of its own; the status
  // line and CSeq of the answer.
  auto ask = [&](const std::vector<uint8_t>& frame) {
    std::string msg(frame.begin() + 54, frame.end());
    int fd = testing::KamailioProcess::connect_tcp(port);
    if (fd < 0) return std::string("no connection");
    timeval tv{3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string got;
    if (send(fd, msg.data(), msg.size(), 0) == ssize_t(msg.size())) {
      char buf[2048];
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n > 0) got.assign(buf, size_t(n));
    }
    close(fd);
    std::string status = got.substr(0, got.find("\r\n"));
    size_t c = got.find("CSeq: ");
    return status + " | " + (c == std::string::npos ? "" : got.substr(c, got.find("\r\n", c) - c));
  };
  const std::vector<uint8_t> original = tcp_invite(false);
  Decoded d;
  const WireSpot w = decode_frame(original, d)[0].wire;
  std::vector<uint8_t> held = original;
  ASSERT_EQ(hold_sip_tcp(held, w), HoldResult::Held);
  EXPECT_EQ(ask(original), "SIP/2.0 404 Not Here | CSeq: 314159 INVITE") << kam.log();
  EXPECT_EQ(ask(held), "SIP/2.0 483 Too Many Hops | CSeq: 314159 INVITE") << kam.log();
  kam.stop();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sigprobe::dp
