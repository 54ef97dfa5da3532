// A small append-only JSON writer for the event and alert lines: no DOM, no
// allocation beyond the caller's string. Strings are escaped; bytes that are
// not valid UTF-8 are written as \u00XX so every line stays valid JSON.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace sigprobe::json {

void append_escaped(std::string& out, std::string_view s);

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  Writer& begin_object() { sep(); out_ += '{'; first_ = true; return *this; }
  Writer& end_object() { out_ += '}'; first_ = false; return *this; }
  Writer& begin_array() { sep(); out_ += '['; first_ = true; return *this; }
  Writer& end_array() { out_ += ']'; first_ = false; return *this; }
  Writer& key(std::string_view k) {
    sep();
    out_ += '"';
    out_ += k;
    out_ += "\":";
    first_ = true;  // the value follows without a comma
    return *this;
  }
  Writer& str(std::string_view v) { sep(); out_ += '"'; append_escaped(out_, v); out_ += '"'; return *this; }
  Writer& num(uint64_t v) { sep(); out_ += std::to_string(v); return *this; }
  Writer& num(int64_t v) { sep(); out_ += std::to_string(v); return *this; }
  Writer& num(int v) { return num(int64_t(v)); }
  Writer& num(unsigned v) { return num(uint64_t(v)); }
  Writer& fixed(double v, int decimals);
  Writer& boolean(bool v) { sep(); out_ += v ? "true" : "false"; return *this; }
  Writer& raw(std::string_view v) { sep(); out_ += v; return *this; }

  // key + value, omitted when the value is empty (absent fields are omitted).
  Writer& field(std::string_view k, std::string_view v) { if (!v.empty()) key(k).str(v); return *this; }

 private:
  void sep() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace sigprobe::json
