// Bounded reassembly tables of the SS7 decoder, allocated once:
//  - SccpReassembler: XUDT/LUDT segments (Q.714 section 4.1.1.2) into one
//    message, keyed by calling address, OPC and local reference.
//  - SmsConcatenator: concatenated SMS parts (TS 23.040 9.2.3.24.1) into one
//    UTF-8 text, keyed by address, reference and total.
// Time is capture time (ns); stale entries expire and are counted.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

#include "dataplane/core/byte_reader.hpp"
#include "dataplane/core/counters.hpp"

namespace sigprobe::ss7 {

class SccpReassembler {
 public:
  static constexpr size_t kSlots = 64;
  static constexpr size_t kMaxBytes = 4096;  // 16 segments of a 255-byte XUDT

  explicit SccpReassembler(uint64_t timeout_ns);
  // Adds a segment; returns the whole message when this one completes it
  // (a view valid until the next add()), or an empty span.
  Bytes add(uint64_t key, bool first, uint8_t remaining, Bytes data, uint64_t now_ns,
            DecodeCounters& c);

 private:
  struct Slot {
    uint64_t key = 0;
    uint64_t ts_ns = 0;
    uint8_t remaining = 0;
    bool used = false;
    size_t len = 0;
  };
  std::vector<Slot> slots_;
  std::vector<uint8_t> buf_;  // kSlots * kMaxBytes
  uint64_t timeout_ns_;
};

class SmsConcatenator {
 public:
  static constexpr size_t kSlots = 128;
  static constexpr size_t kMaxParts = 16;
  static constexpr size_t kPartCap = 640;  // 160 septets at 3 UTF-8 bytes, or 140 octets UCS-2

  explicit SmsConcatenator(uint64_t timeout_ns);
  // Stores part `seq` of `total`; when all parts are present, writes the
  // whole text into out (cap bytes) and returns its length, else returns -1.
  long add(uint64_t key, uint8_t seq, uint8_t total, std::string_view part, uint64_t now_ns,
           char* out, size_t cap, DecodeCounters& c);

 private:
  struct Slot {
    uint64_t key = 0;
    uint64_t ts_ns = 0;
    uint32_t have = 0;  // bit per part
    uint8_t total = 0;
    bool used = false;
    uint16_t len[kMaxParts] = {};
  };
  std::vector<Slot> slots_;
  std::vector<char> text_;  // kSlots * kMaxParts * kPartCap
  uint64_t timeout_ns_;
};

// FNV-1a over bytes, for table keys.
uint64_t hash_bytes(Bytes b, uint64_t h = 1469598103934665603ull);

}  // namespace sigprobe::ss7
