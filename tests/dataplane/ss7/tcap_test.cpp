#include "dataplane/ss7/tcap.hpp"

#include <gtest/gtest.h>

#include "dataplane/ss7/ber.hpp"
#include "tests/dataplane/ss7/ss7_builders.hpp"

namespace sigprobe::ss7 {
namespace {
using namespace testing;

size_t count(const DecodeCounters& c, Anomaly a) { return c.anomalies[size_t(a)]; }

TEST(BerDecode, ReadsShortLongAndIndefiniteLengths) {
  DecodeCounters c;
  Buf short_form = tlv(0x04, Buf(5, 0xAB));
  ByteReader r{short_form};
  auto t = ber_read(r, c);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->value.size(), 5u);
  EXPECT_TRUE(r.empty());
  Buf long_form = tlv(0x04, Buf(300, 0x01));
  r = ByteReader{long_form};
  t = ber_read(r, c);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->value.size(), 300u);
  Buf indef = cat({tlv_indef(0x30, cat({tlv(0x02, {1}), tlv_indef(0xA0, tlv(0x04, {9}))})), Buf{0x05, 0x00}});
  r = ByteReader{indef};
  t = ber_read(r, c);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->indefinite);
  EXPECT_EQ(t->value.size(), 3u + 2u + 3u + 2u);
  auto next = ber_read(r, c);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, 0x05);
  for (auto a : c.anomalies) EXPECT_EQ(a, 0u);
}

TEST(BerDecode, ReadsMultiOctetTags) {
  DecodeCounters c;
  Buf b{0x9F, 0x82, 0x15, 0x01, 0x07};  // context [277] primitive
  ByteReader r{b};
  auto t = ber_read(r, c);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->number, 277u);
  Buf too_long{0x9F, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00};
  r = ByteReader{too_long};
  EXPECT_FALSE(ber_read(r, c));
  EXPECT_EQ(count(c, Anomaly::BerTagTooLong), 1u);
}

TEST(BerDecode, RejectsBadLengthsAndCapsDepth) {
  DecodeCounters c;
  Buf five_octets{0x04, 0x85, 0, 0, 0, 0, 1};
  ByteReader r{five_octets};
  EXPECT_FALSE(ber_read(r, c));
  EXPECT_EQ(count(c, Anomaly::BerLengthInvalid), 1u);
  Buf indef_primitive{0x04, 0x80, 0x00, 0x00};
  r = ByteReader{indef_primitive};
  EXPECT_FALSE(ber_read(r, c));
  EXPECT_EQ(count(c, Anomaly::BerLengthInvalid), 2u);
  Buf past{0x04, 0x05, 0x01};
  r = ByteReader{past};
  EXPECT_FALSE(ber_read(r, c));
  EXPECT_EQ(count(c, Anomaly::BerTruncated), 1u);
  // kBerMaxDepth + 2 nested indefinite constructions.
  Buf deep = tlv(0x04, {1});
  for (int i = 0; i < kBerMaxDepth + 2; ++i) deep = tlv_indef(0x30, deep);
  r = ByteReader{deep};
  EXPECT_FALSE(ber_read(r, c));
  EXPECT_EQ(count(c, Anomaly::BerTooDeep), 1u);
  Buf ok = tlv(0x04, {1});
  for (int i = 0; i < kBerMaxDepth - 1; ++i) ok = tlv_indef(0x30, ok);
  r = ByteReader{ok};
  EXPECT_TRUE(ber_read(r, c));
}

TEST(BerDecode, EveryLengthFormReadsAndTruncatesAlike) {
  // OCTET STRING of 200 bytes in the 1-, 2- and 3-octet definite forms
  // (X.690 8.1.3; 0x81/0x82 take the inline path, 0x83 the general one),
  // and a short form: each read whole, each cut at every length.
  Buf body(200, 0x5A);
  std::vector<Buf> forms = {cat({Buf{0x04, 0x81, 200}, body}), cat({Buf{0x04, 0x82, 0, 200}, body}),
                            cat({Buf{0x04, 0x83, 0, 0, 200}, body}), tlv(0x04, Buf(100, 0x5A))};
  for (const Buf& whole : forms) {
    DecodeCounters c;
    ByteReader r{whole};
    auto t = ber_read(r, c);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->id, 0x04);
    EXPECT_EQ(t->number, 4u);
    EXPECT_FALSE(t->constructed);
    EXPECT_EQ(t->value.data(), whole.data() + (whole.size() - t->value.size()));
    EXPECT_TRUE(r.empty());
    for (size_t n = 0; n < whole.size(); ++n) {
      Buf cut(whole.begin(), whole.begin() + long(n));
      ByteReader rc{cut};
      EXPECT_FALSE(ber_read(rc, c)) << n;
      EXPECT_EQ(rc.pos(), 0u);
    }
    EXPECT_EQ(count(c, Anomaly::BerTruncated), whole.size());
  }
}

