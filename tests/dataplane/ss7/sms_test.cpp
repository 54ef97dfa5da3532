#include "dataplane/ss7/sms.hpp"

#include <gtest/gtest.h>

#include <string>

#include "tests/dataplane/ss7/ss7_builders.hpp"

namespace sigprobe::ss7 {
namespace {
using namespace testing;

// TPDUs hand-built from 3GPP TS 23.040 section 9.2.2 and 9.2.3.24.

// Packs GSM 7-bit septets starting at bit `skip` (fill bits are zero).
Buf pack7(const Buf& septets, size_t skip = 0) {
  Buf out((skip + septets.size() * 7 + 7) / 8, 0);
  for (size_t i = 0; i < septets.size(); ++i)
    for (int bit = 0; bit < 7; ++bit)
      if (septets[i] >> bit & 1) out[(skip + i * 7 + bit) / 8] |= uint8_t(1 << ((skip + i * 7 + bit) % 8));
  return out;
}
Buf ascii_septets(const std::string& s) { return Buf(s.begin(), s.end()); }  // letters/digits map 1:1

std::string text(const SmsTpdu& t) {
  DecodeCounters c;
  char out[1024];
  return {out, sms_text_utf8(t, out, sizeof out, c)};
}
std::string addr(const SmsAddress& a) {
  char out[64];
  return {out, sms_address_utf8(a, out, sizeof out)};
}

TEST(SmsDecode, SubmitInUcs2WithConcatenation) {
  Buf ud = cat({Buf{0x05, 0x00, 0x03, 0x5C, 0x03, 0x01}, Buf{0x60, 0xA8, 0x59, 0x7D}});  // 您好
  Buf tpdu = cat({Buf{0x41, 0x07, 0x05, 0x81}, tbcd("10086"), Buf{0x00, 0x08, uint8_t(ud.size())}, ud});
  DecodeCounters c;
  auto t = parse_sms_tpdu(tpdu, true, c);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, SmsKind::Submit);
  EXPECT_EQ(t->mr, 7);
  EXPECT_EQ(addr(t->addr), "10086");
  EXPECT_EQ(t->dcs, 8);
  EXPECT_EQ(t->charset, SmsCharset::Ucs2);
  EXPECT_TRUE(t->concat);
  EXPECT_EQ(t->concat_ref, 0x5C);
  EXPECT_EQ(t->concat_total, 3);
  EXPECT_EQ(t->concat_seq, 1);
  EXPECT_EQ(text(*t), "您好");
}

TEST(SmsDecode, DeliverGsm7WithHeaderFillBitsAndExtensionCharacters) {
  // UDH of 6 octets = 48 bits: 1 fill bit brings the text to septet 7.
  Buf udh{0x05, 0x00, 0x03, 0x01, 0x01, 0x01};
  Buf septets = cat({ascii_septets("Pay "), Buf{0x1B, 0x65}, ascii_septets("5 "), Buf{0x1B, 0x3C},
                     ascii_septets("now"), Buf{0x1B, 0x3E}});
  Buf packed = pack7(septets, 49);
  for (size_t i = 0; i < udh.size(); ++i) packed[i] = udh[i];
  uint8_t udl = uint8_t(7 + septets.size());
  Buf tpdu = cat({Buf{0x44, 0x0D, 0x91}, tbcd("8613800138000"), Buf{0x00, 0x00},
                  Buf{0x52, 0x11, 0x32, 0x10, 0x00, 0x00, 0x00}, Buf{udl}, packed});
  DecodeCounters c;
  auto t = parse_sms_tpdu(tpdu, false, c);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, SmsKind::Deliver);
  EXPECT_EQ(addr(t->addr), "8613800138000");
  EXPECT_EQ(t->addr.ton, 1);
  EXPECT_EQ(text(*t), "Pay €5 [now]");
  for (auto a : c.anomalies) EXPECT_EQ(a, 0u);
}

