// SIGTRAN adaptation layers and classic MTP: M3UA (RFC 4666, and the draft-6
// DATA layout), M2PA (RFC 4165), M2UA (RFC 3331), MTP2 signal units and the
// MTP3 routing label (Q.704: ITU 14-bit, ANSI 24-bit, Japan 16-bit point codes).
// Pure functions of bytes; anomalies are counted in `c`.
#pragma once
#include <cstdint>
#include <optional>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"

namespace sigprobe::ss7 {

enum class PcFormat : uint8_t { Itu, Ansi, Japan };

// SIGTRAN message classes (RFC 4666 section 3.1.2, RFC 3331, RFC 4165).
enum class SigtranClass : uint8_t {
  Mgmt = 0, Transfer = 1, Ssnm = 2, Aspsm = 3, Asptm = 4, Qptm = 5, Maup = 6,
  Rkm = 9, M2pa = 11,
};
inline constexpr size_t kSigtranClasses = 16;

// An MTP3 message: routing label plus the user part (SCCP, ISUP, ...).
struct Mtp3Msg {
  uint32_t opc = 0, dpc = 0;
  uint8_t si = 0, ni = 0, mp = 0, sls = 0;
  Bytes user;  // after the routing label
};

struct M3uaMsg {
  uint8_t version = 0, cls = 0, type = 0;
  bool is_data = false;       // TRANSFER/DATA with protocol data
  bool draft = false;         // protocol data in the draft-6 form (tag 0x0002: an MTP3 MSU)
  Mtp3Msg data;
  std::optional<uint32_t> routing_context, correlation_id, network_appearance;
};

// Parses a whole M3UA message. nullopt when the header is unusable.
std::optional<M3uaMsg> parse_m3ua(Bytes msg, PcFormat pcf, DecodeCounters& c);
// The same into a message the caller owns (the decoder's path: no copy out of
// an optional); false where the optional form is empty.
bool parse_m3ua(Bytes msg, PcFormat pcf, M3uaMsg& m, DecodeCounters& c);

// M2PA User Data (class 11 type 1): the MTP3 message it carries; nullopt for
// Link Status and for malformed messages (counted).
struct M2paMsg {
  uint8_t type = 0;
  uint32_t bsn = 0, fsn = 0;
  std::optional<Mtp3Msg> data;
};
std::optional<M2paMsg> parse_m2pa(Bytes msg, PcFormat pcf, DecodeCounters& c);

// M2UA (MAUP DATA, class 6 type 1): Protocol Data 1 (0x300) or 2 (0x301, TTC
// with a leading priority byte) holds the MTP3 message.
struct M2uaMsg {
  uint8_t cls = 0, type = 0;
  std::optional<uint32_t> interface_id;
  std::optional<Mtp3Msg> data;
};
std::optional<M2uaMsg> parse_m2ua(Bytes msg, PcFormat pcf, DecodeCounters& c);

// The SIGTRAN flavour of an SCTP payload with ppid 0, by its common header:
// 3 M3UA, 5 M2PA, 2 M2UA, 0 unknown.
uint32_t sniff_sigtran(Bytes msg);

// SIO + routing label + user part (an MSU without its MTP2 header).
std::optional<Mtp3Msg> parse_mtp3(Bytes msu, PcFormat pcf, DecodeCounters& c);

// MTP2 signal unit (Q.703): kind by length indicator, and the MSU inside.
enum class Mtp2Kind : uint8_t { Fisu, Lssu, Msu };
struct Mtp2Unit {
  Mtp2Kind kind = Mtp2Kind::Fisu;
  Bytes msu;  // SIO onwards, MSU only
};
// annex_a: extended sequence numbers (Q.703 Annex A, 6-byte header).
std::optional<Mtp2Unit> parse_mtp2(Bytes su, bool annex_a, DecodeCounters& c);

}  // namespace sigprobe::ss7
