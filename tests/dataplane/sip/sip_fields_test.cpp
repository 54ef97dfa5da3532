#include "dataplane/sip/sip_fields.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "tests/dataplane/sip/sip_samples.hpp"

namespace sigprobe::sip {
namespace {

// msg must outlive the returned views.
SipInfo info_of(const std::string& msg, EventBatch& batch) {
  AnomalySet a;
  auto m = parse_sip(msg, a);
  SipInfo s;
  if (m) fill_sip_info(*m, s, batch);
  return s;
}

TEST(SipFields, InviteFieldsAreExtractedAndNormalized) {
  EventBatch batch(4, 4096);
  std::string msg = test::invite_with_sdp();
  SipInfo s = info_of(msg, batch);
  EXPECT_EQ(s.method, SipMethod::Invite);
  EXPECT_EQ(s.method_name, "INVITE");
  EXPECT_EQ(s.status, 0);
  EXPECT_EQ(s.call_id, "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(s.cseq, "314159 INVITE");
  EXPECT_EQ(s.cseq_num, 314159u);
  EXPECT_EQ(s.cseq_method, SipMethod::Invite);
  EXPECT_EQ(s.from_user, "8613800138000");
  EXPECT_EQ(s.from_display, "Alice \\\"A\\\" Liddell");
  EXPECT_EQ(s.from_tag, "1928301774");
  EXPECT_EQ(s.to_user, "8613900139000");   // spaces removed
  EXPECT_EQ(s.to_tag, "");
  EXPECT_EQ(s.ruri_user, "8613900139000");  // dashes removed, ;user=phone ignored
  EXPECT_EQ(s.pai_user, "8613800138000");   // first value, a tel: URI
  EXPECT_EQ(s.user_agent, "GoIP-8 v1.2");
  EXPECT_EQ(s.contact_instance, "urn:gsma:imei:35209900-176148-1");
  EXPECT_EQ(s.imei, "352099001761481");
  EXPECT_EQ(s.via_host, "pc33.atlanta.example.com");
  EXPECT_EQ(s.via_port, 5061);
  EXPECT_EQ(s.content_type, "application/sdp");
  EXPECT_EQ(s.sdp_addr, "192.0.2.101");
  EXPECT_EQ(s.sdp_audio_port, 49172);
  EXPECT_EQ(s.body_text, "");  // not a MESSAGE
  // views that needed no rewriting point into the message itself
  EXPECT_GE(s.call_id.data(), msg.data());
  EXPECT_LT(s.call_id.data(), msg.data() + msg.size());
  EXPECT_GE(s.from_user.data(), msg.data());
  EXPECT_LT(s.from_user.data(), msg.data() + msg.size());
}

std::string diverted_invite(const std::string& diversion_headers) {
  return "INVITE sip:85561234567@ims.example.cn SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 10.255.0.3:5060;branch=z9hG4bKdiv1\r\n"
         "From: <sip:+8695566@ims.example.cn>;tag=b1\r\n"
         "To: <sip:+8613800138000@ims.example.cn>\r\n"
         "Call-ID: div1@10.255.0.3\r\nCSeq: 1 INVITE\r\n" +
         diversion_headers + "Content-Length: 0\r\n\r\n";
}

TEST(SipFields, DivertingUserFromDiversionOrHistoryInfoCause) {
  struct Case {
    const char* why;
    std::string headers;
    const char* user;
  };
  const Case cases[] = {
      {"RFC 5806: the top Diversion entry is the last diverting user",
       "Diversion: <tel:+86-138-0013-8000>;reason=unconditional;counter=1, <sip:8613911112222@x>;reason=user-busy\r\n",
       "8613800138000"},
      {"3GPP TS 24.604: the diverted-to entry carries cause (RFC 4458), here in a second header",
       "History-Info: <sip:+8695566@ims.example.cn>;index=1, <sip:+8613800138000@ims.example.cn>;index=1.1\r\n"
       "History-Info: <sip:85561234567@ims.example.cn;cause=302>;index=1.1.1;mp=1.1\r\n",
       "8613800138000"},
      {"retargeting without a cause is routing; a cause in the escaped Reason header is not the URI's",
       "History-Info: <sip:+8613800138000@ims.example.cn>;index=1, "
       "<sip:+8613800138000@10.1.2.3?Reason=SIP%3Bcause%3D302>;index=1.1\r\n",
       ""},
      {"an entry without a user (the victim's contact address) is passed over",
       "History-Info: <sip:+8613800138000@ims.example.cn>;index=1, <sip:10.1.2.3:5060;ob>;index=1.1, "
       "<sip:85561234567@ims.example.cn;cause=486>;index=1.1.1;mp=1.1\r\n",
       "8613800138000"},
      {"RFC 7044 without a cause: the entry tagged mp was mapped from the diverting entry",
       "History-Info: <sip:+8613800138000@ims.example.cn>;index=1, "
       "<sip:+8613800138000@10.1.2.3?Reason=SIP%3Bcause%3D480>;index=1.1;rc=1, "
       "<sip:85561234567@ims.example.cn?Reason=SIP%3Bcause%3D302>;index=1.2;mp=1\r\n",
       "8613800138000"},
      {"mp naming an entry without a user (a contact address) names no one",
       "History-Info: <sip:10.1.2.3:5060>;index=1, <sip:85561234567@ims.example.cn>;index=1.1;mp=1\r\n", ""},
      {"a cause on the first entry has no diverting user before it",
       "History-Info: <sip:85561234567@ims.example.cn;cause=302>;index=1\r\n", ""},
      {"no diversion headers", "", ""},
  };
  for (const Case& c : cases) {
    EventBatch batch(4, 4096);
    std::string msg = diverted_invite(c.headers);
    EXPECT_EQ(info_of(msg, batch).diversion_user, c.user) << c.why;
  }
}

TEST(SipFields, CellFromPAccessNetworkInfoNetworkProvidedFirst) {
  struct Case {
    const char* why;
    std::string headers;
    const char* cell;
  };
  const Case cases[] = {
      {"E-UTRAN cell of the terminal (TS 24.229 7.2A.4: MCC MNC TAC ECI)",
       "P-Access-Network-Info: 3GPP-E-UTRAN-FDD; utran-cell-id-3gpp=4600012a3b00c1d02\r\n", "4600012A3B00C1D02"},
      {"the P-CSCF's network-provided entry wins over what the terminal wrote, in either order",
       "P-Access-Network-Info: 3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=46000FFFF0000001, "
       "3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=\"46000A1B20000C12\";network-provided\r\n",
       "46000A1B20000C12"},
      {"network-provided in a second header",
       "P-Access-Network-Info: 3GPP-NR-TDD;utran-cell-id-3gpp=460000A1B2C00000ABC1\r\n"
       "p-access-network-info: 3GPP-NR-TDD; network-provided; utran-cell-id-3gpp=460000A1B2C00000ABC2\r\n",
       "460000A1B2C00000ABC2"},
      {"GERAN: cgi-3gpp", "P-Access-Network-Info: 3GPP-GERAN;cgi-3gpp=46000271A0B3C\r\n", "46000271A0B3C"},
      {"an access type without a cell (Wi-Fi calling)", "P-Access-Network-Info: IEEE-802.11\r\n", ""},
      {"no P-Access-Network-Info", "", ""},
  };
  for (const Case& c : cases) {
    EventBatch batch(4, 4096);
    std::string msg = diverted_invite(c.headers);
    EXPECT_EQ(info_of(msg, batch).cell, c.cell) << c.why;
  }
}

TEST(SipFields, ResponseTakesServerAsUserAgentAndIpv6Via) {
  EventBatch batch(4, 4096);
  std::string msg = test::ok_200();
  SipInfo s = info_of(msg, batch);
  EXPECT_EQ(s.method, SipMethod::None);
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.reason, "OK");
  EXPECT_EQ(s.cseq_method, SipMethod::Invite);
  EXPECT_EQ(s.user_agent, "Asterisk PBX 18.0");
  EXPECT_EQ(s.to_tag, "a6c85cf");
  EXPECT_EQ(s.via_host, "2001:db8::9");
  EXPECT_EQ(s.via_port, 5062);
  EXPECT_EQ(s.ruri_user, "");
}

TEST(SipFields, RegisterKeepsNonNumericUsers) {
  EventBatch batch(4, 4096);
  std::string msg = test::register_digest();
  SipInfo s = info_of(msg, batch);
  EXPECT_EQ(s.method, SipMethod::Register);
  EXPECT_EQ(s.from_user, "bob");
  EXPECT_EQ(s.from_display, "Bob");
  EXPECT_EQ(s.to_user, "bob");
  EXPECT_EQ(s.ruri_user, "");  // sips:ss2.biloxi.example.com has no user
  EXPECT_EQ(s.via_host, "client.biloxi.example.com");
}

TEST(SipFields, UriUserHandlesSchemesPasswordsAndParameters) {
  EXPECT_EQ(uri_user("sip:alice@atlanta.com"), "alice");
  EXPECT_EQ(uri_user("SIP:alice:secretword@atlanta.com;transport=tcp"), "alice");
  EXPECT_EQ(uri_user("sips:+1-212-555-1212@gateway.com"), "+1-212-555-1212");
  EXPECT_EQ(uri_user("sip:174100353872899314;phone-context=unknown@vm.example;user=phone"),
            "174100353872899314");
  EXPECT_EQ(uri_user("tel:+358-555-1234567;postd=pp22"), "+358-555-1234567");
  EXPECT_EQ(uri_user("tel:122"), "122");
  EXPECT_EQ(uri_user("sip:atlanta.com"), "");
  EXPECT_EQ(uri_user("urn:service:sos"), "");
  EXPECT_EQ(uri_user("mailto:a@b"), "");
}

TEST(SipFields, NameAddrFormsAreSplit) {
  NameAddr a = parse_name_addr("\"A, B\" <sip:1@h;lr>;tag=x;foo");
  EXPECT_EQ(a.display, "A, B");
  EXPECT_EQ(a.uri, "sip:1@h;lr");
  EXPECT_EQ(param_value(a.params, "tag"), "x");
  EXPECT_EQ(param_value(a.params, "foo"), "");
  NameAddr b = parse_name_addr("Bob Smith <sip:bob@h>");
  EXPECT_EQ(b.display, "Bob Smith");
  EXPECT_EQ(b.uri, "sip:bob@h");
  NameAddr c = parse_name_addr("sip:carol@h;tag=99");  // addr-spec: ;tag is a header param
  EXPECT_EQ(c.display, "");
  EXPECT_EQ(c.uri, "sip:carol@h");
  EXPECT_EQ(param_value(c.params, "TAG"), "99");
  // ';' and '=' inside a quoted value belong to it; an open quote runs to the end
  std::string_view quoted = ";a=\"x;tag=1\";tag = 2 ;b=\"=\";+sip.instance=\"<urn:x;y>\"";
  EXPECT_EQ(param_value(quoted, "a"), "\"x;tag=1\"");
  EXPECT_EQ(param_value(quoted, "tag"), "2");
  EXPECT_EQ(param_value(quoted, "b"), "\"=\"");
  EXPECT_EQ(param_value(quoted, "+sip.instance"), "\"<urn:x;y>\"");
  EXPECT_EQ(param_value(";a=\"open;tag=3", "tag"), "");
  EXPECT_EQ(param_value(";a=\"open;tag=3", "a"), "\"open;tag=3");
  EXPECT_EQ(param_value(";lr;tag", "tag"), "");
  NameAddr d = parse_name_addr("\"unterminated <sip:x@h>");
  EXPECT_EQ(d.uri, "");
  // '<' never closed (ntop/nDPI fuzz-2006-06-26-2594.pcap frame 20): no URI
  NameAddr e = parse_name_addr("<sip:voi18063@sip.cybercity.dk.;tag=00-04092");
  EXPECT_EQ(e.uri, "");
  EXPECT_EQ(uri_user(e.uri), "");
}

TEST(SipFields, PhoneNumbersLoseSeparatorsOthersStayAsTheyAre) {
  EventBatch batch(1, 256);
  EXPECT_EQ(normalize_user("+8613800138000", batch), "8613800138000");
  EXPECT_EQ(normalize_user("+1 (212) 555-1212", batch), "12125551212");
  EXPECT_EQ(normalize_user("0049.30.1234", batch), "0049301234");
  EXPECT_EQ(normalize_user("alice", batch), "alice");
  EXPECT_EQ(normalize_user("100abc", batch), "100abc");
  EXPECT_EQ(normalize_user("*100#", batch), "*100#");
  EXPECT_EQ(normalize_user("+", batch), "+");
  EXPECT_EQ(normalize_user("", batch), "");
  EXPECT_EQ(normalize_user("++49+30", batch), "4930");  // '+' after the first digit separates
  EXPECT_FALSE(is_phone_number("---"));
}

// RFC 3966 5.1.5: a local number with a global-number-digits phone-context
// is that prefix and the number. The PAI of corpus
// sipcapture__heplify/sip_sctp.pcap carries tel:9171969136;phone-context=+7.
TEST(SipFields, ALocalNumberWithAGlobalPhoneContextIsInItsGlobalForm) {
  EventBatch batch(1, 1024);
  EXPECT_EQ(uri_number("tel:9171969136;phone-context=+7", batch), "79171969136");
  EXPECT_EQ(uri_number("sip:9171969136;phone-context=+7@ims.example.ru;user=phone", batch), "79171969136");
  EXPECT_EQ(uri_number("tel:138-0013-8000;phone-context=+86", batch), "8613800138000");
  EXPECT_EQ(uri_number("tel:13800138000;isub=12;phone-context=+86-", batch), "8613800138000");
  EXPECT_EQ(phone_context("tel:13800138000;isub=12;phone-context=+86"), "+86");
  // a domain context (IMS home network), "unknown", a global number, a name: as sent
  EXPECT_EQ(uri_number("tel:15607216666;phone-context=ims.mnc001.mcc001.3gppnetwork.org", batch), "15607216666");
  EXPECT_EQ(uri_number("sip:174100353872899314;phone-context=unknown@VM02.SIP.THREE.IE;user=phone", batch),
            "174100353872899314");
  EXPECT_EQ(uri_number("tel:+8613800138000;phone-context=+86", batch), "8613800138000");
  EXPECT_EQ(uri_number("sip:alice;phone-context=+86@example.com", batch), "alice");
  EXPECT_EQ(uri_number("tel:13800138000;phone-context=+", batch), "13800138000");
  EXPECT_EQ(uri_number("tel:13800138000;phone-context=+8+6", batch), "13800138000");
  // the context of the host's parameters is not the user's
  EXPECT_EQ(uri_number("sip:13800138000@example.com;phone-context=+86", batch), "13800138000");
  EXPECT_EQ(uri_number("sip:13800138000@example.com", batch), "13800138000");
  EXPECT_EQ(uri_number("", batch), "");
  EXPECT_EQ(batch.arena_overflows(), 0u);

  std::string msg =
      "INVITE sip:9275890000;phone-context=+7@ims.example.ru;user=phone SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bKpc\r\n"
      "From: <tel:9171969136;phone-context=+7>;tag=p1\r\n"
      "To: <sip:9275890000;phone-context=+7@ims.example.ru;user=phone>\r\n"
      "Call-ID: pc-1\r\nCSeq: 1 INVITE\r\n"
      "P-Asserted-Identity: <tel:9171969136;phone-context=+7>\r\n"
      "History-Info: <sip:9275890000;phone-context=+7@ims.example.ru;user=phone>;index=1,"
      "<sip:9275890001@ims.example.ru;cause=302>;index=1.1\r\n"
      "Content-Length: 0\r\n\r\n";
  EventBatch b2(4, 4096);
  SipInfo s = info_of(msg, b2);
  EXPECT_EQ(s.ruri_user, "79275890000");
  EXPECT_EQ(s.from_user, "79171969136");
  EXPECT_EQ(s.to_user, "79275890000");
  EXPECT_EQ(s.pai_user, "79171969136");
  EXPECT_EQ(s.diversion_user, "79275890000");
}

// RFC 2046 5.1.1: delimiters at the start of a line, a preamble and transport
// padding skipped, the CRLF before a delimiter belonging to it, compact and
// long Content-Type names; a part without its closing delimiter is not given.
TEST(SipFields, MultipartBodiesAreSplitIntoTheirParts) {
  using namespace std::literals;
  std::vector<std::pair<std::string, std::string>> got;
  auto collect = [&](std::string_view t, std::string_view b) { got.emplace_back(t, b); };
  for_each_part("preamble\r\n--xy \r\nContent-Type: application/sdp\r\n\r\nv=0\r\n\r\n"
                "--xy\r\nc: Application/ISUP ; version=itu-t92+\r\nContent-Disposition: signal\r\n\r\n"
                "\x01\x00--xy-not\r\n--xy--\r\nepilogue"sv,  // sv: the body holds a NUL
                "xy", collect);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (std::pair<std::string, std::string>{"application/sdp", "v=0\r\n"}));
  EXPECT_EQ(got[1].first, "Application/ISUP");
  EXPECT_EQ(got[1].second, std::string("\x01\x00--xy-not", 10));  // a boundary inside a line is data
  got.clear();
  for_each_part("--xy\r\nContent-Type: text/plain\r\n\r\nno end", "xy", collect);
  EXPECT_TRUE(got.empty());
  for_each_part("--xy\nContent-Type: text/plain\n\nLF only\n--xy--", "xy", collect);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, "LF only");
}

