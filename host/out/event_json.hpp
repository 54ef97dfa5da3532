// Event JSON lines (shared/DESIGN.md, "Event JSON"): one object per event.
#pragma once
#include <string>

#include "dataplane/core/signal_event.hpp"

namespace sigprobe {

// "10.1.1.5:5060", "[2001:db8::1]:5060"; empty for family 0.
std::string format_endpoint(const Endpoint& ep);
void append_endpoint(std::string& out, const Endpoint& ep);
// The address alone ("10.1.1.5", "2001:db8::1").
std::string format_ip(const Endpoint& ep);
// Capture time as seconds with up to 9 decimals, trailing zeros trimmed.
void append_ts(std::string& out, uint64_t ts_ns);
// Hex of a TCAP transaction id ("0a1b2c3d").
std::string hex_tid(const std::array<uint8_t, 4>& tid, uint8_t len);

const char* sip_method_name(SipMethod m);
const char* tcap_type_name(TcapType t);
const char* map_component_name(MapComponent c);

// Append one event as a JSON object followed by '\n'.
void append_event_json(std::string& out, const SignalEvent& ev);

}  // namespace sigprobe
