// Builds SignalEvents for tests: the strings live in the builder, so the
// events' views stay valid as long as it does. Not captures: every field is
// set by hand to the values the SIP/SS7 decoders would produce.
#pragma once
#include <deque>
#include <string>

#include "dataplane/core/signal_event.hpp"

namespace sigprobe::testing {

class EventBuilder {
 public:
  std::string_view keep(std::string s) { return pool_.emplace_back(std::move(s)); }

  static Endpoint ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
    Endpoint e;
    e.family = 4;
    e.addr[0] = a; e.addr[1] = b; e.addr[2] = c; e.addr[3] = d;
    e.port = port;
    return e;
  }

  SignalEvent sip_request(SipMethod m, double ts_s, std::string call_id, std::string from, std::string to,
                          Endpoint src = ip4(10, 0, 0, 1, 5060), std::string to_tag = "") {
    SignalEvent e = base(ts_s);
    e.proto = Proto::Sip;
    e.layers = kLayerSip;
    e.src = src;
    e.dst = ip4(10, 9, 9, 9, 5060);
    e.sip.method = m;
    e.sip.call_id = keep(std::move(call_id));
    e.sip.from_user = keep(std::move(from));
    e.sip.to_user = keep(to);
    e.sip.ruri_user = keep(std::move(to));
    e.sip.from_tag = keep("ft");
    e.sip.to_tag = keep(std::move(to_tag));
    e.sip.cseq_method = m;
    return e;
  }
  SignalEvent sip_response(uint16_t status, double ts_s, std::string call_id, std::string from, std::string to,
                           std::string to_tag = "tt", SipMethod cseq_method = SipMethod::Invite,
                           Endpoint dst = ip4(10, 0, 0, 1, 5060)) {
    SignalEvent e = base(ts_s);
    e.proto = Proto::Sip;
    e.layers = kLayerSip;
    e.src = ip4(10, 9, 9, 9, 5060);
    e.dst = dst;
    e.sip.status = status;
    e.sip.call_id = keep(std::move(call_id));
    e.sip.from_user = keep(std::move(from));
    e.sip.to_user = keep(std::move(to));
    e.sip.to_tag = keep(std::move(to_tag));
    e.sip.cseq_method = cseq_method;
    return e;
  }
  SignalEvent isup(uint8_t msg, double ts_s, uint32_t opc, uint32_t dpc, uint16_t cic, std::string calling = "",
                   std::string called = "") {
    SignalEvent e = base(ts_s);
    e.proto = Proto::Isup;
    e.layers = kLayerMtp3 | kLayerIsup;
    e.mtp3.opc = opc;
    e.mtp3.dpc = dpc;
    e.isup.msg_type = msg;
    e.isup.cic = cic;
    e.isup.calling = keep(std::move(calling));
    e.isup.called = keep(std::move(called));
    return e;
  }
  SignalEvent map_invoke(int16_t op, double ts_s, std::string calling_gt, std::string imsi = "",
                         TcapType t = TcapType::Begin, uint32_t otid = 1) {
    SignalEvent e = base(ts_s);
    e.proto = Proto::Map;
    e.layers = kLayerMtp3 | kLayerSccp | kLayerTcap | kLayerMap;
    e.mtp3.opc = 100;
    e.mtp3.dpc = 200;
    e.sccp.calling.gt = keep(std::move(calling_gt));
    e.sccp.called.gt = keep("8613800000001");
    e.tcap.type = t;
    for (int i = 0; i < 4; ++i) e.tcap.otid[size_t(i)] = uint8_t(otid >> (24 - 8 * i));
    e.tcap.otid_len = 4;
    e.map.component = MapComponent::Invoke;
    e.map.opcode = op;
    e.map.imsi = keep(std::move(imsi));
    return e;
  }

