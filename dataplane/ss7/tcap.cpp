#include "dataplane/ss7/tcap.hpp"

#include "dataplane/ss7/ber.hpp"

namespace sigprobe::ss7 {
namespace {

// Q.773 section 4.2 identifiers.
constexpr uint8_t kUnidirectional = 0x61, kBegin = 0x62, kEnd = 0x64, kContinue = 0x65,
                  kAbort = 0x67;
constexpr uint8_t kOtid = 0x48, kDtid = 0x49, kPAbortCause = 0x4A, kDialoguePortion = 0x6B,
                  kComponentPortion = 0x6C;
constexpr uint8_t kInvoke = 0xA1, kReturnResultLast = 0xA2, kReturnError = 0xA3, kReject = 0xA4,
                  kReturnResultNotLast = 0xA7;
constexpr uint8_t kInteger = 0x02, kNull = 0x05, kOid = 0x06, kSequence = 0x30, kLinkedId = 0x80;
// Q.773 dialogue PDUs inside EXTERNAL [UNIVERSAL 8] / single-ASN1-type [0].
constexpr uint8_t kExternal = 0x28, kSingleAsn1 = 0xA0, kAarq = 0x60, kAare = 0x61, kAcnTag = 0xA1,
                  kUserInformation = 0xBE;
// MAP application contexts: 0.4.0.0.1.0.<context>.<version>
constexpr uint8_t kMapAcnPrefix[] = {0x04, 0x00, 0x00, 0x01, 0x00};

bool valid_tid(const Tlv& t) { return !t.value.empty() && t.value.size() <= 4; }

// ber_find for callers that only need the contents: into `value`, so the
// element is never copied whole. GCC 12 built ber_find's Tlv on the stack with
// narrow stores and moved it wide, a store-forwarding stall for each of the
// five finds below (measured: ~25% of parse_tcap's samples).
bool find_value(Bytes b, uint8_t id, Bytes& value, DecodeCounters& c) {
  ByteReader r{b};
  while (!r.empty()) {
    auto t = ber_read(r, c);
    if (!t) return false;
    if (t->id == id) {
      value = t->value;
      return true;
    }
  }
  return false;
}

// The application context name and the user information of an AARQ/AARE.
void read_dialogue(Bytes portion, TcapMsg& m, DecodeCounters& c) {
  Bytes ext, single, acn;
  if (!find_value(portion, kExternal, ext, c) || !find_value(ext, kSingleAsn1, single, c)) return;
  ByteReader r{single};
  auto pdu = ber_read(r, c, 3);
  if (!pdu || (pdu->id != kAarq && pdu->id != kAare)) return;
  Bytes aarq = pdu->value;
  find_value(aarq, kUserInformation, m.user_info, c);
  if (find_value(aarq, kAcnTag, acn, c)) find_value(acn, kOid, m.acn, c);
}

// invokeID, then the operation (local INTEGER or global OID), then the
// parameter: the shape of Invoke and of ReturnResult's inner SEQUENCE.
void read_operation_and_param(ByteReader& r, TcapComponent& comp, DecodeCounters& c) {
  if (r.empty()) return;
  auto op = ber_read(r, c, 4);
  if (!op) return;
  if (op->id == kInteger) {
    auto v = ber_int(op->value);
    if (v && *v >= 0 && *v <= 0x7FFF) comp.opcode = *v;
    else c.anomaly(Anomaly::TcapOpcodeInvalid);
  } else if (op->id != kOid) {
    c.anomaly(Anomaly::TcapOpcodeInvalid);
    return;
  }
  if (r.empty()) return;
  Bytes before = r.rest();
  auto p = ber_read(r, c, 4);
  if (!p) return;
  comp.has_param = true;
  comp.param = before.first(before.size() - r.remaining());
}

// Into comp (default-constructed by the caller); false for an unknown
// component type. In place: an optional returned and copied into the array
// stalled on store forwarding (measured in the chain profile).
bool parse_component(const Tlv& t, TcapComponent& comp, DecodeCounters& c) {
  switch (t.id) {
    case kInvoke: comp.type = MapComponent::Invoke; break;
    case kReturnResultLast: comp.type = MapComponent::ReturnResult; break;
    case kReturnResultNotLast: comp.type = MapComponent::ReturnResultNotLast; break;
    case kReturnError: comp.type = MapComponent::ReturnError; break;
    case kReject: comp.type = MapComponent::Reject; break;
    default: c.anomaly(Anomaly::TcapComponentUnknown); return false;
  }
  ByteReader r{t.value};
  auto id = ber_read(r, c, 3);
  if (!id) return true;
  if (id->id == kInteger) {
    auto v = ber_int(id->value);
    if (v && *v >= -128 && *v <= 127) comp.invoke_id = int16_t(*v);
    else c.anomaly(Anomaly::TcapInvokeIdInvalid);
  } else if (!(comp.type == MapComponent::Reject && id->id == kNull)) {
    c.anomaly(Anomaly::TcapInvokeIdInvalid);
    return true;
  }
  switch (comp.type) {
    case MapComponent::Invoke: {
      if (auto p = r.peek_u8(); p && *p == kLinkedId) ber_read(r, c, 3);
      read_operation_and_param(r, comp, c);
      break;
    }
    case MapComponent::ReturnResult:
    case MapComponent::ReturnResultNotLast: {
      if (r.empty()) break;  // no result: no operation code either
      auto seq = ber_read(r, c, 3);
      if (!seq || seq->id != kSequence) break;
      ByteReader s{seq->value};
      read_operation_and_param(s, comp, c);
      break;
    }
    case MapComponent::ReturnError: {
      auto e = ber_read(r, c, 3);
      if (!e) break;
      if (e->id == kInteger) {
        auto v = ber_int(e->value);
        if (v) comp.error_code = *v;
      }
      if (!r.empty()) {
        Bytes before = r.rest();
        if (ber_read(r, c, 3)) {
          comp.has_param = true;
          comp.param = before.first(before.size() - r.remaining());
        }
      }
      break;
    }
    case MapComponent::Reject: {
      Bytes before = r.rest();
      if (!r.empty() && ber_read(r, c, 3)) {
        comp.has_param = true;  // the problem code
        comp.param = before.first(before.size() - r.remaining());
      }
      break;
    }
    default: break;
  }
  return true;
}

}  // namespace

bool looks_like_itu_tcap(Bytes b) {
  if (b.empty()) return false;
  return b[0] == kUnidirectional || b[0] == kBegin || b[0] == kEnd || b[0] == kContinue ||
         b[0] == kAbort;
}

bool looks_like_ansi_tcap(Bytes b) {
  // T1.114 package types: Unidirectional E1, Query w/ and w/o permission E2/E3,
  // Response E4, Conversation E5/E6, Abort F6.
  return !b.empty() && ((b[0] >= 0xE1 && b[0] <= 0xE6) || b[0] == 0xF6);
}

uint8_t acn_version(Bytes acn) {
  if (acn.size() != 7) return 0;
  for (size_t i = 0; i < sizeof kMapAcnPrefix; ++i)
    if (acn[i] != kMapAcnPrefix[i]) return 0;
  return acn[6];
}

bool acn_is_cap(Bytes acn) {
  // CAP v1/v2: 0.4.0.0.1.0.50..53.v; CAP v3/v4: 0.4.0.0.1.21/22/23.x.v (TS 29.078).
  if (acn.size() < 6) return false;
  for (size_t i = 0; i < 4; ++i)
    if (acn[i] != kMapAcnPrefix[i]) return false;
  if (acn[4] == 0x00) return acn.size() == 7 && acn[5] >= 50 && acn[5] <= 53;
  return acn[4] >= 21 && acn[4] <= 23;
}

int acn_context(Bytes acn) {
  if (acn.size() != 7 || acn_version(acn) == 0) return -1;
  return acn[5];
}

std::optional<TcapMsg> parse_tcap(Bytes msg, DecodeCounters& c) {
  TcapMsg m;
  if (!parse_tcap(msg, m, c)) return std::nullopt;
  return m;
}

bool parse_tcap(Bytes msg, TcapMsg& m, DecodeCounters& c) {
  ByteReader top{msg};
  auto t = ber_read(top, c, 0);
  if (!t) return false;
  // Reset from a constant: `= TcapHeader{}` built the temporary on the stack
  // with a narrow store (p_abort_cause) and copied it out wide, a
  // store-forwarding stall per message (measured: 15% of parse_tcap).
  static constexpr TcapHeader kBlankHeader{};
  static_cast<TcapHeader&>(m) = kBlankHeader;
  switch (t->id) {
    case kUnidirectional: m.type = TcapType::Unidirectional; break;
    case kBegin: m.type = TcapType::Begin; break;
    case kEnd: m.type = TcapType::End; break;
    case kContinue: m.type = TcapType::Continue; break;
    case kAbort: m.type = TcapType::Abort; break;
    default:
      c.anomaly(looks_like_ansi_tcap(msg) ? Anomaly::TcapAnsiUnsupported : Anomaly::TcapTypeUnknown);
      return false;
  }
  ByteReader r{t->value};
  while (!r.empty()) {
    auto e = ber_read(r, c, 1);
    if (!e) break;  // keep what was read so far
    switch (e->id) {
      case kOtid:
        if (valid_tid(*e)) m.otid = e->value;
        else c.anomaly(Anomaly::TcapTidInvalid);
        break;
      case kDtid:
        if (valid_tid(*e)) m.dtid = e->value;
        else c.anomaly(Anomaly::TcapTidInvalid);
        break;
      case kPAbortCause:
        if (!e->value.empty()) m.p_abort_cause = e->value[0];
        break;
      case kDialoguePortion:
        read_dialogue(e->value, m, c);
        break;
      case kComponentPortion: {
        m.has_components = true;
        ByteReader cr{e->value};
        while (!cr.empty()) {
          auto ct = ber_read(cr, c, 2);
          if (!ct) break;
          // Decoded in its slot; past the cap into a spare, for its anomalies.
          TcapComponent spare;
          bool room = m.n_components < kTcapMaxComponents;
          TcapComponent& comp = room ? m.components[m.n_components] : spare;
          if (room) comp = TcapComponent{};
          if (!parse_component(*ct, comp, c)) continue;
          if (!room) {
            c.anomaly(Anomaly::TcapTooManyComponents);
            break;
          }
          ++m.n_components;
        }
        break;
      }
      default: break;
    }
  }
  bool need_otid = m.type == TcapType::Begin || m.type == TcapType::Continue;
  bool need_dtid = m.type == TcapType::End || m.type == TcapType::Continue || m.type == TcapType::Abort;
  if ((need_otid && m.otid.empty()) || (need_dtid && m.dtid.empty()))
    c.anomaly(Anomaly::TcapTidInvalid);
  return true;
}

}  // namespace sigprobe::ss7
