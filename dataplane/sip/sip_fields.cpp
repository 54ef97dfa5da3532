// SipMessage -> SipInfo. See sip_fields.hpp.
#include "dataplane/sip/sip_fields.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace sigprobe::sip {
namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_ws(char c) { return c == ' ' || c == '\t'; }
// Visual separators allowed in a telephone number besides '+'.
constexpr bool is_phone_separator(char c) {
  return c == '-' || c == '.' || c == '(' || c == ')' || c == ' ';
}

// Each byte's class in a telephone number, as bits to OR together.
constexpr uint8_t kPhoneDigit = 1, kPhoneSeparator = 2, kPhoneOther = 4;
constexpr std::array<uint8_t, 256> make_phone_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const char ch = char(c);
    t[size_t(c)] = is_digit(ch) ? kPhoneDigit
                   : (ch == '+' || is_phone_separator(ch)) ? kPhoneSeparator
                                                           : kPhoneOther;
  }
  return t;
}
constexpr std::array<uint8_t, 256> kPhoneClass = make_phone_classes();

struct MethodEntry {
  std::string_view name;
  SipMethod method;
};
constexpr MethodEntry kMethods[] = {
    {"INVITE", SipMethod::Invite},       {"ACK", SipMethod::Ack},
    {"BYE", SipMethod::Bye},             {"CANCEL", SipMethod::Cancel},
    {"REGISTER", SipMethod::Register},   {"OPTIONS", SipMethod::Options},
    {"MESSAGE", SipMethod::Message},     {"INFO", SipMethod::Info},
    {"PRACK", SipMethod::Prack},         {"UPDATE", SipMethod::Update},
    {"SUBSCRIBE", SipMethod::Subscribe}, {"NOTIFY", SipMethod::Notify},
    {"REFER", SipMethod::Refer},         {"PUBLISH", SipMethod::Publish},
};

// A header value ready to be read: the view itself, or its unfolded copy in
// the arena when the header was folded over several lines.
std::string_view value_of(const SipHeader* h, EventBatch& arena, bool& ok) {
  if (!h) return {};
  if (!h->folded) return h->value;
  char* buf = arena.alloc(h->value.size());
  if (!buf) {
    ok = false;
    return h->value;
  }
  std::string_view v = unfold(h->value, buf);
  arena.shrink_last(buf, v.size());
  return v;
}

// The first comma-separated value of a header.
std::string_view first_value(std::string_view v) {
  ValueSplitter s(v);
  std::string_view out;
  return s.next(out) ? out : std::string_view{};
}