TEST(BerDecode, RendersObjectIdentifiers) {
  char out[64];
  Buf acn = map_acn(20, 3);  // shortMsgGatewayContext-v3
  EXPECT_EQ(std::string(out, ber_oid_text(acn, out, sizeof out)), "0.4.0.0.1.0.20.3");
  Buf big{0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D};  // 1.2.840.113549
  EXPECT_EQ(std::string(out, ber_oid_text(big, out, sizeof out)), "1.2.840.113549");
  Buf unterminated{0x2A, 0x86};
  EXPECT_EQ(ber_oid_text(unterminated, out, sizeof out), 0u);
  // Out of room anywhere (one- and two-digit arcs alike): nothing.
  for (size_t cap = 0; cap < 16; ++cap) EXPECT_EQ(ber_oid_text(acn, out, cap), 0u) << cap;
  EXPECT_EQ(ber_oid_text(acn, out, 16), 16u);
}

Buf sample_begin() {
  // Hand-built from Q.773: Begin, otid, dialogue (AARQ, ACN sendRoutingInfoForSM v3), two invokes.
  return tcap_begin({0x0A, 0x1B, 0x2C, 0x3D}, tcap_dialogue(map_acn(20, 3)),
                    cat({invoke(1, 45, tlv(0x30, tlv(0x80, isdn("8613800138000")))),
                         invoke(2, 2, tlv(0x30, tlv(0x04, tbcd("460001234567890"))))}));
}

TEST(TcapDecode, ReadsBeginWithDialogueAndSeveralComponents) {
  DecodeCounters c;
  Buf msg = sample_begin();
  auto t = parse_tcap(msg, c);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->type, TcapType::Begin);
  ASSERT_EQ(t->otid.size(), 4u);
  EXPECT_EQ(t->otid[3], 0x3D);
  EXPECT_TRUE(t->dtid.empty());
  EXPECT_EQ(acn_version(t->acn), 3);
  EXPECT_EQ(acn_context(t->acn), 20);
  ASSERT_EQ(t->n_components, 2);
  EXPECT_EQ(t->components[0].type, MapComponent::Invoke);
  EXPECT_EQ(t->components[0].invoke_id, 1);
  EXPECT_EQ(t->components[0].opcode, 45);
  EXPECT_TRUE(t->components[0].has_param);
  EXPECT_EQ(t->components[1].opcode, 2);
  for (auto a : c.anomalies) EXPECT_EQ(a, 0u);
}

TEST(TcapDecode, ReusedMessageKeepsNothingFromThePreviousOne) {
  // The decoder parses into one TcapMsg per worker: a Begin with a dialogue
  // and two components, then an End without dialogue, then a non-TCAP byte.
  DecodeCounters c;
  TcapMsg m;
  Buf begin = sample_begin();
  ASSERT_TRUE(parse_tcap(begin, m, c));
  ASSERT_EQ(m.n_components, 2);
  ASSERT_FALSE(m.acn.empty());
  Buf end = tcap_end({0x01, 0x02}, result_last(1, 45, tlv(0x30, tlv(0x04, tbcd("460001234567890")))));
  ASSERT_TRUE(parse_tcap(end, m, c));
  auto fresh = parse_tcap(end, c);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(m.type, TcapType::End);
  EXPECT_TRUE(m.otid.empty());
  EXPECT_TRUE(m.acn.empty());
  EXPECT_TRUE(m.user_info.empty());
  EXPECT_EQ(m.p_abort_cause, 0xFF);
  ASSERT_EQ(m.n_components, 1);
  EXPECT_EQ(m.components[0].type, fresh->components[0].type);
  EXPECT_EQ(m.components[0].opcode, fresh->components[0].opcode);
  EXPECT_EQ(m.components[0].param.data(), fresh->components[0].param.data());
  Buf not_tcap{0x30, 0x00};
  EXPECT_FALSE(parse_tcap(not_tcap, m, c));
  EXPECT_FALSE(parse_tcap(not_tcap, c));
}

