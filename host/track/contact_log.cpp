#include "host/track/contact_log.hpp"

#include <algorithm>

namespace sigprobe::track {
namespace {
uint64_t number_key(std::string_view n) { return hash_bytes(n, hash_u64(13)); }
}  // namespace

Contact* ContactLog::touch(std::string_view from, std::string_view to, uint64_t ts_ns) {
  if (from.empty() || to.empty()) return nullptr;
  auto [list, fresh] = table_.emplace(number_key(from));
  auto& v = list->contacts;
  if (fresh) v.reserve(8);
  for (Contact& c : v) {
    if (c.number.view() == to) {
      c.last_ns = ts_ns;
      return &c;
    }
  }
  if (v.size() >= max_per_number_) {
    // Drop the contact seen longest ago.
    auto oldest = std::min_element(v.begin(), v.end(),
                                   [](const Contact& x, const Contact& y) { return x.last_ns < y.last_ns; });
    *oldest = v.back();
    v.pop_back();
    ++dropped_;
  }
  Contact& c = v.emplace_back();
  c.number.assign(to);
  c.first_ns = c.last_ns = ts_ns;
  return &c;
}

void ContactLog::call_started(std::string_view from, std::string_view to, uint64_t ts_ns) {
  if (Contact* c = touch(from, to, ts_ns)) ++c->calls;
}

void ContactLog::call_answered(std::string_view from, std::string_view to, uint64_t ts_ns) {
  if (Contact* c = touch(from, to, ts_ns)) {
    c->on_call = true;
    c->answer_ns = ts_ns;
  }
}

void ContactLog::call_ended(std::string_view from, std::string_view to, uint64_t talk_ns, uint64_t ts_ns) {
  if (Contact* c = touch(from, to, ts_ns)) {
    c->on_call = false;
    c->talk_ns = std::max(c->talk_ns, talk_ns);
  }
}

void ContactLog::sms(std::string_view from, std::string_view to, uint64_t ts_ns) {
  if (Contact* c = touch(from, to, ts_ns)) ++c->sms;
}

const ContactList* ContactLog::find(std::string_view from) const { return table_.find(number_key(from)); }

}  // namespace sigprobe::track
