#include "host/out/event_json.hpp"

#include <arpa/inet.h>

#include <cstdio>

#include "dataplane/ss7/ss7_names.hpp"
#include "host/out/json_writer.hpp"

namespace sigprobe {

std::string format_ip(const Endpoint& ep) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ep.family == 4) inet_ntop(AF_INET, ep.addr.data(), buf, sizeof buf);
  else if (ep.family == 6) inet_ntop(AF_INET6, ep.addr.data(), buf, sizeof buf);
  return buf;
}

void append_endpoint(std::string& out, const Endpoint& ep) {
  if (ep.family == 0) return;
  if (ep.family == 6) out += '[';
  out += format_ip(ep);
  if (ep.family == 6) out += ']';
  out += ':';
  out += std::to_string(ep.port);
}

std::string format_endpoint(const Endpoint& ep) {
  std::string s;
  append_endpoint(s, ep);
  return s;
}

void append_ts(std::string& out, uint64_t ts_ns) {
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%llu.%09llu", (unsigned long long)(ts_ns / 1'000'000'000ull),
                        (unsigned long long)(ts_ns % 1'000'000'000ull));
  while (n > 0 && buf[n - 1] == '0') --n;
  if (buf[n - 1] == '.') ++n;  // keep one decimal: "1700000000.0"
  out.append(buf, size_t(n));
}

std::string hex_tid(const std::array<uint8_t, 4>& tid, uint8_t len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (uint8_t i = 0; i < len && i < 4; ++i) {
    s += kHex[tid[i] >> 4];
    s += kHex[tid[i] & 0xF];
  }
  return s;
}

const char* sip_method_name(SipMethod m) {
  switch (m) {
    case SipMethod::Invite: return "INVITE";
    case SipMethod::Ack: return "ACK";
    case SipMethod::Bye: return "BYE";
    case SipMethod::Cancel: return "CANCEL";
    case SipMethod::Register: return "REGISTER";
    case SipMethod::Options: return "OPTIONS";
    case SipMethod::Message: return "MESSAGE";
    case SipMethod::Info: return "INFO";
    case SipMethod::Prack: return "PRACK";
    case SipMethod::Update: return "UPDATE";
    case SipMethod::Subscribe: return "SUBSCRIBE";
    case SipMethod::Notify: return "NOTIFY";
    case SipMethod::Refer: return "REFER";
    case SipMethod::Publish: return "PUBLISH";
    default: return "";
  }
}

const char* tcap_type_name(TcapType t) {
  switch (t) {
    case TcapType::Begin: return "begin";
    case TcapType::Continue: return "continue";
    case TcapType::End: return "end";
    case TcapType::Abort: return "abort";
    case TcapType::Unidirectional: return "unidirectional";
    default: return "";
  }
}

const char* map_component_name(MapComponent c) {
  switch (c) {
    case MapComponent::Invoke: return "invoke";
    case MapComponent::ReturnResult: return "returnResult";
    case MapComponent::ReturnResultNotLast: return "returnResultNotLast";
    case MapComponent::ReturnError: return "returnError";
    case MapComponent::Reject: return "reject";
    default: return "";
  }
}

namespace {

// An ISUP event's isup, or (cic false) the ISUP message of a SIP-I body.
void write_isup(json::Writer& w, const IsupInfo& i, bool cic) {
  w.key("isup").begin_object();
  const char* name = ss7::isup_msg_name(i.msg_type);
  if (*name) w.key("msg").str(name);
  else w.key("msg_type").num(unsigned(i.msg_type));
  if (cic) w.key("cic").num(unsigned(i.cic));
  w.field("calling", i.calling);
  w.field("called", i.called);
  w.field("redirecting", i.redirecting);
  if (!i.called.empty()) w.key("called_nai").num(unsigned(i.called_nai));
  if (!i.calling.empty()) {
    w.key("calling_nai").num(unsigned(i.calling_nai));
    w.key("calling_category").num(unsigned(i.calling_category));
  }
  if (i.has_cause) w.key("cause").num(unsigned(i.cause));
  w.end_object();
}

void write_sip(json::Writer& w, const SignalEvent& ev) {
  const SipInfo& s = ev.sip;
  w.key("sip").begin_object();
  if (s.status == 0) w.field("method", s.method_name);
  else w.key("status").num(unsigned(s.status));
  w.field("reason", s.status ? s.reason : std::string_view{});
  w.field("call_id", s.call_id);
  w.field("cseq", s.cseq);
  w.field("from_user", s.from_user);
  w.field("from_display", s.from_display);
  w.field("to_user", s.to_user);
  w.field("ruri_user", s.ruri_user);
  w.field("pai_user", s.pai_user);
  w.field("diversion_user", s.diversion_user);
  w.field("user_agent", s.user_agent);
  w.field("contact_instance", s.contact_instance);
  w.field("imei", s.imei);
  w.field("cell", s.cell);
  w.field("via_host", s.via_host);
  w.field("sdp_addr", s.sdp_addr);
  if (s.sdp_audio_port) w.key("sdp_audio_port").num(unsigned(s.sdp_audio_port));
  w.field("content_type", s.content_type);
  w.field("body_text", s.body_text);
  if (ev.has(kLayerSipIsup)) write_isup(w, ev.isup, false);
  w.end_object();
}

void write_sccp_addr(json::Writer& w, const SccpAddr& a) {
  w.begin_object();
  w.key("ri").num(unsigned(a.ri));
  if (a.has_pc) w.key("pc").num(unsigned(a.pc));
  if (a.has_ssn) w.key("ssn").num(unsigned(a.ssn));
  if (a.gti) {
    w.key("gti").num(unsigned(a.gti));
    w.key("tt").num(unsigned(a.tt));
    w.key("np").num(unsigned(a.np));
    w.key("nai").num(unsigned(a.nai));
    w.field("gt", a.gt);
  }
  w.end_object();
}

void write_ss7(json::Writer& w, const SignalEvent& ev) {
  if (ev.has(kLayerMtp3)) {
    const Mtp3Info& m = ev.mtp3;
    w.key(ev.transport == Transport::Sctp ? "m3ua" : "mtp3").begin_object();
    w.key("opc").num(unsigned(m.opc)).key("dpc").num(unsigned(m.dpc));
    w.key("si").num(unsigned(m.si)).key("ni").num(unsigned(m.ni));
    w.key("sls").num(unsigned(m.sls));
    w.end_object();
  }
  if (ev.has(kLayerSccp)) {
    const SccpInfo& s = ev.sccp;
    w.key("sccp").begin_object();
    w.key("msg_type").num(unsigned(s.msg_type));
    w.field("calling_gt", s.calling.gt);
    w.field("called_gt", s.called.gt);
    if (s.calling.has_ssn) w.key("calling_ssn").num(unsigned(s.calling.ssn));
    if (s.called.has_ssn) w.key("called_ssn").num(unsigned(s.called.ssn));
    if (s.calling.has_pc) w.key("calling_pc").num(unsigned(s.calling.pc));
    if (s.called.has_pc) w.key("called_pc").num(unsigned(s.called.pc));
    w.key("calling");
    write_sccp_addr(w, s.calling);
    w.key("called");
    write_sccp_addr(w, s.called);
    w.end_object();
  }
  if (ev.has(kLayerTcap)) {
    const TcapInfo& t = ev.tcap;
    w.key("tcap").begin_object();
    w.field("type", tcap_type_name(t.type));
    if (t.otid_len) w.key("otid").str(hex_tid(t.otid, t.otid_len));
    if (t.dtid_len) w.key("dtid").str(hex_tid(t.dtid, t.dtid_len));
    w.field("acn", t.acn);
    w.key("components").num(unsigned(t.component_count));
    w.end_object();
  }
  if (ev.has(kLayerMap)) {
    const MapInfo& m = ev.map;
    w.key("map").begin_object();
    if (m.opcode >= 0) {
      w.key("opcode").num(int(m.opcode));
      w.field("op", ss7::map_op_name(m.opcode));
    }
    w.field("component", map_component_name(m.component));
    if (m.invoke_id >= 0) w.key("invoke_id").num(int(m.invoke_id));
    if (m.component == MapComponent::ReturnError) w.key("error_code").num(unsigned(m.error_code));
    w.field("imsi", m.imsi);
    w.field("msisdn", m.msisdn);
    w.field("vlr", m.vlr);
    w.field("msc", m.msc);
    w.field("sgsn", m.sgsn);
    w.field("hlr", m.hlr);
    w.field("imei", m.imei);
    w.field("service_centre", m.service_centre);
    w.field("roaming_number", m.roaming_number);
    w.field("gsm_scf", m.gsm_scf);
    w.field("forwarded_to", m.forwarded_to);
    if (m.ss_code != 0) w.key("ss_code").num(int(m.ss_code));
    w.field("ussd", m.ussd);
    if (m.sms.present) {
      const SmsInfo& s = m.sms;
      w.key("sms").begin_object();
      w.key("tp_mti").num(unsigned(s.tpdu_type));
      w.field("oa", s.oa);
      w.field("da", s.da);
      w.key("pid").num(unsigned(s.pid));
      w.key("dcs").num(unsigned(s.dcs));
      if (s.concat_total) {
        w.key("concat").begin_object();
        w.key("ref").num(unsigned(s.concat_ref)).key("total").num(unsigned(s.concat_total));
        w.key("seq").num(unsigned(s.concat_seq));
        w.end_object();
      }
      w.field("text", s.text);
      w.end_object();
    }
    w.end_object();
  }
  if (ev.has(kLayerCap)) {
    const CapInfo& k = ev.cap;
    w.key("cap").begin_object();
    if (k.opcode >= 0) {
      w.key("opcode").num(int(k.opcode));
      w.field("op", ss7::cap_op_name(k.opcode));
    }
    w.field("component", map_component_name(k.component));
    if (k.invoke_id >= 0) w.key("invoke_id").num(int(k.invoke_id));
    if (k.has_service_key) w.key("service_key").num(uint64_t(k.service_key));
    if (k.event_type) {
      const char* name = cap_op::is_sms(k.opcode) ? ss7::cap_sms_event_name(k.event_type)
                                                  : ss7::cap_event_name(k.event_type);
      if (*name) w.key("event").str(name);
      else w.key("event_type").num(unsigned(k.event_type));
    }
    w.field("calling", k.calling);
    w.field("called", k.called);
    w.field("imsi", k.imsi);
    w.field("msc", k.msc);
    w.field("vlr", k.vlr);
    w.field("cell", k.cell);
    w.field("service_centre", k.service_centre);
    w.field("imei", k.imei);
    if (k.has_cause) w.key("cause").num(unsigned(k.cause));
    w.end_object();
  }
  if (ev.has(kLayerIsup)) write_isup(w, ev.isup, true);
}

}  // namespace

void append_event_json(std::string& out, const SignalEvent& ev) {
  json::Writer w(out);
  w.begin_object();
  w.key("frame").num(ev.frame);
  std::string tmp;
  append_ts(tmp, ev.ts_ns);
  w.key("ts").raw(tmp);
  w.key("proto").str(proto_name(ev.proto));
  if (ev.src.family) w.key("src").str(format_endpoint(ev.src));
  if (ev.dst.family) w.key("dst").str(format_endpoint(ev.dst));
  w.field("transport", transport_name(ev.transport));
  if (ev.has(kLayerSip)) write_sip(w, ev);
  write_ss7(w, ev);
  w.end_object();
  out += '\n';
}

}  // namespace sigprobe
