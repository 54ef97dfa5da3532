#include "dataplane/ss7/map.hpp"

#include <gtest/gtest.h>

#include <string>

#include "dataplane/ss7/text.hpp"
#include "tests/dataplane/ss7/ss7_builders.hpp"

namespace sigprobe::ss7 {
namespace {
using namespace testing;

// Arguments hand-built from the ASN.1 of 3GPP TS 29.002 (tags as in its section 17).

std::string digits(const MapNumber& n) {
  char out[40];
  return n.present() ? std::string(out, tbcd_digits(n.tbcd, out, sizeof out)) : "";
}

TEST(MapDecode, UpdateLocationGivesImsiMscAndVlr) {
  Buf arg = tlv(0x30, cat({tlv(0x04, tbcd("001011356567851")), tlv(0x81, isdn("441122")),
                           tlv(0x04, isdn("441133"))}));
  DecodeCounters c;
  MapFields f = decode_map(kOpUpdateLocation, false, arg, c);
  EXPECT_EQ(digits(f.imsi), "001011356567851");
  EXPECT_EQ(digits(f.msc), "441122");
  EXPECT_EQ(digits(f.vlr), "441133");
  EXPECT_EQ(f.vlr.ton_npi, 0x91);
}

TEST(MapDecode, CancelLocationInEveryVersion) {
  DecodeCounters c;
  Buf v1 = tlv(0x04, tbcd("272150756140114"));
  Buf v2 = tlv(0x30, cat({tlv(0x04, tbcd("272150756140114")), tlv(0x04, {1, 2, 3, 4})}));
  Buf v3 = tlv(0xA3, cat({tlv(0x04, tbcd("272150756140114")), tlv(0x0A, {0})}));
  for (const Buf& a : {v1, v2, v3})
    EXPECT_EQ(digits(decode_map(kOpCancelLocation, false, a, c).imsi), "272150756140114");
  EXPECT_EQ(c.anomalies[size_t(Anomaly::MapParamMalformed)], 0u);
}

TEST(MapDecode, InsertSubscriberDataGivesMsisdnAndForwardedToNumber) {
  // provisionedSS [7] { forwardingInfo [0] { ss-Code cfb, forwardingFeatureList { { ss-Status [4],
  // forwardedToNumber [5] } } } }: the shape of corpus pycrate frame 343.
  Buf cf = tlv(0xA7, tlv(0xA0, cat({tlv(0x04, {0x29}), tlv(0x30, tlv(0x30, cat({tlv(0x84, {0x07}),
                                                                                tlv(0x85, isdn("44786728001"))})))})));
  Buf arg = tlv(0x30, cat({tlv(0x80, tbcd("001010123456789")), tlv(0x81, isdn("19786148973")),
                           tlv(0x82, {0x0A}), cf}));
  DecodeCounters c;
  MapFields f = decode_map(kOpInsertSubscriberData, false, arg, c);
  EXPECT_EQ(digits(f.imsi), "001010123456789");
  EXPECT_EQ(digits(f.msisdn), "19786148973");
  EXPECT_EQ(digits(f.forwarded_to), "44786728001");
  EXPECT_EQ(f.ss_code, 0x29);
}

TEST(MapDecode, RegisterSsGivesTheForwardedToNumberAndTheSsCode) {
  // RegisterSS-Arg { ss-Code cfu, basicService teleservice [3] telephony, forwardedToNumber [4] }
  Buf arg = tlv(0x30, cat({tlv(0x04, {0x21}), tlv(0x83, {0x11}), tlv(0x84, isdn("85512345678"))}));
  DecodeCounters c;
  MapFields f = decode_map(kOpRegisterSs, false, arg, c);
  EXPECT_EQ(f.ss_code, 0x21);
  EXPECT_EQ(digits(f.forwarded_to), "85512345678");
  EXPECT_EQ(f.forwarded_to.ton_npi, 0x91);
  // Barring has no number; the code alone is kept.
  f = decode_map(kOpRegisterSs, false, tlv(0x30, cat({tlv(0x04, {0x92}), tlv(0x83, {0x11})})), c);
  EXPECT_EQ(f.ss_code, 0x92);
  EXPECT_FALSE(f.forwarded_to.present());
  EXPECT_EQ(c.anomalies[size_t(Anomaly::MapParamMalformed)], 0u);
  // No ss-Code (or one of two octets) is not a RegisterSS-Arg.
  f = decode_map(kOpRegisterSs, false, tlv(0x30, tlv(0x84, isdn("85512345678"))), c);
  EXPECT_FALSE(f.forwarded_to.present());
  decode_map(kOpRegisterSs, false, tlv(0x30, cat({tlv(0x04, {0x21, 0x00}), tlv(0x84, isdn("855"))})), c);
  EXPECT_EQ(c.anomalies[size_t(Anomaly::MapParamMalformed)], 2u);
}

TEST(MapDecode, SendRoutingInfoArgumentAndBothResultShapes) {
  DecodeCounters c;
  Buf arg = tlv(0x30, cat({tlv(0x80, isdn("8613900139000")), tlv(0x83, {0}), tlv(0x86, isdn("861380000"))}));
  MapFields f = decode_map(kOpSendRoutingInfo, false, arg, c);
  EXPECT_EQ(digits(f.msisdn), "8613900139000");
  EXPECT_EQ(digits(f.msc), "861380000");
  Buf v3 = tlv(0xA3, cat({tlv(0x89, tbcd("460001234567890")), tlv(0x04, isdn("8613800999"))}));
  f = decode_map(kOpSendRoutingInfo, true, v3, c);
  EXPECT_EQ(digits(f.imsi), "460001234567890");
  EXPECT_EQ(digits(f.roaming_number), "8613800999");
  Buf v2 = tlv(0x30, cat({tlv(0x04, tbcd("460001234567890")), tlv(0x04, isdn("8613800998"))}));
  f = decode_map(kOpSendRoutingInfo, true, v2, c);
  EXPECT_EQ(digits(f.roaming_number), "8613800998");
}

TEST(MapDecode, SendRoutingInfoForSmArgumentAndResult) {
  DecodeCounters c;
  Buf arg = tlv(0x30, cat({tlv(0x80, isdn("41792457333")), tlv(0x81, {0xFF}), tlv(0x82, isdn("41799797800"))}));
  MapFields f = decode_map(kOpSendRoutingInfoForSm, false, arg, c);
  EXPECT_EQ(digits(f.msisdn), "41792457333");
  EXPECT_EQ(digits(f.service_centre), "41799797800");
  Buf res = tlv(0x30, cat({tlv(0x04, tbcd("228012120109856")), tlv(0xA0, tlv(0x81, isdn("41794947000")))}));
  f = decode_map(kOpSendRoutingInfoForSm, true, res, c);
  EXPECT_EQ(digits(f.imsi), "228012120109856");
  EXPECT_EQ(digits(f.msc), "41794947000");
}

TEST(MapDecode, LocationQueriesGiveTheTarget) {
  DecodeCounters c;
  Buf ati = tlv(0x30, cat({tlv(0xA0, tlv(0x81, isdn("918793714126"))), tlv(0xA1, tlv(0x80, {})),
                           tlv(0x83, isdn("35699410525"))}));
  EXPECT_EQ(digits(decode_map(kOpAnyTimeInterrogation, false, ati, c).msisdn), "918793714126");
  EXPECT_EQ(digits(decode_map(kOpAnyTimeInterrogation, false, ati, c).gsm_scf), "35699410525");
  Buf ati_imsi = tlv(0x30, tlv(0xA0, tlv(0x80, tbcd("272150756140114"))));
  EXPECT_EQ(digits(decode_map(kOpAnyTimeInterrogation, false, ati_imsi, c).imsi), "272150756140114");
  Buf psi = tlv(0x30, cat({tlv(0x80, tbcd("460001234567890")), tlv(0xA2, tlv(0x80, {}))}));
  EXPECT_EQ(digits(decode_map(kOpProvideSubscriberInfo, false, psi, c).imsi), "460001234567890");
  EXPECT_EQ(digits(decode_map(kOpSendImsi, false, tlv(0x04, isdn("8613900139000")), c).msisdn),
            "8613900139000");
  EXPECT_EQ(digits(decode_map(kOpSendImsi, true, tlv(0x04, tbcd("460001234567890")), c).imsi),
            "460001234567890");
}

TEST(MapDecode, AuthenticationPurgeAndImeiAcrossVersions) {
  DecodeCounters c;
  EXPECT_EQ(digits(decode_map(kOpSendAuthenticationInfo, false, tlv(0x04, tbcd("460004100000101")), c).imsi),
            "460004100000101");
  Buf sai3 = tlv(0x30, cat({tlv(0x80, tbcd("460004100000101")), tlv(0x02, {5})}));
  EXPECT_EQ(digits(decode_map(kOpSendAuthenticationInfo, false, sai3, c).imsi), "460004100000101");
  Buf purge3 = tlv(0xA3, cat({tlv(0x04, tbcd("460001234567890")), tlv(0x80, isdn("8613800"))}));
  MapFields f = decode_map(kOpPurgeMs, false, purge3, c);
  EXPECT_EQ(digits(f.imsi), "460001234567890");
  EXPECT_EQ(digits(f.vlr), "8613800");
  Buf purge2 = tlv(0x30, cat({tlv(0x04, tbcd("460001234567890")), tlv(0x04, isdn("8613801"))}));
  EXPECT_EQ(digits(decode_map(kOpPurgeMs, false, purge2, c).vlr), "8613801");
  EXPECT_EQ(digits(decode_map(kOpCheckImei, false, tlv(0x04, tbcd("3569380356438091")), c).imei),
            "3569380356438091");
  Buf imei3 = tlv(0x30, cat({tlv(0x04, tbcd("3569380356438091")), tlv(0x03, {0x00, 0x80})}));
  EXPECT_EQ(digits(decode_map(kOpCheckImei, false, imei3, c).imei), "3569380356438091");
  EXPECT_EQ(c.anomalies[size_t(Anomaly::MapParamMalformed)], 0u);
}

TEST(MapDecode, ForwardSmFindsTheTpduAndTheDirection) {
  DecodeCounters c;
  Buf mt = tlv(0x30, cat({tlv(0x80, tbcd("228012120109856")), tlv(0x84, isdn("41794947000")),
                          tlv(0x04, {0x04, 0x00})}));
  MapFields f = decode_map(kOpMoForwardSm, false, mt, c);
  EXPECT_TRUE(f.has_sms);
  EXPECT_TRUE(f.sms_mt);
  EXPECT_EQ(digits(f.imsi), "228012120109856");
  EXPECT_EQ(digits(f.service_centre), "41794947000");
  EXPECT_EQ(f.sm_rp_ui.size(), 2u);
  Buf mo = tlv(0x30, cat({tlv(0x84, isdn("8613800500000")), tlv(0x82, isdn("8613800138000")),
                          tlv(0x04, {0x01, 0x00}), tlv(0x04, tbcd("460001234567890"))}));
  f = decode_map(kOpMoForwardSm, false, mo, c);
  EXPECT_FALSE(f.sms_mt);
  EXPECT_EQ(digits(f.msisdn), "8613800138000");
  EXPECT_EQ(digits(f.imsi), "460001234567890");
}

TEST(MapDecode, UssdStringAndItsCodingScheme) {
  DecodeCounters c;
  Buf arg = tlv(0x30, cat({tlv(0x04, {0x0F}), tlv(0x04, {0xAA, 0x18, 0x0C}), tlv(0x80, isdn("8613800138000"))}));
  MapFields f = decode_map(kOpProcessUnstructuredSsRequest, false, arg, c);
  EXPECT_TRUE(f.has_ussd);
  EXPECT_EQ(f.ussd_dcs, 0x0F);
  EXPECT_EQ(f.ussd.size(), 3u);
  EXPECT_EQ(digits(f.msisdn), "8613800138000");
  f = decode_map(kOpUnstructuredSsNotify, false, tlv(0x30, tlv(0x04, {0x0F})), c);
  EXPECT_FALSE(f.has_ussd);
  EXPECT_EQ(c.anomalies[size_t(Anomaly::MapParamMalformed)], 1u);
}

TEST(MapDecode, NamesShapesThatDoNotMatchAndOverlongNumbers) {
  DecodeCounters c;
  decode_map(kOpUpdateLocation, false, tlv(0x04, {1}), c);
  EXPECT_EQ(c.anomalies[size_t(Anomaly::MapParamMalformed)], 1u);
  MapFields f = decode_map(kOpSendImsi, true, tlv(0x04, Buf(11, 0x11)), c);
  EXPECT_FALSE(f.imsi.present());
  EXPECT_EQ(c.anomalies[size_t(Anomaly::MapDigitsTooLong)], 1u);
  f = decode_map(kOpUpdateLocation, false, {}, c);
  EXPECT_FALSE(f.imsi.present());
}

}  // namespace
}  // namespace sigprobe::ss7

namespace sigprobe::ss7 {
namespace {
using namespace testing;

TEST(MapDecode, LocationResultsGiveTheServingVlr) {
  DecodeCounters c;
  // SubscriberInfo { locationInformation [0] { ageOfLocationInformation, vlr-number [1] } }
  Buf res = tlv(0x30, tlv(0x30, tlv(0xA0, cat({tlv(0x02, {5}), tlv(0x81, isdn("919028055000"))}))));
  char out[40];
  MapFields f = decode_map(kOpAnyTimeInterrogation, true, res, c);
  ASSERT_TRUE(f.vlr.present());
  EXPECT_EQ(std::string(out, tbcd_digits(f.vlr.tbcd, out, sizeof out)), "919028055000");
  f = decode_map(kOpProvideSubscriberInfo, true, res, c);
  EXPECT_TRUE(f.vlr.present());
  EXPECT_EQ(c.anomalies[size_t(Anomaly::MapParamMalformed)], 0u);
}

}  // namespace
}  // namespace sigprobe::ss7
