// Placeholder until the SS7 stack lands: decodes nothing.
#include "dataplane/ss7/ss7_decoder.hpp"

namespace sigprobe::ss7 {
struct Ss7Decoder::State {};
Ss7Decoder::Ss7Decoder(const Ss7Config& cfg) : st_(std::make_unique<State>()), cfg_(cfg) {}
Ss7Decoder::~Ss7Decoder() = default;
void Ss7Decoder::on_sctp_message(Bytes, const MsgContext&, EventBatch&, DecodeCounters&) {}
void Ss7Decoder::on_mtp2(Bytes, const MsgContext&, EventBatch&, DecodeCounters&) {}
void Ss7Decoder::on_mtp2_with_phdr(Bytes, const MsgContext&, EventBatch&, DecodeCounters&) {}
void Ss7Decoder::on_mtp3(Bytes, const MsgContext&, EventBatch&, DecodeCounters&) {}
}  // namespace sigprobe::ss7
