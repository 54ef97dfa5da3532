#include "host/offload/batch_pack.hpp"

#include <algorithm>
#include <cstring>

#include "hls_kernels/pattern/pattern_image.hpp"

namespace sigprobe::offload {

size_t pack_fields(std::span<const ScanItem> items, size_t first, std::span<hlsk::PatternChunk> out,
                   size_t& chunks_used) {
  size_t used = 0, i = first;
  for (; i < items.size(); ++i) {
    const ScanItem& it = items[i];
    const size_t n = it.bytes.size();
    if (n == 0 || it.field >= FieldTag::Count_) continue;
    if (used + chunks_for(n) > out.size()) break;
    for (size_t off = 0; off < n; off += hlsk::kChunkBytes) {
      hlsk::PatternChunk& c = out[used++];
      const size_t len = std::min<size_t>(hlsk::kChunkBytes, n - off);
      c.item = it.item;
      c.field = static_cast<uint8_t>(it.field);
      c.flags = static_cast<uint8_t>((off == 0 ? hlsk::kChunkFirst : 0) |
                                     (off + hlsk::kChunkBytes >= n ? hlsk::kChunkLast : 0));
      c.len = static_cast<uint8_t>(len);
      c.pad = 0;
      std::memcpy(c.bytes, it.bytes.data() + off, len);
    }
  }
  chunks_used = used;
  return i - first;
}

void unpack_hits(std::span<const hlsk::PatternHit> hits, std::span<const uint32_t> ids,
                 std::vector<PatternMatch>& out) {
  for (const hlsk::PatternHit& h : hits)
    out.push_back({h.item, ids[h.pattern], static_cast<FieldTag>(h.field)});
}

void pack_samples(std::span<const RateSample> in, const SpecIndex& index, std::span<hlsk::RateSampleRecord> out) {
  for (size_t i = 0; i < in.size(); ++i) {
    const int32_t idx = index.find(in[i].spec_id);
    out[i] = {in[i].key, in[i].value, in[i].ts_ns, idx < 0 ? hlsk::kRateMaxSpecs : static_cast<uint32_t>(idx),
              in[i].item};
  }
}

void unpack_results(std::span<const RateSample> in, std::span<const hlsk::RateResultRecord> res,
                    std::vector<RateResult>& out) {
  for (size_t i = 0; i < in.size(); ++i)
    out.push_back({res[i].item, in[i].spec_id, res[i].count, res[i].distinct, (res[i].fired & 1u) != 0,
                   (res[i].fired & 2u) != 0});
}

namespace {
hlsk::ImageKind image_kind(PatternKind k) {
  switch (k) {
    case PatternKind::Literal: return hlsk::ImageKind::Literal;
    case PatternKind::LiteralNocase: return hlsk::ImageKind::LiteralNocase;
    case PatternKind::Prefix: return hlsk::ImageKind::Prefix;
    case PatternKind::Exact: return hlsk::ImageKind::Exact;
  }
  return hlsk::ImageKind::Literal;
}
}  // namespace

std::vector<uint32_t> build_image(std::span<const PatternSpec> patterns, std::vector<uint32_t>& ids,
                                  std::string& err) {
  std::vector<hlsk::ImagePattern> img;
  img.reserve(patterns.size());
  ids.clear();
  for (const PatternSpec& p : patterns) {
    img.push_back({image_kind(p.kind), p.field_mask, p.text});
    ids.push_back(p.id);
  }
  return hlsk::build_pattern_image(img, err);
}

std::vector<hlsk::RateSpecRecord> spec_records(std::span<const RateSpec> rates) {
  std::vector<hlsk::RateSpecRecord> v;
  for (const RateSpec& r : rates) v.push_back({hlsk::rate_slot_ns(r.window_ns), r.count_threshold, r.distinct_threshold});
  return v;
}

}  // namespace sigprobe::offload
