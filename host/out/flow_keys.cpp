#include "host/out/flow_keys.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "host/track/call_tracker.hpp"

namespace sigprobe {
namespace {

constexpr uint64_t kFnvOffset = 1469598103934665603ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;
constexpr char kHex[] = "0123456789abcdef";

uint64_t fnv_byte(uint64_t h, uint8_t b) { return (h ^ b) * kFnvPrime; }

uint64_t fnv(uint64_t h, std::string_view s) {
  for (char c : s) h = fnv_byte(h, uint8_t(c));
  return h;
}

// Writes "<pc>-<hex tid>" into buf; returns its length.
size_t write_tcap_text(uint32_t pc, const std::array<uint8_t, 4>& tid, uint8_t len, std::array<char, 96>& buf) {
  int n = std::snprintf(buf.data(), buf.size(), "%u-", pc);
  size_t at = n > 0 ? size_t(n) : 0;
  for (uint8_t i = 0; i < len && i < 4; ++i) {
    buf[at++] = kHex[tid[i] >> 4];
    buf[at++] = kHex[tid[i] & 0xF];
  }
  return at;
}

uint64_t tcap_key(uint32_t pc, const std::array<uint8_t, 4>& tid, uint8_t len) {
  std::array<char, 96> buf{};
  size_t n = write_tcap_text(pc, tid, len, buf);
  return flow_key(KeyKind::TcapTid, {buf.data(), n});
}

uint64_t ip_key(const uint8_t* addr, size_t n) {
  uint64_t h = fnv_byte(kFnvOffset, uint8_t(KeyKind::Ip));
  for (size_t i = 0; i < n; ++i) h = fnv_byte(h, addr[i]);
  return h;
}

void add_who(KeySet& ks, KeyKind kind, std::string_view v) {
  if (!v.empty()) ks.add_who(flow_key(kind, v));
}

// An IMEI and its family (the subject of a simbox rule by imei_family).
void add_imei(KeySet& ks, std::string_view imei) {
  add_who(ks, KeyKind::Imei, imei);
  if (imei.size() > kImeiFamilyDigits) add_who(ks, KeyKind::Imei, imei.substr(0, kImeiFamilyDigits));
}

void add_ip(KeySet& ks, const Endpoint& ep) {
  if (ep.family == 4) ks.add_who(ip_key(ep.addr.data(), 4));
  else if (ep.family == 6) ks.add_who(ip_key(ep.addr.data(), 16));
}

// ISUP circuit: both point codes (lower first, so both directions agree) and the CIC.
uint64_t isup_key(uint32_t opc, uint32_t dpc, uint16_t cic) {
  uint32_t lo = opc < dpc ? opc : dpc, hi = opc < dpc ? dpc : opc;
  uint64_t h = fnv_byte(kFnvOffset, uint8_t(KeyKind::IsupCircuit));
  for (int s = 0; s < 32; s += 8) h = fnv_byte(h, uint8_t(lo >> s));
  for (int s = 0; s < 32; s += 8) h = fnv_byte(h, uint8_t(hi >> s));
  return fnv_byte(fnv_byte(h, uint8_t(cic)), uint8_t(cic >> 8));
}

}  // namespace

uint64_t flow_key(KeyKind kind, std::string_view value) {
  if (kind == KeyKind::Ip && value.size() < 64) {
    // IPs are keyed by their bytes so that text and wire addresses agree.
    char text[64] = {};
    if (!value.empty()) std::memcpy(text, value.data(), value.size());
    uint8_t addr[16];
    if (inet_pton(AF_INET, text, addr) == 1) return ip_key(addr, 4);
    if (inet_pton(AF_INET6, text, addr) == 1) return ip_key(addr, 16);
  }
  // A call record keeps the first kCallIdBytes of a Call-ID, and alerts name
  // calls by their records: a message's whole Call-ID must key alike.
  if (kind == KeyKind::CallId) value = value.substr(0, track::kCallIdBytes);
  return fnv(fnv_byte(kFnvOffset, uint8_t(kind)), value);
}

uint64_t subject_key(SubjectType type, std::string_view value) {
  switch (type) {
    case SubjectType::Msisdn: return flow_key(KeyKind::Number, value);
    case SubjectType::Ip: return flow_key(KeyKind::Ip, value);
    case SubjectType::Gt: return flow_key(KeyKind::Gt, value);
    case SubjectType::UserAgent: return flow_key(KeyKind::UserAgent, value);
    case SubjectType::Imei: return flow_key(KeyKind::Imei, value);
    case SubjectType::Imsi: return flow_key(KeyKind::Imsi, value);
    case SubjectType::Cell: return flow_key(KeyKind::Cell, value);
  }
  return 0;
}

std::string tcap_tid_text(uint32_t pc, const std::array<uint8_t, 4>& tid, uint8_t len) {
  std::array<char, 96> buf{};
  return std::string(buf.data(), write_tcap_text(pc, tid, len, buf));
}

void KeySet::add_flow(uint64_t k) {
  if (has_flow(k)) return;
  if (n_flow == kMaxFlow) { overflow = true; return; }
  flow[n_flow++] = k;
}

void KeySet::add_who(uint64_t k) {
  if (has_who(k)) return;
  if (n_who == kMaxWho) { overflow = true; return; }
  who[n_who++] = k;
}

bool KeySet::has_flow(uint64_t k) const {
  for (uint8_t i = 0; i < n_flow; ++i)
    if (flow[i] == k) return true;
  return false;
}

bool KeySet::has_who(uint64_t k) const {
  for (uint8_t i = 0; i < n_who; ++i)
    if (who[i] == k) return true;
  return false;
}

void collect_keys(const SignalEvent& ev, KeySet& ks) {
  add_ip(ks, ev.src);
  add_ip(ks, ev.dst);
  if (ev.has(kLayerSip)) {
    const SipInfo& s = ev.sip;
    if (!s.call_id.empty()) ks.add_flow(flow_key(KeyKind::CallId, s.call_id));
    add_who(ks, KeyKind::Number, s.from_user);
    add_who(ks, KeyKind::Number, s.to_user);
    add_who(ks, KeyKind::Number, s.ruri_user);
    add_who(ks, KeyKind::Number, s.pai_user);
    add_who(ks, KeyKind::UserAgent, s.user_agent);
    add_imei(ks, s.imei);
    add_who(ks, KeyKind::Cell, s.cell);
  }
  if (ev.has(kLayerSccp)) {
    add_who(ks, KeyKind::Gt, ev.sccp.calling.gt);
    add_who(ks, KeyKind::Gt, ev.sccp.called.gt);
  }
  if (ev.has(kLayerTcap)) {
    const TcapInfo& t = ev.tcap;
    if (t.otid_len) ks.add_flow(tcap_key(ev.mtp3.opc, t.otid, t.otid_len));
    if (t.dtid_len) ks.add_flow(tcap_key(ev.mtp3.dpc, t.dtid, t.dtid_len));
  }
  if (ev.has(kLayerMap)) {
    const MapInfo& m = ev.map;
    add_who(ks, KeyKind::Number, m.msisdn);
    add_who(ks, KeyKind::Imsi, m.imsi);
    add_imei(ks, m.imei);
    add_who(ks, KeyKind::Gt, m.vlr);
    add_who(ks, KeyKind::Gt, m.msc);
    add_who(ks, KeyKind::Gt, m.sgsn);
    if (m.sms.present) {
      add_who(ks, KeyKind::Number, m.sms.oa);
      add_who(ks, KeyKind::Number, m.sms.da);
    }
  }
  if (ev.has(kLayerCap)) {  // the dialogue is the call (tcap keys above)
    add_who(ks, KeyKind::Number, ev.cap.calling);
    add_who(ks, KeyKind::Number, ev.cap.called);
    add_who(ks, KeyKind::Imsi, ev.cap.imsi);
    add_imei(ks, ev.cap.imei);
    add_who(ks, KeyKind::Cell, ev.cap.cell);
  }
  if (ev.has(kLayerIsup)) {
    ks.add_flow(isup_key(ev.mtp3.opc, ev.mtp3.dpc, ev.isup.cic));
    add_who(ks, KeyKind::Number, ev.isup.calling);
    add_who(ks, KeyKind::Number, ev.isup.called);
  }
}

std::string_view correlation_id(const SignalEvent& ev, std::array<char, 96>& buf) {
  if (ev.has(kLayerSip) && !ev.sip.call_id.empty()) return ev.sip.call_id;
  if (ev.has(kLayerTcap)) {
    const TcapInfo& t = ev.tcap;
    if (t.otid_len && t.type == TcapType::Begin) return {buf.data(), write_tcap_text(ev.mtp3.opc, t.otid, t.otid_len, buf)};
    if (t.dtid_len) return {buf.data(), write_tcap_text(ev.mtp3.dpc, t.dtid, t.dtid_len, buf)};
    if (t.otid_len) return {buf.data(), write_tcap_text(ev.mtp3.opc, t.otid, t.otid_len, buf)};
  }
  return {};
}

}  // namespace sigprobe
