#include "dataplane/ss7/sigtran.hpp"

#include <gtest/gtest.h>

#include "tests/dataplane/ss7/ss7_builders.hpp"

namespace sigprobe::ss7 {
namespace {
using namespace testing;

size_t count(const DecodeCounters& c, Anomaly a) { return c.anomalies[size_t(a)]; }

TEST(M3uaDecode, ReadsProtocolDataAndRoutingContext) {
  // Hand-built from RFC 4666 3.3.1.
  Buf msg = m3ua_data(1201, 2302, 3, {0xAA, 0xBB}, 7);
  DecodeCounters c;
  auto m = parse_m3ua(msg, PcFormat::Itu, c);
  ASSERT_TRUE(m && m->is_data);
  EXPECT_EQ(m->data.opc, 1201u);
  EXPECT_EQ(m->data.dpc, 2302u);
  EXPECT_EQ(m->data.si, 3);
  EXPECT_EQ(m->data.ni, 2);
  EXPECT_EQ(m->data.sls, 5);
  ASSERT_EQ(m->data.user.size(), 2u);
  EXPECT_EQ(m->data.user[1], 0xBB);
  EXPECT_EQ(m->routing_context, 7u);
}

TEST(M3uaDecode, AcceptsParametersInAnyOrder) {
  Buf pd;
  put32(pd, 10);
  put32(pd, 20);
  pd.insert(pd.end(), {5, 0, 0, 1, 0x42});
  Buf corr;
  put32(corr, 99);
  Buf msg = sigtran_msg(1, 1, cat({sigtran_param(0x0210, pd), sigtran_param(0x0013, corr)}));
  DecodeCounters c;
  auto m = parse_m3ua(msg, PcFormat::Itu, c);
  ASSERT_TRUE(m && m->is_data);
  EXPECT_EQ(m->correlation_id, 99u);
  EXPECT_EQ(m->data.si, 5);
}

TEST(M3uaDecode, ReadsDraft6ProtocolDataAsAnMtp3Msu) {
  // Copied from corpus the-tcpdump-group__tcpdump/isup.pcap frame 1 (M3UA draft-6, tag 0x0002):
  // header, then tag 2 with SIO c5 and the ITU label 83 af 40 5b, CIC d5 00, IAM.
  Buf msg{0x01, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x14, 0x00, 0x02, 0x00, 0x0c,
          0xc5, 0x83, 0xaf, 0x40, 0x5b, 0xd5, 0x00, 0x01};
  DecodeCounters c;
  auto m = parse_m3ua(msg, PcFormat::Itu, c);
  ASSERT_TRUE(m && m->is_data);
  EXPECT_TRUE(m->draft);
  EXPECT_EQ(m->data.si, 5);
  EXPECT_EQ(m->data.ni, 3);
  EXPECT_EQ(m->data.user.size(), 3u);
}

TEST(M3uaDecode, CountsManagementClassesWithoutData) {
  Buf aspup = sigtran_msg(3, 1, {});  // ASPSM ASP Up
  DecodeCounters c;
  auto m = parse_m3ua(aspup, PcFormat::Itu, c);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->is_data);
  EXPECT_EQ(m->cls, 3);
  Buf bad = sigtran_msg(12, 1, {});
  EXPECT_TRUE(parse_m3ua(bad, PcFormat::Itu, c));
  EXPECT_EQ(count(c, Anomaly::M3uaClassUnknown), 1u);
}

TEST(M3uaDecode, RejectsParamShorterThanHeader) {
  Buf msg = sigtran_msg(1, 1, {0x02, 0x10, 0x00, 0x02});
  DecodeCounters c;
  auto m = parse_m3ua(msg, PcFormat::Itu, c);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->is_data);
  EXPECT_EQ(count(c, Anomaly::M3uaParamLenInvalid), 1u);
}