std::string_view strip_quotes(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

std::string_view strip_angles(std::string_view v) {
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') return v.substr(1, v.size() - 2);
  return v;
}

std::string_view digits_only(std::string_view s, EventBatch& arena, bool& ok) {
  char* buf = arena.alloc(s.size());
  if (!buf) {
    ok = false;
    return {};
  }
  size_t n = 0;
  for (char c : s)
    if (is_digit(c)) buf[n++] = c;
  arena.shrink_last(buf, n);
  return {buf, n};
}

void fill_name_addr(const SipHeader* h, EventBatch& arena, bool& ok, std::string_view* user,
                    std::string_view* display, std::string_view* tag) {
  std::string_view v = first_value(value_of(h, arena, ok));
  if (v.empty()) return;
  NameAddr na = parse_name_addr(v);
  if (user) *user = uri_number(na.uri, arena);
  if (display) *display = na.display;
  if (tag) *tag = param_value(na.params, "tag");
}

// A URI's parameters: ";name=value..." after the host (or a tel number), up
// to any '?' headers.
std::string_view uri_params(std::string_view uri) {
  size_t at = find_char(uri, '@');
  size_t semi = find_char(uri, ';', at == std::string_view::npos ? 0 : at);
  if (semi == std::string_view::npos) return {};
  std::string_view p = uri.substr(semi);
  return p.substr(0, find_char(p, '?'));
}

void fill_diversion(const SipMessage& m, SipInfo& s, EventBatch& arena, bool& ok) {
  if (const SipHeader* h = m.first(HeaderId::Diversion)) {
    fill_name_addr(h, arena, ok, &s.diversion_user, nullptr, nullptr);
    return;
  }
  // History-Info entries in order, over every History-Info header: the user
  // of the last entry with one before the first retargeting with a cause
  // (cause=302 CFU, 486 CFB, 408 CFNRy, 480/503 CFNRc, ...); entries without
  // a user (a contact address) are skipped. Without a cause (RFC 7044 alone,
  // as non-3GPP servers write it), the first entry tagged mp ("mapped": its
  // target replaced the target of entry mp) names the diverting entry.
  struct Entry {
    std::string_view index, uri;  // uri: one with a user
  };
  std::array<Entry, 16> entries;
  size_t n = 0;
  std::string_view before, mapped_from;
  for (const SipHeader* h = m.first(HeaderId::HistoryInfo); h; h = m.next(*h)) {
    ValueSplitter split(value_of(h, arena, ok));
    std::string_view v;
    while (split.next(v)) {
      NameAddr na = parse_name_addr(v);
      if (!param_value(uri_params(na.uri), "cause").empty()) {
        if (!before.empty()) s.diversion_user = uri_number(before, arena);
        return;
      }
      bool has_user = !uri_user(na.uri).empty();
      if (has_user) before = na.uri;
      if (n < entries.size()) entries[n++] = {param_value(na.params, "index"), has_user ? na.uri : std::string_view{}};
      if (mapped_from.empty()) mapped_from = param_value(na.params, "mp");
    }
  }
  for (size_t k = 0; k < n && !mapped_from.empty(); ++k)
    if (entries[k].index == mapped_from) {
      if (!entries[k].uri.empty()) s.diversion_user = uri_number(entries[k].uri, arena);
      return;
    }
}

void fill_contact_instance(const SipMessage& m, SipInfo& s, EventBatch& arena, bool& ok) {
  for (const SipHeader* h = m.first(HeaderId::Contact); h; h = m.next(*h)) {
    ValueSplitter split(value_of(h, arena, ok));
    std::string_view v;
    while (split.next(v)) {
      std::string_view inst = param_value(parse_name_addr(v).params, "+sip.instance");
      if (inst.empty()) continue;
      inst = strip_angles(strip_quotes(inst));
      s.contact_instance = inst;
      constexpr std::string_view kImei = "urn:gsma:imei:";
      if (istarts_with(inst, kImei)) {
        std::string_view digits = inst.substr(kImei.size());
        digits = digits.substr(0, find_char(digits, ';'));
        s.imei = digits_only(digits, arena, ok);
      }
      return;
    }
  }
}

// Whether params (";name[=value]..." after a first item) holds a parameter
// called name, with or without a value (param_value cannot tell a flag from
// an absent parameter). Quoted values do not hold ';' in the headers read here.
bool has_flag_param(std::string_view params, std::string_view name) {
  size_t pos = find_char(params, ';');
  while (pos != std::string_view::npos) {
    size_t end = find_char(params, ';', pos + 1);
    std::string_view p = params.substr(pos + 1, end == std::string_view::npos ? std::string_view::npos : end - pos - 1);
    if (iequals(trim(p.substr(0, find_char(p, '='))), name)) return true;
    pos = end;
  }
  return false;
}

// The cell of P-Access-Network-Info (3GPP TS 24.229 7.2A.4): access-net-spec
// values "<access-type> *(; access-info)", comma-separated, over every such
// header. The P-CSCF appends the network's own view with a "network-provided"
// parameter; a terminal's value is whatever it chose to write (a SIM box may
// write anything), so the network-provided cell wins. Hex digits are written
// in either case by terminals: upper-cased so that one cell is one key.
void fill_cell(const SipMessage& m, SipInfo& s, EventBatch& arena, bool& ok) {
  std::string_view found;
  for (const SipHeader* h = m.first(HeaderId::PAccessNetworkInfo); h; h = m.next(*h)) {
    ValueSplitter split(value_of(h, arena, ok));
    std::string_view v;
    while (split.next(v)) {
      std::string_view cell = param_value(v, "utran-cell-id-3gpp");
      if (cell.empty()) cell = param_value(v, "cgi-3gpp");
      cell = strip_quotes(cell);
      if (cell.empty()) continue;
      bool network = has_flag_param(v, "network-provided");
      if (found.empty() || network) found = cell;
      if (network) break;
    }
  }
  if (found.empty()) return;
  if (std::none_of(found.begin(), found.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
    s.cell = found;
    return;
  }
  char* buf = arena.alloc(found.size());
  if (!buf) {
    ok = false;
    return;
  }
  for (size_t i = 0; i < found.size(); ++i)
    buf[i] = found[i] >= 'a' && found[i] <= 'z' ? char(found[i] - 32) : found[i];
  s.cell = {buf, found.size()};
}

}  // namespace

SipMethod method_from_name(std::string_view name) {
  for (const MethodEntry& e : kMethods)
    if (e.name == name) return e.method;
  return SipMethod::Other;
}

NameAddr parse_name_addr(std::string_view value) {
  NameAddr na;
  std::string_view v = trim(value);
  size_t i = 0;
  if (!v.empty() && v.front() == '"') {  // quoted display name
    size_t j = 1;
    while (j < v.size() && v[j] != '"') j += (v[j] == '\\') ? 2 : 1;
    na.display = v.substr(1, (j < v.size() ? j : v.size()) - 1);
    i = j < v.size() ? j + 1 : v.size();
  }
  size_t lt = find_char(v, '<', i);
  if (lt != std::string_view::npos) {
    if (na.display.empty() && i == 0) na.display = trim(v.substr(0, lt));
    size_t gt = find_char(v, '>', lt);
    if (gt == std::string_view::npos) return na;  // '<' never closed: no URI
    na.uri = trim(v.substr(lt + 1, gt - lt - 1));
    std::string_view rest = gt < v.size() ? v.substr(gt + 1) : std::string_view{};
    size_t semi = find_char(rest, ';');
    na.params = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi);
    return na;
  }
  // addr-spec: the URI runs to the first ';' (those are header parameters).
  std::string_view spec = trim(v.substr(i));
  size_t semi = find_char(spec, ';');
  na.uri = trim(spec.substr(0, semi));
  na.params = semi == std::string_view::npos ? std::string_view{} : spec.substr(semi);
  return na;
}

