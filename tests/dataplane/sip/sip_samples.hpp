// SIP messages shared by the SIP unit tests. Written for these tests after the
// examples of RFC 3261 section 24.2 (INVITE/200/ACK/BYE flow), RFC 3665
// section 2.1 (REGISTER with digest) and RFC 4475 (torture cases), with the
// users changed to telephone numbers so the digit normalization is exercised.
#pragma once
#include <string>
#include <string_view>

namespace sigprobe::sip::test {

// INVITE with SDP, after RFC 3261 24.2 F1 (Alice -> Bob), numbers as users.
inline std::string invite_with_sdp() {
  std::string sdp =
      "v=0\r\n"
      "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
      "s=-\r\n"
      "c=IN IP4 192.0.2.101\r\n"
      "t=0 0\r\n"
      "m=audio 49172 RTP/AVP 0\r\n"
      "a=rtpmap:0 PCMU/8000\r\n";
  std::string m =
      "INVITE sip:+86-139-0013-9000@biloxi.example.com;user=phone SIP/2.0\r\n"
      "Via: SIP/2.0/UDP pc33.atlanta.example.com:5061;branch=z9hG4bK776asdhds\r\n"
      "Max-Forwards: 70\r\n"
      "To: Bob <sip:+86 139 0013 9000@biloxi.example.com>\r\n"
      "From: \"Alice \\\"A\\\" Liddell\" <sip:+8613800138000@atlanta.example.com>;tag=1928301774\r\n"
      "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
      "CSeq: 314159 INVITE\r\n"
      "Contact: <sip:8613800138000@192.0.2.101>;+sip.instance=\"<urn:gsma:imei:35209900-176148-1>\"\r\n"
      "P-Asserted-Identity: <tel:+86-138-0013-8000>, <sip:+8613800138000@atlanta.example.com>\r\n"
      "User-Agent: GoIP-8 v1.2\r\n"
      "Content-Type: application/sdp\r\n"
      "Content-Length: " + std::to_string(sdp.size()) + "\r\n"
      "\r\n" + sdp;
  return m;
}

// 200 OK answering it, after RFC 3261 24.2 F9.
inline std::string ok_200() {
  return "SIP/2.0 200 OK\r\n"
         "Via: SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bK776asdhds;received=192.0.2.101\r\n"
         "To: Bob <sip:+8613900139000@biloxi.example.com>;tag=a6c85cf\r\n"
         "From: <sip:+8613800138000@atlanta.example.com>;tag=1928301774\r\n"
         "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
         "CSeq: 314159 INVITE\r\n"
         "Contact: <sip:bob@192.0.2.4>\r\n"
         "User-Agent: not-the-server\r\n"
         "Server: Asterisk PBX 18.0\r\n"
         "Content-Length: 0\r\n"
         "\r\n";
}

// REGISTER carrying a digest response, after RFC 3665 2.1 F3.
inline std::string register_digest() {
  return "REGISTER sips:ss2.biloxi.example.com SIP/2.0\r\n"
         "Via: SIP/2.0/TLS client.biloxi.example.com:5061;branch=z9hG4bKnashd92\r\n"
         "Max-Forwards: 70\r\n"
         "From: Bob <sips:bob@biloxi.example.com>;tag=ja743ks76zlflH\r\n"
         "To: Bob <sips:bob@biloxi.example.com>\r\n"
         "Call-ID: 1j9FpLxk3uxtm8tn@biloxi.example.com\r\n"
         "CSeq: 2 REGISTER\r\n"
         "Contact: <sips:bob@client.biloxi.example.com>\r\n"
         "Authorization: Digest username=\"bob\", realm=\"atlanta.example.com\",\r\n"
         "  nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", opaque=\"\",\r\n"
         "  uri=\"sips:ss2.biloxi.example.com\",\r\n"
         "  response=\"dfe56131d1958046689d83306477ecc\"\r\n"
         "Content-Length: 0\r\n"
         "\r\n";
}

}  // namespace sigprobe::sip::test
