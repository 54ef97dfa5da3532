#include "dataplane/ss7/ss7_decoder.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "host/out/event_json.hpp"
#include "tests/dataplane/ss7/sigtran_pcap.hpp"
#include "tests/dataplane/ss7/ss7_builders.hpp"

namespace sigprobe::ss7 {
namespace {
using namespace testing;

// Messages hand-built from the specs with tests/dataplane/ss7/ss7_builders.hpp.

Buf map_over_m3ua(const Buf& tcap) {
  return m3ua_data(1201, 2302, 3, sccp_udt(sccp_gt("491720000000", 8), sccp_gt("8613800000", 8), tcap));
}

struct Harness {
  Ss7Decoder dec;
  EventBatch out{256, 1 << 20};
  DecodeCounters c;
  PacketRef pkt;
  MsgContext ctx;
  explicit Harness(const Ss7Config& cfg = {}) : dec(cfg) {
    ctx.pkt = &pkt;
    ctx.transport = Transport::Sctp;
    ctx.sctp_ppid = 3;
  }
  std::span<SignalEvent> feed(const Buf& msg, uint64_t frame = 1, uint64_t ts_ns = 1'000'000'000) {
    out.clear();
    pkt.frame = frame;
    pkt.ts_ns = ts_ns;
    dec.on_sctp_message(msg, ctx, out, c);
    return out.events();
  }
};

TEST(Ss7Decoder, MapInvokeBecomesOneEventPerComponent) {
  Harness h;
  Buf tcap = tcap_begin({0x0A, 0x1B, 0x2C, 0x3D}, tcap_dialogue(map_acn(1, 3)),
                        cat({invoke(1, 2, tlv(0x30, cat({tlv(0x04, tbcd("460001234567890")),
                                                         tlv(0x81, isdn("8613800")), tlv(0x04, isdn("8613801"))}))),
                             invoke(2, 56, tlv(0x04, tbcd("460001234567890")))}));
  auto ev = h.feed(map_over_m3ua(tcap), 42);
  ASSERT_EQ(ev.size(), 2u);
  const SignalEvent& e = ev[0];
  EXPECT_EQ(e.frame, 42u);
  EXPECT_EQ(e.proto, Proto::Map);
  EXPECT_EQ(e.layers, kLayerMtp3 | kLayerSccp | kLayerTcap | kLayerMap);
  EXPECT_EQ(e.mtp3.opc, 1201u);
  EXPECT_EQ(e.sccp.called.gt, "491720000000");
  EXPECT_EQ(e.sccp.calling.gt, "8613800000");
  EXPECT_EQ(e.sccp.calling.ssn, 8);
  EXPECT_EQ(e.tcap.type, TcapType::Begin);
  EXPECT_EQ(e.tcap.otid_len, 4);
  EXPECT_EQ(e.tcap.acn, "0.4.0.0.1.0.1.3");
  EXPECT_EQ(e.tcap.component_count, 2);
  EXPECT_EQ(e.map.opcode, 2);
  EXPECT_EQ(e.map.imsi, "460001234567890");
  EXPECT_EQ(e.map.msc, "8613800");
  EXPECT_EQ(e.map.vlr, "8613801");
  EXPECT_EQ(ev[1].map.opcode, 56);
  EXPECT_EQ(ev[1].map.imsi, "460001234567890");
  // The second event shares the lower layers and nothing of the first's MAP fields.
  EXPECT_EQ(ev[1].frame, 42u);
  EXPECT_EQ(ev[1].layers, e.layers);
  EXPECT_EQ(ev[1].sccp.calling.gt, "8613800000");
  EXPECT_EQ(ev[1].tcap.acn, "0.4.0.0.1.0.1.3");
  EXPECT_EQ(ev[1].map.invoke_id, 2);
  EXPECT_TRUE(ev[1].map.msc.empty());
  EXPECT_TRUE(ev[1].map.vlr.empty());
  EXPECT_EQ(h.c.messages[size_t(Proto::Map)], 2u);
  EXPECT_EQ(h.c.messages[size_t(Proto::Tcap)], 1u);
  EXPECT_EQ(h.c.messages[size_t(Proto::M3ua)], 1u);
}

TEST(Ss7Decoder, FullBatchCountsDroppedEventsAndStillDecodes) {
  Buf two = tcap_begin({0x0A, 0x1B, 0x2C, 0x3D}, tcap_dialogue(map_acn(1, 3)),
                       cat({invoke(1, 56, tlv(0x04, tbcd("460001234567890"))),
                            invoke(2, 56, tlv(0x04, tbcd("460001234567891")))}));
  Buf none = tcap_begin({0x0A, 0x1B, 0x2C, 0x3E}, tcap_dialogue(map_acn(1, 3)), {});
  for (size_t cap : {0u, 1u, 2u}) {
    Harness h;
    h.out = EventBatch{cap, 1 << 16};
    auto ev = h.feed(map_over_m3ua(two));
    ASSERT_EQ(ev.size(), std::min<size_t>(cap, 2)) << cap;
    if (cap >= 1) { EXPECT_EQ(ev[0].map.imsi, "460001234567890"); }
    if (cap >= 2) { EXPECT_EQ(ev[1].map.imsi, "460001234567891"); }
    EXPECT_EQ(h.c.events_dropped, 2 - ev.size()) << cap;
    EXPECT_EQ(h.c.messages[size_t(Proto::Map)], 2u);
    h.out.clear();
    h.dec.on_sctp_message(map_over_m3ua(none), h.ctx, h.out, h.c);
    EXPECT_EQ(h.out.size(), cap ? 1u : 0u);
    if (cap) { EXPECT_EQ(h.out.events()[0].proto, Proto::Tcap); }
    EXPECT_EQ(h.c.events_dropped, 2 - ev.size() + (cap ? 0 : 1)) << cap;
    EXPECT_EQ(h.c.messages[size_t(Proto::Tcap)], 2u);
  }
}

TEST(Ss7Decoder, UndecodableTcapLeavesNoEvent) {
  Harness h;
  // Starts like a Begin (0x62) but its length runs past the message.
  Buf bad{0x62, 0x40, 0x48, 0x04, 0x0A, 0x1B};
  auto ev = h.feed(map_over_m3ua(bad));
  EXPECT_EQ(ev.size(), 0u);
  EXPECT_EQ(h.c.messages[size_t(Proto::Tcap)], 0u);
  EXPECT_EQ(h.c.anomalies[size_t(Anomaly::BerTruncated)], 1u);
}

TEST(Ss7Decoder, ResultWithoutOperationGetsTheInvokesOpcode) {
  Harness h;
  Buf begin = tcap_begin({0x11, 0x22, 0x33, 0x44}, {}, invoke(3, 45, tlv(0x30, tlv(0x80, isdn("8613900139000")))));
  h.feed(map_over_m3ua(begin));
  Buf end = tcap_end({0x11, 0x22, 0x33, 0x44}, tlv(0xA2, tlv(0x02, {3})));
  auto ev = h.feed(map_over_m3ua(end));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].map.component, MapComponent::ReturnResult);
  EXPECT_EQ(ev[0].map.opcode, 45);
  EXPECT_EQ(h.dec.stats().results_opcode_from_table, 1u);
  Buf other = tcap_end({0x99, 0x22, 0x33, 0x44}, tlv(0xA2, tlv(0x02, {3})));
  ev = h.feed(map_over_m3ua(other));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].map.opcode, -1);
}

