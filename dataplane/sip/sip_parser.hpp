// SIP message parser (RFC 3261 section 7 and the grammar of section 25).
// A pure function of the bytes: parse_sip() returns a SipMessage made of
// string views into the input, with every header indexed under a normalized
// HeaderId. Nothing is allocated: the header index has a fixed capacity.
// Malformed input is reported as named anomalies in an AnomalySet.
#pragma once
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dataplane/core/anomaly.hpp"

namespace sigprobe::sip {

// Headers sigprobe knows by name. Long and compact forms (RFC 3261 7.3.3,
// RFC 3841, RFC 3515, RFC 3892, RFC 4028, RFC 6665, RFC 8224) map to one id;
// the match is case-insensitive. Ids are append-only.
enum class HeaderId : uint8_t {
  Other,
  Via, From, To, CallId, CSeq, Contact, ContentLength, ContentType, ContentEncoding,
  MaxForwards, UserAgent, Server, PAssertedIdentity, PPreferredIdentity, Subject, Supported,
  Require, Allow, AllowEvents, Event, ReferTo, ReferredBy, SessionExpires, Identity,
  Expires, Authorization, WwwAuthenticate, ProxyAuthorization, ProxyAuthenticate,
  RecordRoute, Route, Accept, AcceptContact, RejectContact, RequestDisposition, Date,
  Privacy, Diversion, Reason, RAck, RSeq, HistoryInfo, PAccessNetworkInfo,
  Count_
};
inline constexpr size_t kHeaderIdCount = size_t(HeaderId::Count_);

// The HeaderId of a header name as it appears on the wire ("Call-ID", "i",
// "call-id"); HeaderId::Other when sigprobe has no id for it.
HeaderId header_id(std::string_view name);

// Anomalies found while parsing one message: a small fixed set, copied into
// the decode counters by the caller.
class AnomalySet {
 public:
  static constexpr size_t kMax = 16;
  void add(Anomaly a) {
    if (n_ < kMax) items_[n_++] = a;
  }
  bool has(Anomaly a) const {
    for (size_t i = 0; i < n_; ++i)
      if (items_[i] == a) return true;
    return false;
  }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  std::span<const Anomaly> items() const { return {items_.data(), n_}; }
  void clear() { n_ = 0; }

 private:
  std::array<Anomaly, kMax> items_{};
  size_t n_ = 0;
};

struct SipHeader {
  HeaderId id;
  bool folded;             // value spans continuation lines (see unfold())
  uint8_t next;            // index of the next header with the same id; 0xFF = none
  std::string_view name;   // as on the wire
  std::string_view value;  // trimmed; may contain CR/LF + WS when folded
};

// Fixed storage for the header index whose slots are not constructed until
// the parser writes them: an array of SipHeader would run the string_view
// constructors of all slots (96 x 4 stores, a third of parse_sip's time,
// measured in bench/sip) for the dozen a message uses. Only slots written
// with set() may be read.
template <size_t N>
class HeaderSlots {
 public:
  HeaderSlots() {}
  void set(size_t i, const SipHeader& h) { std::construct_at(&slots_[i].header, h); }
  SipHeader& operator[](size_t i) { return slots_[i].header; }
  const SipHeader& operator[](size_t i) const { return slots_[i].header; }
  static constexpr size_t size() { return N; }

 private:
  union Slot {
    Slot() {}
    SipHeader header;
  };
  std::array<Slot, N> slots_;
};

struct SipMessage {
  static constexpr size_t kMaxHeaders = 96;
  static constexpr uint8_t kNone = 0xFF;

  // Only headers[0, header_count) is meaningful (see HeaderSlots).
  SipMessage() { first_of.fill(kNone); }

  bool is_request = false;
  std::string_view method;    // requests
  std::string_view ruri;      // requests
  uint16_t status = 0;        // responses
  std::string_view reason;    // responses
  std::string_view version;   // "SIP/2.0"

  HeaderSlots<kMaxHeaders> headers;
  uint8_t header_count = 0;
  std::array<uint8_t, kHeaderIdCount> first_of;  // kNone when absent
  bool headers_complete = false;  // the empty line ending the headers was seen

  std::optional<uint32_t> content_length;  // parsed Content-Length, when valid
  std::string_view body;
  size_t length = 0;  // bytes of this message (start line to the end of the body)

