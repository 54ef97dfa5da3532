// SIP message parser: start line, header index, body. See sip_parser.hpp.
#include "dataplane/sip/sip_parser.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sigprobe::sip {
namespace {


constexpr bool is_ws(char c) { return c == ' ' || c == '\t'; }

// RFC 3261 25.1 token characters, as a table (one load per character).
constexpr std::array<bool, 256> make_token_table() {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[size_t(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[size_t(c)] = true;
  for (int c = '0'; c <= '9'; ++c) t[size_t(c)] = true;
  for (char c : std::string_view{"-.!%*_+`'~"}) t[size_t(uint8_t(c))] = true;
  return t;
}
constexpr std::array<bool, 256> kTokenChar = make_token_table();

constexpr bool is_token_char(char c) { return kTokenChar[uint8_t(c)]; }

bool all_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_token_char(c)) return false;
  return true;
}

struct NameEntry {
  std::string_view name;  // lower case
  HeaderId id;
};

// Long names and compact forms, lower case. Compact forms: RFC 3261 7.3.3
// (i f t v m l c k s e), RFC 6665 (o u), RFC 3515 (r), RFC 3892 (b),
// RFC 4028 (x), RFC 8224 (y), RFC 3841 (a j d).
constexpr NameEntry kNames[] = {
    {"i", HeaderId::CallId}, {"f", HeaderId::From}, {"t", HeaderId::To}, {"v", HeaderId::Via},
    {"m", HeaderId::Contact}, {"l", HeaderId::ContentLength}, {"c", HeaderId::ContentType},
    {"k", HeaderId::Supported}, {"s", HeaderId::Subject}, {"e", HeaderId::ContentEncoding},
    {"o", HeaderId::Event}, {"u", HeaderId::AllowEvents}, {"r", HeaderId::ReferTo},
    {"b", HeaderId::ReferredBy}, {"x", HeaderId::SessionExpires}, {"y", HeaderId::Identity},
    {"a", HeaderId::AcceptContact}, {"j", HeaderId::RejectContact},
    {"d", HeaderId::RequestDisposition},
    {"via", HeaderId::Via}, {"from", HeaderId::From}, {"to", HeaderId::To},
    {"call-id", HeaderId::CallId}, {"cseq", HeaderId::CSeq}, {"contact", HeaderId::Contact},
    {"content-length", HeaderId::ContentLength}, {"content-type", HeaderId::ContentType},
    {"content-encoding", HeaderId::ContentEncoding}, {"max-forwards", HeaderId::MaxForwards},
    {"user-agent", HeaderId::UserAgent}, {"server", HeaderId::Server},
    {"p-asserted-identity", HeaderId::PAssertedIdentity},
    {"p-preferred-identity", HeaderId::PPreferredIdentity}, {"subject", HeaderId::Subject},
    {"supported", HeaderId::Supported}, {"require", HeaderId::Require},
    {"allow", HeaderId::Allow}, {"allow-events", HeaderId::AllowEvents},
    {"event", HeaderId::Event}, {"refer-to", HeaderId::ReferTo},
    {"referred-by", HeaderId::ReferredBy}, {"session-expires", HeaderId::SessionExpires},
    {"identity", HeaderId::Identity}, {"expires", HeaderId::Expires},
    {"authorization", HeaderId::Authorization}, {"www-authenticate", HeaderId::WwwAuthenticate},
    {"proxy-authorization", HeaderId::ProxyAuthorization},
    {"proxy-authenticate", HeaderId::ProxyAuthenticate},
    {"record-route", HeaderId::RecordRoute}, {"route", HeaderId::Route},
    {"accept", HeaderId::Accept}, {"accept-contact", HeaderId::AcceptContact},
    {"reject-contact", HeaderId::RejectContact},
    {"request-disposition", HeaderId::RequestDisposition}, {"date", HeaderId::Date},
    {"privacy", HeaderId::Privacy}, {"diversion", HeaderId::Diversion},
    {"reason", HeaderId::Reason}, {"rack", HeaderId::RAck}, {"rseq", HeaderId::RSeq},
    {"history-info", HeaderId::HistoryInfo}, {"p-access-network-info", HeaderId::PAccessNetworkInfo},
};

constexpr size_t kLongestName = 21;
constexpr size_t kNameCount = sizeof(kNames) / sizeof(kNames[0]);

// kNames grouped by length and first letter, built at compile time:
// header_id() compares one name, at most two (call-id/contact, rack/rseq,
// p-asserted-identity/proxy-authorization), instead of every name of the
// letter: callgrind 10.96 k -> 10.72 k instructions per decoded message.
// The names are copied into the entries (not views of string literals): a
// lookup is then two dependent loads, the bucket and the entry, not four
// (bucket, index, view, bytes: perf showed header_id_of_token waiting on
// that chain).
struct NameBucket {
  uint8_t begin = 0, end = 0;
};
struct FlatName {
  std::array<char, kLongestName> name{};  // lower case; bytes past the length are 0
  HeaderId id = HeaderId::Other;
};
struct NameBuckets {
  std::array<std::array<NameBucket, 26>, kLongestName + 1> by_length_letter{};
  std::array<FlatName, kNameCount> names{};
};
constexpr NameBuckets make_buckets() {
  NameBuckets b;
  uint8_t n = 0;
  for (size_t len = 1; len <= kLongestName; ++len) {
    for (char c = 'a'; c <= 'z'; ++c) {
      NameBucket& bucket = b.by_length_letter[len][size_t(c - 'a')];
      bucket.begin = n;
      for (size_t i = 0; i < kNameCount; ++i) {
        if (kNames[i].name.size() != len || kNames[i].name[0] != c) continue;
        for (size_t k = 0; k < len; ++k) b.names[n].name[k] = kNames[i].name[k];
        b.names[n++].id = kNames[i].id;
      }
      bucket.end = n;
    }
  }
  return b;
}
constexpr NameBuckets kBuckets = make_buckets();
static_assert(kBuckets.by_length_letter[kLongestName][25].end == kNameCount,
              "every header name starts with a-z and is at most kLongestName long");

// One line of the message: [pos, end) without its terminator; the next line
// starts at next. A line ends at CRLF, at a bare LF, or at a lone CR (as
// tshark reads lines); terminated is false when the input ends first.
struct Line {
  size_t end, next;
  bool terminated;
};

// Index of the first CR or LF in s at or after pos, or s.size(), in one pass.
// It replaces a memchr for LF plus a memchr for CR per line: most lines are
// 20-80 bytes, where two library calls per line cost more than the scan
// (measured in bench/sip). SSE2 is part of x86-64; unaligned 16-byte loads
// stay inside s, the tail is read byte by byte.
#if defined(__SSE2__)
size_t find_line_end(std::string_view s, size_t pos) {
  const char* p = s.data();
  const __m128i cr = _mm_set1_epi8('\r');
  const __m128i lf = _mm_set1_epi8('\n');
  for (; pos + 16 <= s.size(); pos += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + pos));
    auto hits = unsigned(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, lf))));
    if (hits) return pos + size_t(std::countr_zero(hits));
  }
  for (; pos < s.size(); ++pos)
    if (p[pos] == '\r' || p[pos] == '\n') return pos;
  return s.size();
}
#else
size_t find_line_end(std::string_view s, size_t pos) {
  for (; pos < s.size(); ++pos)
    if (s[pos] == '\r' || s[pos] == '\n') return pos;
  return s.size();
}
#endif