TEST(Ss7Decoder, TcapWithoutComponentsIsOneTcapEvent) {
  Harness h;
  auto ev = h.feed(map_over_m3ua(tlv(0x64, tlv(0x49, {1, 2, 3, 4}))));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].proto, Proto::Tcap);
  EXPECT_EQ(ev[0].tcap.type, TcapType::End);
  EXPECT_EQ(ev[0].tcap.dtid_len, 4);
}

TEST(Ss7Decoder, ManagementAndScmgAreCountedWithoutEvents) {
  Harness h;
  EXPECT_TRUE(h.feed(sigtran_msg(3, 1, {})).empty());   // ASP Up
  EXPECT_TRUE(h.feed(sigtran_msg(0, 1, {})).empty());   // NTFY
  // SCCP management SSA over UDT (SSN 1), as in corpus japan_tcap.pcap frame 1.
  EXPECT_TRUE(h.feed(m3ua_data(1, 2, 3, sccp_udt(Buf{0x42, 0x01}, Buf{0x42, 0x01}, {0x01, 0x05, 0xbb, 0x0b, 0x01}))).empty());
  EXPECT_EQ(h.dec.stats().sigtran_class[3], 1u);
  EXPECT_EQ(h.dec.stats().sigtran_class[0], 1u);
  EXPECT_EQ(h.dec.stats().sccp_type[0x09], 1u);
  EXPECT_EQ(h.c.messages[size_t(Proto::Sccp)], 1u);
  EXPECT_EQ(h.c.messages[size_t(Proto::M3ua)], 3u);
}

