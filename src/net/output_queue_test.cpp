#include "net/output_queue.hpp"
#include "session/encoded_publish_for_tests.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pregon::net {
namespace {

std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

// Everything gather() describes, as one string, without consuming.
std::string gathered(const OutputQueue& q, size_t max_iov = 64) {
  std::vector<iovec> iov(max_iov);
  const size_t n = q.gather(iov);
  std::string out;
  for (size_t i = 0; i < n; ++i) out.append(static_cast<const char*>(iov[i].iov_base), iov[i].iov_len);
  return out;
}

// Writes everything out in chunks of `chunk` bytes, like a socket that takes little at a time.
std::string drain(OutputQueue& q, size_t chunk) {
  std::string out;
  while (!q.empty()) {
    std::string head = gathered(q);
    head.resize(std::min(head.size(), chunk));
    out += head;
    q.consume(head.size());
  }
  return out;
}

std::shared_ptr<const broker::EncodedPublish> publish(size_t payload, size_t packet_id_offset) {
  std::vector<uint8_t> b(payload, 'x');
  b[0] = 0x30;
  if (packet_id_offset != 0) b[packet_id_offset] = b[packet_id_offset + 1] = 0;
  return session::owned_encoding(std::move(b), packet_id_offset);
}

TEST(OutputQueue, CopiesAreCoalescedIntoOneIovec) {
  OutputQueue q;
  q.append(bytes("ab"));
  q.append(bytes("cd"));
  q.append(bytes("e"));
  EXPECT_EQ(q.size(), 5u);
  std::vector<iovec> iov(8);
  EXPECT_EQ(q.gather(iov), 1u);
  EXPECT_EQ(gathered(q), "abcde");
}

TEST(OutputQueue, PartialConsumeKeepsOrderAndExactSize) {
  OutputQueue q;
  q.append(bytes("hello "));
  q.append_publish(publish(2000, 0), 0x31, 0);
  q.append(bytes(" world"));
  EXPECT_EQ(q.size(), 6u + 2000u + 6u);
  q.consume(3);
  EXPECT_EQ(q.size(), 2009u);
  const std::string rest = drain(q, 7);
  ASSERT_EQ(rest.size(), 2009u);
  EXPECT_EQ(rest.substr(0, 3), "lo ");
  EXPECT_EQ(static_cast<uint8_t>(rest[3]), 0x31);  // patched first byte
  EXPECT_EQ(rest.substr(rest.size() - 6), " world");
  EXPECT_TRUE(q.empty());
}

TEST(OutputQueue, LargePublishIsReferencedAndPatched) {
  auto p = publish(4096, 10);
  OutputQueue q;
  q.append_publish(p, 0x3B, 0x1234);
  EXPECT_EQ(p.use_count(), 2);  // shared, not copied
  std::vector<iovec> iov(8);
  EXPECT_EQ(q.gather(iov), 4u);  // first byte, up to the id, the id, the rest
  const std::string out = gathered(q);
  ASSERT_EQ(out.size(), 4096u);
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0x3B);
  EXPECT_EQ(static_cast<uint8_t>(out[10]), 0x12);
  EXPECT_EQ(static_cast<uint8_t>(out[11]), 0x34);
  EXPECT_EQ(p->bytes[0], 0x30);  // the shared encoding is untouched
  EXPECT_EQ(p->bytes[10], 0);
  q.consume(q.size());
  EXPECT_EQ(p.use_count(), 1);  // released once written
}

TEST(OutputQueue, SmallPublishIsCopiedAndPatched) {
  auto p = publish(20, 5);
  OutputQueue q;
  q.append(bytes("A"));
  q.append_publish(p, 0x32, 0xBEEF);
  EXPECT_EQ(p.use_count(), 1);
  std::vector<iovec> iov(8);
  EXPECT_EQ(q.gather(iov), 1u);
  const std::string out = gathered(q);
  ASSERT_EQ(out.size(), 21u);
  EXPECT_EQ(static_cast<uint8_t>(out[1]), 0x32);
  EXPECT_EQ(static_cast<uint8_t>(out[6]), 0xBE);
  EXPECT_EQ(static_cast<uint8_t>(out[7]), 0xEF);
}