// Length of the run of token characters at s[pos]. Header names are letters,
// digits and '-': 16 bytes are classified at once for those (a byte of
// another kind ends the fast path, then the table decides), instead of a
// table lookup and a branch per byte whose loop exit mispredicted on most
// header lines (perf: 15 % of parse_sip). The load needs 16 bytes of s.
#if defined(__SSE2__)
size_t token_run(std::string_view s, size_t pos) {
  size_t n = 0;
  if (pos + 16 <= s.size()) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + pos));
    // Signed compares after a shift that puts each range at -128: a byte is
    // in [lo, lo + len) when (byte + (-128 - lo)) < -128 + len.
    auto in_range = [](__m128i with, char lo, int len) {
      __m128i shifted = _mm_add_epi8(with, _mm_set1_epi8(char(-128 - lo)));
      return _mm_cmplt_epi8(shifted, _mm_set1_epi8(char(-128 + len)));
    };
    __m128i letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);  // OR 0x20: A-Z -> a-z
    __m128i digit = in_range(v, '0', 10);
    __m128i dash = _mm_cmpeq_epi8(v, _mm_set1_epi8('-'));
    auto name_chars = unsigned(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letter, digit), dash)));
    n = size_t(std::countr_one(name_chars));
  }
  while (pos + n < s.size() && is_token_char(s[pos + n])) ++n;
  return n;
}
#else
size_t token_run(std::string_view s, size_t pos) {
  size_t n = 0;
  while (pos + n < s.size() && is_token_char(s[pos + n])) ++n;
  return n;
}
#endif

