// Bounds-checked, zero-copy reader over wire bytes. Every accessor returns an
// empty optional (and leaves the cursor where it was) when the bytes are not
// there, so a decoder can never read past a packet.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sigprobe {

using Bytes = std::span<const uint8_t>;

inline std::string_view as_chars(Bytes b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class ByteReader {
 public:
  constexpr ByteReader() = default;
  constexpr explicit ByteReader(Bytes b) : b_(b) {}

  constexpr size_t remaining() const { return b_.size() - pos_; }
  constexpr size_t pos() const { return pos_; }
  constexpr bool empty() const { return pos_ >= b_.size(); }
  constexpr Bytes rest() const { return b_.subspan(pos_); }
  constexpr Bytes whole() const { return b_; }

  std::optional<uint8_t> peek_u8(size_t off = 0) const {
    if (remaining() <= off) return std::nullopt;
    return b_[pos_ + off];
  }
  std::optional<uint8_t> u8() {
    if (remaining() < 1) return std::nullopt;
    return b_[pos_++];
  }
  std::optional<uint16_t> u16be() {
    if (remaining() < 2) return std::nullopt;
    uint16_t v = uint16_t(b_[pos_] << 8 | b_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::optional<uint16_t> u16le() {
    if (remaining() < 2) return std::nullopt;
    uint16_t v = uint16_t(b_[pos_ + 1] << 8 | b_[pos_]);
    pos_ += 2;
    return v;
  }
  std::optional<uint32_t> u24be() {
    if (remaining() < 3) return std::nullopt;
    uint32_t v = uint32_t(b_[pos_]) << 16 | uint32_t(b_[pos_ + 1]) << 8 | b_[pos_ + 2];
    pos_ += 3;
    return v;
  }
  std::optional<uint32_t> u32be() {
    if (remaining() < 4) return std::nullopt;
    uint32_t v = uint32_t(b_[pos_]) << 24 | uint32_t(b_[pos_ + 1]) << 16 |
                 uint32_t(b_[pos_ + 2]) << 8 | b_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  std::optional<uint32_t> u32le() {
    if (remaining() < 4) return std::nullopt;
    uint32_t v = uint32_t(b_[pos_ + 3]) << 24 | uint32_t(b_[pos_ + 2]) << 16 |
                 uint32_t(b_[pos_ + 1]) << 8 | b_[pos_];
    pos_ += 4;
    return v;
  }
  // n bytes as a view into the packet; no copy.
  std::optional<Bytes> bytes(size_t n) {
    if (remaining() < n) return std::nullopt;
    Bytes v = b_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  bool skip(size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }

 private:
  Bytes b_{};
  size_t pos_ = 0;
};

constexpr size_t pad4(size_t n) { return (4 - (n & 3)) & 3; }

}  // namespace sigprobe
