// Proves the PUBLISH decode path allocates nothing when the packet has no User Properties and no
// Subscription Identifiers. Replaces the global operator new for this test binary to count calls.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "base/allocation_counter.hpp"
#include "protocol/codec_test_support.hpp"

namespace pregon::protocol {
namespace {

using namespace testing;

TEST(PublishAllocation, DecodeAllocatesNothingWithoutRepeatableProperties) {
  Publish p;
  p.qos = QoS::AtLeastOnce;
  p.topic = "sensors/kitchen/temp";
  p.packet_id = 9;
  p.payload = bin("21.5");
  p.properties.message_expiry_interval = 60;
  p.properties.content_type = "text/plain";
  p.properties.correlation_data = bin("c");
  p.properties.topic_alias = 4;
  for (ProtocolVersion v : kAllVersions) {
    const Bytes wire = encoded(p, v);
    const size_t before = pregon::base::thread_allocation_count;
    auto frame = read_frame(wire, 1024);
    bool ok = frame && frame->has_value();
    if (ok) {
      auto d = decode(**frame, v);
      ok = d.has_value() && std::get<Publish>(*d).topic == p.topic;
    }
    const size_t after = pregon::base::thread_allocation_count;
    EXPECT_TRUE(ok);
    EXPECT_EQ(after - before, 0u) << "version " << static_cast<int>(v);
  }
}

TEST(PublishAllocation, EncodeIntoReservedBufferAllocatesNothing) {
  Publish p;
  p.topic = "t/u";
  p.payload = bin("payload");
  Bytes out;
  out.reserve(256);
  const size_t before = pregon::base::thread_allocation_count;
  (void)encode(p, ProtocolVersion::V5, out);
  EXPECT_EQ(pregon::base::thread_allocation_count - before, 0u);
}

}  // namespace
}  // namespace pregon::protocol