// Inline (forced: GCC kept it out of line for its SSE2 loop): out of line,
// the Line came back through memory and the loop's constants were set up
// per call (callgrind on the capture messages: parse_sip 3,158 -> 2,931
// instructions per message).
[[gnu::always_inline]] inline Line next_line(std::string_view s, size_t pos) {
  size_t eol = find_line_end(s, pos);
  if (eol == s.size()) return {eol, eol, false};
  if (s[eol] == '\n') return {eol, eol + 1, true};
  if (eol + 1 == s.size()) return {eol, s.size(), false};  // CR cut off before its LF
  if (s[eol + 1] == '\n') return {eol, eol + 2, true};      // CRLF
  return {eol, eol + 1, true};                              // lone CR
}

bool parse_start_line(std::string_view line, SipMessage& m, AnomalySet& a) {
  if (istarts_with(line, "SIP/")) {
    size_t sp = find_char(line, ' ');
    if (sp == std::string_view::npos) {
      a.add(Anomaly::SipStartLineInvalid);
      return false;
    }
    m.version = line.substr(0, sp);
    if (!iequals(m.version, "SIP/2.0")) a.add(Anomaly::SipVersionInvalid);
    std::string_view rest = line.substr(sp);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (rest.size() < 3 || (rest.size() > 3 && !is_ws(rest[3]))) {
      a.add(Anomaly::SipStatusCodeInvalid);
      return false;
    }
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    auto code = parse_u32(rest.substr(0, 3));
    if (!digit(rest[0]) || !digit(rest[1]) || !digit(rest[2]) || !code) {
      a.add(Anomaly::SipStatusCodeInvalid);
      return false;
    }
    if (*code < 100 || *code > 699) a.add(Anomaly::SipStatusCodeInvalid);
    m.is_request = false;
    m.status = uint16_t(*code);
    m.reason = trim(rest.substr(3));
    return true;
  }
  size_t sp1 = find_char(line, ' ');
  if (sp1 == std::string_view::npos || !all_token(line.substr(0, sp1))) {
    a.add(Anomaly::SipStartLineInvalid);
    return false;
  }
  std::string_view rest = line.substr(sp1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  size_t sp2 = find_char(rest, ' ');
  if (sp2 == 0 || sp2 == std::string_view::npos) {
    a.add(Anomaly::SipStartLineInvalid);
    return false;
  }
  std::string_view version = trim(rest.substr(sp2));
  if (!istarts_with(version, "SIP/")) {
    a.add(Anomaly::SipStartLineInvalid);
    return false;
  }
  if (!iequals(version, "SIP/2.0")) a.add(Anomaly::SipVersionInvalid);
  m.is_request = true;
  m.method = line.substr(0, sp1);
  m.ruri = rest.substr(0, sp2);
  m.version = version;
  return true;
}

void add_header(SipMessage& m, HeaderId id, std::string_view name, std::string_view value,
                bool folded, AnomalySet& a) {
  if (m.header_count >= SipMessage::kMaxHeaders) {
    if (!a.has(Anomaly::SipTooManyHeaders)) a.add(Anomaly::SipTooManyHeaders);
    return;
  }
  uint8_t idx = m.header_count++;
  m.headers.set(idx, SipHeader{id, folded, SipMessage::kNone, name, value});
  uint8_t& first = m.first_of[size_t(id)];
  if (first == SipMessage::kNone) {
    first = idx;
  } else {
    uint8_t i = first;
    while (m.headers[i].next != SipMessage::kNone) i = m.headers[i].next;
    m.headers[i].next = idx;
  }
}

void check_content_length(SipMessage& m, AnomalySet& a) {
  bool conflict = false;
  for (const SipHeader* h = m.first(HeaderId::ContentLength); h; h = m.next(*h)) {
    auto v = parse_u32(h->value);
    if (!v) {
      a.add(Anomaly::SipContentLengthInvalid);
      continue;
    }
    if (m.content_length && *m.content_length != *v) conflict = true;
    if (!m.content_length) m.content_length = v;
  }
  if (conflict) a.add(Anomaly::SipContentLengthConflict);
}

void check_mandatory(const SipMessage& m, AnomalySet& a) {
  if (!m.first(HeaderId::CallId)) a.add(Anomaly::SipMissingCallId);
  if (!m.first(HeaderId::From)) a.add(Anomaly::SipMissingFrom);
  if (!m.first(HeaderId::To)) a.add(Anomaly::SipMissingTo);
  if (!m.first(HeaderId::Via)) a.add(Anomaly::SipMissingVia);
  const SipHeader* cseq = m.first(HeaderId::CSeq);
  if (!cseq) {
    a.add(Anomaly::SipMissingCseq);
    return;
  }
  std::string_view v = cseq->value;
  size_t i = 0;
  while (i < v.size() && !is_ws(v[i]) && v[i] != '\r' && v[i] != '\n') ++i;
  std::string_view method = trim(v.substr(i));
  if (!parse_u32(v.substr(0, i)) || !all_token(method) ||
      (m.is_request && method != m.method))
    a.add(Anomaly::SipCseqInvalid);
}

// Whether name, made of token characters, equals lower, a lower-case entry of
// kNames of the same length, ignoring case. OR-ing 0x20 into each byte folds
// a letter's case and cannot turn any other token character into one of the
// letters, digits or '-' of kNames. Compares 8 (or 4) bytes at a time, the
// last word overlapping the one before, all loads inside both strings: a
// header name costs two word compares instead of a loop over its bytes
// (callgrind: about -35 instructions per header).
bool equals_folded(std::string_view name, std::string_view lower) {
  const char* a = name.data();
  const char* b = lower.data();
  size_t n = lower.size();
  auto load8 = [](const char* p) { uint64_t w; std::memcpy(&w, p, 8); return w; };
  auto load4 = [](const char* p) { uint32_t w; std::memcpy(&w, p, 4); return w; };
  constexpr uint64_t kFold8 = 0x2020202020202020ull;
  constexpr uint32_t kFold4 = 0x20202020u;
  if (n >= 8) {
    for (size_t k = 0; k + 8 < n; k += 8)
      if ((load8(a + k) | kFold8) != load8(b + k)) return false;
    return (load8(a + n - 8) | kFold8) == load8(b + n - 8);
  }
  if (n >= 4)
    return (load4(a) | kFold4) == load4(b) && (load4(a + n - 4) | kFold4) == load4(b + n - 4);
  for (size_t k = 0; k < n; ++k)
    if (char(a[k] | 0x20) != b[k]) return false;
  return true;
}

// header_id() for a name already known to be token characters (the parser
// checked them): OR-ing 0x20 then folds a letter's case, and cannot turn any
// other token character into one of the letters, digits or '-' of kNames.
HeaderId header_id_of_token(std::string_view name) {
  if (name.empty() || name.size() > kLongestName) return HeaderId::Other;
  char c = char(name[0] | 0x20);
  if (c < 'a' || c > 'z') return HeaderId::Other;
  const NameBucket& b = kBuckets.by_length_letter[name.size()][size_t(c - 'a')];
  for (uint8_t i = b.begin; i < b.end; ++i) {
    const FlatName& e = kBuckets.names[i];
    if (equals_folded(name, {e.name.data(), name.size()})) return e.id;
  }
  return HeaderId::Other;
}

}  // namespace