std::string_view uri_user(std::string_view uri) {
  uri = trim(uri);
  if (istarts_with(uri, "tel:")) {
    std::string_view num = uri.substr(4);
    return trim(num.substr(0, find_char(num, ';')));
  }
  std::string_view rest;
  if (istarts_with(uri, "sip:")) rest = uri.substr(4);
  else if (istarts_with(uri, "sips:")) rest = uri.substr(5);
  else return {};
  size_t at = find_char(rest, '@');
  if (at == std::string_view::npos) return {};
  // user ends at a password (':') or a user parameter (';')
  return rest.substr(0, std::min(at, find_any<';', ':'>(rest.substr(0, at))));
}

std::string_view param_value(std::string_view params, std::string_view name) {
  size_t pos = find_char(params, ';');
  while (pos != std::string_view::npos) {
    // The parameter runs to the next ';' outside quotes; its name to the
    // first '='. One pass from stop to stop finds both (find_any: no loop
    // over every byte, no memchr call per parameter; measured in bench/sip).
    size_t begin = pos + 1, end = begin, eq = std::string_view::npos;
    for (;; ++end) {
      end = find_any<';', '"', '='>(params, end);
      if (end == std::string_view::npos) {
        end = params.size();
        break;
      }
      if (params[end] == ';') break;
      if (params[end] == '"') {  // jump to the closing quote (a +sip.instance URN is ~40 bytes)
        end = find_char(params, '"', end + 1);
        if (end == std::string_view::npos) {
          end = params.size();
          break;
        }
      } else if (eq == std::string_view::npos) {
        eq = end;
      }
    }
    size_t name_end = eq == std::string_view::npos ? end : eq;
    if (iequals(trim(params.substr(begin, name_end - begin)), name))
      return eq == std::string_view::npos ? std::string_view{}
                                          : trim(params.substr(eq + 1, end - eq - 1));
    pos = end < params.size() ? end : std::string_view::npos;
  }
  return {};
}

bool is_phone_number(std::string_view user) {
  bool digit = false;
  for (char c : user) {
    if (is_digit(c)) digit = true;
    else if (c != '+' && !is_phone_separator(c)) return false;
  }
  return digit;
}

std::string_view normalize_user(std::string_view user, EventBatch& arena) {
  // is_phone_number(), the leading '+' and the contiguity test in one pass
  // over the user (measured in bench/sip), with no branch per byte: the
  // classes of the bytes are OR-ed together and read once at the end (what
  // a byte that is no phone character decides does not depend on where it
  // is; callgrind: -48 instructions per message on the capture messages).
  size_t lead = 0;
  while (lead < user.size() && user[lead] == '+') ++lead;
  uint8_t classes = 0;
  for (char c : user.substr(lead)) classes |= kPhoneClass[uint8_t(c)];
  if ((classes & kPhoneOther) || !(classes & kPhoneDigit)) return user;
  const bool separated = classes & kPhoneSeparator;
  std::string_view v = user.substr(lead);
  if (!separated) return v;
  bool ok = true;
  std::string_view d = digits_only(v, arena, ok);
  return ok ? d : user;
}

