// SignalEvent: one compact, normalized record per decoded signaling message.
// It is what decode hands to track/detect/act, and what `decode --json`
// prints (the event JSON contract of shared/DESIGN.md).
//
// Strings are std::string_view. They point either into the packet (valid for
// the burst) or into the EventBatch arena (valid until the batch is cleared):
// consumers that keep anything beyond the burst copy it. Numbers are digit
// strings already normalized (no '+', no "sip:"/"tel:", no separators).
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "dataplane/core/packet.hpp"

namespace sigprobe {

enum class Proto : uint8_t { Sip, M3ua, Sccp, Tcap, Map, Isup, Cap, Count_ };
inline constexpr std::array<std::string_view, size_t(Proto::Count_)> kProtoNames{
    "sip", "m3ua", "sccp", "tcap", "map", "isup", "cap"};
constexpr std::string_view proto_name(Proto p) { return kProtoNames[size_t(p)]; }

enum class Transport : uint8_t { None, Udp, Tcp, Sctp, Mtp2, Mtp3 };
inline constexpr std::array<std::string_view, 6> kTransportNames{
    "", "udp", "tcp", "sctp", "mtp2", "mtp3"};
constexpr std::string_view transport_name(Transport t) { return kTransportNames[size_t(t)]; }

// IPv4 (family 4) or IPv6 (family 6) address and port; family 0 = none (MTP links).
struct Endpoint {
  std::array<uint8_t, 16> addr{};
  uint8_t family = 0;
  uint16_t port = 0;