HeaderId header_id(std::string_view name) {
  return all_token(name) ? header_id_of_token(name) : HeaderId::Other;
}

bool ValueSplitter::next(std::string_view& out) {
  // Fast path: no comma left means one value, whatever the quoting.
  if (!done_ && find_char(rest_, ',') == std::string_view::npos) {
    done_ = true;
    out = trim(rest_);
    rest_ = {};
    return !out.empty();
  }
  while (!done_) {
    bool quoted = false;
    int angle = 0;
    size_t i = 0;
    for (; i < rest_.size(); ++i) {
      char c = rest_[i];
      if (quoted) {
        if (c == '\\') ++i;
        else if (c == '"') quoted = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == '<') {
        ++angle;
      } else if (c == '>') {
        if (angle > 0) --angle;
      } else if (c == ',' && angle == 0) {
        break;
      }
    }
    std::string_view piece = trim(rest_.substr(0, i < rest_.size() ? i : rest_.size()));
    if (i >= rest_.size()) {
      done_ = true;
      rest_ = {};
    } else {
      rest_.remove_prefix(i + 1);
    }
    if (!piece.empty()) {
      out = piece;
      return true;
    }
  }
  return false;
}

std::string_view unfold(std::string_view v, char* buf) {
  size_t n = 0;
  for (size_t i = 0; i < v.size();) {
    char c = v[i];
    if (c == '\r' || c == '\n') {
      while (i < v.size() && (v[i] == '\r' || v[i] == '\n' || is_ws(v[i]))) ++i;
      if (n > 0 && buf[n - 1] != ' ') buf[n++] = ' ';
      continue;
    }
    buf[n++] = c;
    ++i;
  }
  return {buf, n};
}