std::string_view phone_context(std::string_view uri) {
  uri = trim(uri);
  std::string_view params;
  if (istarts_with(uri, "tel:")) {
    params = uri.substr(4);
  } else {
    std::string_view rest = istarts_with(uri, "sip:") ? uri.substr(4) : istarts_with(uri, "sips:") ? uri.substr(5) : "";
    params = rest.substr(0, find_char(rest, '@'));
    if (params.size() == rest.size()) return {};  // no user part
  }
  size_t semi = find_char(params, ';');
  if (semi == std::string_view::npos) return {};
  params = params.substr(semi);
  return param_value(params.substr(0, find_char(params, '?')), "phone-context");
}

std::string_view with_phone_context(std::string_view uri, std::string_view user, std::string_view number,
                                    EventBatch& arena) {
  if (user[0] == '+' || !is_phone_number(user)) return number;  // global already, or a name
  std::string_view ctx = phone_context(uri);
  if (ctx.size() < 2 || ctx[0] != '+' || ctx.find('+', 1) != std::string_view::npos || !is_phone_number(ctx))
    return number;  // a domain name, "unknown", or not a number
  char* p = arena.alloc(ctx.size() + number.size());
  if (!p) return number;
  size_t n = 0;
  for (char c : ctx)
    if (is_digit(c)) p[n++] = c;
  std::memcpy(p + n, number.data(), number.size());
  arena.shrink_last(p, n + number.size());
  return {p, n + number.size()};
}

SentBy via_sent_by(std::string_view via_value) {
  SentBy sb;
  std::string_view v = first_value(via_value);
  // sent-protocol: name / version / transport, LWS allowed around '/'
  for (int slashes = 0; slashes < 2; ++slashes) {
    size_t s = find_char(v, '/');
    if (s == std::string_view::npos) return sb;
    v.remove_prefix(s + 1);
  }
  size_t i = 0;
  while (i < v.size() && is_ws(v[i])) ++i;
  i = std::min(v.size(), find_any<' ', '\t'>(v, i));  // transport
  while (i < v.size() && is_ws(v[i])) ++i;
  v.remove_prefix(i);
  if (!v.empty() && v.front() == '[') {
    size_t close = find_char(v, ']');
    if (close == std::string_view::npos) return sb;
    sb.host = v.substr(1, close - 1);
    v.remove_prefix(close + 1);
  } else {
    sb.host = v.substr(0, find_any<':', ';', ' ', '\t'>(v));
    v.remove_prefix(sb.host.size());
  }
  while (!v.empty() && is_ws(v.front())) v.remove_prefix(1);
  if (!v.empty() && v.front() == ':') {
    v.remove_prefix(1);
    size_t n = 0;
    while (n < v.size() && is_ws(v[n])) ++n;
    size_t d = n;
    while (d < v.size() && is_digit(v[d])) ++d;
    auto p = parse_u32(v.substr(n, d - n));
    if (p && *p <= 0xFFFF) sb.port = uint16_t(*p);
  }
  return sb;
}

SdpSummary scan_sdp(std::string_view body) {
  SdpSummary s;
  size_t pos = 0;
  // Stop once both are found: later lines cannot change either.
  while (pos < body.size() && (s.addr.empty() || s.audio_port == 0)) {
    size_t eol = find_char(body, '\n', pos);
    if (eol == std::string_view::npos) eol = body.size();
    std::string_view line = trim(body.substr(pos, eol - pos));
    pos = eol + 1;
    if (s.addr.empty() && line.starts_with("c=")) {
      // c=<nettype> <addrtype> <connection-address>[/ttl[/count]]
      std::string_view f = line.substr(2);
      for (int skip = 0; skip < 2; ++skip) {
        size_t sp = find_char(f, ' ');
        if (sp == std::string_view::npos) { f = {}; break; }
        f = f.substr(sp + 1);
      }
      s.addr = trim(f.substr(0, find_char(f, '/')));
    } else if (s.audio_port == 0 && line.starts_with("m=audio ")) {
      std::string_view f = line.substr(8);
      size_t d = 0;
      while (d < f.size() && is_digit(f[d])) ++d;
      auto p = parse_u32(f.substr(0, d));
      if (p && *p <= 0xFFFF) s.audio_port = uint16_t(*p);
    }
  }
  return s;
}

