// Test-only builders of SS7 messages, written from the specs (RFC 4666,
// Q.713, Q.773, TS 29.002, TS 23.040, Q.763). Tests say "hand-built from the
// spec" for bytes made here.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace sigprobe::ss7::testing {

using Buf = std::vector<uint8_t>;

inline Buf cat(std::initializer_list<Buf> parts) {
  Buf out;
  for (const Buf& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// BER element with a definite length (short or long form).
inline Buf tlv(uint8_t id, const Buf& v) {
  Buf out{id};
  if (v.size() < 0x80) {
    out.push_back(uint8_t(v.size()));
  } else if (v.size() < 0x100) {
    out.push_back(0x81);
    out.push_back(uint8_t(v.size()));
  } else {
    out.push_back(0x82);
    out.push_back(uint8_t(v.size() >> 8));
    out.push_back(uint8_t(v.size()));
  }
  out.insert(out.end(), v.begin(), v.end());
  return out;
}
// Constructed element with the indefinite length form.
inline Buf tlv_indef(uint8_t id, const Buf& v) {
  Buf out{id, 0x80};
  out.insert(out.end(), v.begin(), v.end());
  out.push_back(0);
  out.push_back(0);
  return out;
}

// TBCD digits, low nibble first, 0xF filler.
inline Buf tbcd(const std::string& d) {
  Buf out;
  for (size_t i = 0; i < d.size(); i += 2) {
    uint8_t lo = uint8_t(d[i] - '0');
    uint8_t hi = i + 1 < d.size() ? uint8_t(d[i + 1] - '0') : 0xF;
    out.push_back(uint8_t(hi << 4 | lo));
  }
  return out;
}
// AddressString: 0x91 (international, E.164) then TBCD.
inline Buf isdn(const std::string& d) { return cat({Buf{0x91}, tbcd(d)}); }

// MTP3 ITU routing label (SIO first).
inline Buf mtp3_label(uint8_t sio, uint32_t opc, uint32_t dpc, uint8_t sls) {
  uint32_t l = (dpc & 0x3FFF) | (opc & 0x3FFF) << 14 | uint32_t(sls & 0xF) << 28;
  return {sio, uint8_t(l), uint8_t(l >> 8), uint8_t(l >> 16), uint8_t(l >> 24)};
}

inline void put32(Buf& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
}
inline Buf sigtran_param(uint16_t tag, const Buf& v) {
  Buf out{uint8_t(tag >> 8), uint8_t(tag), uint8_t((v.size() + 4) >> 8), uint8_t(v.size() + 4)};
  out.insert(out.end(), v.begin(), v.end());
  while (out.size() % 4) out.push_back(0);
  return out;
}
inline Buf sigtran_msg(uint8_t cls, uint8_t type, const Buf& params) {
  Buf out{1, 0, cls, type};
  put32(out, uint32_t(params.size() + 8));
  out.insert(out.end(), params.begin(), params.end());
  return out;
}
// M3UA DATA (RFC 4666 3.3.1) with routing context and protocol data.
inline Buf m3ua_data(uint32_t opc, uint32_t dpc, uint8_t si, const Buf& user, uint32_t rc = 1) {
  Buf pd;
  put32(pd, opc);
  put32(pd, dpc);
  pd.insert(pd.end(), {si, 2, 0, 5});
  pd.insert(pd.end(), user.begin(), user.end());
  Buf rcv;
  put32(rcv, rc);
  return sigtran_msg(1, 1, cat({sigtran_param(0x0006, rcv), sigtran_param(0x0210, pd)}));
}

// SCCP address: RI = GT, GTI 4 (TT 0, NP 1 E.164, NAI 4 international), SSN.
inline Buf sccp_gt(const std::string& digits, uint8_t ssn) {
  uint8_t es = digits.size() % 2 ? 1 : 2;
  return cat({Buf{uint8_t(0x12), ssn, 0x00, uint8_t(0x10 | es), 0x04}, tbcd(digits)});
}
// The three mandatory variable parts, each behind its length octet.
inline void append_parts(Buf& out, const Buf& called, const Buf& calling, const Buf& data) {
  for (const Buf* p : {&called, &calling, &data}) {
    out.push_back(uint8_t(p->size()));
    out.insert(out.end(), p->begin(), p->end());
  }
}
// UDT (Q.713 4.10): type, class, 3 pointers, called, calling, data.
inline Buf sccp_udt(const Buf& called, const Buf& calling, const Buf& data) {
  Buf out{0x09, 0x80, 0, 0, 0};
  // pointers count from their own octet: p1 at 2, p2 at 3, p3 at 4
  out[2] = 3;
  out[3] = uint8_t(2 + 1 + called.size());
  out[4] = uint8_t(1 + 1 + called.size() + 1 + calling.size());
  append_parts(out, called, calling, data);
  return out;
}
// XUDT (Q.713 4.18) with a segmentation parameter.
inline Buf sccp_xudt(const Buf& called, const Buf& calling, const Buf& data, bool first,
                     uint8_t remaining, uint32_t ref) {
  Buf out{0x11, 0x81, 0x0F, 0, 0, 0, 0};
  out[3] = 4;
  out[4] = uint8_t(3 + 1 + called.size());
  out[5] = uint8_t(2 + 1 + called.size() + 1 + calling.size());
  out[6] = uint8_t(1 + 1 + called.size() + 1 + calling.size() + 1 + data.size());
  append_parts(out, called, calling, data);
  out.insert(out.end(), {0x10, 4, uint8_t((first ? 0x80 : 0) | remaining), uint8_t(ref >> 16),
                         uint8_t(ref >> 8), uint8_t(ref), 0x00});
  return out;
}

// TCAP (Q.773): dialogue portion with an AARQ carrying the ACN OID contents.
inline Buf tcap_dialogue(const Buf& acn_oid) {
  Buf aarq = tlv(0x60, cat({tlv(0x80, {0x07, 0x80}), tlv(0xA1, tlv(0x06, acn_oid))}));
  Buf ext = tlv(0x28, cat({tlv(0x06, {0x00, 0x11, 0x86, 0x05, 0x01, 0x01, 0x01}), tlv(0xA0, aarq)}));
  return tlv(0x6B, ext);
}
inline Buf invoke(int8_t id, uint8_t op, const Buf& param) {
  return tlv(0xA1, cat({tlv(0x02, {uint8_t(id)}), tlv(0x02, {op}), param}));
}
inline Buf result_last(int8_t id, uint8_t op, const Buf& param) {
  return tlv(0xA2, cat({tlv(0x02, {uint8_t(id)}), tlv(0x30, cat({tlv(0x02, {op}), param}))}));
}
inline Buf tcap_begin(const Buf& otid, const Buf& dialogue, const Buf& components) {
  return tlv(0x62, cat({tlv(0x48, otid), dialogue, tlv(0x6C, components)}));
}
inline Buf tcap_end(const Buf& dtid, const Buf& components) {
  return tlv(0x64, cat({tlv(0x49, dtid), tlv(0x6C, components)}));
}
// MAP application context 0.4.0.0.1.0.<ctx>.<version> as OID contents.
inline Buf map_acn(uint8_t context, uint8_t version) { return {0x04, 0x00, 0x00, 0x01, 0x00, context, version}; }

}  // namespace sigprobe::ss7::testing