  // The first header with this id, or nullptr.
  const SipHeader* first(HeaderId id) const {
    uint8_t i = first_of[size_t(id)];
    return i == kNone ? nullptr : &headers[i];
  }
  // The next header with the same id as h, or nullptr.
  const SipHeader* next(const SipHeader& h) const {
    return h.next == kNone ? nullptr : &headers[h.next];
  }
  size_t count(HeaderId id) const {
    size_t n = 0;
    for (const SipHeader* h = first(id); h; h = next(*h)) ++n;
    return n;
  }
};

// Where a message is read from: over UDP (and SCTP) the datagram is the
// message and the body may run to its end; over a stream the body is exactly
// Content-Length bytes.
enum class SipTransportKind : uint8_t { Datagram, Stream };

// Parse one SIP message from the start of msg. Returns nullopt when the start
// line is not SIP (with SipStartLineInvalid or a more precise anomaly in a).
// Anything else that is wrong is recorded in a and parsing goes on.
std::optional<SipMessage> parse_sip(std::string_view msg, AnomalySet& a,
                                    SipTransportKind kind = SipTransportKind::Datagram);

// The comma-separated values of one header line (RFC 3261 7.3.1), commas
// inside quoted strings or <...> ignored. Call next() until it returns false.
class ValueSplitter {
 public:
  explicit ValueSplitter(std::string_view v) : rest_(v) {}
  bool next(std::string_view& out);

 private:
  std::string_view rest_;
  bool done_ = false;
};

// Replace each CRLF/LF + whitespace run of a folded value with one space,
// writing into buf (at least v.size() bytes). Returns the unfolded view.
std::string_view unfold(std::string_view v, char* buf);

// ---- small lexical helpers shared with the field extraction --------------
// Inline: they run several times per header (measured in bench/sip).
constexpr char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + ('a' - 'A')) : c; }
inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  // Most bytes are already equal (same case on the wire): fold only those
  // that differ (callgrind: -150 instructions per decoded message).
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i] && ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}
inline bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}
inline std::string_view trim(std::string_view s) {
  // One compare for the usual printable byte, four for the rest.
  auto space = [](char c) {
    return uint8_t(c) <= uint8_t(' ') && (c == ' ' || c == '\t' || c == '\r' || c == '\n');
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}
// Searches for a byte in the short values of SIP headers, without the
// memchr of string_view::find (one per character for find_first_of), whose
// call and set-up cost more than the search there (perf: memchr 14 % of
// decode_sip on the capture messages, called from parse_name_addr, uri_user,
// via_sent_by and the value splitting). 16 bytes at a time with SSE2; the
// last 16 bytes of s are read again rather than past its end.
// The first index >= from of s whose byte is one of set, or npos.
template <size_t N>
inline size_t find_in_set(std::string_view s, size_t from, const std::array<char, N>& set) {
  const char* p = s.data();
  const size_t n = s.size();
  size_t i = from;
#if defined(__SSE2__)
  if (n >= 16) {
    auto hits = [&](size_t at) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
      __m128i m = _mm_cmpeq_epi8(v, _mm_set1_epi8(set[0]));
      for (size_t k = 1; k < N; ++k) m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(set[k])));
      return unsigned(_mm_movemask_epi8(m));
    };
    for (; i + 16 <= n; i += 16)
      if (unsigned m = hits(i)) return i + size_t(std::countr_zero(m));
    if (i < n)  // 1-15 bytes left: bit j of the last block is byte n - 16 + j
      if (unsigned m = hits(n - 16) >> (16 - (n - i))) return i + size_t(std::countr_zero(m));
    return std::string_view::npos;
  }
#endif
  for (; i < n; ++i)
    for (char c : set)
      if (p[i] == c) return i;
  return std::string_view::npos;
}

// Index of the first c in s at or after from, or npos (string_view::find).
inline size_t find_char(std::string_view s, char c, size_t from = 0) {
  return find_in_set(s, from, std::array<char, 1>{c});
}

// Index of the first byte at or after from that is one of Cs, or npos
// (string_view::find_first_of).
template <char... Cs>
inline size_t find_any(std::string_view s, size_t from = 0) {
  return find_in_set(s, from, std::array<char, sizeof...(Cs)>{Cs...});
}

// Decimal number of at most 9 digits; nullopt when s is empty or not digits.
// Inline: out of line, the optional went back through the stack and its
// reload stalled on store forwarding (perf: 6 % of decode at the ret).
inline std::optional<uint32_t> parse_u32(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 9) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint32_t(c - '0');
  }
  return v;
}

}  // namespace sigprobe::sip