TEST(SipFields, FullArenaKeepsTheRawUser) {
  EventBatch batch(1, 4);
  EXPECT_EQ(normalize_user("+1-212-555-1212", batch), "+1-212-555-1212");
  EXPECT_GT(batch.arena_overflows(), 0u);
}

TEST(SipFields, TelRequestUriAndCompactFormsFillTheEvent) {
  EventBatch batch(4, 4096);
  std::string msg =
      "INVITE tel:+1-212-555-0101;phone-context=example.com SIP/2.0\r\n"
      "v: SIP/2.0/TCP 198.51.100.7 ;branch=z9hG4bKx\r\n"
      "f: \"Mallory\" <tel:+44 20 7946 0000>;tag=m1\r\n"
      "t: <tel:+1-212-555-0101>\r\n"
      "i: tel-call-1\r\n"
      "CSeq: 1 INVITE\r\n"
      "l: 0\r\n\r\n";
  SipInfo s = info_of(msg, batch);
  EXPECT_EQ(s.ruri_user, "12125550101");
  EXPECT_EQ(s.from_user, "442079460000");
  EXPECT_EQ(s.from_display, "Mallory");
  EXPECT_EQ(s.from_tag, "m1");
  EXPECT_EQ(s.to_user, "12125550101");
  EXPECT_EQ(s.call_id, "tel-call-1");
  EXPECT_EQ(s.via_host, "198.51.100.7");
  EXPECT_EQ(s.via_port, 0);
}