Buf mo_sms(uint8_t seq, const Buf& ucs2) {
  Buf ud = cat({Buf{0x05, 0x00, 0x03, 0x5C, 0x03, seq}, ucs2});
  Buf tpdu = cat({Buf{0x41, seq, 0x05, 0x81}, tbcd("10086"), Buf{0x00, 0x08, uint8_t(ud.size())}, ud});
  Buf arg = tlv(0x30, cat({tlv(0x84, isdn("8613800500000")), tlv(0x82, isdn("8613800138000")), tlv(0x04, tpdu)}));
  return map_over_m3ua(tcap_begin({0x0F, 0, 0, seq}, tcap_dialogue(map_acn(21, 3)), invoke(1, 46, arg)));
}

TEST(Ss7Decoder, ConcatenatedSmsAssemblesAcrossThreePartsOutOfOrder) {
  Harness h;
  // "您的医保卡已停用" split 3/3/2 characters, UCS-2 big endian.
  Buf p1{0x60, 0xA8, 0x76, 0x84, 0x53, 0x3B}, p2{0x4F, 0xDD, 0x53, 0x61, 0x5D, 0xF2},
      p3{0x50, 0x5C, 0x75, 0x28};
  auto ev = h.feed(mo_sms(3, p3), 1);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].map.sms.text, "停用");  // a part alone carries its own text
  EXPECT_EQ(ev[0].map.sms.concat_seq, 3);
  ev = h.feed(mo_sms(1, p1), 2);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].map.sms.oa, "8613800138000");
  EXPECT_EQ(ev[0].map.sms.da, "10086");
  ev = h.feed(mo_sms(2, p2), 3);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].map.sms.text, "您的医保卡已停用");
  EXPECT_EQ(ev[0].map.sms.concat_total, 3);
  EXPECT_EQ(h.c.reasm.sms_parts, 3u);
  EXPECT_EQ(h.c.reasm.sms_assembled, 1u);
}

