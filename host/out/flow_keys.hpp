// Which flows a packet belongs to, as 64-bit keys: the correlation keys of its
// messages (SIP Call-ID, TCAP transaction, ISUP circuit) and the identities in
// them (numbers, IPs, GTs, User-Agent, IMEI, IMSI). A flagged flow (mirror,
// HEP) is the set of correlation keys reached from an alert's subject.
// Keys are FNV-1a hashes of a kind tag and the value; nothing is allocated.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/core/signal_event.hpp"
#include "host/detect/alert.hpp"

namespace sigprobe {

enum class KeyKind : uint8_t { CallId, TcapTid, IsupCircuit, Number, Ip, Gt, UserAgent, Imei, Imsi, Cell };

uint64_t flow_key(KeyKind kind, std::string_view value);
// The key of an alert's subject (msisdn -> Number, ...).
uint64_t subject_key(SubjectType type, std::string_view value);

// The TCAP transaction key of Alert::tcap_tids: the point code that
// allocated the transaction id, in decimal, '-', the id in hex ("1201-0a1b2c3d").
// A Begin's otid was allocated by its OPC; a Continue/End/Abort's dtid by its DPC.
std::string tcap_tid_text(uint32_t pc, const std::array<uint8_t, 4>& tid, uint8_t len);

// Keys of one packet: correlation keys (`flow`) and identities (`who`).
struct KeySet {
  static constexpr size_t kMaxFlow = 8;
  static constexpr size_t kMaxWho = 16;
  std::array<uint64_t, kMaxFlow> flow{};
  std::array<uint64_t, kMaxWho> who{};
  uint8_t n_flow = 0, n_who = 0;
  bool overflow = false;  // some keys did not fit

  void add_flow(uint64_t k);
  void add_who(uint64_t k);
  bool has_flow(uint64_t k) const;
  bool has_who(uint64_t k) const;
  void clear() { n_flow = n_who = 0; overflow = false; }
};

// Adds the keys of one event.
void collect_keys(const SignalEvent& ev, KeySet& ks);

// The HEP correlation id of an event: its Call-ID, or its TCAP key text
// (written into buf, returned as a view of it); empty when it has none.
std::string_view correlation_id(const SignalEvent& ev, std::array<char, 96>& buf);

}  // namespace sigprobe