  bool operator==(const Endpoint&) const = default;
};

// Where a message lies in its packet, for an inline probe that must hold it
// back in place (host/dp/hold_in_place.hpp): the transport segment (SCTP
// packet or TCP segment, header on) and, over SCTP, the M3UA message of a
// DATA chunk that carried it whole; over TCP, a SIP request's Max-Forwards
// value (msg_len digits). msg_off 0: not in the packet in one piece
// (fragmented, IP-reassembled, split over segments) or nothing to hold.
struct WireSpot {
  uint16_t l4_off = 0, l4_len = 0, msg_off = 0, msg_len = 0;
};

// Where a message came from, as the L2-L4 walk found it. Passed to the SIP and
// SS7 decoders together with the message bytes.
struct MsgContext {
  const PacketRef* pkt = nullptr;  // the packet that completed the message
  Endpoint src, dst;
  Transport transport = Transport::None;
  uint16_t sctp_stream = 0;
  uint32_t sctp_ppid = 0;
  WireSpot wire;
};

// An IMEI family: TAC (8 digits) + the first 4 serial digits. The modules of
// one SIM box have consecutive serials; so do a company's phones bought in one
// batch, which is why a family rule also looks at IMEIs per number. Alerts of
// simbox rules by imei_family name it; the mirror follows it.
inline constexpr size_t kImeiFamilyDigits = 12;

// ---- SIP ----------------------------------------------------------------
enum class SipMethod : uint8_t {
  None,  // a response
  Invite, Ack, Bye, Cancel, Register, Options, Message, Info, Prack, Update,
  Subscribe, Notify, Refer, Publish, Other
};

// (Packing the small fields together would free 24 bytes, but it cost the
// SIP decoder 6-10 % in BM_SipDecode, the same instructions: this order is
// measured, bench/README.md.)
struct SipInfo {
  SipMethod method = SipMethod::None;
  std::string_view method_name;   // request method as on the wire
  uint16_t status = 0;            // response code; 0 for requests
  std::string_view reason;
  std::string_view call_id;
  std::string_view cseq;          // "314159 INVITE" as on the wire (trimmed)
  uint32_t cseq_num = 0;
  SipMethod cseq_method = SipMethod::None;
  std::string_view from_user, to_user, ruri_user, pai_user;  // digits where numeric
  // A request forwarded on behalf of this user (call diversion): the top
  // Diversion entry (RFC 5806), else the History-Info entry (RFC 7044) before
  // the first whose URI has a cause parameter (RFC 4458, 3GPP TS 24.604), else
  // the entry the first one tagged mp (RFC 7044: mapped) was mapped from.
  std::string_view diversion_user;
  std::string_view from_display;
  std::string_view from_tag, to_tag;
  std::string_view user_agent;    // User-Agent (requests) or Server (responses)
  std::string_view contact_instance;  // +sip.instance value, e.g. "urn:gsma:imei:..."
  std::string_view imei;          // digits, when contact_instance is an IMEI URN
  // The radio cell of a VoLTE/VoNR request (P-Access-Network-Info, 3GPP TS
  // 24.229 7.2A.4): utran-cell-id-3gpp (E-UTRAN: MCC MNC TAC ECI; NR: MCC MNC
  // TAC NCI, hex) or cgi-3gpp, upper case; the network-provided entry (added
  // by the P-CSCF) before the terminal's own.
  std::string_view cell;
  std::string_view via_host;      // top Via sent-by host
  uint16_t via_port = 0;
  std::string_view content_type;
  std::string_view body_text;     // MESSAGE text body only
  std::string_view sdp_addr;      // SDP c= address
  uint16_t sdp_audio_port = 0;    // SDP m=audio port
};

// ---- SS7 ----------------------------------------------------------------
struct Mtp3Info {              // from M3UA protocol data, M2PA/M2UA/MTP2 MTP3
  uint32_t opc = 0, dpc = 0;
  uint8_t si = 0, ni = 0, mp = 0, sls = 0;
};

struct SccpAddr {
  std::string_view gt;         // digits
  uint16_t pc = 0;
  uint8_t ssn = 0;
  uint8_t ri = 0, gti = 0, tt = 0, np = 0, nai = 0;
  bool has_pc = false, has_ssn = false;
};

struct SccpInfo {
  uint8_t msg_type = 0;        // Q.713 message type (0x09 UDT, 0x11 XUDT, 0x13 LUDT...)
  SccpAddr calling, called;
};

enum class TcapType : uint8_t { None, Begin, Continue, End, Abort, Unidirectional };

struct TcapInfo {
  TcapType type = TcapType::None;
  std::array<uint8_t, 4> otid{}, dtid{};
  uint8_t otid_len = 0, dtid_len = 0;   // 0 = absent
  std::string_view acn;                  // application context OID, dotted
  uint8_t component_count = 0;
};

enum class MapComponent : uint8_t { None, Invoke, ReturnResult, ReturnResultNotLast, ReturnError, Reject };

// The small fields come first, together (spread among the views they cost
// 16 bytes of padding, which the event, 1,024 bytes, has no room for).
struct SmsInfo {
  bool present = false;
  uint8_t tpdu_type = 0;        // TP-MTI: 0 DELIVER, 1 SUBMIT, 2 STATUS-REPORT/COMMAND
  uint8_t pid = 0, dcs = 0;
  uint16_t concat_ref = 0;
  uint8_t concat_total = 0, concat_seq = 0;
  std::string_view oa, da;      // digits, or the alphanumeric sender as UTF-8
  std::string_view text;        // UTF-8; for concatenated SMS the whole text on the completing part
};

struct MapInfo {
  MapComponent component = MapComponent::None;
  // SS-Code (TS 29.002 17.7.5: 0x21 CFU, 0x29 CFB, ...) of a registerSS, or of
  // the forwarding whose forwarded_to an insertSubscriberData carries; 0 (allSS,
  // never registered with a number) when absent. Sits in padding.
  uint8_t ss_code = 0;
  int16_t invoke_id = -1;
  int16_t opcode = -1;          // -1 = absent (e.g. a returnResult without operation)
  uint16_t error_code = 0;
  std::string_view imsi, msisdn, vlr, msc, sgsn, hlr, imei;
  std::string_view service_centre, roaming_number;
  std::string_view gsm_scf;       // gsmSCF address (anyTimeInterrogation requester)
  std::string_view forwarded_to;  // call forwarding target: registerSS, insertSubscriberData
  std::string_view ussd;        // decoded USSD string, UTF-8
  SmsInfo sms;
};

// CAMEL (CAP, 3GPP TS 29.078) between an MSC's gsmSSF and the gsmSCF (a
// prepaid or VPN service): every call of a CAMEL subscriber opens a dialogue
// with InitialDP, which names the caller, the callee, the IMSI and the cell;
// eventReportBCSM reports the answer and the end. Every SMS a CAMEL subscriber
// sends opens one with InitialDPSMS (sender, recipient, service centre, IMSI,
// cell, IMEI; no text). One event per component.
struct CapInfo {
  MapComponent component = MapComponent::None;
  uint8_t event_type = 0;       // EventTypeBCSM (InitialDP, eventReportBCSM); 0 absent
  uint8_t cause = 0;            // Q.850 cause value (releaseCall, eventReportBCSM)
  bool has_cause = false;
  int16_t invoke_id = -1;
  int16_t opcode = -1;
  uint32_t service_key = 0;
  bool has_service_key = false;
  std::string_view calling, called;  // digits; called: calledPartyBCDNumber, else calledPartyNumber
  std::string_view imsi, msc, vlr;
  std::string_view service_centre, imei;  // InitialDPSMS: sMSCAddress, iMEI
  // Cell global identity or service area of locationInformation: MCC MNC,
  // then LAC and CI (or SAC) as 4 upper-case hex digits each (the cgi-3gpp
  // form of P-Access-Network-Info, TS 24.229 7.2A.4).
  std::string_view cell;
};

// CAP operation codes (TS 29.078) that decoding and tracking read.
namespace cap_op {
inline constexpr int16_t kInitialDp = 0, kConnect = 20, kReleaseCall = 22,
                         kRequestReportBcsmEvent = 23, kEventReportBcsm = 24, kContinue = 31,
                         kInitialDpSms = 60, kEventReportSms = 64, kContinueSms = 65, kReleaseSms = 66;
// The SMS operations (60..67): their event types are EventTypeSMS, not BCSM.
constexpr bool is_sms(int16_t op) { return op >= 60 && op <= 67; }
}
// EventTypeSMS values (TS 29.078) that tracking reads.
namespace cap_sms_event {
inline constexpr uint8_t kSmsCollectedInfo = 1, kOSmsFailure = 2, kOSmsSubmission = 3,
                         kSmsDeliveryRequested = 11;
}
// EventTypeBCSM values (TS 29.078) that tracking reads.
namespace cap_event {
inline constexpr uint8_t kCollectedInfo = 2, kAnalyzedInformation = 3, kRouteSelectFailure = 4,
                         kOCalledPartyBusy = 5, kONoAnswer = 6, kOAnswer = 7, kODisconnect = 9,
                         kOAbandon = 10, kTermAttemptAuthorized = 12, kTBusy = 13, kTNoAnswer = 14,
                         kTAnswer = 15, kTDisconnect = 17, kTAbandon = 18, kOTermSeized = 19,
                         kCallAccepted = 27;
}

struct IsupInfo {
  uint8_t msg_type = 0;         // Q.763 message type code
  uint16_t cic = 0;
  std::string_view calling, called;  // digits
  // A diverted call's IAM: the subscriber whose forwarding sent it to called,
  // the redirecting number (Q.763 3.44: the last diversion), else the original
  // called number (3.39). Digits, in international form as calling and called.
  std::string_view redirecting;
  uint8_t calling_nai = 0, called_nai = 0, calling_category = 0;
  uint8_t cause = 0;            // REL cause value
  bool has_cause = false;
};

// Which layers an event carries.
enum LayerBit : uint16_t {
  kLayerSip = 1 << 0,
  kLayerMtp3 = 1 << 1,   // routing label (from M3UA DATA or MTP3)
  kLayerSccp = 1 << 2,
  kLayerTcap = 1 << 3,
  kLayerMap = 1 << 4,
  kLayerIsup = 1 << 5,
  kLayerCap = 1 << 6,
  // A SIP event whose isup holds the ISUP message its SIP-I/SIP-T body
  // carries (RFC 3204). Not an ISUP event: kLayerIsup stays off.
  kLayerSipIsup = 1 << 7,
};

struct SignalEvent {
  uint64_t frame = 0;
  uint64_t ts_ns = 0;
  Proto proto = Proto::Sip;
  Transport transport = Transport::None;
  uint16_t layers = 0;
  uint16_t port = 0;            // receiving port / capture index
  Endpoint src, dst;
  WireSpot wire;                // SS7 over SCTP: where its M3UA message lies (inline --enforce)
  SipInfo sip;
  Mtp3Info mtp3;
  SccpInfo sccp;
  TcapInfo tcap;
  MapInfo map;
  IsupInfo isup;
  CapInfo cap;

