// From a parsed SipMessage to the SipInfo of a SignalEvent: URIs, user parts
// normalized to digits, name-addr display names and tags, Via sent-by, the
// Contact +sip.instance, SDP connection and audio port, MESSAGE text.
// Strings are views into the message, or into the EventBatch arena when they
// had to be rewritten (digits, unfolded values).
#pragma once
#include <cstdint>
#include <functional>
#include <string_view>

#include "dataplane/core/signal_event.hpp"
#include "dataplane/sip/sip_parser.hpp"

namespace sigprobe::sip {

// Request method by name (case-sensitive, RFC 3261 7.1); Other when unknown.
SipMethod method_from_name(std::string_view name);

// The parts of a name-addr or addr-spec header value (From, To, Contact, PAI).
struct NameAddr {
  std::string_view display;  // without quotes
  std::string_view uri;      // without <>
  std::string_view params;   // header parameters after the URI, from the first ';'
};
NameAddr parse_name_addr(std::string_view value);

// The user part of a sip:/sips:/tel: URI as written: for sip(s), the userinfo
// before '@' without password or ';' user parameters; for tel, the number
// before any ';' parameter. Empty for other schemes or when there is no user.
std::string_view uri_user(std::string_view uri);

// A header parameter's value from a ";name=value;..." list (case-insensitive
// name, a token: no quotes), quotes kept. Empty when absent.
std::string_view param_value(std::string_view params, std::string_view name);

// True when user is a telephone number: digits with optional '+' and the
// visual separators - . ( ) and space, at least one digit.
bool is_phone_number(std::string_view user);

// The digits of user when is_phone_number(user), else user unchanged. Digits
// that are not contiguous are written into the arena.
std::string_view normalize_user(std::string_view user, EventBatch& arena);

// A URI's phone-context (RFC 3966 3, 5.1.5): the value of the parameter of a
// tel URI, or of the user part of a sip(s) URI ("sip:9171969136;phone-context
// =+7@host;user=phone"); empty when absent.
std::string_view phone_context(std::string_view uri);

// normalize_user(uri_user(uri)), and a local number whose phone-context is a
// global number prefix in its global form: "tel:9171969136;phone-context=+7"
// is 79171969136, as "+79171969136" would be (RFC 3966 5.1.5). A context that
// is a domain name (an IMS home network, "unknown") names no country: the
// local digits stay as sent.
// (Inline: it runs on four URIs of every message; the rare case is out of line.)
std::string_view with_phone_context(std::string_view uri, std::string_view user, std::string_view number,
                                    EventBatch& arena);
inline std::string_view uri_number(std::string_view uri, EventBatch& arena) {
  std::string_view user = uri_user(uri);
  std::string_view number = normalize_user(user, arena);
  // A context follows the number directly (";phone-context=..."): one byte to look at.
  if (user.empty()) return number;
  size_t end = size_t(user.data() - uri.data()) + user.size();
  if (end >= uri.size() || uri[end] != ';') [[likely]] return number;
  return with_phone_context(uri, user, number, arena);
}

// Top Via sent-by: host (IPv6 without brackets) and port (0 when absent).
struct SentBy {
  std::string_view host;
  uint16_t port = 0;
};
SentBy via_sent_by(std::string_view via_value);

// SDP (RFC 4566): the first c= connection address and the first m=audio port.
struct SdpSummary {
  std::string_view addr;
  uint16_t audio_port = 0;
};
SdpSummary scan_sdp(std::string_view body);

// The parts of a multipart body (RFC 2046 5.1.1) with the given boundary, in
// order: f(content type without parameters, part body). At most 16 parts;
// a part without its closing delimiter is not given.
void for_each_part(std::string_view body, std::string_view boundary,
                   const std::function<void(std::string_view, std::string_view)>& f);

// Fill out.sip from m. Returns false when the arena could not hold a value.
// isup_body, when given: the ISUP message of a SIP-I/SIP-T body (RFC 3204:
// application/ISUP, alone or a part of a multipart body), from its message
// type; empty when none. Not kept in the event (it would take SipInfo past a
// cache line of SignalEvent): decode reads it at once (dataplane/decode.cpp).
bool fill_sip_info(const SipMessage& m, SipInfo& out, EventBatch& arena, std::string_view* isup_body = nullptr);

}  // namespace sigprobe::sip
