// InputBuffer: the bytes a connection has read but the broker has not consumed yet (an incomplete
// packet, usually short or empty). The loop reads into a shared 64 KiB scratch buffer; only the
// leftover is copied here, so idle connections cost no buffer memory.
//
// Ownership: owns its bytes. Thread-safety: none; one connection, one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace pregon::net {

class InputBuffer {
 public:
  std::span<const uint8_t> data() const { return {bytes_.data() + begin_, bytes_.size() - begin_}; }
  size_t size() const { return bytes_.size() - begin_; }
  bool empty() const { return size() == 0; }

  void append(std::span<const uint8_t> more) {
    // Compact only when the dead prefix is at least half the buffer: each byte moves at most once
    // on average, and the common case (everything consumed) resets for free in consume().
    if (begin_ > 0 && begin_ * 2 >= bytes_.size()) {
      bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(begin_));
      begin_ = 0;
    }
    bytes_.insert(bytes_.end(), more.begin(), more.end());
  }

  // Drops the first `n` bytes (n <= size()).
  void consume(size_t n) {
    begin_ += n;
    if (begin_ == bytes_.size()) clear();
  }

  void clear() {
    bytes_.clear();  // keeps the capacity
    begin_ = 0;
  }

  // Frees the memory of a buffer that grew for one large packet.
  void shrink_if_idle(size_t keep) {
    if (empty() && bytes_.capacity() > keep) std::vector<uint8_t>().swap(bytes_);
  }

 private:
  std::vector<uint8_t> bytes_;
  size_t begin_ = 0;
};

}  // namespace pregon::net
