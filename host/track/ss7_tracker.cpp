#include "host/track/ss7_tracker.hpp"

#include "host/track/call_tracker.hpp"

namespace sigprobe::track {
namespace {

uint64_t tid_key(uint32_t pc, const std::array<uint8_t, 4>& tid, uint8_t len) {
  uint64_t v = 0;
  for (uint8_t i = 0; i < len && i < 4; ++i) v = v << 8 | tid[i];
  return hash_u64(uint64_t(pc) << 32 | v, hash_u64(uint64_t(len) << 8 | 7));
}

}  // namespace

uint64_t TransactionTracker::key_of(const SignalEvent& ev) {
  const TcapInfo& t = ev.tcap;
  // Begin: the sender's own id. Continue/End/Abort sent back: the peer's id
  // (dtid) names the originator's dialogue, and the originator is our dpc.
  if (t.type == TcapType::Begin || t.type == TcapType::Unidirectional)
    return tid_key(ev.mtp3.opc, t.otid, t.otid_len);
  if (t.dtid_len) return tid_key(ev.mtp3.dpc, t.dtid, t.dtid_len);
  return 0;
}

void TransactionTracker::tid_text(const SignalEvent& ev, FixedStr<24>& out) {
  const TcapInfo& t = ev.tcap;
  bool begin = t.type == TcapType::Begin || t.type == TcapType::Unidirectional;
  const auto& tid = begin ? t.otid : t.dtid;
  uint8_t len = begin ? t.otid_len : t.dtid_len;
  uint32_t pc = begin ? ev.mtp3.opc : ev.mtp3.dpc;
  // "%u-" then "%02x" per byte (write_dec: no snprintf per Begin).
  char buf[24];
  size_t n = write_dec(buf, pc);
  buf[n++] = '-';
  for (uint8_t i = 0; i < len && i < 4; ++i) {
    buf[n++] = "0123456789abcdef"[tid[i] >> 4];
    buf[n++] = "0123456789abcdef"[tid[i] & 0xf];
  }
  out.assign({buf, n});
}

const Transaction* TransactionTracker::on_event(const SignalEvent& ev) {
  if (!ev.has(kLayerTcap)) return nullptr;
  uint64_t key = key_of(ev);
  if (!key) return nullptr;
  const TcapInfo& t = ev.tcap;
  if (t.type == TcapType::Begin || t.type == TcapType::Unidirectional) {
    auto [tx, fresh] = table_.emplace(key);
    if (fresh) {
      tx->key = key;
      tx->begin_ns = ev.ts_ns;
      tx->first_frame = ev.frame;
      tx->opcode = ev.map.opcode;
      tx->calling_gt.assign(ev.sccp.calling.gt);
      tx->imsi.assign(ev.map.imsi);
      tx->msisdn.assign(ev.map.msisdn);
      tid_text(ev, tx->tid_text);
      ++counters_.begun;
    }
    tx->last_ns = ev.ts_ns;
    if (ev.ts_ns < oldest_last_ns_) oldest_last_ns_ = ev.ts_ns;
    return tx;
  }
  Transaction* tx = table_.find(key);
  if (!tx) { ++counters_.orphans; return nullptr; }
  tx->last_ns = ev.ts_ns;
  if (ev.ts_ns < oldest_last_ns_) oldest_last_ns_ = ev.ts_ns;
  if (tx->opcode < 0) tx->opcode = ev.map.opcode;
  if (tx->imsi.empty()) tx->imsi.assign(ev.map.imsi);
  if (tx->msisdn.empty()) tx->msisdn.assign(ev.map.msisdn);
  if (t.type == TcapType::Continue) {
    ++counters_.continued;
    return tx;
  }
  if (t.type == TcapType::Abort) ++counters_.aborted;
  else ++counters_.ended;
  tx->ended = true;
  any_ended_ = true;
  return tx;  // removed at the next expiry sweep so the caller can still read it
}

void TransactionTracker::expire(uint64_t now_ns) {
  // Nothing ended and nothing old enough: the sweep would erase nothing.
  if (!any_ended_ && (oldest_last_ns_ == UINT64_MAX || now_ns < oldest_last_ns_ + timeout_ns_)) return;
  uint64_t oldest = UINT64_MAX;
  table_.erase_if([&](uint64_t, const Transaction& tx) {
    if (tx.ended) return true;
    if (now_ns >= tx.last_ns + timeout_ns_) { ++counters_.timed_out; return true; }
    if (tx.last_ns < oldest) oldest = tx.last_ns;
    return false;
  });
  oldest_last_ns_ = oldest;
  any_ended_ = false;
}

SubscriberNumbers::Pair SubscriberNumbers::pair_of(const SignalEvent& ev, const Transaction* tx) {
  if (!ev.has(kLayerMap)) return {};
  const MapInfo& m = ev.map;
  const bool result = m.component == MapComponent::ReturnResult || m.component == MapComponent::ReturnResultNotLast;
  if (m.opcode == map_op::kInsertSubscriberData && m.component == MapComponent::Invoke && !m.msisdn.empty()) {
    // Standalone, it names the IMSI; inside a location update, the update did.
    if (!m.imsi.empty()) return {m.imsi, m.msisdn};
    if (tx && (tx->opcode == map_op::kUpdateLocation || tx->opcode == map_op::kUpdateGprsLocation) &&
        !tx->imsi.empty())
      return {tx->imsi.view(), m.msisdn};
    return {};
  }
  if (result && !m.imsi.empty() && (m.opcode == map_op::kSendRoutingInfo || m.opcode == map_op::kSendRoutingInfoForSm)) {
    if (!m.msisdn.empty()) return {m.imsi, m.msisdn};  // an SRI v3 result names both
    if (tx && tx->opcode == m.opcode && !tx->msisdn.empty()) return {m.imsi, tx->msisdn.view()};
  }
  return {};
}

void SubscriberNumbers::learn(std::string_view imsi, std::string_view msisdn) {
  if (imsi.empty() || msisdn.empty() || imsi.size() > 16 || msisdn.size() > 20) return;
  auto [e, fresh] = table_.emplace(hash_key(imsi, 19));
  (void)fresh;
  e->imsi.assign(imsi);
  e->msisdn.assign(msisdn);
}

std::string_view SubscriberNumbers::msisdn_of(std::string_view imsi) const {
  const Entry* e = table_.find(hash_key(imsi, 19));
  return e && e->imsi.view() == imsi ? e->msisdn.view() : std::string_view{};
}

LocationChange LocationTable::update(std::string_view imsi, std::string_view vlr, uint64_t ts_ns) {
  LocationChange c;
  auto [loc, fresh] = table_.emplace(hash_key(imsi, 11));
  c.first_seen = fresh || loc->first_ns == 0;
  if (!fresh && !loc->vlr.empty()) {
    prev_ = loc->vlr;
    c.prev_vlr = prev_.view();
    c.prev_ns = loc->last_ns;
  }
  if (loc->first_ns == 0) loc->first_ns = ts_ns;
  loc->vlr.assign(vlr);
  loc->last_ns = ts_ns;
  ++loc->updates;
  return c;
}

void LocationTable::touch(std::string_view imsi, uint64_t ts_ns) {
  auto [loc, fresh] = table_.emplace(hash_key(imsi, 11));
  if (fresh || loc->first_ns == 0) loc->first_ns = ts_ns;
}

const Location* LocationTable::find(std::string_view imsi) const {
  return table_.find(hash_key(imsi, 11));
}

SmsRecord sms_record(const SignalEvent& ev) {
  SmsRecord r;
  if (ev.has(kLayerSip)) {
    if (ev.sip.method != SipMethod::Message) return r;
    r.valid = true;
    r.sender = sip_calling(ev.sip);
    r.recipient = sip_called(ev.sip);
    r.text = ev.sip.body_text;
    r.mobile_originated = true;
    return r;
  }
  if (ev.has(kLayerCap)) {  // CAMEL: InitialDPSMS opens the SMS's dialogue (no text)
    const CapInfo& k = ev.cap;
    if (k.component != MapComponent::Invoke || k.opcode != cap_op::kInitialDpSms ||
        ev.tcap.type != TcapType::Begin || k.calling.empty() || k.called.empty())
      return r;
    r.valid = true;
    r.sender = k.calling;
    r.recipient = k.called;
    r.service_centre = k.service_centre;
    r.mobile_originated = k.event_type < cap_sms_event::kSmsDeliveryRequested;  // CAP v3: MO only
    return r;
  }
  if (!ev.has(kLayerMap) || !ev.map.sms.present) return r;
  if (ev.map.component != MapComponent::Invoke) return r;
  const MapInfo& m = ev.map;
  r.valid = true;
  // The TPDU says which way it travels: MAP v1/v2 carry both directions in
  // forwardSM (opcode 46, mo-forwardSM's in v3). In an invoke an SMS-SUBMIT
  // (TP-MTI 1) goes to the centre, an SMS-DELIVER (0) from it; TP-MTI 2 is a
  // COMMAND towards the centre or a STATUS-REPORT from it: the opcode decides.
  r.mobile_originated = m.sms.tpdu_type == 1 || (m.sms.tpdu_type == 2 && m.opcode == map_op::kMoForwardSm);
  r.sender = !m.sms.oa.empty() ? m.sms.oa : (r.mobile_originated ? m.msisdn : std::string_view{});
  r.recipient = !m.sms.da.empty() ? m.sms.da : (!m.msisdn.empty() && !r.mobile_originated ? m.msisdn : m.imsi);
  r.service_centre = m.service_centre;
  r.text = m.sms.text;
  return r;
}

}  // namespace sigprobe::track
