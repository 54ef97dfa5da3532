#include "dataplane/ss7/cap.hpp"

#include <gtest/gtest.h>

#include <string>

#include "dataplane/ss7/text.hpp"
#include "tests/dataplane/ss7/ss7_builders.hpp"

namespace sigprobe::ss7 {
namespace {
using namespace testing;

// Arguments hand-built from the ASN.1 of 3GPP TS 29.078 (CAP v2-v4) and the
// MAP types it imports (TS 29.002 LocationInformation, TS 24.008 numbers).

std::string digits(const MapNumber& n) {
  char out[40];
  return n.present() ? std::string(out, tbcd_digits(n.tbcd, out, sizeof out)) : "";
}
std::string digits(const IsupNumber& n) {
  char out[40];
  return n.present ? std::string(out, bcd_digits(n.digits, n.n_digits, out, sizeof out)) : "";
}
std::string cell(const CapFields& f) {
  char out[kCellTextMax];
  return std::string(out, cgi_text(f.cell, out));
}
// Multi-octet context tag [n] (n >= 31) with its value.
Buf ctx_high(uint8_t n, const Buf& v, bool constructed = false) {
  Buf out{uint8_t(constructed ? 0xBF : 0x9F), n, uint8_t(v.size())};
  out.insert(out.end(), v.begin(), v.end());
  return out;
}
// Q.763 Calling/Called Party Number: odd/even + NAI 4 (international), then
// an NPI octet and BCD signals, low nibble first.
Buf party(const std::string& d, uint8_t second = 0x13) {
  Buf out{uint8_t((d.size() % 2 ? 0x80 : 0x00) | 0x04), second};
  Buf bcd = tbcd(d);
  if (d.size() % 2) bcd.back() &= 0x0F;  // no filler: the odd indicator says where the digits end
  out.insert(out.end(), bcd.begin(), bcd.end());
  return out;
}

TEST(CapDecode, InitialDpGivesThePartiesImsiMscVlrAndCell) {
  // serviceKey [0], callingPartyNumber [3], eventTypeBCSM [28] collectedInfo, iMSI [50],
  // locationInformation [52] { ageOfLocationInformation, vlr-number [1],
  // cellGlobalIdOrServiceAreaIdOrLAI [3] { fixedLength [0]: MCC 460 MNC 00 LAC 0x1A2B CI 0x3C4D } },
  // mscAddress [55], calledPartyBCDNumber [56].
  Buf loc = cat({tlv(0x02, {5}), tlv(0x81, isdn("8613900000032")),
                 tlv(0xA3, tlv(0x80, {0x64, 0xF0, 0x00, 0x1A, 0x2B, 0x3C, 0x4D}))});
  Buf arg = tlv(0x30, cat({tlv(0x80, {0x64}), tlv(0x83, party("8613812340001")), tlv(0x85, {0x0A}),
                           tlv(0x9C, {0x02}), ctx_high(50, tbcd("460001122330001")), ctx_high(52, loc, true),
                           ctx_high(55, isdn("8613900000031")), ctx_high(56, isdn("8613987650001"))}));
  DecodeCounters c;
  CapFields f = decode_cap(cap_op::kInitialDp, arg, c);
  EXPECT_TRUE(f.has_service_key);
  EXPECT_EQ(f.service_key, 100u);
  EXPECT_EQ(f.event_type, cap_event::kCollectedInfo);
  EXPECT_EQ(digits(f.calling), "8613812340001");
  EXPECT_EQ(digits(f.called_bcd), "8613987650001");
  EXPECT_FALSE(f.called.present);
  EXPECT_EQ(digits(f.imsi), "460001122330001");
  EXPECT_EQ(digits(f.msc), "8613900000031");
  EXPECT_EQ(digits(f.vlr), "8613900000032");
  EXPECT_EQ(cell(f), "460001A2B3C4D");
  EXPECT_EQ(c.anomalies[size_t(Anomaly::CapParamMalformed)], 0u);
}

TEST(CapDecode, InitialDpOfACalledSubscriberHasACalledPartyNumberAndNoCellForALai) {
  // termAttemptAuthorized (12), calledPartyNumber [2] in Q.763 form; the
  // location is a LAI ([1] laiFixedLength): no cell.
  Buf loc = tlv(0xA3, tlv(0x81, {0x64, 0xF0, 0x00, 0x1A, 0x2B}));
  Buf arg = tlv(0x30, cat({tlv(0x80, {0x01, 0x2C}), tlv(0x82, party("8613812340005", 0x90)),
                           tlv(0x83, party("8613912340005")), tlv(0x9C, {0x0C}), ctx_high(52, loc, true)}));
  DecodeCounters c;
  CapFields f = decode_cap(cap_op::kInitialDp, arg, c);
  EXPECT_EQ(f.service_key, 300u);
  EXPECT_EQ(f.event_type, cap_event::kTermAttemptAuthorized);
  EXPECT_EQ(digits(f.called), "8613812340005");
  EXPECT_FALSE(f.called_bcd.present());
  EXPECT_EQ(digits(f.calling), "8613912340005");
  EXPECT_TRUE(f.cell.empty());
}

TEST(CapDecode, InitialDpSmsGivesSenderRecipientCentreImsiCellAndImei) {
  // InitialDPSMSArg: serviceKey [0], destinationSubscriberNumber [1], callingPartyNumber [2],
  // eventTypeSMS [3] sms-CollectedInfo, iMSI [4], locationInformationMSC [5], sMSCAddress [7],
  // mscAddress [15], iMEI [19].
  Buf loc = cat({tlv(0x81, isdn("8613900000032")), tlv(0xA3, tlv(0x80, {0x64, 0xF0, 0x00, 0x5A, 0x21, 0x3E, 0x07}))});
  Buf arg = tlv(0x30, cat({tlv(0x80, {0x0A}), tlv(0x81, isdn("8613900001000")), tlv(0x82, isdn("8617012340100")),
                           tlv(0x83, {0x01}), tlv(0x84, tbcd("460001122330001")), tlv(0xA5, loc),
                           tlv(0x87, isdn("8613800500000")), tlv(0x8F, isdn("8613900000031")),
                           tlv(0x93, tbcd("3534567890123456"))}));
  DecodeCounters c;
  CapFields f = decode_cap(cap_op::kInitialDpSms, arg, c);
  EXPECT_EQ(f.service_key, 10u);
  EXPECT_EQ(f.event_type, cap_sms_event::kSmsCollectedInfo);
  EXPECT_EQ(digits(f.calling_sms), "8617012340100");
  EXPECT_EQ(digits(f.called_bcd), "8613900001000");
  EXPECT_EQ(digits(f.imsi), "460001122330001");
  EXPECT_EQ(digits(f.vlr), "8613900000032");
  EXPECT_EQ(cell(f), "460005A213E07");
  EXPECT_EQ(digits(f.service_centre), "8613800500000");
  EXPECT_EQ(digits(f.msc), "8613900000031");
  EXPECT_EQ(digits(f.imei), "3534567890123456");
  EXPECT_EQ(c.anomalies[size_t(Anomaly::CapParamMalformed)], 0u);
}

TEST(CapDecode, EventReportCarriesTheCauseOfBusyFailureAndDisconnectOnly) {
  struct Case {
    uint8_t event, alternative;
    bool cause;
  };
  // eventSpecificInformationBCSM alternatives (TS 29.078): routeSelectFailure [2],
  // oCalledPartyBusy [3], oAnswer [5], oDisconnect [7], tBusy [8], tDisconnect [12];
  // oServiceChange [52]-like alternatives hold other things in their [0].
  const Case cases[] = {{4, 2, true}, {5, 3, true}, {7, 5, false}, {9, 7, true}, {13, 8, true}, {17, 12, true},
                        {10, 21, false}};
  for (const Case& k : cases) {
    SCOPED_TRACE(int(k.event));
    Buf info = tlv(uint8_t(0xA0 | k.alternative), tlv(0x80, {0x80, 0x90}));  // cause 16, location user
    Buf arg = tlv(0x30, cat({tlv(0x80, {k.event}), tlv(0xA2, info), tlv(0xA3, tlv(0x81, {0x02})),
                             tlv(0xA4, tlv(0x80, {0x01}))}));
    DecodeCounters c;
    CapFields f = decode_cap(cap_op::kEventReportBcsm, arg, c);
    EXPECT_EQ(f.event_type, k.event);
    EXPECT_EQ(f.has_cause, k.cause);
    if (k.cause) { EXPECT_EQ(f.cause, 16); }
  }
}

TEST(CapDecode, ReleaseCallCauseInV2AndV4Forms) {
  DecodeCounters c;
  // v2/v3: Cause as an OCTET STRING; an ext = 0 first octet has an octet 1a.
  EXPECT_EQ(decode_cap(cap_op::kReleaseCall, tlv(0x04, {0x80, 0x9F}), c).cause, 31);
  CapFields two = decode_cap(cap_op::kReleaseCall, tlv(0x04, {0x00, 0x80, 0x91}), c);
  EXPECT_TRUE(two.has_cause);
  EXPECT_EQ(two.cause, 17);
  // v4: allCallSegmentsWithExtension [2] { allCallSegments [0] Cause }.
  EXPECT_EQ(decode_cap(cap_op::kReleaseCall, tlv(0xA2, tlv(0x80, {0x80, 0x95})), c).cause, 21);
  EXPECT_EQ(c.anomalies[size_t(Anomaly::CapParamMalformed)], 0u);
  // A cause of one octet, and a parameter of the wrong type, are malformed.
  EXPECT_FALSE(decode_cap(cap_op::kReleaseCall, tlv(0x04, {0x80}), c).has_cause);
  EXPECT_FALSE(decode_cap(cap_op::kReleaseCall, tlv(0x30, {}), c).has_cause);
  EXPECT_EQ(c.anomalies[size_t(Anomaly::CapParamMalformed)], 2u);
}

TEST(CapDecode, CellTextOfTwoAndThreeDigitMncsAndInvalidOctets) {
  char out[kCellTextMax];
  auto text = [&](const Buf& b) { return std::string(out, cgi_text(b, out)); };
  EXPECT_EQ(text({0x64, 0xF0, 0x00, 0x00, 0x01, 0xFF, 0xFE}), "460000001FFFE");
  // MCC 310, MNC 260 (3 digits: MNC digit 3 in the second octet's high nibble).
  EXPECT_EQ(text({0x13, 0x00, 0x62, 0x12, 0x34, 0x56, 0x78}), "31026012345678");
  EXPECT_EQ(text({0x6A, 0xF0, 0x00, 0, 0, 0, 0}), "");  // a non-decimal MCC digit
  EXPECT_EQ(text({0x64, 0xF0, 0x00, 0, 0, 0}), "");      // not 7 octets
}

TEST(CapDecode, SurvivesTruncationAtEveryLength) {
  Buf loc = cat({tlv(0x81, isdn("8613900000032")), tlv(0xA3, tlv(0x80, {0x64, 0xF0, 0x00, 0x1A, 0x2B, 0x3C, 0x4D}))});
  Buf idp = tlv(0x30, cat({tlv(0x80, {0x64}), tlv(0x83, party("8613812340001")), tlv(0x9C, {0x02}),
                           ctx_high(50, tbcd("460001122330001")), ctx_high(52, loc, true),
                           ctx_high(55, isdn("8613900000031")), ctx_high(56, isdn("8613987650001"))}));
  Buf erb = tlv(0x30, cat({tlv(0x80, {0x09}), tlv(0xA2, tlv(0xA7, tlv(0x80, {0x80, 0x90})))}));
  for (const auto& [op, whole] : {std::pair{cap_op::kInitialDp, idp}, std::pair{cap_op::kEventReportBcsm, erb}}) {
    for (size_t n = 0; n < whole.size(); ++n) {
      DecodeCounters c;
      CapFields f = decode_cap(op, Bytes(whole.data(), n), c);
      // The outer element is cut: nothing may be read from it.
      EXPECT_FALSE(f.calling.present || f.imsi.present() || f.has_cause || !f.cell.empty()) << n;
      EXPECT_GE(c.anomalies[size_t(Anomaly::BerTruncated)], n ? 1u : 0u) << n;
    }
  }
}

}  // namespace
}  // namespace sigprobe::ss7