TEST(Ss7Decoder, ConcatenatedSmsExpiresInCaptureTime) {
  Harness h;
  Buf p1{0x00, 0x41}, p2{0x00, 0x42};
  h.feed(mo_sms(1, p1), 1, 1'000'000'000);
  h.feed(mo_sms(2, p2), 2, 1'000'000'000 + 200'000'000'000ull);
  EXPECT_EQ(h.c.anomalies[size_t(Anomaly::SmsConcatTimeout)], 1u);
  EXPECT_EQ(h.c.reasm.sms_assembled, 0u);
}

TEST(Ss7Decoder, SegmentedXudtIsReassembledBeforeTcap) {
  Harness h;
  Buf tcap = tcap_begin({1, 2, 3, 4}, tcap_dialogue(map_acn(1, 3)),
                        invoke(1, 2, tlv(0x30, cat({tlv(0x04, tbcd("460001234567890")), tlv(0x81, isdn("8613800")),
                                                    tlv(0x04, isdn("8613801")), tlv(0x04, Buf(120, 0x11))}))));
  Buf cd = sccp_gt("491720000000", 6), cg = sccp_gt("8613800000", 7);
  size_t half = tcap.size() / 2;
  Buf s1 = sccp_xudt(cd, cg, Buf(tcap.begin(), tcap.begin() + long(half)), true, 1, 0x010203);
  Buf s2 = sccp_xudt(cd, cg, Buf(tcap.begin() + long(half), tcap.end()), false, 0, 0x010203);
  EXPECT_TRUE(h.feed(m3ua_data(1, 2, 3, s1)).empty());
  auto ev = h.feed(m3ua_data(1, 2, 3, s2));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].map.imsi, "460001234567890");
  EXPECT_EQ(ev[0].sccp.msg_type, 0x11);
  EXPECT_EQ(h.c.reasm.sccp_segments, 2u);
  EXPECT_EQ(h.c.reasm.sccp_reassembled, 1u);
  // A lone middle segment is named and dropped.
  EXPECT_TRUE(h.feed(m3ua_data(1, 2, 3, s2)).empty());
  EXPECT_EQ(h.c.anomalies[size_t(Anomaly::SccpSegmentUnexpected)], 1u);
}

TEST(Ss7Decoder, IsupOverM3uaAndMtp2) {
  Harness h;
  // Corpus the-tcpdump-group__tcpdump/isup.pcap frame 1 ISUP bytes (trimmed), behind a hand-built M3UA DATA.
  Buf iam{0xd5, 0x00, 0x01, 0x00, 0xa0, 0x01, 0x0a, 0x02, 0x02, 0x07, 0x05, 0x81, 0x90,
          0x84, 0x19, 0x0f, 0x0a, 0x07, 0x03, 0x17, 0x93, 0x33, 0x93, 0x79, 0x80, 0x00};
  auto ev = h.feed(m3ua_data(1301, 2401, 5, iam));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].proto, Proto::Isup);
  EXPECT_EQ(ev[0].layers, kLayerMtp3 | kLayerIsup);
  EXPECT_EQ(ev[0].isup.cic, 213);
  EXPECT_EQ(ev[0].isup.called, "4891");
  EXPECT_EQ(ev[0].isup.calling, "3933399708");
  EXPECT_EQ(ev[0].isup.calling_category, 0x0a);
  Buf su = cat({Buf{0x80, 0x80, 0x3F}, mtp3_label(0x85, 1301, 2401, 0), iam});
  h.out.clear();
  h.ctx.transport = Transport::Mtp2;
  h.dec.on_mtp2(su, h.ctx, h.out, h.c);
  ASSERT_EQ(h.out.size(), 1u);
  EXPECT_EQ(h.out.events()[0].isup.called, "4891");
  EXPECT_EQ(h.dec.stats().mtp2_msu, 1u);
}

// A national network's numbers without the country code: with
// Ss7Config::country_code they read in international form, each counted;
// international, subscriber and unknown-nature numbers and identities stay.
Buf gt_national(const std::string& digits, uint8_t ssn, uint8_t gti = 4) {
  uint8_t odd = digits.size() % 2 ? 1 : 2;
  Buf head = gti == 4 ? Buf{uint8_t(0x12), ssn, 0x00, uint8_t(0x10 | odd), 0x03}  // GTI 4, NP E.164, NAI 3
                      : Buf{uint8_t(0x06), ssn, uint8_t((odd == 1 ? 0x80 : 0x00) | 0x03)};  // GTI 1, NAI 3
  return cat({head, tbcd(digits)});
}
Buf national_isdn(const std::string& d) { return cat({Buf{0xA1}, tbcd(d)}); }  // nature 010, E.164

