#include "host/dp/flagged_flows.hpp"

#include "host/out/flow_keys.hpp"

namespace sigprobe::dp {

void FlaggedFlows::add(const Alert& a) {
  for (const auto& c : a.call_ids) keys_.insert(flow_key(KeyKind::CallId, c));
  for (const auto& t : a.tcap_tids) keys_.insert(flow_key(KeyKind::TcapTid, t));
}

bool FlaggedFlows::matches(const SignalEvent& ev) const {
  KeySet ks;
  collect_keys(ev, ks);
  for (uint8_t i = 0; i < ks.n_flow; ++i)
    if (keys_.count(ks.flow[i])) return true;
  return false;
}

}  // namespace sigprobe::dp
