#include "net/output_queue.hpp"

#include <algorithm>
#include <cassert>

namespace pregon::net {

namespace {

iovec make_iovec(const uint8_t* p, size_t n) {
  return iovec{const_cast<uint8_t*>(p), n};  // writev's iovec is not const-correct
}

}  // namespace

void OutputQueue::append(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  if (head_ == segments_.size()) clear();  // reuse the buffers from the start
  const size_t begin = copies_.size();
  copies_.insert(copies_.end(), bytes.begin(), bytes.end());
  // Consecutive copies become one segment, so a burst of small packets is one iovec.
  if (segments_.size() > std::max(head_, sealed_end_) && !segments_.back().publish &&
      segments_.back().copy_end == begin) {
    segments_.back().copy_end = copies_.size();
  } else {
    Segment s;
    s.copy_begin = begin;
    s.copy_end = copies_.size();
    segments_.push_back(std::move(s));
  }
  size_ += bytes.size();
  unsealed_ += bytes.size();
}

void OutputQueue::append_publish(std::shared_ptr<const broker::EncodedPublish> p, uint8_t first_byte,
                                 uint16_t packet_id) {
  const std::span<const uint8_t> b = p->bytes;
  if (b.empty()) return;
  const bool has_id = p->packet_id_offset != 0 && p->packet_id_offset + 2 <= b.size();
  if (b.size() <= kCopyPublishMax) {
    append(b);  // the packet is now the last b.size() bytes of copies_
    uint8_t* dst = copies_.data() + copies_.size() - b.size();
    dst[0] = first_byte;
    if (has_id) {
      dst[p->packet_id_offset] = static_cast<uint8_t>(packet_id >> 8);
      dst[p->packet_id_offset + 1] = static_cast<uint8_t>(packet_id & 0xFF);
    }
    return;
  }
  if (head_ == segments_.size()) clear();
  Segment s;
  s.first_byte = first_byte;
  s.packet_id[0] = static_cast<uint8_t>(packet_id >> 8);
  s.packet_id[1] = static_cast<uint8_t>(packet_id & 0xFF);
  s.publish = std::move(p);
  size_ += b.size();
  unsealed_ += b.size();
  segments_.push_back(std::move(s));
}

void OutputQueue::seal(std::span<const uint8_t> header) {
  assert(header.size() <= kMaxSealHeader);
  if (unsealed_ == 0) return;
  Segment& first = segments_[sealed_end_];
  std::copy(header.begin(), header.end(), first.header);
  first.header_begin = 0;
  first.header_end = static_cast<uint8_t>(header.size());
  size_ += header.size();
  sealed_end_ = segments_.size();
  unsealed_ = 0;
}

size_t OutputQueue::pieces(const Segment& s, const std::vector<uint8_t>& copies, size_t skip,
                           std::span<iovec> out) {
  size_t used = 0;
  if (s.header_begin < s.header_end && !out.empty()) {
    out[used++] = make_iovec(s.header + s.header_begin, s.header_end - s.header_begin);
  }
  iovec all[4];
  size_t n = 0;
  if (!s.publish) {
    all[n++] = make_iovec(copies.data() + s.copy_begin, s.copy_end - s.copy_begin);
  } else {
    const std::span<const uint8_t> b = s.publish->bytes;
    const size_t id_at = s.publish->packet_id_offset;
    all[n++] = make_iovec(&s.first_byte, 1);
    if (id_at != 0 && id_at + 2 <= b.size()) {
      all[n++] = make_iovec(b.data() + 1, id_at - 1);
      all[n++] = make_iovec(s.packet_id, 2);
      all[n++] = make_iovec(b.data() + id_at + 2, b.size() - id_at - 2);
    } else {
      all[n++] = make_iovec(b.data() + 1, b.size() - 1);
    }
  }
  for (size_t i = 0; i < n && used < out.size(); ++i) {
    iovec v = all[i];
    if (skip >= v.iov_len) {
      skip -= v.iov_len;
      continue;
    }
    v.iov_base = static_cast<uint8_t*>(v.iov_base) + skip;
    v.iov_len -= skip;
    skip = 0;
    if (v.iov_len != 0) out[used++] = v;
  }
  return used;
}

size_t OutputQueue::gather(std::span<iovec> out) const {
  size_t used = 0;
  size_t skip = head_offset_;
  for (size_t i = head_; i < segments_.size() && used < out.size(); ++i) {
    used += pieces(segments_[i], copies_, skip, out.subspan(used));
    skip = 0;
  }
  return used;
}

void OutputQueue::consume(size_t n) {
  assert(n <= size_);
  size_ -= n;
  while (n > 0) {
    Segment& s = segments_[head_];
    const size_t header_left = static_cast<size_t>(s.header_end - s.header_begin);
    if (header_left > 0) {
      const size_t k = std::min(n, header_left);
      s.header_begin = static_cast<uint8_t>(s.header_begin + k);
      n -= k;
      if (n == 0) break;
    }
    const size_t left = s.body_length() - head_offset_;
    if (n < left) {
      if (s.publish) {
        head_offset_ += n;
      } else {
        s.copy_begin += n;  // copies keep no offset, so their dead prefix is visible to compact()
      }
      break;
    }
    n -= left;
    s.publish.reset();  // release the shared encoding as soon as it is written
    ++head_;
    head_offset_ = 0;
  }
  if (head_ == segments_.size()) {
    clear();
    return;
  }
  // Rare: only a backlog that persists across many writes gets here. Moving the live tail to the
  // front keeps memory proportional to the backlog, not to everything ever sent.
  size_t dead_copies = copies_.size();
  for (size_t i = head_; i < segments_.size(); ++i) {
    if (!segments_[i].publish) {
      dead_copies = segments_[i].copy_begin;
      break;
    }
  }
  const bool copies_wasteful = dead_copies >= kCompactBytes && dead_copies * 2 >= copies_.size();
  const bool segments_wasteful = head_ >= kCompactSegments && head_ * 2 >= segments_.size();
  if (copies_wasteful || segments_wasteful) compact(dead_copies);
}

void OutputQueue::compact(size_t dead_copies) {
  copies_.erase(copies_.begin(), copies_.begin() + static_cast<std::ptrdiff_t>(dead_copies));
  for (size_t i = head_; i < segments_.size(); ++i) {
    if (!segments_[i].publish) {
      segments_[i].copy_begin -= dead_copies;
      segments_[i].copy_end -= dead_copies;
    }
  }
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(head_));
  sealed_end_ -= std::min(sealed_end_, head_);
  head_ = 0;
}

void OutputQueue::clear() {
  segments_.clear();
  copies_.clear();
  head_ = 0;
  head_offset_ = 0;
  size_ = 0;
  sealed_end_ = 0;
  unsealed_ = 0;
}

}  // namespace pregon::net