TEST(Ss7Decoder, NationalNumbersReadInInternationalFormWithACountryCode) {
  Ss7Config cfg;
  cfg.country_code = "86";
  Harness h(cfg), plain;
  // Corpus the-tcpdump-group__tcpdump/isup.pcap frame 1: calling 3933399708
  // with NAI 3 (national), called 4891 with NAI 1 (subscriber number).
  Buf iam{0xd5, 0x00, 0x01, 0x00, 0xa0, 0x01, 0x0a, 0x02, 0x02, 0x07, 0x05, 0x81, 0x90,
          0x84, 0x19, 0x0f, 0x0a, 0x07, 0x03, 0x17, 0x93, 0x33, 0x93, 0x79, 0x80, 0x00};
  auto ev = h.feed(m3ua_data(1301, 2401, 5, iam));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].isup.calling, "863933399708");
  EXPECT_EQ(ev[0].isup.calling_nai, 3);
  EXPECT_EQ(ev[0].isup.called, "4891");
  EXPECT_EQ(h.c.national_numbers, 1u);
  ev = plain.feed(m3ua_data(1301, 2401, 5, iam));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].isup.calling, "3933399708");
  EXPECT_EQ(plain.c.national_numbers, 0u);

  // mo-forwardSM from a national GT (GTI 4) to an international one: SM-RP-DA
  // the service centre (international), SM-RP-OA national, TP-DA of national
  // type, the IMSI an identity.
  Buf tpdu = cat({Buf{0x01, 0x07, 0x0B, 0xA1}, tbcd("13900139077"), Buf{0x00, 0x00, 0x02, 0xC8, 0x34}});  // "Hi"
  Buf arg = tlv(0x30, cat({tlv(0x84, isdn("8613800500000")), tlv(0x82, national_isdn("13800138077")),
                           tlv(0x04, tpdu), tlv(0x04, tbcd("460001234567890"))}));
  Buf tcap = tcap_begin({0x16, 0, 0, 1}, tcap_dialogue(map_acn(21, 3)), invoke(1, 46, arg));
  Buf sms = m3ua_data(1201, 1202, 3, sccp_udt(sccp_gt("8613800500000", 8), gt_national("13900000011", 8), tcap));
  ev = h.feed(sms);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].sccp.calling.gt, "8613900000011");
  EXPECT_EQ(ev[0].sccp.calling.nai, 3);
  EXPECT_EQ(ev[0].sccp.called.gt, "8613800500000");
  EXPECT_EQ(ev[0].map.service_centre, "8613800500000");
  EXPECT_EQ(ev[0].map.msisdn, "8613800138077");
  EXPECT_EQ(ev[0].map.sms.oa, "8613800138077");
  EXPECT_EQ(ev[0].map.sms.da, "8613900139077");
  EXPECT_EQ(ev[0].map.sms.text, "Hi");
  EXPECT_EQ(ev[0].map.imsi, "460001234567890");
  EXPECT_EQ(h.c.national_numbers, 1u + 3u);  // GT, SM-RP-OA, TP-DA
  ev = plain.feed(sms);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].sccp.calling.gt, "13900000011");
  EXPECT_EQ(ev[0].map.sms.oa, "13800138077");
  EXPECT_EQ(ev[0].map.sms.da, "13900139077");

  // A GTI 1 global title (NAI only) is E.164 too; a GTI 4 one of another
  // numbering plan (E.214, a mobile global title) is not given the code.
  Buf e214 = gt_national("46000123456789", 6);
  e214[3] = uint8_t(0x70 | (e214[3] & 0x0F));  // NP 7
  tcap = tcap_begin({0x16, 0, 0, 2}, tcap_dialogue(map_acn(1, 3)), invoke(1, 2, tlv(0x30, tlv(0x04, tbcd("460001234567890")))));
  ev = h.feed(m3ua_data(1201, 2302, 3, sccp_udt(e214, gt_national("13900000010", 7, 1), tcap)));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].sccp.calling.gt, "8613900000010");
  EXPECT_EQ(ev[0].sccp.called.gt, "46000123456789");
  EXPECT_EQ(h.c.national_numbers, 5u);

  // CAP InitialDP: callingPartyNumber NAI 3, calledPartyBCDNumber of national type.
  Buf calling{0x83, 0x13};  // odd, NAI 3; NPI E.164
  Buf bcd = tbcd("13800138077");
  bcd.back() &= 0x0F;
  calling.insert(calling.end(), bcd.begin(), bcd.end());
  Buf idp = tlv(0x30, cat({tlv(0x80, {0x64}), tlv(0x83, calling), tlv(0x9C, {0x02}),
                           Buf{0x9F, 56, uint8_t(national_isdn("13900139077").size())}, national_isdn("13900139077")}));
  tcap = tcap_begin({0x06, 0xF7}, tcap_dialogue(map_acn(50, 1)), invoke(1, 0, idp));
  ev = h.feed(map_over_m3ua(tcap));
  ASSERT_EQ(ev.size(), 1u);
  ASSERT_TRUE(ev[0].has(kLayerCap));
  EXPECT_EQ(ev[0].cap.calling, "8613800138077");
  EXPECT_EQ(ev[0].cap.called, "8613900139077");
  EXPECT_EQ(h.c.national_numbers, 7u);

  // Not an E.164 country code (1-3 digits, not 0): read as none.
  Ss7Config bad;
  bad.country_code = "086";
  Harness hb(bad);
  ev = hb.feed(m3ua_data(1301, 2401, 5, iam));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].isup.calling, "3933399708");
  EXPECT_EQ(hb.c.national_numbers, 0u);
}