TEST(M3uaDecode, RejectsBadVersionAndLength) {
  Buf msg = m3ua_data(1, 2, 3, {0});
  DecodeCounters c;
  Buf v2 = msg;
  v2[0] = 2;
  EXPECT_FALSE(parse_m3ua(v2, PcFormat::Itu, c));
  EXPECT_EQ(count(c, Anomaly::M3uaVersionUnknown), 1u);
  Buf longer = msg;
  longer[7] = uint8_t(msg.size() + 4);
  EXPECT_FALSE(parse_m3ua(longer, PcFormat::Itu, c));
  EXPECT_EQ(count(c, Anomaly::M3uaLengthInvalid), 1u);
}

TEST(M3uaDecode, ProtocolDataShortAndMissingAreNamed) {
  DecodeCounters c;
  Buf shortpd = sigtran_msg(1, 1, sigtran_param(0x0210, {0, 0, 0, 1, 0, 0}));
  auto m = parse_m3ua(shortpd, PcFormat::Itu, c);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->is_data);
  EXPECT_EQ(count(c, Anomaly::M3uaProtocolDataShort), 1u);
  Buf none = sigtran_msg(1, 1, sigtran_param(0x0006, {0, 0, 0, 1}));
  EXPECT_TRUE(parse_m3ua(none, PcFormat::Itu, c));
  EXPECT_EQ(count(c, Anomaly::M3uaProtocolDataMissing), 1u);
}

TEST(M3uaDecode, SurvivesTruncationAtEveryLength) {
  Buf msg = m3ua_data(1201, 2302, 3, {1, 2, 3, 4, 5});
  for (size_t n = 0; n < msg.size(); ++n) {
    DecodeCounters c;
    Buf cut(msg.begin(), msg.begin() + long(n));
    auto m = parse_m3ua(cut, PcFormat::Itu, c);
    EXPECT_TRUE(!m || !m->is_data) << n;  // the header length no longer fits
    uint64_t total = 0;
    for (auto a : c.anomalies) total += a;
    EXPECT_GE(total, 1u) << n;
  }
}

TEST(M2paDecode, ReadsUserDataAfterThePriorityOctet) {
  // Layout of corpus sage-s11__sigcorr/japan_tcap.pcap frame 1: M2PA header, BSN, FSN, priority, MTP3.
  Buf body{0, 0, 0, 7, 0, 0, 0, 8, 0x00};
  Buf mtp3 = mtp3_label(0x83, 100, 200, 3);
  mtp3.push_back(0x09);
  Buf msg = sigtran_msg(11, 1, cat({body, mtp3}));
  DecodeCounters c;
  auto m = parse_m2pa(msg, PcFormat::Itu, c);
  ASSERT_TRUE(m && m->data);
  EXPECT_EQ(m->bsn, 7u);
  EXPECT_EQ(m->fsn, 8u);
  EXPECT_EQ(m->data->si, 3);
  EXPECT_EQ(m->data->opc, 100u);
  EXPECT_EQ(m->data->dpc, 200u);
  EXPECT_EQ(m->data->user.size(), 1u);
}

TEST(M2uaDecode, ReadsProtocolData1) {
  Buf mtp3 = mtp3_label(0x03, 5, 6, 1);
  mtp3.push_back(0x09);
  Buf msg = sigtran_msg(6, 1, cat({sigtran_param(0x0001, {0, 0, 0, 0}), sigtran_param(0x0300, mtp3)}));
  DecodeCounters c;
  auto m = parse_m2ua(msg, PcFormat::Itu, c);
  ASSERT_TRUE(m && m->data);
  EXPECT_EQ(m->interface_id, 0u);
  EXPECT_EQ(m->data->dpc, 6u);
  Buf none = sigtran_msg(6, 1, sigtran_param(0x0001, {0, 0, 0, 0}));
  m = parse_m2ua(none, PcFormat::Itu, c);
  EXPECT_EQ(count(c, Anomaly::M2uaProtocolDataMissing), 1u);
}

