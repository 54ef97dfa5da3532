// Placeholder until the L2-L4 walk lands: counts packets only.
#include "dataplane/decode.hpp"

namespace sigprobe {
struct Decoder::Impl {};
Decoder::Decoder(const DecoderConfig&) : impl_(std::make_unique<Impl>()) {}
Decoder::~Decoder() = default;
uint16_t Decoder::decode_burst(std::span<const PacketRef> pkts, EventBatch&, DecodeCounters& c) {
  for (const auto& p : pkts) { ++c.packets; c.bytes += p.wirelen; }
  return uint16_t(pkts.size());
}
}  // namespace sigprobe