TEST(TcapDecode, ReadsEndWithResultsErrorAndReject) {
  Buf comps = cat({result_last(1, 45, tlv(0x30, tlv(0x04, tbcd("460001234567890")))),
                   tlv(0xA2, tlv(0x02, {2})),                                   // result, no operation
                   tlv(0xA3, cat({tlv(0x02, {3}), tlv(0x02, {27})})),            // absentSubscriber
                   tlv(0xA4, cat({tlv(0x05, {}), tlv(0x80, {0x01})})),           // reject, invoke id NULL
                   tlv(0xA7, cat({tlv(0x02, {4}), tlv(0x30, tlv(0x02, {56}))}))});  // not last
  Buf msg = tcap_end({0x01, 0x02}, comps);
  DecodeCounters c;
  auto t = parse_tcap(msg, c);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->type, TcapType::End);
  EXPECT_EQ(t->dtid.size(), 2u);
  ASSERT_EQ(t->n_components, 5);
  EXPECT_EQ(t->components[0].type, MapComponent::ReturnResult);
  EXPECT_EQ(t->components[0].opcode, 45);
  EXPECT_EQ(t->components[1].opcode, -1);
  EXPECT_EQ(t->components[2].type, MapComponent::ReturnError);
  EXPECT_EQ(t->components[2].error_code, 27);
  EXPECT_EQ(t->components[3].type, MapComponent::Reject);
  EXPECT_EQ(t->components[3].invoke_id, -1);
  EXPECT_EQ(t->components[4].type, MapComponent::ReturnResultNotLast);
  EXPECT_EQ(t->components[4].opcode, 56);
}

TEST(TcapDecode, ReadsIndefiniteLengthMessages) {
  Buf msg = tlv_indef(0x62, cat({tlv(0x48, {0x11}), tlv_indef(0x6C, invoke(5, 56, tlv(0x04, tbcd("001010123456789"))))}));
  DecodeCounters c;
  auto t = parse_tcap(msg, c);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->n_components, 1);
  EXPECT_EQ(t->components[0].opcode, 56);
}

TEST(TcapDecode, NamesMissingTidsUnknownTagsAndAnsi) {
  DecodeCounters c;
  Buf no_otid = tlv(0x62, tlv(0x6C, invoke(1, 2, {})));
  auto t = parse_tcap(no_otid, c);
  ASSERT_TRUE(t);
  EXPECT_EQ(count(c, Anomaly::TcapTidInvalid), 1u);
  Buf long_tid = tlv(0x64, tlv(0x49, {1, 2, 3, 4, 5}));
  parse_tcap(long_tid, c);
  EXPECT_EQ(count(c, Anomaly::TcapTidInvalid), 3u);  // too long, then absent
  EXPECT_FALSE(parse_tcap(tlv(0x66, {}), c));
  EXPECT_EQ(count(c, Anomaly::TcapTypeUnknown), 1u);
  EXPECT_FALSE(parse_tcap(tlv(0xE2, {}), c));
  EXPECT_EQ(count(c, Anomaly::TcapAnsiUnsupported), 1u);
  Buf odd_comp = tlv(0x62, cat({tlv(0x48, {1}), tlv(0x6C, tlv(0xA9, {}))}));
  t = parse_tcap(odd_comp, c);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->n_components, 0);
  EXPECT_EQ(count(c, Anomaly::TcapComponentUnknown), 1u);
}

TEST(TcapDecode, CapsComponentsPerMessage) {
  Buf comps;
  for (int i = 0; i < int(kTcapMaxComponents) + 3; ++i) {
    Buf one = invoke(int8_t(i), 7, {});
    comps.insert(comps.end(), one.begin(), one.end());
  }
  DecodeCounters c;
  auto t = parse_tcap(tlv(0x62, cat({tlv(0x48, {1}), tlv(0x6C, comps)})), c);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->n_components, kTcapMaxComponents);
  EXPECT_EQ(count(c, Anomaly::TcapTooManyComponents), 1u);
}

TEST(TcapDecode, SurvivesTruncationAtEveryLength) {
  Buf msg = sample_begin();
  for (size_t n = 0; n < msg.size(); ++n) {
    DecodeCounters c;
    Buf cut(msg.begin(), msg.begin() + long(n));
    auto t = parse_tcap(cut, c);
    EXPECT_FALSE(t) << n;  // the outer length no longer fits
    uint64_t total = 0;
    for (auto a : c.anomalies) total += a;
    EXPECT_GE(total, 1u) << n;
  }
}

}  // namespace
}  // namespace sigprobe::ss7
