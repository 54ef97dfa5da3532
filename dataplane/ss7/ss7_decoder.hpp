// SS7 entry points the L2-L4 walk calls. Owner: dataplane/ss7.
// Stateful (SCCP segment and concatenated-SMS reassembly, the invoke table that
// gives results their operation code), one per worker. All state is allocated
// at construction; nothing is allocated per message.
//
// Events: one per TCAP component (proto map, layers Mtp3|Sccp|Tcap|Map); a
// TCAP message without components gives one proto tcap event; ISUP gives one
// proto isup event (layers Mtp3|Isup). M3UA/M2PA/M2UA management, SCCP
// management and other MTP3 users are counted (DecodeCounters and stats())
// without events.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"
#include "dataplane/core/signal_event.hpp"

namespace sigprobe::ss7 {

struct Ss7Config {
  bool ansi_point_codes = false;   // MTP3 routing label: ANSI 24-bit instead of ITU 14-bit
  bool japan_point_codes = false;  // TTC/Japan 16-bit point codes (label and SCCP addresses)
  uint64_t sms_concat_timeout_ns = 120'000'000'000ull;  // capture time
  uint64_t sccp_reassembly_timeout_ns = 30'000'000'000ull;
  // A returnResult without an operation code takes the code of its invoke
  // (same transaction and invoke id), remembered in a bounded table. Off:
  // events carry only what is on the wire.
  bool result_opcode_from_invoke = true;
  // The link's country code (E.164: 1-3 digits, not 0; anything else reads
  // as none), or empty. A number whose
  // nature of address says national (significant) number is given as this
  // code and its digits, the international form MAP and IMS carry, so that
  // lists, subjects and the legs of one call compare equal across protocols:
  // ISUP and CAP party numbers with NAI 3 (Q.763 3.9), AddressStrings and
  // calledPartyBCDNumber with nature 010 and numbering plan E.164 (TS 29.002
  // 17.7.8, TS 24.008 10.5.4.7), SMS TP-OA/TP-DA with type of number 010
  // (TS 23.040 9.1.2.5), global titles with NAI 3 (Q.713 3.4.2.3; GTI 4 with
  // numbering plan E.164, or GTI 1). Counted in DecodeCounters::national_numbers.
  // Subscriber (local) numbers and numbers of unknown nature stay as sent.
  std::string country_code;
};

// Counters beyond DecodeCounters: by message class and type.
struct Ss7Stats {
  std::array<uint64_t, 16> sigtran_class{};  // M3UA/M2UA/M2PA message class (RFC 4666 3.1.2)
  std::array<uint64_t, 16> mtp3_si{};        // MTP3 service indicator of user messages
  std::array<uint64_t, 32> sccp_type{};      // Q.713 message type
  uint64_t mtp2_fisu = 0, mtp2_lssu = 0, mtp2_msu = 0;
  uint64_t tcap_ansi = 0;
  uint64_t sms_status_reports = 0, sms_commands = 0, sms_reports = 0;
  uint64_t results_opcode_from_table = 0;    // returnResults whose opcode came from the invoke table
  uint64_t sua = 0;
};

class Ss7Decoder {
 public:
  explicit Ss7Decoder(const Ss7Config& cfg = {});
  ~Ss7Decoder();
  Ss7Decoder(const Ss7Decoder&) = delete;
  Ss7Decoder& operator=(const Ss7Decoder&) = delete;

  // A complete SCTP user message (already reassembled) with ctx.sctp_ppid set
  // (3 M3UA, 5 M2PA, 2 M2UA, 4 SUA; 0 = decide by content and port).
  void on_sctp_message(Bytes msg, const MsgContext& ctx, EventBatch& out, DecodeCounters& c);
  // Link-type captures.
  void on_mtp2(Bytes frame, const MsgContext& ctx, EventBatch& out, DecodeCounters& c);
  void on_mtp2_with_phdr(Bytes frame, const MsgContext& ctx, EventBatch& out, DecodeCounters& c);
  void on_mtp3(Bytes msu, const MsgContext& ctx, EventBatch& out, DecodeCounters& c);

  // The ISUP message of a SIP-I/SIP-T body (sip::fill_sip_info) into e.isup,
  // numbers as on_isup gives them (country code included); sets
  // kLayerSipIsup. Nothing when it does not parse (anomaly counted). An
  // INVITE without Diversion/History-Info gets its diversion_user from the
  // IAM's redirecting number, else its original called number.
  void on_sip_isup(Bytes body, SignalEvent& e, EventBatch& out, DecodeCounters& c);

  const Ss7Stats& stats() const;
  // Ss7Config::country_code as used (empty when none, or not a valid one).
  std::string_view country_code() const;

 private:
  struct State;
  std::unique_ptr<State> st_;
  Ss7Config cfg_;
};

}  // namespace sigprobe::ss7
