// OutputQueue: the bytes waiting to be written to one socket, in order. Holds copies of small
// packets (coalesced into one contiguous buffer) and references to shared PUBLISH encodings, whose
// first byte and packet identifier are patched per receiver without copying the payload.
// gather() describes the head of the queue as iovecs for one writev/sendmsg; consume() drops what
// the kernel took. Pure: no descriptors, no clock, no logging.
//
// Framing (WebSocket): seal() puts a header in front of everything appended since the last seal,
// held beside the first of those segments, so a batch of copies and shared references goes out as
// one frame with no copy of its bytes. Whoever seals must seal before each gather().
//
// Allocation: both internal vectors keep their capacity; once they have grown to the connection's
// usual backlog, appending, gathering and consuming allocate nothing.
//
// Ownership: owns its copies and one reference to each queued EncodedPublish.
// Thread-safety: none; owned by one connection on one thread.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "broker/client_link.hpp"

namespace pregon::net {

class OutputQueue {
 public:
  // A PUBLISH up to this size is copied rather than referenced: a memcpy is cheaper than the
  // four iovecs a patched reference takes.
  static constexpr size_t kCopyPublishMax = 512;

  void append(std::span<const uint8_t> bytes);
  void append_publish(std::shared_ptr<const broker::EncodedPublish> p, uint8_t first_byte,
                      uint16_t packet_id);

  // The largest header seal() takes: a WebSocket server frame header.
  static constexpr size_t kMaxSealHeader = 10;

  // Puts `header` (at most kMaxSealHeader bytes; may be empty) in front of the bytes appended since
  // the last seal, and closes them: later appends come after, never coalesced with them.
  void seal(std::span<const uint8_t> header);
  // Bytes appended since the last seal (or since the queue was last empty).
  size_t unsealed_size() const { return unsealed_; }

  size_t size() const { return size_; }
  // Memory held, queued or kept for reuse.
  size_t reserved_bytes() const { return copies_.capacity() + segments_.capacity() * sizeof(Segment); }
  bool empty() const { return size_ == 0; }

  // Fills `out` with the head of the queue, in order; returns how many iovecs were used. Stops when
  // `out` is full. The iovecs point into the queue: valid until the next non-const call.
  size_t gather(std::span<iovec> out) const;

  // Drops the first `n` bytes (n <= size()), e.g. what a write accepted.
  void consume(size_t n);

  void clear();

 private:
  struct Segment {
    // A copy: bytes [copy_begin, copy_end) of copies_. A reference: `publish`, plus the patched
    // bytes, which live here so that iovecs can point at them.
    size_t copy_begin = 0;
    size_t copy_end = 0;
    std::shared_ptr<const broker::EncodedPublish> publish;
    uint8_t first_byte = 0;
    uint8_t packet_id[2] = {0, 0};
    // A frame header sealed in front of this segment; [header_begin, header_end) is left to write.
    uint8_t header[kMaxSealHeader] = {};
    uint8_t header_begin = 0;
    uint8_t header_end = 0;

    size_t body_length() const { return publish ? publish->bytes.size() : copy_end - copy_begin; }
  };

  // The pieces of `s` as iovecs (its header, then its body without the first `skip` bytes);
  // returns how many were written.
  static size_t pieces(const Segment& s, const std::vector<uint8_t>& copies, size_t skip,
                       std::span<iovec> out);
  void compact(size_t dead_copies);

  static constexpr size_t kCompactBytes = 64 * 1024;
  static constexpr size_t kCompactSegments = 64;

  std::vector<uint8_t> copies_;    // coalesced copies; bytes before the first live copy are written
  std::vector<Segment> segments_;  // [head_, end) are queued
  size_t head_ = 0;
  size_t head_offset_ = 0;  // bytes of the head PUBLISH reference already written (copies: 0)
  size_t size_ = 0;         // queued bytes, exact
  size_t sealed_end_ = 0;   // segments before this index are sealed
  size_t unsealed_ = 0;     // bytes in the segments from sealed_end_ on
};

}  // namespace pregon::net
