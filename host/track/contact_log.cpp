#include "host/track/contact_log.hpp"

#include <algorithm>

#include "host/track/call_tracker.hpp"
#include "host/track/ss7_tracker.hpp"

namespace sigprobe::track {
namespace {
uint64_t number_key(std::string_view n) { return hash_key(n, 13); }

// Where `to` (hash_key to_hash) is in the list, else its size.
size_t index_of(const ContactList& l, std::string_view to, uint64_t to_hash) {
  const uint64_t* h = l.hashes.data();
  const size_t n = l.hashes.size();
  for (size_t i = find_hash(h, n, to_hash, 0); i < n; i = find_hash(h, n, to_hash, i + 1))
    if (l.contacts[i].number.view() == to) return i;
  return n;
}

// The numbers whose lists an event touches first, if any: the caller of a new
// SIP, ISUP (Q.763 IAM = 0x01) or CAMEL (InitialDP) call, the sender of a
// text; and the callee or recipient, whose callers it joins.
struct Touched {
  std::string_view from, to;
};
Touched first_touched(const SignalEvent& ev) {
  if (ev.has(kLayerSip)) {
    if ((ev.sip.method == SipMethod::Invite && ev.sip.to_tag.empty()) || ev.sip.method == SipMethod::Message)
      return {sip_calling(ev.sip), sip_called(ev.sip)};
    return {};
  }
  if (ev.has(kLayerIsup)) return ev.isup.msg_type == 0x01 ? Touched{ev.isup.calling, ev.isup.called} : Touched{};
  if (ev.has(kLayerCap))
    return (ev.cap.opcode == cap_op::kInitialDp || ev.cap.opcode == cap_op::kInitialDpSms) &&
                   ev.tcap.type == TcapType::Begin
               ? Touched{ev.cap.calling, ev.cap.called}
               : Touched{};
  if (ev.has(kLayerMap)) {
    const SmsRecord sms = sms_record(ev);
    return {sms.sender, sms.recipient};
  }
  return {};
}
}  // namespace

void ContactLog::prefetch(std::span<const SignalEvent> events) {
  size_t n = 0;
  for (const SignalEvent& ev : events) {
    const Touched t = first_touched(ev);
    if (t.from.empty()) continue;
    prefetch_keys_[n] = number_key(t.from);
    prefetch_callees_[n] = number_key(t.to);
    table_.prefetch_slot(prefetch_keys_[n]);
    callers_.prefetch_slot(prefetch_callees_[n]);
    if (++n == prefetch_keys_.size()) break;
  }
  for (size_t k = 0; k < n; ++k) {
    table_.prefetch_entry(prefetch_keys_[k]);
    callers_.prefetch_entry(prefetch_callees_[k]);
  }
  for (size_t k = 0; k < n; ++k) {
    if (const ContactList* l = table_.find(prefetch_keys_[k])) {
      __builtin_prefetch(l->hashes.data());
      __builtin_prefetch(l->contacts.data());
    }
    if (const CallerList* l = callers_.find(prefetch_callees_[k]); l && l->more) __builtin_prefetch(l->more.get());
  }
}

void ContactLog::note(std::string_view from, const Contact& before, bool existed) {
  if (recording_) journal_.push_back({event_, existed, number_key(from), before});
}

Contact* ContactLog::touch(std::string_view from, std::string_view to, uint64_t ts_ns, ContactRef* ref,
                           bool* fresh_contact) {
  if (from.empty() || to.empty()) return nullptr;
  // Not a structured binding: found() captures the entry (clang 14, which
  // builds the fuzz targets, cannot capture a binding).
  const std::pair<uint32_t, bool> placed = table_.emplace_entry(number_key(from));
  const uint32_t entry = placed.first;
  const bool fresh = placed.second;
  ContactList& list = table_.value(entry);
  auto& v = list.contacts;
  auto& h = list.hashes;
  if (fresh) {
    v.reserve(8);
    h.reserve(8);
  }
  auto found = [&](size_t i) {
    if (ref) *ref = {entry, uint32_t(i), table_.generation(entry)};
    return &v[i];
  };
  const uint64_t to_hash = hash_key(to, 0);
  if (const size_t i = index_of(list, to, to_hash); i < v.size()) {
    note(from, v[i], true);
    v[i].last_ns = ts_ns;
    return found(i);
  }
  if (v.size() >= max_per_number_) {
    // Drop the contact seen longest ago.
    auto oldest = std::min_element(v.begin(), v.end(),
                                   [](const Contact& x, const Contact& y) { return x.last_ns < y.last_ns; });
    const size_t at = size_t(oldest - v.begin());
    note(from, v[at], true);
    v[at] = v.back();
    v.pop_back();
    h[at] = h.back();
    h.pop_back();
    ++dropped_;
  }
  if (fresh_contact) *fresh_contact = true;
  h.push_back(to_hash);
  Contact& c = v.emplace_back();
  c.number.assign(to);
  note(from, c, false);
  c.first_ns = c.last_ns = ts_ns;
  return found(v.size() - 1);
}

Contact* ContactLog::touch(const ContactRef& ref, std::string_view from, std::string_view to, uint64_t ts_ns) {
  // Same generation: the entry still holds from's list (a generation is
  // never given twice). Numbers are unique in a list, so the contact at pos,
  // if it is to's, is the one the lookup would find.
  if (ContactList* list = table_.at(ref.entry, ref.gen)) {
    if (ref.pos < list->contacts.size() && list->contacts[ref.pos].number.view() == to && !to.empty()) {
      Contact& c = list->contacts[ref.pos];
      note(from, c, true);
      c.last_ns = ts_ns;
      return &c;
    }
  }
  return touch(from, to, ts_ns);
}

ContactRef ContactLog::call_started(std::string_view from, std::string_view to, uint64_t ts_ns) {
  ContactRef ref;
  bool fresh = false;
  if (Contact* c = touch(from, to, ts_ns, &ref, &fresh)) {
    ++c->calls;
    if (fresh) note_caller(from, to);
  }
  return ref;
}

void ContactLog::call_answered(std::string_view from, std::string_view to, uint64_t ts_ns, const ContactRef& ref,
                               uint64_t call_key) {
  if (Contact* c = touch(ref, from, to, ts_ns)) {
    c->on_call = true;
    c->answer_ns = ts_ns;
    if (call_key) c->call_key = call_key;  // another leg of the call (0) keeps the first leg's
  }
}

void ContactLog::call_ended(std::string_view from, std::string_view to, uint64_t talk_ns, uint64_t ts_ns,
                            const ContactRef& ref) {
  if (Contact* c = touch(ref, from, to, ts_ns)) {
    c->on_call = false;
    c->talk_ns = std::max(c->talk_ns, talk_ns);
  }
}

void ContactLog::sms(std::string_view from, std::string_view to, uint64_t ts_ns) {
  bool fresh = false;
  if (Contact* c = touch(from, to, ts_ns, nullptr, &fresh)) {
    ++c->sms;
    if (fresh) note_caller(from, to);
  }
}

void ContactLog::note_caller(std::string_view from, std::string_view to) {
  CallerList& list = *callers_.emplace(number_key(to)).first;
  if (list.first.empty()) {
    list.first.assign(from);
    return;
  }
  if (!list.more) list.more = std::make_unique<std::vector<FixedStr<32>>>();
  std::vector<FixedStr<32>>& more = *list.more;
  if (list.size() >= max_per_number_) {
    // Forget the older half at once (the first and those after it): one
    // move per caller noted, where dropping the oldest one at a time would
    // move the whole list each time.
    const size_t half = std::max<size_t>(1, list.size() / 2);
    callers_forgotten_ += half;
    if (half > more.size()) {  // a bound of 1: the first goes
      list.first.assign(from);
      return;
    }
    list.first = more[half - 1];
    more.erase(more.begin(), more.begin() + ptrdiff_t(half));
  }
  more.emplace_back(from);
}

const CallerList* ContactLog::callers_of(std::string_view to) const { return callers_.find(number_key(to)); }

void ContactLog::forwarding(std::string_view from, std::string_view to, uint64_t ts_ns) { touch(from, to, ts_ns); }

const ContactList* ContactLog::find(std::string_view from) const { return table_.find(number_key(from)); }

const ContactLog::Change* ContactLog::first_change_after(uint64_t key, std::string_view to, uint32_t event) const {
  // The journal is in event order: nothing after `event` when its last is not.
  if (journal_.empty() || journal_.back().event <= event) return nullptr;
  for (const Change& c : journal_)
    if (c.event > event && c.from_key == key && c.before.number.view() == to) return &c;
  return nullptr;
}

bool ContactLog::contact_after(std::string_view from, std::string_view to, uint32_t event, Contact& out) const {
  const uint64_t key = number_key(from);
  if (const Change* c = first_change_after(key, to, event)) {
    if (c->existed) out = c->before;
    return c->existed;
  }
  const ContactList* list = table_.find(key);
  if (!list) return false;
  const size_t i = index_of(*list, to, hash_key(to, 0));
  if (i == list->contacts.size()) return false;
  out = list->contacts[i];
  return true;
}

const std::vector<Contact>* ContactLog::contacts_after(std::string_view from, uint32_t event,
                                                      std::vector<Contact>& scratch) const {
  const ContactList* list = find(from);
  const std::vector<Contact>* now = list ? &list->contacts : nullptr;
  // The journal is in event order: nothing after `event` when its last is not.
  if (journal_.empty() || journal_.back().event <= event) return now;
  const uint64_t key = number_key(from);
  auto first_later = std::find_if(journal_.begin(), journal_.end(), [&](const Change& c) {
    return c.event > event && c.from_key == key;
  });
  if (first_later == journal_.end()) return now;
  scratch.clear();
  if (now) scratch = *now;
  // Each changed contact as its first change after the event holds it;
  // later changes of the same contact are passed over.
  for (auto it = first_later; it != journal_.end(); ++it) {
    if (it->event <= event || it->from_key != key) continue;
    const std::string_view to = it->before.number.view();
    if (first_change_after(key, to, event) != &*it) continue;
    auto at = std::find_if(scratch.begin(), scratch.end(), [&](const Contact& c) { return c.number.view() == to; });
    if (!it->existed) {
      if (at != scratch.end()) scratch.erase(at);
    } else if (at != scratch.end()) {
      *at = it->before;
    } else {
      scratch.push_back(it->before);  // dropped since, to make room
    }
  }
  return &scratch;
}

}  // namespace sigprobe::track