TEST(SipFields, MessageWithChineseTextKeepsTheUtf8Body) {
  // "你好，验证码 123456" in UTF-8
  std::string text = "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe9\xaa\x8c\xe8\xaf\x81\xe7\xa0\x81 123456";
  std::string msg =
      "MESSAGE sip:+8613900139000@ims.example.cn SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKm\r\n"
      "From: <sip:+8613800138000@ims.example.cn>;tag=s1\r\n"
      "To: <sip:+8613900139000@ims.example.cn>\r\n"
      "Call-ID: sms-1\r\n"
      "CSeq: 1 MESSAGE\r\n"
      "Content-Type: text/plain;charset=UTF-8\r\n"
      "Content-Length: " + std::to_string(text.size()) + "\r\n\r\n" + text;
  EventBatch batch(4, 4096);
  SipInfo s = info_of(msg, batch);
  EXPECT_EQ(s.method, SipMethod::Message);
  EXPECT_EQ(s.content_type, "text/plain");
  EXPECT_EQ(s.body_text, text);
}

TEST(SipFields, FoldedCallIdIsUnfoldedIntoTheArena) {
  EventBatch batch(4, 4096);
  std::string msg =
      "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: part-one\r\n\tpart-two\r\nUser-Agent: A\r\n B\r\n\r\n";
  SipInfo s = info_of(msg, batch);
  EXPECT_EQ(s.call_id, "part-one part-two");
  EXPECT_EQ(s.user_agent, "A B");
}