TEST(SmsDecode, AlphanumericSenderAndPorts) {
  // "Bank" = 4 septets = 28 bits = 7 semi-octets, TOA 0xD0 (TON 5 alphanumeric).
  Buf oa = pack7(ascii_septets("Bank"));
  Buf ud = cat({Buf{0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0}, Buf{'h', 'i'}});
  Buf tpdu = cat({Buf{0x40, 0x07, 0xD0}, oa, Buf{0x00, 0x04}, Buf(7, 0), Buf{uint8_t(ud.size())}, ud});
  DecodeCounters c;
  auto t = parse_sms_tpdu(tpdu, false, c);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->addr.alphanumeric());
  EXPECT_EQ(addr(t->addr), "Bank");
  EXPECT_TRUE(t->ports);
  EXPECT_EQ(t->dst_port, 2948);
  EXPECT_EQ(t->src_port, 9200);
  EXPECT_EQ(t->charset, SmsCharset::Data8);
  EXPECT_EQ(text(*t), "hi");
}

TEST(SmsDecode, SixteenBitConcatenationReference) {
  Buf ud = cat({Buf{0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x02}, Buf{0x00, 0x41}});
  Buf tpdu = cat({Buf{0x41, 0x00, 0x02, 0x81, 0x21, 0x00, 0x08, uint8_t(ud.size())}, ud});
  DecodeCounters c;
  auto t = parse_sms_tpdu(tpdu, true, c);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->concat_ref, 0x1234);
  EXPECT_EQ(t->concat_seq, 2);
  EXPECT_EQ(text(*t), "A");
}

TEST(SmsDecode, StatusReportAndCommandAreRecognisedByDirection) {
  DecodeCounters c;
  auto sr = parse_sms_tpdu(Buf{0x02, 0x01}, false, c);
  ASSERT_TRUE(sr);
  EXPECT_EQ(sr->kind, SmsKind::StatusReport);
  auto cmd = parse_sms_tpdu(Buf{0x02, 0x01}, true, c);
  ASSERT_TRUE(cmd);
  EXPECT_EQ(cmd->kind, SmsKind::Command);
  EXPECT_FALSE(cmd->has_text);
}

TEST(SmsDecode, NamesBadLengths) {
  DecodeCounters c;
  Buf long_addr{0x04, 0x15, 0x91, 0x11};
  EXPECT_FALSE(parse_sms_tpdu(long_addr, false, c));
  EXPECT_EQ(c.anomalies[size_t(Anomaly::SmsAddressInvalid)], 1u);
  Buf udl_over = cat({Buf{0x04, 0x02, 0x81, 0x21, 0x00, 0x00}, Buf(7, 0), Buf{0x20, 0xE8, 0x32}});
  auto t = parse_sms_tpdu(udl_over, false, c);
  ASSERT_TRUE(t);
  EXPECT_EQ(c.anomalies[size_t(Anomaly::SmsUdlInvalid)], 1u);
  EXPECT_EQ(text(*t), "he");  // what is there is kept
  Buf udh_over = cat({Buf{0x44, 0x02, 0x81, 0x21, 0x00, 0x08}, Buf(7, 0), Buf{0x04, 0x09, 0x00, 0x03, 0x01}});
  parse_sms_tpdu(udh_over, false, c);
  EXPECT_EQ(c.anomalies[size_t(Anomaly::SmsUdhInvalid)], 1u);
  Buf bad_seq = cat({Buf{0x41, 0x00, 0x02, 0x81, 0x21, 0x00, 0x08, 0x08}, Buf{0x05, 0x00, 0x03, 0x01, 0x02, 0x03, 0x00, 0x41}});
  t = parse_sms_tpdu(bad_seq, true, c);
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->concat);
  EXPECT_EQ(c.anomalies[size_t(Anomaly::SmsConcatInvalid)], 1u);
}

TEST(SmsDecode, HeaderIndicatorWithoutUserDataIsNamed) {
  // Fuzzer finding (tests/fuzz/ss7/regressions/sms): UDHI set, TP-UDL 0x24, no user data at all.
  Buf tpdu{0x44, 0x00, 0x62, 0x10, 0x10, 0x00, 0x08, 0x28, 0x23, 0x38, 0x77, 0x2e, 0x24};
  DecodeCounters c;
  auto t = parse_sms_tpdu(tpdu, false, c);
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->udhi);
  EXPECT_EQ(c.anomalies[size_t(Anomaly::SmsUdhInvalid)], 1u);
  EXPECT_EQ(text(*t), "");
}

