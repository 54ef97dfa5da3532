// SCTP (RFC 9260): the common header and every chunk of a packet; DATA chunks
// are checked for duplicate TSNs per association direction (a window of
// recent TSNs), and fragmented user messages (B/E flags) are reassembled in
// TSN order per stream. Every complete user message goes to the handler with
// its PPID and stream. All tables bounded; slots recycled.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"
#include "dataplane/l2l4/flow_table.hpp"
#include "dataplane/l2l4/walk.hpp"

namespace sigprobe::l2l4 {

inline constexpr uint8_t kSctpChunkData = 0;
inline constexpr uint8_t kSctpFlagEnd = 0x01;
inline constexpr uint8_t kSctpFlagBegin = 0x02;
inline constexpr uint8_t kSctpFlagUnordered = 0x04;

class SctpReassembly {
 public:
  static constexpr uint32_t kTsnWindow = 1024;   // TSNs remembered per direction
  static constexpr uint32_t kMaxFragments = 128; // per user message

  explicit SctpReassembly(const L2L4Config& cfg);

  // `sctp` is the SCTP packet (common header first); ctx carries addresses.
  // holdable: the packet may be rewritten in place (not inside a tunnel):
  // events then name where their M3UA message lies (SignalEvent::wire).
  void on_packet(Bytes sctp, bool in_packet, MsgContext ctx, uint64_t now_ns, L4Handler& h,
                 DecodeCounters& c, bool holdable);

  uint32_t partial_in_flight() const { return partial_.size(); }

 private:
  // Recent TSNs of a direction, each with a fingerprint of its chunk (stream,
  // SSN, PPID, length; 0 = not seen): a retransmission repeats the chunk, a
  // sender that reuses TSNs (seen in generated captures) does not.
  struct Assoc {
    uint32_t base = 0;  // lowest TSN of the window
    std::array<uint8_t, kTsnWindow> seen{};
  };
  struct Fragment {
    uint32_t tsn, off, len;
    uint8_t flags;
  };
  struct Partial {
    std::vector<uint8_t> bytes;        // fragment payloads, appended
    std::vector<Fragment> frags;       // sorted by TSN
    std::vector<uint32_t> ppids;       // parallel to frags
  };

  void on_data(Bytes chunk, uint8_t flags, uint32_t vtag, bool in_packet, MsgContext& ctx,
               uint64_t now_ns, L4Handler& h, DecodeCounters& c);
  bool seen_before(Assoc& a, uint32_t tsn, uint8_t fingerprint, DecodeCounters& c);
  void add_fragment(const FlowKey& k, uint32_t tsn, uint8_t flags, uint32_t ppid, Bytes data,
                    MsgContext& ctx, uint64_t now_ns, L4Handler& h, DecodeCounters& c);

  L2L4Config cfg_;
  FlowTable<Assoc> assocs_;
  // The directions of the last two DATA chunks (ports and tag), the last
  // first; only on_data erases directions, and it drops them from here.
  struct RecentDir {
    uint64_t dir = 0;
    Assoc* assoc = nullptr;
  };
  std::array<RecentDir, 2> recent_{};
  FlowTable<Partial> partial_;
  std::vector<uint8_t> message_;       // the reassembled message handed out
};

}  // namespace sigprobe::l2l4