std::optional<SipMessage> parse_sip(std::string_view msg, AnomalySet& a, SipTransportKind kind) {
  std::optional<SipMessage> out{std::in_place};  // one object returned by every path (NRVO)
  SipMessage& m = *out;

  Line first = next_line(msg, 0);
  std::string_view line = msg.substr(0, first.end);
  if (find_char(line, '\0') != std::string_view::npos || !parse_start_line(line, m, a)) {
    if (!a.has(Anomaly::SipStartLineInvalid)) a.add(Anomaly::SipStartLineInvalid);
    out.reset();
    return out;
  }

  size_t pos = first.next;
  while (pos < msg.size()) {
    Line l = next_line(msg, pos);
    size_t next = l.next;
    line = msg.substr(pos, l.end - pos);
    if (line.empty()) {  // the empty line: end of the headers
      if (!l.terminated) break;  // a CR at the very end is not one
      m.headers_complete = true;
      pos = next;
      break;
    }
    if (is_ws(line.front())) {  // a continuation with no header before it
      a.add(Anomaly::SipHeaderLineInvalid);
      pos = next;
      continue;
    }
    // name: token chars, optional white space, then the colon
    size_t name_len = std::min(token_run(msg, pos), line.size());
    size_t colon = name_len;
    while (colon < line.size() && is_ws(line[colon])) ++colon;
    std::string_view name = line.substr(0, name_len);
    if (name_len == 0 || colon >= line.size() || line[colon] != ':') {
      a.add(Anomaly::SipHeaderLineInvalid);
      pos = next;
      continue;
    }
    // Continuation lines (LWS folding, RFC 3261 7.3.1) extend the value.
    size_t value_begin = pos + colon + 1;
    size_t value_end = l.end;
    bool folded = false;
    while (next < msg.size() && is_ws(msg[next])) {
      Line c = next_line(msg, next);
      value_end = c.end;
      folded = true;
      next = c.next;
    }
    std::string_view value = trim(msg.substr(value_begin, value_end - value_begin));
    add_header(m, header_id_of_token(name), name, value, folded, a);
    pos = next;
  }
  if (std::memchr(msg.data(), '\0', pos < msg.size() ? pos : msg.size()))
    a.add(Anomaly::SipNulInHeaders);
  if (!m.headers_complete) a.add(Anomaly::SipHeadersUnterminated);

  check_content_length(m, a);
  check_mandatory(m, a);

  std::string_view rest = m.headers_complete ? msg.substr(pos) : std::string_view{};
  if (m.content_length) {
    size_t cl = *m.content_length;
    if (cl > rest.size()) {
      if (m.headers_complete) a.add(Anomaly::SipBodyTruncated);
      m.body = rest;
    } else {
      m.body = rest.substr(0, cl);
      if (kind == SipTransportKind::Datagram) {
        std::string_view extra = rest.substr(cl);
        bool padding = true;
        for (char c : extra)
          if (c != '\r' && c != '\n' && c != '\0' && c != ' ') padding = false;
        if (!padding) a.add(Anomaly::SipBodyTrailingBytes);
      }
    }
  } else {
    m.body = kind == SipTransportKind::Datagram ? rest : std::string_view{};
  }
  m.length = size_t(m.body.data() + m.body.size() - msg.data());
  if (m.body.empty()) m.length = m.headers_complete ? pos : msg.size();
  return out;
}

}  // namespace sigprobe::sip