  bool has(LayerBit b) const { return (layers & b) != 0; }
};
// A burst's events are cleared and filled per packet: the size is a cost on
// the fast path, kept to 16 cache lines.
static_assert(sizeof(SignalEvent) <= 1024, "SignalEvent grew past 16 cache lines");

// A retransmission decode gives no event (the first copy had one), but an
// inline probe that held the first copy back must hold this one too
// (host/dp/hold_in_place.hpp): an SCTP DATA chunk carrying an M3UA DATA
// message or a SIP request whole, or a TCP segment whose bytes were all
// delivered before.
struct Repeat {
  uint64_t frame = 0;                       // the packet's frame, as SignalEvent::frame
  WireSpot wire;                            // the segment; for SCTP, msg_off: the chunk's user data
  Transport transport = Transport::Sctp;    // Sctp or Tcp
};

// The buffer decode fills for one burst: events plus an arena for strings
// that are not contiguous in the packet (normalized digits, decoded SMS text,
// reassembled messages). Capacity is fixed at construction; nothing is
// allocated while decoding. When full, push()/store() fail and the caller
// counts it.
class EventBatch {
 public:
  explicit EventBatch(size_t max_events = 4 * kBurstMax, size_t arena_bytes = 1 << 20)
      : events_(max_events), arena_(new char[arena_bytes]), arena_cap_(arena_bytes) {}