TEST(Ss7Decoder, UnknownSctpContentIsNamed) {
  Harness h;
  h.ctx.sctp_ppid = 0;
  EXPECT_TRUE(h.feed(Buf{'h', 'e', 'l', 'l', 'o', '!', '!', '!'}).empty());
  EXPECT_EQ(h.c.anomalies[size_t(Anomaly::SigtranUnknownContent)], 1u);
}

// ---- the project's captures and their ground truth --------------------------

// True when every key/value of `want` appears in `got` (objects compared recursively).
bool contains(const nlohmann::json& got, const nlohmann::json& want, std::string& why, const std::string& path = "") {
  if (want.is_object()) {
    if (!got.is_object()) {
      why = path + " is not an object";
      return false;
    }
    for (auto it = want.begin(); it != want.end(); ++it) {
      if (!got.contains(it.key())) {
        why = path + "." + it.key() + " missing";
        return false;
      }
      if (!contains(got[it.key()], it.value(), why, path + "." + it.key())) return false;
    }
    return true;
  }
  if (got != want) {
    why = path + ": got " + got.dump() + " want " + want.dump();
    return false;
  }
  return true;
}

TEST(Ss7Decoder, MatchesTheGroundTruthOfTheProjectCaptures) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(SIGPROBE_SOURCE_DIR) / "pcaps" / "ss7";
  if (!fs::exists(dir)) GTEST_SKIP() << "no pcaps/ss7";
  size_t files = 0, lines = 0;
  for (const auto& ent : fs::directory_iterator(dir)) {
    if (ent.path().extension() != ".pcap") continue;
    fs::path truth = ent.path();
    truth.replace_extension(".truth.jsonl");
    if (!fs::exists(truth)) continue;
    ++files;
    Ss7Decoder dec;
    DecodeCounters c;
    std::vector<nlohmann::json> ours;
    SigtranPcap walker;
    ASSERT_TRUE(walker.run(ent.path().string(), dec, c, [&](uint64_t, std::span<const SignalEvent> evs) {
      for (const SignalEvent& e : evs) {
        std::string line;
        append_event_json(line, e);
        ours.push_back(nlohmann::json::parse(line));
      }
    }));
    std::ifstream in(truth);
    std::string line;
    size_t next = 0;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      ++lines;
      auto want = nlohmann::json::parse(line);
      // Find the next event of ours for the same frame (several per frame in order).
      bool found = false;
      std::string why = "no event for frame";
      for (size_t i = next; i < ours.size(); ++i) {
        if (ours[i]["frame"] != want["frame"]) continue;
        if (contains(ours[i], want, why)) {
          found = true;
          next = i + 1;
          break;
        }
      }
      EXPECT_TRUE(found) << ent.path().filename() << " " << line << "\n  " << why;
    }
  }
  EXPECT_GT(files, 0u);
  EXPECT_GT(lines, 0u);
}

}  // namespace
}  // namespace sigprobe::ss7