  // The answer to a map_invoke of transaction tid: the peer's TC-END (or
  // TC-CONTINUE) with the operation's result.
  SignalEvent map_result(int16_t op, double ts_s, uint32_t tid, std::string imsi, TcapType t = TcapType::End) {
    SignalEvent e = map_invoke(op, ts_s, "8613800000099", std::move(imsi), t, 0x7000 + tid);
    e.mtp3.opc = 200;
    e.mtp3.dpc = 100;
    if (t == TcapType::End) e.tcap.otid_len = 0;
    for (int i = 0; i < 4; ++i) e.tcap.dtid[size_t(i)] = uint8_t(tid >> (24 - 8 * i));
    e.tcap.dtid_len = 4;
    e.map.component = MapComponent::ReturnResult;
    return e;
  }

  // A CAP invoke in a TCAP message from `opc` to `dpc` with the given
  // transaction ids (0 = absent): the gsmSSF sends its own id as otid, the
  // gsmSCF sends it back as dtid.
  SignalEvent cap_invoke(int16_t op, double ts_s, uint32_t opc, uint32_t dpc, TcapType t, uint32_t otid,
                         uint32_t dtid, uint8_t event_type = 0) {
    SignalEvent e = base(ts_s);
    e.proto = Proto::Cap;
    e.layers = kLayerMtp3 | kLayerSccp | kLayerTcap | kLayerCap;
    e.mtp3.opc = opc;
    e.mtp3.dpc = dpc;
    e.sccp.calling.ssn = e.sccp.called.ssn = 146;
    e.tcap.type = t;
    for (int i = 0; i < 4; ++i) {
      e.tcap.otid[size_t(i)] = uint8_t(otid >> (24 - 8 * i));
      e.tcap.dtid[size_t(i)] = uint8_t(dtid >> (24 - 8 * i));
    }
    e.tcap.otid_len = otid ? 4 : 0;
    e.tcap.dtid_len = dtid ? 4 : 0;
    e.cap.component = MapComponent::Invoke;
    e.cap.opcode = op;
    e.cap.event_type = event_type;
    return e;
  }
  // A TCAP message without components on a CAP dialogue (an empty TC-END,
  // a TC-ABORT): a tcap event.
  SignalEvent tcap_empty(double ts_s, uint32_t opc, uint32_t dpc, TcapType t, uint32_t otid, uint32_t dtid) {
    SignalEvent e = cap_invoke(0, ts_s, opc, dpc, t, otid, dtid);
    e.proto = Proto::Tcap;
    e.layers = kLayerMtp3 | kLayerSccp | kLayerTcap;
    e.cap = CapInfo{};
    return e;
  }
  // InitialDPSMS of an SMS (sms-CollectedInfo: the subscriber sends it), SSF -> SCF.
  SignalEvent cap_initial_dp_sms(double ts_s, uint32_t otid, std::string sender, std::string recipient,
                                 std::string smsc = "8613800500000") {
    SignalEvent e = cap_invoke(cap_op::kInitialDpSms, ts_s, 1205, 2305, TcapType::Begin, otid, 0,
                               cap_sms_event::kSmsCollectedInfo);
    e.cap.calling = keep(std::move(sender));
    e.cap.called = keep(std::move(recipient));
    e.cap.service_centre = keep(std::move(smsc));
    e.cap.imsi = keep("460001122330001");
    return e;
  }
  // InitialDP of a call (collectedInfo: the subscriber calls), SSF -> SCF.
  SignalEvent cap_initial_dp(double ts_s, uint32_t ssf_pc, uint32_t otid, std::string calling, std::string called,
                             std::string cell = "") {
    SignalEvent e = cap_invoke(cap_op::kInitialDp, ts_s, ssf_pc, 2305, TcapType::Begin, otid, 0,
                               cap_event::kCollectedInfo);
    e.cap.calling = keep(std::move(calling));
    e.cap.called = keep(std::move(called));
    e.cap.imsi = keep("460001122330001");
    e.cap.msc = keep("8613900000031");
    e.cap.cell = keep(std::move(cell));
    return e;
  }

 private:
  SignalEvent base(double ts_s) {
    SignalEvent e;
    e.frame = ++frame_;
    e.ts_ns = uint64_t(ts_s * 1e9);
    return e;
  }
  std::deque<std::string> pool_;
  uint64_t frame_ = 0;
};

}  // namespace sigprobe::testing