TEST(OutputQueue, PartialWriteInsideAPatchedReference) {
  OutputQueue q;
  q.append_publish(publish(1000, 3), 0x34, 0x0102);
  q.consume(4);  // inside the packet identifier
  const std::string out = gathered(q);
  ASSERT_EQ(out.size(), 996u);
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 0x02);
}

TEST(OutputQueue, GatherStopsAtTheIovecLimit) {
  OutputQueue q;
  for (int i = 0; i < 10; ++i) q.append_publish(publish(600, 0), 0x30, 0);
  std::vector<iovec> iov(5);
  EXPECT_EQ(q.gather(iov), 5u);
  EXPECT_EQ(drain(q, 1 << 20).size(), 6000u);
}

TEST(OutputQueue, PersistentBacklogDoesNotGrowWithoutBound) {
  // A peer that always leaves some bytes unread: the queue never empties, yet its memory must track
  // the backlog, not everything ever sent (about 1.2 MB here).
  OutputQueue q;
  std::string expected;
  std::string written;
  size_t most_reserved = 0;
  for (int i = 0; i < 100000; ++i) {
    if (i % 500 == 250) {
      q.append_publish(publish(700, 0), 0x30, 0);
      expected += '\x30' + std::string(699, 'x');
    }
    const std::string chunk = "msg" + std::to_string(i) + ";";
    q.append(bytes(chunk));
    expected += chunk;
    if (q.size() > 100) {
      std::string head = gathered(q, 1024);
      head.resize(std::min(head.size(), q.size() - 100));
      written += head;
      q.consume(head.size());
    }
    most_reserved = std::max(most_reserved, q.reserved_bytes());
  }
  written += drain(q, 1 << 20);
  EXPECT_EQ(written, expected);
  EXPECT_LT(most_reserved, 300u * 1024);
}

TEST(OutputQueue, SealedHeaderGoesBeforeTheBatchWithoutCopyingSharedPublishes) {
  auto p = publish(4096, 10);
  OutputQueue q;
  q.append(bytes("ab"));
  q.append_publish(p, 0x3B, 0x1234);
  q.append(bytes("cd"));
  EXPECT_EQ(q.unsealed_size(), 4100u);
  q.seal(bytes("<H1>"));
  EXPECT_EQ(q.unsealed_size(), 0u);
  EXPECT_EQ(q.size(), 4104u);
  q.append(bytes("ef"));  // after a seal: a segment of its own, never coalesced with "cd"
  q.seal(bytes("<H2>"));
  q.append(bytes("zz"));
  q.seal({});  // already framed bytes: sealed with no header
  EXPECT_EQ(p.use_count(), 2);  // still shared, not copied
  std::string expected = "<H1>ab";
  expected += '\x3B';
  expected.append(9, 'x');
  expected += "\x12\x34";
  expected.append(4084, 'x');
  expected += "cd<H2>efzz";
  const std::string whole = gathered(q);
  EXPECT_EQ(whole, expected);
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{5}, size_t{4096}}) {
    OutputQueue r;
    r.append(bytes("ab"));
    r.append_publish(p, 0x3B, 0x1234);
    r.append(bytes("cd"));
    r.seal(bytes("<H1>"));
    r.append(bytes("ef"));
    r.seal(bytes("<H2>"));
    r.append(bytes("zz"));
    r.seal({});
    EXPECT_EQ(drain(r, chunk), whole) << chunk;
  }
  q.consume(q.size());
  EXPECT_EQ(p.use_count(), 1);
}

TEST(OutputQueue, UnsealedQueueBehavesAsBefore) {
  OutputQueue q;
  q.append(bytes("ab"));
  q.seal(bytes("<H>"));
  q.consume(q.size());
  q.append(bytes("cd"));  // the queue emptied: the next batch starts afresh
  q.append(bytes("ef"));
  EXPECT_EQ(q.unsealed_size(), 4u);
  std::vector<iovec> iov(8);
  EXPECT_EQ(q.gather(iov), 1u);
}

}  // namespace
}  // namespace pregon::net