namespace sigprobe::ss7 {
namespace {
using namespace testing;

TEST(Ss7Decoder, CamelDialogueIsCapNotMap) {
  Harness h;
  // CAP v2 gsmSSF-to-gsmSCF 0.4.0.0.1.0.50.1 with initialDP (opcode 0), hand-built.
  Buf tcap = tcap_begin({0x06, 0xF7}, tcap_dialogue(map_acn(50, 1)), invoke(1, 0, tlv(0x30, tlv(0x80, {0x01}))));
  auto ev = h.feed(map_over_m3ua(tcap));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].proto, Proto::Cap);
  EXPECT_FALSE(ev[0].has(kLayerMap));
  EXPECT_TRUE(ev[0].has(kLayerCap));
  EXPECT_EQ(ev[0].cap.opcode, 0);
  EXPECT_EQ(ev[0].cap.service_key, 1u);
  EXPECT_EQ(ev[0].tcap.acn, "0.4.0.0.1.0.50.1");
  EXPECT_EQ(ev[0].tcap.component_count, 1);
  EXPECT_EQ(h.c.messages[size_t(Proto::Cap)], 1u);
  EXPECT_EQ(h.c.messages[size_t(Proto::Map)], 0u);
}

// Only a dialogue's first messages name its ACN. The capture that shows why a
// table is needed: sage-s11__sigcorr/camel.pcap, whose eventReportBCSM (opcode
// 24, MAP's sendRoutingInfoForGPRS) travels between SSNs 152 and 200.
TEST(Ss7Decoder, LaterMessagesOfACamelDialogueAreCapWithoutAnAcn) {
  Harness h;
  auto over = [](uint32_t opc, uint32_t dpc, uint8_t ssn_from, uint8_t ssn_to, const Buf& tcap) {
    return m3ua_data(opc, dpc, 3, sccp_udt(sccp_gt("491720000000", ssn_to), sccp_gt("8613800000", ssn_from), tcap));
  };
  Buf erb = invoke(2, 24, tlv(0x30, tlv(0x80, {0x07})));  // eventReportBCSM oAnswer
  auto cont = [](const Buf& otid, const Buf& dtid, const Buf& comps) {
    return tlv(0x65, cat({tlv(0x48, otid), tlv(0x49, dtid), tlv(0x6C, comps)}));
  };
  // SSF (pc 10) Begin with the CAP ACN; SCF (pc 100) answers without a dialogue portion.
  h.feed(over(10, 100, 152, 200, tcap_begin({0x06, 0xF7}, tcap_dialogue(map_acn(50, 1)),
                                            invoke(1, 0, tlv(0x30, tlv(0x80, {0x2A}))))));
  auto ev = h.feed(over(100, 10, 200, 152, cont({0x13, 0xB8}, {0x06, 0xF7}, invoke(1, 31, {}))));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].proto, Proto::Cap);
  // The SSF's report: its own id as otid.
  ev = h.feed(over(10, 100, 152, 200, cont({0x06, 0xF7}, {0x13, 0xB8}, erb)));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].proto, Proto::Cap);
  EXPECT_EQ(ev[0].cap.event_type, cap_event::kOAnswer);
  // A dialogue never seen opening, between SSNs that are not CAP's: MAP.
  ev = h.feed(over(10, 100, 152, 200, cont({0x0E, 0xC0}, {0x0D, 0x7C}, erb)));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].proto, Proto::Map);
  // ... unless one end is SSN 146 (TS 23.003: CAP).
  ev = h.feed(over(10, 100, 146, 200, cont({0x0E, 0xC1}, {0x0D, 0x7D}, erb)));
  EXPECT_EQ(ev[0].proto, Proto::Cap);
  // An empty TC-END closes a dialogue too.
  h.feed(over(10, 100, 152, 200, tcap_begin({0x07, 0x01}, tcap_dialogue(map_acn(50, 1)),
                                            invoke(1, 0, tlv(0x30, tlv(0x80, {0x2A}))))));
  h.feed(over(100, 10, 200, 152, tlv(0x64, tlv(0x49, {0x07, 0x01}))));
  ev = h.feed(over(10, 100, 152, 200, cont({0x07, 0x01}, {0x13, 0xBA}, erb)));
  EXPECT_EQ(ev[0].proto, Proto::Map);
  // The SCF ends the dialogue; a MAP dialogue that reuses the SSF's id is MAP.
  h.feed(over(100, 10, 200, 152, tcap_end({0x06, 0xF7}, invoke(3, 22, tlv(0x04, {0x80, 0x90})))));
  ev = h.feed(over(10, 100, 152, 200, cont({0x06, 0xF7}, {0x13, 0xB8}, erb)));
  EXPECT_EQ(ev[0].proto, Proto::Map);
  h.feed(over(10, 100, 152, 200, tcap_begin({0x06, 0xF7}, tcap_dialogue(map_acn(50, 1)),
                                            invoke(1, 0, tlv(0x30, tlv(0x80, {0x2A}))))));
  h.feed(over(10, 100, 6, 7, tcap_begin({0x06, 0xF7}, tcap_dialogue(map_acn(1, 3)),
                                        invoke(1, 2, tlv(0x30, tlv(0x04, tbcd("460001234567890")))))));
  ev = h.feed(over(100, 10, 7, 6, cont({0x13, 0xB9}, {0x06, 0xF7}, erb)));
  EXPECT_EQ(ev[0].proto, Proto::Map);
}