TEST(SipFields, InstanceWithoutImeiHasNoImei) {
  EventBatch batch(4, 4096);
  std::string msg =
      "REGISTER sip:ims.example SIP/2.0\r\n"
      "Contact: <sip:u@h>;expires=0, <sip:v@h>;+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765>\"\r\n"
      "\r\n";
  SipInfo s = info_of(msg, batch);
  EXPECT_EQ(s.contact_instance, "urn:uuid:f81d4fae-7dec-11d0-a765");
  EXPECT_EQ(s.imei, "");
}

TEST(SipFields, SdpTakesFirstConnectionAndAudioPort) {
  SdpSummary s = scan_sdp("v=0\r\nc=IN IP6 2001:db8::1/127\r\nm=video 5000 RTP/AVP 31\r\n"
                          "m=audio 7078 RTP/AVP 8\r\nc=IN IP4 192.0.2.9\r\n");
  EXPECT_EQ(s.addr, "2001:db8::1");
  EXPECT_EQ(s.audio_port, 7078);
  SdpSummary bad = scan_sdp("c=IN\r\nm=audio 99999 RTP/AVP 0\r\n");
  EXPECT_EQ(bad.addr, "");
  EXPECT_EQ(bad.audio_port, 0);
}

TEST(SipFields, MethodNamesAreCaseSensitive) {
  EXPECT_EQ(method_from_name("INVITE"), SipMethod::Invite);
  EXPECT_EQ(method_from_name("PUBLISH"), SipMethod::Publish);
  EXPECT_EQ(method_from_name("invite"), SipMethod::Other);
  EXPECT_EQ(method_from_name("FOO"), SipMethod::Other);
}

}  // namespace
}  // namespace sigprobe::sip