void for_each_part(std::string_view body, std::string_view boundary,
                   const std::function<void(std::string_view, std::string_view)>& f) {
  // A delimiter is "--" boundary at the start of the body or of a line.
  auto delimiter = [&](size_t from) -> size_t {
    for (size_t at = body.find(boundary, from); at != std::string_view::npos; at = body.find(boundary, at + 1))
      if (at >= 2 && body[at - 1] == '-' && body[at - 2] == '-' && (at == 2 || body[at - 3] == '\n')) return at - 2;
    return std::string_view::npos;
  };
  size_t d = delimiter(0);
  for (int parts = 0; d != std::string_view::npos && parts < 16; ++parts) {
    size_t after = d + 2 + boundary.size();
    if (body.substr(after, 2) == "--") return;  // the close delimiter
    size_t eol = find_char(body, '\n', after);
    if (eol == std::string_view::npos) return;
    // Part headers up to an empty line; its body up to the CRLF before the next delimiter.
    size_t head_end = eol + 1;
    std::string_view type;
    for (;;) {
      size_t e = find_char(body, '\n', head_end);
      if (e == std::string_view::npos) return;
      std::string_view line = trim(body.substr(head_end, e - head_end));
      head_end = e + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) break;
      size_t colon = find_char(line, ':');
      if (colon == std::string_view::npos) continue;
      std::string_view name = trim(line.substr(0, colon));
      if (iequals(name, "Content-Type") || iequals(name, "c")) {
        std::string_view v = trim(line.substr(colon + 1));
        type = trim(v.substr(0, find_char(v, ';')));
      }
    }
    size_t next = delimiter(head_end);
    if (next == std::string_view::npos) return;
    size_t end = next;
    if (end > head_end && body[end - 1] == '\n') --end;
    if (end > head_end && body[end - 1] == '\r') --end;
    f(type, body.substr(head_end, end - head_end));
    d = next;
  }
}

bool fill_sip_info(const SipMessage& m, SipInfo& s, EventBatch& arena, std::string_view* isup_body) {
  bool ok = true;
  if (m.is_request) {
    s.method = method_from_name(m.method);
    s.method_name = m.method;
    s.ruri_user = uri_number(m.ruri, arena);
  } else {
    s.method = SipMethod::None;
    s.status = m.status;
    s.reason = m.reason;
  }
  s.call_id = value_of(m.first(HeaderId::CallId), arena, ok);

  if (const SipHeader* h = m.first(HeaderId::CSeq)) {
    std::string_view v = value_of(h, arena, ok);
    s.cseq = v;
    size_t i = 0;
    while (i < v.size() && is_digit(v[i])) ++i;
    if (auto n = parse_u32(v.substr(0, i))) s.cseq_num = *n;
    std::string_view method = trim(v.substr(i));
    if (!method.empty()) s.cseq_method = method_from_name(method);
  }

  fill_name_addr(m.first(HeaderId::From), arena, ok, &s.from_user, &s.from_display, &s.from_tag);
  fill_name_addr(m.first(HeaderId::To), arena, ok, &s.to_user, nullptr, &s.to_tag);
  fill_name_addr(m.first(HeaderId::PAssertedIdentity), arena, ok, &s.pai_user, nullptr, nullptr);
  if (m.is_request) fill_diversion(m, s, arena, ok);

  const SipHeader* ua = m.first(HeaderId::UserAgent);
  if (!m.is_request && m.first(HeaderId::Server)) ua = m.first(HeaderId::Server);
  s.user_agent = value_of(ua, arena, ok);

  fill_contact_instance(m, s, arena, ok);
  fill_cell(m, s, arena, ok);

  if (const SipHeader* via = m.first(HeaderId::Via)) {
    SentBy sb = via_sent_by(value_of(via, arena, ok));
    s.via_host = sb.host;
    s.via_port = sb.port;
  }

  std::string_view ct = value_of(m.first(HeaderId::ContentType), arena, ok);
  s.content_type = trim(ct.substr(0, find_char(ct, ';')));
  auto body_part = [&s, isup_body](std::string_view type, std::string_view body) {
    if (iequals(type, "application/sdp") && s.sdp_addr.empty() && s.sdp_audio_port == 0) {
      SdpSummary sdp = scan_sdp(body);
      s.sdp_addr = sdp.addr;
      s.sdp_audio_port = sdp.audio_port;
    } else if (iequals(type, "application/isup") && isup_body && isup_body->empty()) {
      *isup_body = body;
    }
  };
  // SIP-I and SIP-T send the ISUP message beside the SDP (multipart/mixed).
  if (istarts_with(s.content_type, "multipart/")) {
    size_t semi = find_char(ct, ';');
    std::string_view params = semi == std::string_view::npos ? std::string_view{} : ct.substr(semi);
    std::string_view boundary = strip_quotes(param_value(params, "boundary"));
    if (!boundary.empty()) for_each_part(m.body, boundary, body_part);
  } else {
    body_part(s.content_type, m.body);
  }
  if (s.method == SipMethod::Message && iequals(s.content_type, "text/plain")) s.body_text = m.body;
  return ok;
}

}  // namespace sigprobe::sip