TEST(Ss7Decoder, ImsiFromMapOpenInfoOfAUssdDialogue) {
  Harness h;
  // AARQ user-information with MAP-OpenInfo destinationReference (NP 6 = E.212), the layout of
  // corpus sage-s11__sigcorr/gsm_map_ussd.pcap frame 1; hand-built here.
  Buf open = tlv(0xA0, tlv(0x80, cat({Buf{0x96}, tbcd("655011420096316")})));
  Buf ui = tlv(0xBE, tlv(0x28, cat({tlv(0x06, {0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x01}), tlv(0xA0, open)})));
  Buf aarq = tlv(0x60, cat({tlv(0x80, {0x07, 0x80}), tlv(0xA1, tlv(0x06, map_acn(19, 2))), ui}));
  Buf dialogue = tlv(0x6B, tlv(0x28, cat({tlv(0x06, {0x00, 0x11, 0x86, 0x05, 0x01, 0x01, 0x01}), tlv(0xA0, aarq)})));
  Buf ussd = tlv(0x30, cat({tlv(0x04, {0x0F}), tlv(0x04, {0xAA, 0x18, 0x0C, 0x36, 0x02})}));
  auto ev = h.feed(map_over_m3ua(tcap_begin({0x2F, 0x3B, 0x46, 0x02}, dialogue, invoke(1, 59, ussd))));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].map.imsi, "655011420096316");
  EXPECT_EQ(ev[0].map.ussd, "*100#");
}

}  // namespace
}  // namespace sigprobe::ss7
