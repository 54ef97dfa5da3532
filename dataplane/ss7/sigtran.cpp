#include "dataplane/ss7/sigtran.hpp"

namespace sigprobe::ss7 {
namespace {

// RFC 4666 section 3.2 / RFC 3331 section 3.2 parameter tags.
constexpr uint16_t kTagNetworkAppearance = 0x0200;
constexpr uint16_t kTagRoutingContext = 0x0006;
constexpr uint16_t kTagCorrelationId = 0x0013;
constexpr uint16_t kTagProtocolData = 0x0210;
constexpr uint16_t kTagDraftProtocolData = 0x0002;  // draft-ietf-sigtran-m3ua-06: an MTP3 MSU
constexpr uint16_t kTagInterfaceIdInt = 0x0001;
constexpr uint16_t kTagM2uaProtocolData1 = 0x0300;
constexpr uint16_t kTagM2uaProtocolData2 = 0x0301;  // TTC: priority byte first

constexpr size_t kCommonHeaderLen = 8;

struct CommonHeader {
  uint8_t version = 0, cls = 0, type = 0;
  Bytes body;  // after the 8-byte header, up to the declared length
};

// Into h; false (anomaly counted) when unusable. Not an optional: GCC 12
// built that from byte stores and read it back wide (a store-forwarding
// stall, a third of parse_m3ua in the chain profile).
bool read_common_header(Bytes msg, CommonHeader& h, DecodeCounters& c) {
  ByteReader r{msg};
  auto version = r.u8();
  r.skip(1);
  auto cls = r.u8(), type = r.u8();
  auto len = r.u32be();
  if (!version || !cls || !type || !len) {
    c.anomaly(Anomaly::M3uaHeaderTruncated);
    return false;
  }
  if (*version != 1) {
    c.anomaly(Anomaly::M3uaVersionUnknown);
    return false;
  }
  if (*len < kCommonHeaderLen || *len > msg.size()) {
    c.anomaly(Anomaly::M3uaLengthInvalid);
    return false;
  }
  h.version = *version;
  h.cls = *cls;
  h.type = *type;
  h.body = msg.subspan(kCommonHeaderLen, *len - kCommonHeaderLen);
  return true;
}

// Walks tag-length-value parameters in any order, calling f(tag, value) for
// each; false (anomaly counted) when one is malformed.
template <class F>
bool for_each_param(Bytes body, DecodeCounters& c, F&& f) {
  ByteReader r{body};
  while (r.remaining() >= 4) {
    auto tag = r.u16be();
    auto len = r.u16be();
    if (*len < 4 || r.remaining() < size_t(*len) - 4) {
      c.anomaly(Anomaly::M3uaParamLenInvalid);
      return false;
    }
    Bytes value = *r.bytes(*len - 4);
    f(*tag, value);
    // The last parameter may omit its padding.
    if (!r.skip(pad4(*len))) break;
  }
  if (!r.empty() && r.remaining() < 4) {
    c.anomaly(Anomaly::M3uaParamLenInvalid);
    return false;
  }
  return true;
}

std::optional<uint32_t> u32_param(Bytes v) {
  ByteReader r{v};
  return r.u32be();
}

bool known_m3ua_class(uint8_t cls) {
  return cls <= 4 || cls == uint8_t(SigtranClass::Rkm);
}

}  // namespace

uint32_t sniff_sigtran(Bytes msg) {
  if (msg.size() < kCommonHeaderLen || msg[0] != 1) return 0;
  uint8_t cls = msg[2];
  if (cls == uint8_t(SigtranClass::M2pa)) return 5;
  if (cls == uint8_t(SigtranClass::Qptm) || cls == uint8_t(SigtranClass::Maup)) return 2;
  if (known_m3ua_class(cls)) return 3;
  return 0;
}

std::optional<Mtp3Msg> parse_mtp3(Bytes msu, PcFormat pcf, DecodeCounters& c) {
  ByteReader r{msu};
  auto sio = r.u8();
  if (!sio) {
    c.anomaly(Anomaly::Mtp3Truncated);
    return std::nullopt;
  }
  Mtp3Msg m;
  m.si = *sio & 0x0F;
  m.ni = *sio >> 6;
  m.mp = (*sio >> 4) & 0x03;
  switch (pcf) {
    case PcFormat::Itu: {
      auto label = r.u32le();
      if (!label) break;
      m.dpc = *label & 0x3FFF;
      m.opc = (*label >> 14) & 0x3FFF;
      m.sls = uint8_t(*label >> 28);
      m.user = r.rest();
      return m;
    }
    case PcFormat::Ansi: {
      auto dpc = r.bytes(3), opc = r.bytes(3);
      auto sls = r.u8();
      if (!dpc || !opc || !sls) break;
      // member, cluster, network on the wire; network-cluster-member as a number.
      m.dpc = uint32_t((*dpc)[2]) << 16 | uint32_t((*dpc)[1]) << 8 | (*dpc)[0];
      m.opc = uint32_t((*opc)[2]) << 16 | uint32_t((*opc)[1]) << 8 | (*opc)[0];
      m.sls = *sls;
      m.user = r.rest();
      return m;
    }
    case PcFormat::Japan: {
      auto dpc = r.u16le(), opc = r.u16le();
      auto sls = r.u8();
      if (!dpc || !opc || !sls) break;
      m.dpc = *dpc;
      m.opc = *opc;
      m.sls = *sls & 0x0F;
      m.user = r.rest();
      return m;
    }
  }
  c.anomaly(Anomaly::Mtp3Truncated);
  return std::nullopt;
}

std::optional<M3uaMsg> parse_m3ua(Bytes msg, PcFormat pcf, DecodeCounters& c) {
  M3uaMsg m;
  if (!parse_m3ua(msg, pcf, m, c)) return std::nullopt;
  return m;
}

bool parse_m3ua(Bytes msg, PcFormat pcf, M3uaMsg& m, DecodeCounters& c) {
  CommonHeader hdr;
  if (!read_common_header(msg, hdr, c)) return false;
  const CommonHeader* h = &hdr;
  m = M3uaMsg{};
  m.version = h->version;
  m.cls = h->cls;
  m.type = h->type;
  if (!known_m3ua_class(m.cls)) {
    c.anomaly(Anomaly::M3uaClassUnknown);
    return true;
  }
  Bytes pd, draft_pd;
  bool ok = for_each_param(h->body, c, [&](uint16_t tag, Bytes v) {
    switch (tag) {
      case kTagProtocolData: pd = v; break;
      case kTagDraftProtocolData: draft_pd = v; break;
      case kTagRoutingContext: m.routing_context = u32_param(v); break;
      case kTagCorrelationId: m.correlation_id = u32_param(v); break;
      case kTagNetworkAppearance: m.network_appearance = u32_param(v); break;
      default: break;
    }
  });
  bool transfer_data = m.cls == uint8_t(SigtranClass::Transfer) && m.type == 1;
  if (!transfer_data) return true;
  if (pd.data()) {
    ByteReader r{pd};
    auto opc = r.u32be(), dpc = r.u32be();
    auto si = r.u8(), ni = r.u8(), mp = r.u8(), sls = r.u8();
    if (!sls) {
      c.anomaly(Anomaly::M3uaProtocolDataShort);
      return true;
    }
    m.is_data = true;
    m.data.opc = *opc;  // field by field: see read_common_header
    m.data.dpc = *dpc;
    m.data.si = *si;
    m.data.ni = *ni;
    m.data.mp = *mp;
    m.data.sls = *sls;
    m.data.user = r.rest();
    return true;
  }
  if (draft_pd.data()) {
    auto mtp3 = parse_mtp3(draft_pd, pcf, c);
    if (!mtp3) return true;
    m.is_data = true;
    m.draft = true;
    m.data = *mtp3;
    return true;
  }
  if (ok) c.anomaly(Anomaly::M3uaProtocolDataMissing);
  return true;
}

std::optional<M2paMsg> parse_m2pa(Bytes msg, PcFormat pcf, DecodeCounters& c) {
  CommonHeader hdr;
  if (!read_common_header(msg, hdr, c)) return std::nullopt;
  const CommonHeader* h = &hdr;
  ByteReader r{h->body};
  auto bsn = r.u32be(), fsn = r.u32be();
  if (h->cls != uint8_t(SigtranClass::M2pa) || !fsn) {
    c.anomaly(Anomaly::M2paLengthInvalid);
    return std::nullopt;
  }
  M2paMsg m;
  m.type = h->type;
  m.bsn = *bsn & 0xFFFFFF;
  m.fsn = *fsn & 0xFFFFFF;
  if (m.type != 1) return m;  // Link Status
  if (r.empty()) return m;    // an empty User Data acknowledges only
  r.skip(1);                  // priority octet (RFC 4165 section 2.3.2)
  if (r.empty()) {
    c.anomaly(Anomaly::M2paLengthInvalid);
    return m;
  }
  m.data = parse_mtp3(r.rest(), pcf, c);
  return m;
}

std::optional<M2uaMsg> parse_m2ua(Bytes msg, PcFormat pcf, DecodeCounters& c) {
  CommonHeader hdr;
  if (!read_common_header(msg, hdr, c)) return std::nullopt;
  const CommonHeader* h = &hdr;
  M2uaMsg m;
  m.cls = h->cls;
  m.type = h->type;
  Bytes pd1, pd2;
  for_each_param(h->body, c, [&](uint16_t tag, Bytes v) {
    if (tag == kTagInterfaceIdInt) m.interface_id = u32_param(v);
    else if (tag == kTagM2uaProtocolData1) pd1 = v;
    else if (tag == kTagM2uaProtocolData2) pd2 = v;
  });
  if (m.cls != uint8_t(SigtranClass::Maup) || m.type != 1) return m;
  if (pd1.data()) m.data = parse_mtp3(pd1, pcf, c);
  else if (pd2.size() > 1) m.data = parse_mtp3(pd2.subspan(1), pcf, c);
  else c.anomaly(Anomaly::M2uaProtocolDataMissing);
  return m;
}

std::optional<Mtp2Unit> parse_mtp2(Bytes su, bool annex_a, DecodeCounters& c) {
  size_t hdr = annex_a ? 6 : 3;
  if (su.size() < hdr) {
    c.anomaly(Anomaly::Mtp2Truncated);
    return std::nullopt;
  }
  size_t li = annex_a ? (size_t(su[5] & 0x01) << 8 | su[4]) : (su[2] & 0x3F);
  size_t body = su.size() - hdr;
  // LI 63 (or 511 with Annex A) means "63 or more"; otherwise it is exact.
  size_t li_max = annex_a ? 511 : 63;
  if (li < li_max && li != body && li + 2 != body) c.anomaly(Anomaly::Mtp2LiMismatch);
  Mtp2Unit u;
  if (li == 0) u.kind = Mtp2Kind::Fisu;
  else if (li <= 2) u.kind = Mtp2Kind::Lssu;
  else {
    u.kind = Mtp2Kind::Msu;
    size_t n = (li < li_max && li <= body) ? li : body;
    u.msu = su.subspan(hdr, n);
  }
  return u;
}

}  // namespace sigprobe::ss7