TEST(SigtranSniff, TellsTheAdaptationLayerByClass) {
  EXPECT_EQ(sniff_sigtran(m3ua_data(1, 2, 3, {})), 3u);
  EXPECT_EQ(sniff_sigtran(sigtran_msg(11, 1, {0, 0, 0, 0, 0, 0, 0, 0})), 5u);
  EXPECT_EQ(sniff_sigtran(sigtran_msg(6, 1, {})), 2u);
  EXPECT_EQ(sniff_sigtran(Buf{'I', 'N', 'V', 'I', 'T', 'E', ' ', 's'}), 0u);
}

TEST(Mtp3Decode, ReadsItuAnsiAndJapanLabels) {
  DecodeCounters c;
  auto itu = parse_mtp3(mtp3_label(0x83, 0x3FFF, 1, 15), PcFormat::Itu, c);
  ASSERT_TRUE(itu);
  EXPECT_EQ(itu->opc, 0x3FFFu);
  EXPECT_EQ(itu->dpc, 1u);
  EXPECT_EQ(itu->sls, 15);
  EXPECT_EQ(itu->ni, 2);
  // ANSI T1.111: DPC member/cluster/network, OPC, SLS.
  Buf ansi{0x83, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x1F, 0xEE};
  auto a = parse_mtp3(ansi, PcFormat::Ansi, c);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->dpc, 0x030201u);
  EXPECT_EQ(a->opc, 0x060504u);
  EXPECT_EQ(a->sls, 0x1F);
  EXPECT_EQ(a->user.size(), 1u);
  // Japan: 16-bit DPC and OPC (corpus japan_tcap.pcap frame 1: DPC 2730, OPC 3003).
  Buf jp{0x03, 0xaa, 0x0a, 0xbb, 0x0b, 0x00, 0x09};
  auto j = parse_mtp3(jp, PcFormat::Japan, c);
  ASSERT_TRUE(j);
  EXPECT_EQ(j->dpc, 2730u);
  EXPECT_EQ(j->opc, 3003u);
  for (size_t n = 0; n < 5; ++n) {
    DecodeCounters cc;
    Buf cut(jp.begin(), jp.begin() + long(n));
    EXPECT_FALSE(parse_mtp3(cut, PcFormat::Japan, cc));
    EXPECT_EQ(count(cc, Anomaly::Mtp3Truncated), 1u);
  }
}

TEST(Mtp2Decode, ClassifiesByLengthIndicator) {
  DecodeCounters c;
  auto fisu = parse_mtp2(Buf{0x80, 0x80, 0x00}, false, c);
  ASSERT_TRUE(fisu);
  EXPECT_EQ(fisu->kind, Mtp2Kind::Fisu);
  auto lssu = parse_mtp2(Buf{0x80, 0x80, 0x01, 0x03}, false, c);
  ASSERT_TRUE(lssu);
  EXPECT_EQ(lssu->kind, Mtp2Kind::Lssu);
  Buf msu = cat({Buf{0x80, 0x80, 0x06}, mtp3_label(0x85, 1, 2, 0), Buf{0x00}});
  auto m = parse_mtp2(msu, false, c);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, Mtp2Kind::Msu);
  EXPECT_EQ(m->msu.size(), 6u);
  EXPECT_EQ(c.anomalies[size_t(Anomaly::Mtp2LiMismatch)], 0u);
  Buf wrong = msu;
  wrong[2] = 0x10;
  parse_mtp2(wrong, false, c);
  EXPECT_EQ(count(c, Anomaly::Mtp2LiMismatch), 1u);
  EXPECT_FALSE(parse_mtp2(Buf{0x80, 0x80}, false, c));
  EXPECT_EQ(count(c, Anomaly::Mtp2Truncated), 1u);
}

}  // namespace
}  // namespace sigprobe::ss7