TEST(SmsDecode, SurvivesTruncationAtEveryLength) {
  Buf ud = cat({Buf{0x05, 0x00, 0x03, 0x5C, 0x03, 0x01}, Buf{0x60, 0xA8, 0x59, 0x7D}});
  Buf tpdu = cat({Buf{0x41, 0x07, 0x05, 0x81}, tbcd("10086"), Buf{0x00, 0x08, uint8_t(ud.size())}, ud});
  for (size_t n = 0; n < tpdu.size(); ++n) {
    DecodeCounters c;
    Buf cut(tpdu.begin(), tpdu.begin() + long(n));
    auto t = parse_sms_tpdu(cut, true, c);
    uint64_t total = 0;
    for (auto a : c.anomalies) total += a;
    EXPECT_GE(total, 1u) << n;
    if (t) text(*t);
  }
}

TEST(UssdText, DecodesPackedSevenBitAndDropsCrPadding) {
  DecodeCounters c;
  char out[64];
  Buf s = pack7(ascii_septets("*100#"));
  EXPECT_EQ(std::string(out, ussd_text_utf8(0x0F, s, out, sizeof out, c)), "*100#");
  // 7 characters fill 49 bits: 7 octets hold 8 septets, the last is CR padding.
  Buf seven = pack7(cat({ascii_septets("*123*1#"), Buf{0x0D}}));
  ASSERT_EQ(seven.size(), 7u);
  EXPECT_EQ(std::string(out, ussd_text_utf8(0x0F, seven, out, sizeof out, c)), "*123*1#");
  Buf ucs2{0x00, 0x2A, 0x00, 0x31, 0x00, 0x23};
  EXPECT_EQ(std::string(out, ussd_text_utf8(0x48, ucs2, out, sizeof out, c)), "*1#");
}

}  // namespace
}  // namespace sigprobe::ss7

namespace sigprobe::ss7 {
namespace {

// The decoder sizes the arena room for the text with sms_text_utf8_bound.
TEST(SmsText, BoundCoversTheWidestTextOfEachCharset) {
  DecodeCounters c;
  char out[1024];
  SmsTpdu t;
  t.has_text = true;
  // UCS-2: a BMP character above U+0800 (3 bytes from one unit), a surrogate
  // pair (4 bytes from two units), an unpaired surrogate (U+FFFD, 3 bytes).
  Buf ucs2{0x20, 0xAC, 0xD8, 0x3D, 0xDE, 0x00, 0xDC, 0x00, 0x00, 0x41};
  t.charset = SmsCharset::Ucs2;
  t.text_octets = ucs2;
  size_t n = sms_text_utf8(t, out, sizeof out, c);
  EXPECT_EQ(n, 3u + 4u + 3u + 1u);
  EXPECT_GE(sms_text_utf8_bound(t), n);
  EXPECT_EQ(sms_text_utf8(t, out, sms_text_utf8_bound(t), c), n);
  // 8-bit data: every octet above 0x7F is two UTF-8 bytes.
  Buf data8(50, 0xE9);
  t.charset = SmsCharset::Data8;
  t.text_octets = data8;
  n = sms_text_utf8(t, out, sizeof out, c);
  EXPECT_EQ(n, 100u);
  EXPECT_EQ(sms_text_utf8_bound(t), n);
  // GSM 7-bit: 16 euro signs (ESC 0x65, 3 bytes each) in 32 septets.
  Buf septets;
  for (int i = 0; i < 16; ++i) septets.insert(septets.end(), {0x1B, 0x65});
  Buf packed((septets.size() * 7 + 7) / 8, 0);
  for (size_t i = 0; i < septets.size(); ++i)
    for (int bit = 0; bit < 7; ++bit)
      if (septets[i] >> bit & 1) packed[(i * 7 + bit) / 8] |= uint8_t(1 << ((i * 7 + bit) % 8));
  t.charset = SmsCharset::Gsm7;
  t.ud = packed;
  t.text_skip_bits = 0;
  t.text_septets = septets.size();
  n = sms_text_utf8(t, out, sizeof out, c);
  EXPECT_EQ(n, 48u);
  EXPECT_GE(sms_text_utf8_bound(t), n);
  t.has_text = false;
  EXPECT_EQ(sms_text_utf8_bound(t), 0u);
}

}  // namespace
}  // namespace sigprobe::ss7