  // A fresh event slot, or nullptr when the batch is full.
  SignalEvent* push() {
    if (n_ == events_.size()) return nullptr;
    SignalEvent* e = &events_[n_++];
    *e = SignalEvent{};
    return e;
  }
  // Drop the last pushed event (a decoder that found the message unusable).
  void pop() { if (n_) --n_; }

  // Copy s into the arena; an empty view when the arena is full.
  std::string_view store(std::string_view s) {
    char* p = alloc(s.size());
    if (!p) return {};
    std::memcpy(p, s.data(), s.size());
    return {p, s.size()};
  }
  // n bytes of arena, or nullptr when full. Use shrink_last() to give back
  // the unused tail of the last allocation.
  char* alloc(size_t n) {
    if (arena_cap_ - used_ < n) { ++arena_overflows_; return nullptr; }
    char* p = arena_.get() + used_;
    used_ += n;
    last_ = p;
    return p;
  }
  void shrink_last(char* p, size_t used_len) {
    if (p == last_) used_ = size_t(p - arena_.get()) + used_len;
  }

  // Repeats are kept only where asked (an inline probe that enforces).
  void keep_repeats(bool on) { keep_repeats_ = on; }
  // Records a repeat; false (and forgotten) when the burst has kMaxRepeats.
  bool add_repeat(const Repeat& r) {
    if (!keep_repeats_) return true;
    if (n_repeats_ == repeats_.size()) return false;
    repeats_[n_repeats_++] = r;
    return true;
  }
  std::span<const Repeat> repeats() const { return {repeats_.data(), n_repeats_}; }

  // A SIP message that does not lie in its packet (a datagram reassembled
  // from IP fragments, bytes of a TCP stream or SCTP fragments): the arena
  // copy it was decoded from, noted for its event, for what must read the
  // message whole again (host/dp/sip_cut: the dialogs an inline probe may
  // cut). Few per burst: a search, and nothing for the events in their packet.
  void note_copied_message(size_t event, std::string_view text) {
    if (n_copied_ < copied_.size()) copied_[n_copied_++] = {event, text};
  }
  std::string_view copied_message(size_t event) const {
    for (size_t k = 0; k < n_copied_; ++k)
      if (copied_[k].first == event) return copied_[k].second;
    return {};
  }

  void clear() { n_ = 0; used_ = 0; last_ = nullptr; n_repeats_ = 0; n_copied_ = 0; }
  size_t size() const { return n_; }
  bool full() const { return n_ == events_.size(); }
  std::span<SignalEvent> events() { return {events_.data(), n_}; }
  std::span<const SignalEvent> events() const { return {events_.data(), n_}; }
  uint64_t arena_overflows() const { return arena_overflows_; }

 private:
  std::vector<SignalEvent> events_;
  size_t n_ = 0;
  std::unique_ptr<char[]> arena_;
  size_t arena_cap_;
  size_t used_ = 0;
  char* last_ = nullptr;
  uint64_t arena_overflows_ = 0;
  static constexpr size_t kMaxRepeats = 64;
  std::array<Repeat, kMaxRepeats> repeats_{};
  static constexpr size_t kMaxCopied = 64;  // beyond: not noted (a cut counts such a call, not_one_frame)
  std::array<std::pair<size_t, std::string_view>, kMaxCopied> copied_{};
  size_t n_copied_ = 0;
  size_t n_repeats_ = 0;
  bool keep_repeats_ = false;
};

}  // namespace sigprobe
