#include "dataplane/ss7/isup.hpp"

#include <gtest/gtest.h>

#include "dataplane/ss7/ss7_names.hpp"
#include "dataplane/ss7/text.hpp"
#include "tests/dataplane/ss7/ss7_builders.hpp"

namespace sigprobe::ss7 {
namespace {
using namespace testing;

// Copied from corpus the-tcpdump-group__tcpdump/isup.pcap frame 1 (after the MTP3 label):
// CIC 213, IAM, called 4891 + ST (odd), optional part with calling party number 3933399708,
// trimmed after that parameter and closed with the end-of-optional-parameters octet.
const Buf kIam{0xd5, 0x00, 0x01, 0x00, 0xa0, 0x01, 0x0a, 0x02, 0x02, 0x07, 0x05, 0x81, 0x90,
               0x84, 0x19, 0x0f, 0x0a, 0x07, 0x03, 0x17, 0x93, 0x33, 0x93, 0x79, 0x80, 0x00};

std::string digits(const IsupNumber& n) {
  char out[40];
  return {out, bcd_digits(n.digits, n.n_digits, out, sizeof out)};
}

TEST(IsupDecode, ReadsIamNumbersAndCategory) {
  DecodeCounters c;
  auto m = parse_isup(kIam, c);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->cic, 213);
  EXPECT_EQ(m->type, kIsupIam);
  EXPECT_EQ(m->calling_category, 0x0a);
  ASSERT_TRUE(m->called.present);
  EXPECT_EQ(digits(m->called), "4891f");  // ST is rendered by the caller's policy
  EXPECT_EQ(m->called.nai, 1);
  ASSERT_TRUE(m->calling.present);
  EXPECT_EQ(digits(m->calling), "3933399708");
  EXPECT_EQ(m->calling.nai, 3);
  for (auto a : c.anomalies) EXPECT_EQ(a, 0u);
}

TEST(IsupDecode, ReadsReleaseCause) {
  // Hand-built from Q.763 table 26 (REL): CIC 17, cause indicators ext|ITU|public network, 16 normal clearing.
  Buf rel{0x11, 0x00, 0x0C, 0x02, 0x00, 0x02, 0x82, 0x90};
  DecodeCounters c;
  auto m = parse_isup(rel, c);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->cic, 17);
  ASSERT_TRUE(m->has_cause);
  EXPECT_EQ(m->cause, 16);
}

TEST(IsupDecode, KnowsEveryMessageOfTheCall) {
  for (uint8_t t : {kIsupIam, kIsupAcm, kIsupCpg, kIsupAnm, kIsupCon, kIsupRel, kIsupRlc, kIsupSus, kIsupRes})
    EXPECT_NE(std::string(isup_msg_name(t)), "") << int(t);
  EXPECT_EQ(std::string(isup_msg_name(0x2C)), "CPG");
  EXPECT_EQ(std::string(isup_msg_name(0xFF)), "");
  DecodeCounters c;
  Buf anm{0x01, 0x00, 0x09, 0x00};
  auto m = parse_isup(anm, c);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, kIsupAnm);
  Buf unknown{0x01, 0x00, 0x7F};
  EXPECT_TRUE(parse_isup(unknown, c));
  EXPECT_EQ(c.anomalies[size_t(Anomaly::IsupTypeUnknown)], 1u);
}

TEST(IsupDecode, NamesPointersPastTheEnd) {
  Buf bad = kIam;
  bad[8] = 0x40;  // called party pointer
  DecodeCounters c;
  auto m = parse_isup(bad, c);
  ASSERT_TRUE(m);
  EXPECT_FALSE(m->called.present);
  EXPECT_EQ(c.anomalies[size_t(Anomaly::IsupPointerInvalid)], 1u);
}

TEST(IsupDecode, SurvivesTruncationAtEveryLength) {
  for (size_t n = 0; n < kIam.size(); ++n) {
    DecodeCounters c;
    Buf cut(kIam.begin(), kIam.begin() + long(n));
    auto m = parse_isup(cut, c);
    uint64_t total = 0;
    for (auto a : c.anomalies) total += a;
    EXPECT_GE(total, 1u) << n;
    if (m) {
      EXPECT_EQ(m->type, kIsupIam);
    }
  }
}

}  // namespace
}  // namespace sigprobe::ss7
