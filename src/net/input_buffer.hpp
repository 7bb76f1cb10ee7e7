// InputBuffer: the bytes a connection has read but the broker has not consumed yet (an incomplete
// packet, usually short or empty). The loop reads into a shared 64 KiB scratch buffer; only the
// leftover is copied here, so idle connections cost no buffer memory (eight bytes in all, once
// release_if_empty() has run).
//
// Ownership: owns its bytes. Thread-safety: none; one connection, one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

namespace pregon::net {

class InputBuffer {
 public:
  std::span<const uint8_t> data() const {
    if (!s_) return {};
    return {s_->bytes.data() + s_->begin, s_->bytes.size() - s_->begin};
  }
  size_t size() const { return s_ ? s_->bytes.size() - s_->begin : 0; }
  bool empty() const { return size() == 0; }
  // Memory held, buffered or kept for reuse.
  size_t reserved_bytes() const { return s_ ? sizeof(Storage) + s_->bytes.capacity() : 0; }

  void append(std::span<const uint8_t> more) {
    if (more.empty()) return;
    if (!s_) s_ = std::make_unique<Storage>();
    Storage& s = *s_;
    // Compact only when the dead prefix is at least half the buffer: each byte moves at most once
    // on average, and the common case (everything consumed) resets for free in consume().
    if (s.begin > 0 && s.begin * 2 >= s.bytes.size()) {
      s.bytes.erase(s.bytes.begin(), s.bytes.begin() + static_cast<std::ptrdiff_t>(s.begin));
      s.begin = 0;
    }
    const size_t at = s.bytes.size();
    s.bytes.resize(at + more.size());
    std::memcpy(s.bytes.data() + at, more.data(), more.size());
  }

  // Drops the first `n` bytes (n <= size()).
  void consume(size_t n) {
    if (n == 0) return;
    s_->begin += n;
    if (s_->begin == s_->bytes.size()) clear();
  }

  void clear() {
    if (!s_) return;
    s_->bytes.clear();  // keeps the capacity
    s_->begin = 0;
  }

  // Frees the memory of a buffer that grew for one large packet.
  void shrink_if_idle(size_t keep) {
    if (empty() && s_ && s_->bytes.capacity() > keep) s_.reset();
  }
  // Frees all its memory when it holds no bytes (the connection went quiet).
  void release_if_empty() {
    if (empty()) s_.reset();
  }

 private:
  // Behind a pointer: most connections hold no partial packet most of the time.
  struct Storage {
    std::vector<uint8_t> bytes;
    size_t begin = 0;
  };
  std::unique_ptr<Storage> s_;
};

}  // namespace pregon::net
