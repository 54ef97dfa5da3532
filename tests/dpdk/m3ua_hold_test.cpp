// Holding back a blocked SS7 message in place (host/dp/m3ua_hold): the SCTP
// checksum as the receivers check it, the rewrite touching only the M3UA
// message class and the checksum, the other chunks of a bundled packet intact,
// and a refusal for what is not a whole M3UA DATA message in the packet.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "dataplane/decode.hpp"
#include "host/dp/m3ua_hold.hpp"
#include "tests/dpdk/pcap_files.hpp"

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
  Decoder dec;
  EventBatch batch;
  DecodeCounters c;
  auto frames = capture("ss7/m3ua_fragmented_data.pcap");
  std::vector<PacketRef> refs(frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    refs[i].data = frames[i].bytes.data();
    refs[i].caplen = refs[i].wirelen = uint32_t(frames[i].bytes.size());
    refs[i].frame = i + 1;
  }
  dec.decode_burst(refs, batch, c);
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

}  // namespace
}  // namespace sigprobe::dp
