#include "dataplane/sip/sip_parser.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/dataplane/sip/sip_samples.hpp"

namespace sigprobe::sip {
namespace {

using namespace std::literals;

TEST(SipParser, ParsesRequestLineHeadersAndBody) {
  std::string msg = test::invite_with_sdp();
  AnomalySet a;
  auto m = parse_sip(msg, a);
  ASSERT_TRUE(m);
  EXPECT_TRUE(a.empty());
  EXPECT_TRUE(m->is_request);
  EXPECT_EQ(m->method, "INVITE");
  EXPECT_EQ(m->ruri, "sip:+86-139-0013-9000@biloxi.example.com;user=phone");
  EXPECT_EQ(m->version, "SIP/2.0");
  EXPECT_EQ(m->header_count, 11);
  ASSERT_TRUE(m->first(HeaderId::CallId));
  EXPECT_EQ(m->first(HeaderId::CallId)->value, "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(m->first(HeaderId::MaxForwards)->value, "70");
  ASSERT_TRUE(m->content_length);
  EXPECT_EQ(m->body.size(), *m->content_length);
  EXPECT_TRUE(m->body.starts_with("v=0\r\n"));
  EXPECT_EQ(m->length, msg.size());
  EXPECT_EQ(m->first(HeaderId::Subject), nullptr);
}

TEST(SipParser, ParsesStatusLine) {
  std::string msg = test::ok_200();
  AnomalySet a;
  auto m = parse_sip(msg, a);
  ASSERT_TRUE(m);
  EXPECT_TRUE(a.empty());
  EXPECT_FALSE(m->is_request);
  EXPECT_EQ(m->status, 200);
  EXPECT_EQ(m->reason, "OK");
  EXPECT_TRUE(m->body.empty());
  EXPECT_EQ(m->length, msg.size());
}

TEST(SipParser, ReasonPhraseMayHaveSpacesOrBeEmpty) {
  AnomalySet a;
  auto m = parse_sip("SIP/2.0 183 Session Progress\r\n\r\n", a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->reason, "Session Progress");
  auto e = parse_sip("SIP/2.0 486\r\n\r\n", a);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 486);
  EXPECT_EQ(e->reason, "");
}

TEST(SipParser, CompactFormsMapToTheirLongHeaders) {
  struct Case {
    const char* name;
    HeaderId id;
  };
  const Case cases[] = {
      {"i", HeaderId::CallId},        {"f", HeaderId::From},
      {"t", HeaderId::To},            {"v", HeaderId::Via},
      {"m", HeaderId::Contact},       {"l", HeaderId::ContentLength},
      {"c", HeaderId::ContentType},   {"k", HeaderId::Supported},
      {"s", HeaderId::Subject},       {"e", HeaderId::ContentEncoding},
      {"o", HeaderId::Event},         {"r", HeaderId::ReferTo},
      {"b", HeaderId::ReferredBy},    {"x", HeaderId::SessionExpires},
      {"u", HeaderId::AllowEvents},   {"y", HeaderId::Identity},
      {"I", HeaderId::CallId},        {"L", HeaderId::ContentLength},
  };
  for (const Case& c : cases) EXPECT_EQ(header_id(c.name), c.id) << c.name;
  EXPECT_EQ(header_id("z"), HeaderId::Other);
  EXPECT_EQ(header_id("X-Custom"), HeaderId::Other);
  EXPECT_EQ(header_id(""), HeaderId::Other);
}

TEST(SipParser, HeaderNamesAreCaseInsensitive) {
  EXPECT_EQ(header_id("Content-Length"), HeaderId::ContentLength);
  EXPECT_EQ(header_id("content-length"), HeaderId::ContentLength);
  EXPECT_EQ(header_id("CONTENT-LENGTH"), HeaderId::ContentLength);
  EXPECT_EQ(header_id("cALL-iD"), HeaderId::CallId);
  EXPECT_EQ(header_id("P-ASSERTED-IDENTITY"), HeaderId::PAssertedIdentity);
  EXPECT_EQ(header_id("WWW-Authenticate"), HeaderId::WwwAuthenticate);
  // case folding must not alias other bytes: CR | 0x20 is '-'
  EXPECT_EQ(header_id("Call\rID"), HeaderId::Other);
}

// The name compare reads 8 or 4 bytes at a time with an overlapping last
// word: one wrong byte anywhere, of a name of any length, is no match.
TEST(SipParser, HeaderNameDifferingInAnyOneByteIsNotKnown) {
  for (std::string_view known : {"v", "to", "via", "cseq", "route", "contact", "call-id",
                                 "max-forwards", "content-length", "p-asserted-identity",
                                 "p-preferred-identity"}) {
    ASSERT_NE(header_id(known), HeaderId::Other) << known;
    for (size_t i = 0; i < known.size(); ++i) {
      std::string changed(known);
      changed[i] = changed[i] == 'x' ? 'y' : 'x';
      HeaderId id = header_id(changed);
      EXPECT_NE(id, header_id(known)) << changed;
    }
  }
}

// The header name is read 16 bytes at a time for letters, digits and '-',
// then byte by byte: every byte value at every place of a 20-byte name (both
// sides of the 16-byte block) must end the name exactly where the RFC 3261
// token grammar ends it. Messages written for this test.
TEST(SipParser, HeaderNameEndsAtTheFirstNonTokenByteAtEveryPlace) {
  auto token = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-.!%*_+`'~").find(c) != std::string_view::npos;
  };
  const std::string base_name = "aBcdefgh-JKLMnop0q9z";  // 20 token bytes
  for (int b = 0; b < 256; ++b) {
    const char c = char(b);
    if (c == '\r' || c == '\n') continue;  // those end the line, not the name
    for (size_t k = 0; k < base_name.size(); ++k) {
      std::string name = base_name;
      name[k] = c;
      std::string msg = "OPTIONS sip:a@b SIP/2.0\r\n" + name + ": v\r\n\r\n";
      AnomalySet a;
      auto m = parse_sip(msg, a);
      ASSERT_TRUE(m);
      std::string where = "byte " + std::to_string(b) + " at " + std::to_string(k);
      if (token(c)) {
        ASSERT_EQ(m->header_count, 1u) << where;
        EXPECT_EQ(m->headers[0].name, name) << where;
      } else if (k > 0 && (c == ':' || ((c == ' ' || c == '\t') && k + 1 == name.size()))) {
        // the name ends there ("name:" or "name :"), the rest is the value
        ASSERT_EQ(m->header_count, 1u) << where;
        EXPECT_EQ(m->headers[0].name, name.substr(0, k)) << where;
      } else {  // white space or another byte inside the name: no colon after the token
        EXPECT_EQ(m->header_count, 0u) << where;
        EXPECT_TRUE(a.has(Anomaly::SipHeaderLineInvalid)) << where;
      }
    }
  }
}

// After RFC 4475 3.1.1.1 (wsinv): compact forms and odd spacing.
TEST(SipParser, CompactHeadersInAMessage) {
  std::string msg =
      "OPTIONS sip:100@example.com SIP/2.0\r\n"
      "v: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKkdjuw\r\n"
      "f: <sip:200@example.com>;tag=88sja8x\r\n"
      "t : <sip:100@example.com>\r\n"
      "i:   cmp-1@192.0.2.2\r\n"
      "CSEQ: 8 OPTIONS\r\n"
      "l: 4\r\n"
      "\r\n"
      "abcdEXTRA";
  AnomalySet a;
  auto m = parse_sip(msg, a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->first(HeaderId::CallId)->value, "cmp-1@192.0.2.2");
  EXPECT_EQ(m->first(HeaderId::To)->name, "t");
  EXPECT_EQ(m->first(HeaderId::CSeq)->value, "8 OPTIONS");
  EXPECT_EQ(m->body, "abcd");
  EXPECT_TRUE(a.has(Anomaly::SipBodyTrailingBytes));
}

TEST(SipParser, FoldedHeaderIsOneValue) {
  std::string msg = test::register_digest();
  AnomalySet a;
  auto m = parse_sip(msg, a);
  ASSERT_TRUE(m);
  EXPECT_TRUE(a.empty());
  const SipHeader* h = m->first(HeaderId::Authorization);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->folded);
  EXPECT_TRUE(h->value.starts_with("Digest username=\"bob\""));
  EXPECT_TRUE(h->value.ends_with("response=\"dfe56131d1958046689d83306477ecc\""));
  std::string buf(h->value.size(), '\0');
  std::string_view flat = unfold(h->value, buf.data());
  EXPECT_EQ(flat.find('\r'), std::string_view::npos);
  EXPECT_NE(flat.find("realm=\"atlanta.example.com\", nonce="), std::string_view::npos);
  EXPECT_EQ(m->first(HeaderId::ContentLength)->value, "0");
}

TEST(SipParser, MultipleValuesOnOneLineAndOnSeveralLines) {
  std::string msg =
      "BYE sip:1001@192.0.2.9 SIP/2.0\r\n"
      "Via: SIP/2.0/UDP proxy1.example.com;branch=z9hG4bK1, SIP/2.0/UDP \"x,y\"@h;branch=z9hG4bK2\r\n"
      "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK3\r\n"
      "From: <sip:1000@example.com>;tag=a\r\n"
      "To: <sip:1001@example.com>;tag=b\r\n"
      "Call-ID: multi@example.com\r\n"
      "CSeq: 2 BYE\r\n"
      "Content-Length: 0\r\n"
      "\r\n";
  AnomalySet a;
  auto m = parse_sip(msg, a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->count(HeaderId::Via), 2u);
  std::vector<std::string_view> values;
  for (const SipHeader* h = m->first(HeaderId::Via); h; h = m->next(*h)) {
    ValueSplitter s(h->value);
    std::string_view v;
    while (s.next(v)) values.push_back(v);
  }
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0], "SIP/2.0/UDP proxy1.example.com;branch=z9hG4bK1");
  EXPECT_EQ(values[1], "SIP/2.0/UDP \"x,y\"@h;branch=z9hG4bK2");
  EXPECT_EQ(values[2], "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK3");
}

// Found by fuzz_sip (UBSan: memchr on the null data() of an empty view).
TEST(SipParser, ValueSplitterOnAnEmptyValueYieldsNothing) {
  ValueSplitter s{std::string_view{}};
  std::string_view v;
  EXPECT_FALSE(s.next(v));
  ValueSplitter blanks{" , ,"};
  EXPECT_FALSE(blanks.next(v));
}

TEST(SipParser, AcceptsBareLineFeeds) {
  AnomalySet a;
  auto m = parse_sip(
      "NOTIFY sip:1@h SIP/2.0\nVia: SIP/2.0/UDP h\nFrom: <sip:2@h>;tag=1\nTo: <sip:1@h>\n"
      "Call-ID: lf\nCSeq: 1 NOTIFY\nContent-Length: 2\n\nok",
      a);
  ASSERT_TRUE(m);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(m->first(HeaderId::CallId)->value, "lf");
  EXPECT_EQ(m->body, "ok");
}

TEST(SipParser, RejectsMalformedStartLines) {
  const std::string_view bad[] = {
      "",
      "\r\n",
      "HTTP/1.1 200 OK\r\n\r\n",
      "INVITE\r\n\r\n",
      "INVITE sip:a@b\r\n\r\n",
      "INVITE sip:a@b HTTP/1.1\r\n\r\n",
      "INV(TE sip:a@b SIP/2.0\r\n\r\n",
      " INVITE sip:a@b SIP/2.0\r\n\r\n",
      "SIP/2.0\r\n\r\n",
      "SIP/2.0 2x0 OK\r\n\r\n",
      "SIP/2.0 20 OK\r\n\r\n",
      "SIP/2.0 2000 OK\r\n\r\n",
      "SIP/2.0 40  Request Timeout\r\n\r\n",        // after ntop/nDPI fuzz-2006-06-26-2594.pcap frame 274
      "SIP/2.0 401 Unauthori%s\0\r\nCall-ID: x\r\n\r\n"sv,  // NUL in the line, same file frame 108
  };
  for (std::string_view s : bad) {
    AnomalySet a;
    EXPECT_FALSE(parse_sip(s, a)) << s;
    EXPECT_FALSE(a.empty()) << s;
  }
  AnomalySet a;
  EXPECT_FALSE(parse_sip("SIP/2.0 abc Bad\r\n", a));
  EXPECT_TRUE(a.has(Anomaly::SipStatusCodeInvalid));
  AnomalySet b;
  EXPECT_FALSE(parse_sip("GET / HTTP/1.1\r\n", b));
  EXPECT_TRUE(b.has(Anomaly::SipStartLineInvalid));
}

// After ntop/nDPI fuzz-2006-06-26-2594.pcap frames 247 and 266, where a CR is
// not followed by LF: the line ends there, as tshark reads it.
TEST(SipParser, LoneCarriageReturnEndsALine) {
  std::string msg =
      "CANCEL sip:97239287044@voip.example.net SIP/2.0\r7Via: SIP/2.0/UDP 192.0.2.2\r\n"
      "CSeq: 1 CANCEL\r\x0b""Content-Length: 0\r\n\r\n";
  AnomalySet a;
  auto m = parse_sip(msg, a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->method, "CANCEL");
  EXPECT_EQ(m->ruri, "sip:97239287044@voip.example.net");
  EXPECT_EQ(m->first(HeaderId::CSeq)->value, "1 CANCEL");
  EXPECT_TRUE(a.has(Anomaly::SipHeaderLineInvalid));  // "7Via:" and "\x0bContent-Length:"
  EXPECT_TRUE(m->headers_complete);
}

TEST(SipParser, CountsOddVersionAndStatusButKeepsTheMessage) {
  AnomalySet a;
  auto m = parse_sip("SIP/3.0 799 Odd\r\n\r\n", a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 799);
  EXPECT_TRUE(a.has(Anomaly::SipVersionInvalid));
  EXPECT_TRUE(a.has(Anomaly::SipStatusCodeInvalid));
}

TEST(SipParser, EveryTruncationOfAValidMessageIsHandled) {
  for (const std::string& msg : {test::invite_with_sdp(), test::ok_200(), test::register_digest()}) {
    for (size_t n = 0; n < msg.size(); ++n) {
      std::string cut = msg.substr(0, n);  // own buffer so ASan sees over-reads
      AnomalySet a;
      auto m = parse_sip(cut, a);
      if (m) {
        EXPECT_LE(m->length, n);
        EXPECT_LE(m->body.size(), n);
        // a prefix is never a complete message with its whole body
        EXPECT_FALSE(a.empty()) << "length " << n;
      }
    }
  }
}

TEST(SipParser, CountsEachMissingMandatoryHeader) {
  AnomalySet a;
  auto m = parse_sip("OPTIONS sip:a@b SIP/2.0\r\nMax-Forwards: 70\r\n\r\n", a);
  ASSERT_TRUE(m);
  EXPECT_TRUE(a.has(Anomaly::SipMissingCallId));
  EXPECT_TRUE(a.has(Anomaly::SipMissingCseq));
  EXPECT_TRUE(a.has(Anomaly::SipMissingFrom));
  EXPECT_TRUE(a.has(Anomaly::SipMissingTo));
  EXPECT_TRUE(a.has(Anomaly::SipMissingVia));
  std::string msg = test::ok_200();
  AnomalySet none;
  ASSERT_TRUE(parse_sip(msg, none));
  EXPECT_FALSE(none.has(Anomaly::SipMissingVia));
}

TEST(SipParser, CseqMustBeNumberAndTheRequestMethod) {
  std::string base =
      "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:x@h>;tag=1\r\nTo: <sip:a@b>\r\n"
      "Call-ID: c\r\n";
  AnomalySet a;
  ASSERT_TRUE(parse_sip(base + "CSeq: 1 BYE\r\n\r\n", a));
  EXPECT_TRUE(a.has(Anomaly::SipCseqInvalid));
  AnomalySet b;
  ASSERT_TRUE(parse_sip(base + "CSeq: one INVITE\r\n\r\n", b));
  EXPECT_TRUE(b.has(Anomaly::SipCseqInvalid));
  AnomalySet c;
  ASSERT_TRUE(parse_sip(base + "CSeq: 1 INVITE\r\n\r\n", c));
  EXPECT_TRUE(c.empty());
}

TEST(SipParser, BadContentLengthIsCountedAndTheBodyIsTheRest) {
  std::string head =
      "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:x@h>;tag=1\r\nTo: <sip:a@b>\r\n"
      "Call-ID: c\r\nCSeq: 1 MESSAGE\r\n";
  struct Case {
    const char* length_lines;
    Anomaly expected;
  };
  const Case cases[] = {
      {"Content-Length: 1x\r\n", Anomaly::SipContentLengthInvalid},
      {"Content-Length: 50\r\n", Anomaly::SipBodyTruncated},
      {"Content-Length: 5\r\nl: 3\r\n", Anomaly::SipContentLengthConflict},
      {"Content-Length: 99999999999999\r\n", Anomaly::SipContentLengthInvalid},
      {"Content-Length: -5\r\n", Anomaly::SipContentLengthInvalid},
  };
  for (const Case& c : cases) {
    std::string msg = head + c.length_lines + "\r\nhello";
    AnomalySet a;
    auto m = parse_sip(msg, a);
    ASSERT_TRUE(m) << c.length_lines;
    EXPECT_TRUE(a.has(c.expected)) << c.length_lines;
    EXPECT_EQ(m->body, "hello") << c.length_lines;
  }
}

TEST(SipParser, StreamBodyIsExactlyContentLength) {
  std::string two = test::ok_200() + test::ok_200();
  AnomalySet a;
  auto m = parse_sip(two, a, SipTransportKind::Stream);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->length, test::ok_200().size());
  EXPECT_FALSE(a.has(Anomaly::SipBodyTrailingBytes));
}

TEST(SipParser, HeaderLineWithoutColonIsCountedAndSkipped) {
  AnomalySet a;
  auto m = parse_sip(
      "OPTIONS sip:a@b SIP/2.0\r\nthis is not a header\r\n Call-ID: orphan-continuation\r\n"
      "Call-ID: x\r\n\r\n",
      a);
  ASSERT_TRUE(m);
  EXPECT_TRUE(a.has(Anomaly::SipHeaderLineInvalid));
  EXPECT_EQ(m->first(HeaderId::CallId)->value, "x");
}

TEST(SipParser, HeaderIndexIsBoundedAndOverflowCounted) {
  std::string msg = "OPTIONS sip:a@b SIP/2.0\r\n";
  for (int i = 0; i < 200; ++i) msg += "X-Pad-" + std::to_string(i) + ": v\r\n";
  msg += "Call-ID: late\r\n\r\n";
  AnomalySet a;
  auto m = parse_sip(msg, a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->header_count, SipMessage::kMaxHeaders);
  EXPECT_TRUE(a.has(Anomaly::SipTooManyHeaders));
  EXPECT_TRUE(m->headers_complete);
}

TEST(SipParser, NulInHeadersIsCounted) {
  std::string msg = "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: a";
  msg += '\0';
  msg += "b\r\n\r\n";
  AnomalySet a;
  ASSERT_TRUE(parse_sip(msg, a));
  EXPECT_TRUE(a.has(Anomaly::SipNulInHeaders));
}

TEST(SipParser, AnomalySetKeepsAtMostItsCapacity) {
  AnomalySet a;
  for (size_t i = 0; i < AnomalySet::kMax + 5; ++i) a.add(Anomaly::SipHeaderLineInvalid);
  EXPECT_EQ(a.size(), AnomalySet::kMax);
}

// find_char and find_any read 16 bytes at a time and the last 16 again: every length
// around those blocks, every start and every place of the byte (or none)
// must give what string_view::find gives. The views end where the buffer
// has more bytes of the searched value, so a read past the view's end
// would find them.
TEST(SipParser, FindCharAndFindAnyAgreeWithFindAtEveryLengthStartAndPlace) {
  const std::string buf(80, ';');
  for (size_t n = 0; n <= 48; ++n) {
    std::string text(n, 'x');
    text += buf;  // ';' right after the view
    for (size_t hit = 0; hit <= n; ++hit) {  // hit == n: none in the view
      std::string t = text;
      if (hit < n) t[hit] = ';';
      std::string_view v(t.data(), n);
      for (size_t from = 0; from <= n + 1; ++from) {
        ASSERT_EQ(find_char(v, ';', from), v.find(';', from)) << "n=" << n << " hit=" << hit << " from=" << from;
        ASSERT_EQ((find_any<',', ';'>(v, from)), v.find_first_of(",;", from)) << "n=" << n << " hit=" << hit;
        ASSERT_EQ((find_any<',', ':'>(v, from)), v.find_first_of(",:", from)) << "n=" << n << " hit=" << hit;
      }
    }
  }
  EXPECT_EQ(find_char({}, ';'), std::string_view::npos);
}

// The same against random views of bytes chosen near the searched ones (';'
// and ':' differ in one bit, as do ',' and '-'; NUL and 0x80/0xFF probe the
// word-wise test's carries), with several hits or none, at every start.
TEST(SipParser, FindCharAndFindAnyAgreeWithFindOnAdjacentBytes) {
  const char kBytes[] = {';', ':', ',', '-', '\0', '\x01', '\x80', '\xFF', 'x', ' '};
  std::mt19937 rnd(5);
  for (int round = 0; round < 4000; ++round) {
    const size_t n = rnd() % 40;
    std::string t(n + 16, ';');  // more hits right after the view
    for (size_t k = 0; k < n; ++k) t[k] = kBytes[rnd() % (round % 3 == 0 ? 10 : 4)];
    const std::string_view v(t.data(), n);
    for (size_t from = 0; from <= n + 1; ++from) {
      ASSERT_EQ(find_char(v, ';', from), v.find(';', from)) << round << " n=" << n << " from=" << from;
      ASSERT_EQ(find_char(v, '\0', from), v.find('\0', from)) << round << " n=" << n << " from=" << from;
      ASSERT_EQ((find_any<',', ';'>(v, from)), v.find_first_of(",;", from)) << round << " n=" << n;
      ASSERT_EQ((find_any<':', ';', ' ', '\t'>(v, from)), v.find_first_of(std::string_view(":; \t", 4), from))
          << round << " n=" << n << " from=" << from;
    }
  }
}

}  // namespace
}  // namespace sigprobe::sip
