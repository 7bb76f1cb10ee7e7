// Broker behaviour without sockets: clients are fake links that record what the broker sends; the
// router runs tasks for other shards when the test drains it.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <tuple>

#include "broker/broker_state.hpp"
#include "broker/shard.hpp"
#include "broker/shard_admin.hpp"
#include "protocol/codec.hpp"

namespace pregon::broker {
namespace {

using protocol::ProtocolVersion;
using protocol::QoS;
using protocol::ReasonCode;

class FakeLink : public ClientLink {
 public:
  void send(std::span<const uint8_t> bytes) override { out.insert(out.end(), bytes.begin(), bytes.end()); }
  void send_publish(std::shared_ptr<const EncodedPublish> p, uint8_t first_byte, uint16_t packet_id) override {
    size_t at = out.size();
    out.insert(out.end(), p->bytes.begin(), p->bytes.end());
    out[at] = first_byte;
    if (p->packet_id_offset != 0) {
      out[at + p->packet_id_offset] = static_cast<uint8_t>(packet_id >> 8);
      out[at + p->packet_id_offset + 1] = static_cast<uint8_t>(packet_id & 0xFF);
    }
  }
  size_t queued_bytes() const override { return 0; }
  void notify_when_drained() override {}
  void close() override { closed = true; }
  const std::string& peer() const override { return peer_; }
  broker::ListenerPolicy& listener() const override { return listener_; }
  std::string_view certificate_identity() const override { return {}; }

  // Decodes everything received so far.
  std::vector<std::vector<uint8_t>> take_packets() {
    std::vector<std::vector<uint8_t>> packets;
    size_t pos = 0;
    while (pos < out.size()) {
      auto f = protocol::read_frame(std::span(out).subspan(pos), protocol::kMaxVariableByteInteger);
      EXPECT_TRUE(f && f->has_value());
      if (!f || !f->has_value()) break;
      packets.emplace_back(out.begin() + pos, out.begin() + pos + (*f)->size);
      pos += (*f)->size;
    }
    out.clear();
    return packets;
  }

  std::vector<uint8_t> out;
  bool closed = false;
  std::string peer_ = "test:1";
  mutable broker::ListenerPolicy listener_;
};

class TestRouter : public ShardRouter {
 public:
  unsigned shard_count() const override { return 1; }
  void post(unsigned, std::function<void(Shard&)> task) override { tasks.push_back(std::move(task)); }
  void notify_inbox(unsigned) override { ADD_FAILURE() << "one shard has no other shard to hand messages to"; }
  std::deque<std::function<void(Shard&)>> tasks;
};

class ShardTest : public ::testing::Test {
 protected:
  ShardTest() : state(make_config()), shard(0, state, router) {}
  static config::Config make_config() {
    config::Config c;
    c.threads = 1;
    return c;
  }

  struct Conn {
    FakeLink link;
    Client* client = nullptr;
  };

  std::unique_ptr<Conn> connect(std::string id, ProtocolVersion v, bool clean = true,
                                protocol::Properties props = {}, std::optional<protocol::Will> will = {}) {
    auto c = std::make_unique<Conn>();
    c->client = shard.open(c->link, now);
    protocol::Connect p;
    p.version = v;
    p.client_id = id;
    p.clean_start = clean;
    p.properties = std::move(props);
    p.will = std::move(will);
    std::vector<uint8_t> bytes;
    protocol::encode(p, bytes);
    feed(*c, bytes);
    auto packets = c->link.take_packets();
    EXPECT_GE(packets.size(), 1u);
    // What follows the CONNACK (redeliveries) stays for the test to read.
    for (size_t i = 1; i < packets.size(); ++i) {
      c->link.out.insert(c->link.out.end(), packets[i].begin(), packets[i].end());
    }
    keep.push_back(packets.at(0));
    auto ack = protocol::decode_packet(keep.back(), v);
    EXPECT_TRUE(ack && std::holds_alternative<protocol::ConnAck>(*ack));
    connack = std::get<protocol::ConnAck>(*ack);
    return c;
  }

  void feed(Conn& c, std::span<const uint8_t> bytes) {
    auto r = shard.on_input(*c.client, bytes, now);
    EXPECT_EQ(r.consumed, bytes.size());
    shard.end_of_iteration();
  }

  template <class P>
  void send(Conn& c, const P& p, ProtocolVersion v) {
    std::vector<uint8_t> bytes;
    protocol::encode(p, v, bytes);
    feed(c, bytes);
  }

  void close(std::unique_ptr<Conn>& c) {
    shard.on_closed(*c->client, now);
    c.reset();
  }

  // Every packet received since the last call, decoded; owned buffers kept alive in `keep`.
  std::vector<protocol::Packet> received(Conn& c, ProtocolVersion v) {
    std::vector<protocol::Packet> out;
    for (auto& bytes : c.link.take_packets()) {
      keep.push_back(std::move(bytes));
      auto p = protocol::decode_packet(keep.back(), v);
      EXPECT_TRUE(p.has_value());
      if (p) out.push_back(std::move(*p));
    }
    return out;
  }

  TimePoint now = Clock::now();
  TestRouter router;
  BrokerState state;
  Shard shard;
  protocol::ConnAck connack;
  std::deque<std::vector<uint8_t>> keep;
};

protocol::Subscribe subscribe(uint16_t id, std::string_view filter, QoS qos) {
  protocol::Subscribe s;
  s.packet_id = id;
  s.subscriptions.push_back({filter, {qos, false, false, protocol::RetainHandling::SendOnSubscribe}});
  return s;
}

protocol::Publish publish(std::string_view topic, std::string_view payload, QoS qos, uint16_t id = 0,
                          bool retain = false) {
  protocol::Publish p;
  p.topic = topic;
  p.qos = qos;
  p.packet_id = id;
  p.retain = retain;
  p.payload = {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()};
  return p;
}

TEST_F(ShardTest, ConnectSubscribePublishQoS0) {
  auto sub = connect("sub", ProtocolVersion::V311);
  EXPECT_EQ(connack.reason, ReasonCode::Success);
  send(*sub, subscribe(1, "a/+", QoS::AtMostOnce), ProtocolVersion::V311);
  auto acks = received(*sub, ProtocolVersion::V311);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(std::get<protocol::SubAck>(acks[0]).reasons.at(0), ReasonCode::GrantedQoS0);

  auto pub = connect("pub", ProtocolVersion::V5);
  send(*pub, publish("a/b", "hello", QoS::AtMostOnce), ProtocolVersion::V5);
  auto msgs = received(*sub, ProtocolVersion::V311);
  ASSERT_EQ(msgs.size(), 1u);
  auto& m = std::get<protocol::Publish>(msgs[0]);
  EXPECT_EQ(m.topic, "a/b");
  EXPECT_EQ(std::string(m.payload.begin(), m.payload.end()), "hello");
}

TEST_F(ShardTest, MQTT_3_3_5_1_OverlappingSubscriptionsDeliverOnceAtHighestQoS) {
  auto sub = connect("sub", ProtocolVersion::V311);
  send(*sub, subscribe(1, "a/+", QoS::AtMostOnce), ProtocolVersion::V311);
  send(*sub, subscribe(2, "a/#", QoS::AtLeastOnce), ProtocolVersion::V311);
  received(*sub, ProtocolVersion::V311);
  auto pub = connect("pub", ProtocolVersion::V311);
  send(*pub, publish("a/b", "x", QoS::AtLeastOnce, 7), ProtocolVersion::V311);
  auto pa = received(*pub, ProtocolVersion::V311);
  ASSERT_EQ(pa.size(), 1u);
  EXPECT_EQ(std::get<protocol::PubAck>(pa[0]).packet_id, 7);
  auto msgs = received(*sub, ProtocolVersion::V311);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(std::get<protocol::Publish>(msgs[0]).qos, QoS::AtLeastOnce);
}

TEST_F(ShardTest, MQTT_4_4_0_1_InflightRedeliveredWithDupOnReconnect) {
  auto sub = connect("sub", ProtocolVersion::V311, false);
  send(*sub, subscribe(1, "t", QoS::AtLeastOnce), ProtocolVersion::V311);
  received(*sub, ProtocolVersion::V311);
  auto pub = connect("pub", ProtocolVersion::V311);
  send(*pub, publish("t", "m1", QoS::AtLeastOnce, 1), ProtocolVersion::V311);
  auto first = received(*sub, ProtocolVersion::V311);
  ASSERT_EQ(first.size(), 1u);
  const uint16_t id = std::get<protocol::Publish>(first[0]).packet_id;
  close(sub);
  send(*pub, publish("t", "m2", QoS::AtLeastOnce, 2), ProtocolVersion::V311);  // queued while offline

  sub = connect("sub", ProtocolVersion::V311, false);
  EXPECT_TRUE(connack.session_present);
  auto again = received(*sub, ProtocolVersion::V311);
  ASSERT_EQ(again.size(), 2u);
  auto& redelivered = std::get<protocol::Publish>(again[0]);
  EXPECT_TRUE(redelivered.dup);
  EXPECT_EQ(redelivered.packet_id, id);
  EXPECT_EQ(std::string(redelivered.payload.begin(), redelivered.payload.end()), "m1");
  auto& queued = std::get<protocol::Publish>(again[1]);
  EXPECT_FALSE(queued.dup);
  EXPECT_EQ(std::string(queued.payload.begin(), queued.payload.end()), "m2");
}

TEST_F(ShardTest, MQTT_4_3_3_2_QoS2DeliveredOnceUntilPubRel) {
  auto sub = connect("sub", ProtocolVersion::V5);
  send(*sub, subscribe(1, "t", QoS::ExactlyOnce), ProtocolVersion::V5);
  received(*sub, ProtocolVersion::V5);
  auto pub = connect("pub", ProtocolVersion::V5);
  send(*pub, publish("t", "once", QoS::ExactlyOnce, 9), ProtocolVersion::V5);
  send(*pub, publish("t", "once", QoS::ExactlyOnce, 9), ProtocolVersion::V5);
  auto recs = received(*pub, ProtocolVersion::V5);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(std::get<protocol::PubRec>(recs[1]).packet_id, 9);
  EXPECT_EQ(received(*sub, ProtocolVersion::V5).size(), 1u);
  send(*pub, protocol::PubRel{9, ReasonCode::Success, {}}, ProtocolVersion::V5);
  auto comp = received(*pub, ProtocolVersion::V5);
  ASSERT_EQ(comp.size(), 1u);
  EXPECT_EQ(std::get<protocol::PubComp>(comp[0]).reason, ReasonCode::Success);
}

TEST_F(ShardTest, MQTT_3_3_1_6_RetainedDeliveredOnSubscribe) {
  auto pub = connect("pub", ProtocolVersion::V311);
  send(*pub, publish("r/1", "kept", QoS::AtMostOnce, 0, true), ProtocolVersion::V311);
  auto sub = connect("sub", ProtocolVersion::V311);
  send(*sub, subscribe(1, "r/#", QoS::AtMostOnce), ProtocolVersion::V311);
  auto got = received(*sub, ProtocolVersion::V311);
  ASSERT_EQ(got.size(), 2u);
  auto& m = std::get<protocol::Publish>(got[1]);
  EXPECT_TRUE(m.retain);
  EXPECT_EQ(m.topic, "r/1");
}

TEST_F(ShardTest, RetainedOnSubscribeAtQoS1GoOutAsTheWindowFreesNotIntoTheQueue) {
  auto pub = connect("pub", ProtocolVersion::V311);
  for (uint16_t i = 1; i <= 5; ++i) {
    send(*pub, publish("r/" + std::to_string(i), "kept", QoS::AtLeastOnce, i, true), ProtocolVersion::V311);
  }
  protocol::Properties props;
  props.receive_maximum = 2;
  auto sub = connect("sub", ProtocolVersion::V5, true, props);
  send(*sub, subscribe(1, "r/#", QoS::AtLeastOnce), ProtocolVersion::V5);
  auto got = received(*sub, ProtocolVersion::V5);
  ASSERT_EQ(got.size(), 3u);  // SUBACK, then a window's worth
  for (const auto& s : sessions(shard, {}, now, std::chrono::system_clock::now()).items) {
    if (s.client_id != "sub") continue;
    EXPECT_EQ(s.inflight_messages, 2u);
    EXPECT_EQ(s.queued_messages, 0u);  // the rest wait in the retained store
  }
  std::vector<std::string> topics;
  for (;;) {
    for (size_t i = 0; i < got.size(); ++i) {
      const auto* m = std::get_if<protocol::Publish>(&got[i]);
      if (m == nullptr) continue;
      EXPECT_TRUE(m->retain);  // [MQTT-3.3.1-8]
      topics.emplace_back(m->topic);
      send(*sub, protocol::PubAck{m->packet_id, ReasonCode::Success, {}}, ProtocolVersion::V5);
    }
    got = received(*sub, ProtocolVersion::V5);
    if (got.empty()) break;
    EXPECT_LE(got.size(), 2u);
  }
  EXPECT_EQ(topics, (std::vector<std::string>{"r/1", "r/2", "r/3", "r/4", "r/5"}));
}

TEST_F(ShardTest, MQTT_3_1_4_3_TakeoverDisconnectsOldConnectionWith0x8E) {
  auto first = connect("same", ProtocolVersion::V5);
  auto second = connect("same", ProtocolVersion::V5);
  EXPECT_TRUE(first->link.closed);
  auto got = received(*first, ProtocolVersion::V5);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::get<protocol::Disconnect>(got[0]).reason, ReasonCode::SessionTakenOver);
  close(first);
  EXPECT_FALSE(second->link.closed);
}

TEST_F(ShardTest, MQTT_3_1_2_8_WillPublishedOnAbnormalClose) {
  auto sub = connect("sub", ProtocolVersion::V311);
  send(*sub, subscribe(1, "will/#", QoS::AtMostOnce), ProtocolVersion::V311);
  received(*sub, ProtocolVersion::V311);
  protocol::Will w;
  w.topic = "will/x";
  static const uint8_t payload[] = {'g', 'o', 'n', 'e'};
  w.payload = payload;
  auto dev = connect("dev", ProtocolVersion::V311, true, {}, w);
  close(dev);
  auto got = received(*sub, ProtocolVersion::V311);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::get<protocol::Publish>(got[0]).topic, "will/x");
}

TEST_F(ShardTest, MQTT_3_1_2_24_KeepAliveTimeoutClosesAndPublishesWill) {
  auto sub = connect("sub", ProtocolVersion::V311);
  send(*sub, subscribe(1, "w", QoS::AtMostOnce), ProtocolVersion::V311);
  received(*sub, ProtocolVersion::V311);
  auto dev = std::make_unique<Conn>();
  dev->client = shard.open(dev->link, now);
  protocol::Connect p;
  p.version = ProtocolVersion::V5;
  p.client_id = "dev";
  p.keep_alive = 2;
  protocol::Will w;
  w.topic = "w";
  p.will = w;
  std::vector<uint8_t> bytes;
  protocol::encode(p, bytes);
  feed(*dev, bytes);
  dev->link.out.clear();
  shard.tick(now + std::chrono::milliseconds(2900));
  EXPECT_FALSE(dev->link.closed);
  shard.tick(now + std::chrono::milliseconds(3300));
  EXPECT_TRUE(dev->link.closed);
  auto got = received(*dev, ProtocolVersion::V5);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::get<protocol::Disconnect>(got[0]).reason, ReasonCode::KeepAliveTimeout);
  close(dev);
  EXPECT_EQ(received(*sub, ProtocolVersion::V311).size(), 1u);
}

TEST_F(ShardTest, MQTT_3_1_2_24_KeepAliveCountsFromTheLastPacketAndTicksLookOnlyAtWhatIsDue) {
  auto dev = std::make_unique<Conn>();
  dev->client = shard.open(dev->link, now);
  protocol::Connect p;
  p.version = ProtocolVersion::V311;
  p.client_id = "dev";
  p.keep_alive = 2;  // closed after 3 s without a packet
  std::vector<uint8_t> bytes;
  protocol::encode(p, bytes);
  feed(*dev, bytes);
  std::vector<uint8_t> ping;
  protocol::encode(protocol::PingReq{}, ProtocolVersion::V311, ping);
  const TimePoint start = now;
  // A packet every 2.5 s for 20 s, ticks every 100 ms: never 3 s without one.
  for (auto t = std::chrono::milliseconds(100); t <= std::chrono::seconds(20); t += std::chrono::milliseconds(100)) {
    now = start + t;
    if (t.count() % 2500 == 0) feed(*dev, ping);
    shard.tick(now);
    ASSERT_FALSE(dev->link.closed) << "closed at " << t.count() << " ms";
  }
  // Silent from 20 s on: closed once 3 s have passed, within one bucket of the wheel.
  for (auto t = std::chrono::milliseconds(20'100); t <= std::chrono::milliseconds(23'400); t += std::chrono::milliseconds(100)) {
    now = start + t;
    shard.tick(now);
    if (t < std::chrono::seconds(23)) {
      ASSERT_FALSE(dev->link.closed) << "closed at " << t.count() << " ms";
    }
  }
  EXPECT_TRUE(dev->link.closed);
  close(dev);
}

TEST_F(ShardTest, ConnectTimeoutClosesSilentSockets) {
  auto c = std::make_unique<Conn>();
  c->client = shard.open(c->link, now);
  shard.tick(now + std::chrono::seconds(11));
  EXPECT_TRUE(c->link.closed);
  close(c);
}

TEST_F(ShardTest, MQTT_3_3_2_12_InboundTopicAliasResolved) {
  auto sub = connect("sub", ProtocolVersion::V5);
  send(*sub, subscribe(1, "long/topic/name", QoS::AtMostOnce), ProtocolVersion::V5);
  received(*sub, ProtocolVersion::V5);
  auto pub = connect("pub", ProtocolVersion::V5);
  auto p = publish("long/topic/name", "1", QoS::AtMostOnce);
  p.properties.topic_alias = 3;
  send(*pub, p, ProtocolVersion::V5);
  auto q = publish("", "2", QoS::AtMostOnce);
  q.properties.topic_alias = 3;
  send(*pub, q, ProtocolVersion::V5);
  auto got = received(*sub, ProtocolVersion::V5);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(std::get<protocol::Publish>(got[1]).topic, "long/topic/name");
}

TEST_F(ShardTest, MQTT_3_3_4_3_SubscriptionIdentifiersDelivered) {
  auto sub = connect("sub", ProtocolVersion::V5);
  auto s1 = subscribe(1, "a/+", QoS::AtMostOnce);
  s1.properties.subscription_identifiers = {5};
  send(*sub, s1, ProtocolVersion::V5);
  auto s2 = subscribe(2, "a/#", QoS::AtMostOnce);
  s2.properties.subscription_identifiers = {9};
  send(*sub, s2, ProtocolVersion::V5);
  received(*sub, ProtocolVersion::V5);
  auto pub = connect("pub", ProtocolVersion::V5);
  send(*pub, publish("a/b", "x", QoS::AtMostOnce), ProtocolVersion::V5);
  auto got = received(*sub, ProtocolVersion::V5);
  ASSERT_EQ(got.size(), 1u);
  auto ids = std::get<protocol::Publish>(got[0]).properties.subscription_identifiers;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<uint32_t>{5, 9}));
}

TEST_F(ShardTest, MQTT_3_8_3_3_NoLocal) {
  auto c = connect("self", ProtocolVersion::V5);
  auto s = subscribe(1, "t", QoS::AtMostOnce);
  s.subscriptions[0].options.no_local = true;
  send(*c, s, ProtocolVersion::V5);
  received(*c, ProtocolVersion::V5);
  send(*c, publish("t", "x", QoS::AtMostOnce), ProtocolVersion::V5);
  EXPECT_TRUE(received(*c, ProtocolVersion::V5).empty());
}

TEST_F(ShardTest, SharedSubscriptionDeliversEachMessageToOneMember) {
  auto a = connect("a", ProtocolVersion::V5);
  auto b = connect("b", ProtocolVersion::V5);
  send(*a, subscribe(1, "$share/g/jobs/#", QoS::AtLeastOnce), ProtocolVersion::V5);
  send(*b, subscribe(1, "$share/g/jobs/#", QoS::AtLeastOnce), ProtocolVersion::V5);
  received(*a, ProtocolVersion::V5);
  received(*b, ProtocolVersion::V5);
  auto pub = connect("pub", ProtocolVersion::V5);
  for (uint16_t i = 1; i <= 10; ++i) send(*pub, publish("jobs/x", "j", QoS::AtLeastOnce, i), ProtocolVersion::V5);
  const size_t na = received(*a, ProtocolVersion::V5).size();
  const size_t nb = received(*b, ProtocolVersion::V5).size();
  EXPECT_EQ(na + nb, 10u);
  EXPECT_GT(na, 0u);
  EXPECT_GT(nb, 0u);
}

TEST_F(ShardTest, SharedMemberLeavingHandsUnackedMessagesToAnother) {
  auto a = connect("a", ProtocolVersion::V5);
  auto b = connect("b", ProtocolVersion::V5);
  send(*a, subscribe(1, "$share/g/jobs", QoS::AtLeastOnce), ProtocolVersion::V5);
  send(*b, subscribe(1, "$share/g/jobs", QoS::AtLeastOnce), ProtocolVersion::V5);
  received(*a, ProtocolVersion::V5);
  received(*b, ProtocolVersion::V5);
  auto pub = connect("pub", ProtocolVersion::V5);
  for (uint16_t i = 1; i <= 6; ++i) send(*pub, publish("jobs", "j", QoS::AtLeastOnce, i), ProtocolVersion::V5);
  EXPECT_FALSE(received(*a, ProtocolVersion::V5).empty());
  close(a);  // never acknowledged anything
  EXPECT_EQ(received(*b, ProtocolVersion::V5).size(), 6u);  // its own share and all of a's
}

TEST_F(ShardTest, MQTT_3_3_4_9_ClientReceiveMaximumRespected) {
  protocol::Properties props;
  props.receive_maximum = 2;
  auto sub = connect("sub", ProtocolVersion::V5, true, props);
  send(*sub, subscribe(1, "t", QoS::AtLeastOnce), ProtocolVersion::V5);
  received(*sub, ProtocolVersion::V5);
  auto pub = connect("pub", ProtocolVersion::V5);
  for (uint16_t i = 1; i <= 5; ++i) send(*pub, publish("t", "m", QoS::AtLeastOnce, i), ProtocolVersion::V5);
  auto got = received(*sub, ProtocolVersion::V5);
  ASSERT_EQ(got.size(), 2u);
  send(*sub, protocol::PubAck{std::get<protocol::Publish>(got[0]).packet_id, ReasonCode::Success, {}},
       ProtocolVersion::V5);
  EXPECT_EQ(received(*sub, ProtocolVersion::V5).size(), 1u);
}

TEST_F(ShardTest, MQTT_3_1_2_25_NothingLargerThanClientMaximumPacketSize) {
  protocol::Properties props;
  props.maximum_packet_size = 64;
  auto sub = connect("sub", ProtocolVersion::V5, true, props);
  send(*sub, subscribe(1, "t", QoS::AtMostOnce), ProtocolVersion::V5);
  received(*sub, ProtocolVersion::V5);
  auto pub = connect("pub", ProtocolVersion::V5);
  send(*pub, publish("t", std::string(100, 'x'), QoS::AtMostOnce), ProtocolVersion::V5);
  send(*pub, publish("t", "small", QoS::AtMostOnce), ProtocolVersion::V5);
  auto got = received(*sub, ProtocolVersion::V5);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::get<protocol::Publish>(got[0]).payload.size(), 5u);
}

TEST_F(ShardTest, MQTT_3_3_2_5_ExpiredMessageNotDeliveredAfterReconnect) {
  protocol::Properties props;
  props.session_expiry_interval = 100;
  auto sub = connect("sub", ProtocolVersion::V5, false, props);
  send(*sub, subscribe(1, "t", QoS::AtLeastOnce), ProtocolVersion::V5);
  received(*sub, ProtocolVersion::V5);
  close(sub);
  auto pub = connect("pub", ProtocolVersion::V5);
  auto p = publish("t", "short", QoS::AtLeastOnce, 1);
  p.properties.message_expiry_interval = 1;
  send(*pub, p, ProtocolVersion::V5);
  auto q = publish("t", "long", QoS::AtLeastOnce, 2);
  q.properties.message_expiry_interval = 60;
  send(*pub, q, ProtocolVersion::V5);
  now += std::chrono::seconds(2);
  sub = connect("sub", ProtocolVersion::V5, false, props);
  auto got = received(*sub, ProtocolVersion::V5);
  ASSERT_EQ(got.size(), 1u);
  auto& m = std::get<protocol::Publish>(got[0]);
  EXPECT_EQ(std::string(m.payload.begin(), m.payload.end()), "long");
  EXPECT_EQ(m.properties.message_expiry_interval, 58u);  // [MQTT-3.3.2-6]
}

TEST_F(ShardTest, MQTT_3_1_3_9_WillDelayCancelledByReconnect) {
  auto sub = connect("sub", ProtocolVersion::V5);
  send(*sub, subscribe(1, "w", QoS::AtMostOnce), ProtocolVersion::V5);
  received(*sub, ProtocolVersion::V5);
  protocol::Will w;
  w.topic = "w";
  w.properties.will_delay_interval = 5;
  protocol::Properties props;
  props.session_expiry_interval = 60;
  auto dev = connect("dev", ProtocolVersion::V5, false, props, w);
  close(dev);
  shard.tick(now + std::chrono::seconds(1));
  EXPECT_TRUE(received(*sub, ProtocolVersion::V5).empty());
  dev = connect("dev", ProtocolVersion::V5, false, props);
  shard.tick(now + std::chrono::seconds(10));
  EXPECT_TRUE(received(*sub, ProtocolVersion::V5).empty());
  close(dev);  // no will this time
  shard.tick(now + std::chrono::seconds(20));
  EXPECT_TRUE(received(*sub, ProtocolVersion::V5).empty());
}

TEST_F(ShardTest, MQTT_3_1_2_23_SessionExpiresAfterInterval) {
  protocol::Properties props;
  props.session_expiry_interval = 5;
  auto c = connect("c", ProtocolVersion::V5, false, props);
  close(c);
  shard.tick(now + std::chrono::seconds(3));
  c = connect("c", ProtocolVersion::V5, false, props);
  EXPECT_TRUE(connack.session_present);
  close(c);
  shard.tick(now + std::chrono::seconds(6));
  c = connect("c", ProtocolVersion::V5, false, props);
  EXPECT_FALSE(connack.session_present);
}

TEST_F(ShardTest, StatsCountPacketsPublishesBytesAndSessions) {
  auto sub = connect("sub", ProtocolVersion::V311, false);
  send(*sub, subscribe(1, "a/#", QoS::AtLeastOnce), ProtocolVersion::V311);
  received(*sub, ProtocolVersion::V311);
  auto pub = connect("pub", ProtocolVersion::V5);
  send(*pub, publish("a/b", "12345", QoS::AtMostOnce), ProtocolVersion::V5);
  send(*pub, publish("a/c", "123", QoS::AtLeastOnce, 9), ProtocolVersion::V5);
  received(*sub, ProtocolVersion::V311);
  received(*pub, ProtocolVersion::V5);

  const ShardStats s = shard_stats(shard);
  EXPECT_EQ(s.counters.connections_accepted, 2u);
  EXPECT_EQ(s.counters.packets_received, 5u);  // 2 CONNECT, SUBSCRIBE, 2 PUBLISH
  EXPECT_EQ(s.counters.packets_sent, 6u);      // 2 CONNACK, SUBACK, PUBACK, 2 PUBLISH
  EXPECT_EQ(s.counters.publish_received, (std::array<uint64_t, 3>{1, 1, 0}));
  EXPECT_EQ(s.counters.publish_sent, (std::array<uint64_t, 3>{1, 1, 0}));
  EXPECT_EQ(s.counters.publish_bytes_received, 8u);
  EXPECT_EQ(s.counters.publish_bytes_sent, 8u);
  EXPECT_GT(s.counters.bytes_received, 8u);
  EXPECT_GT(s.counters.bytes_sent, 8u);
  EXPECT_EQ(s.clients_connected, 2u);
  EXPECT_EQ(state.connected_clients().connected(), 2);
  EXPECT_EQ(s.sessions, 2u);
  EXPECT_EQ(s.persistent_sessions, 1u);  // 3.1.1 clean session off
  EXPECT_EQ(s.subscriptions, 1u);
  EXPECT_EQ(s.inflight_messages, 1u);  // the QoS 1 message, not yet acknowledged

  close(sub);
  const ShardStats after = shard_stats(shard);
  EXPECT_EQ(after.clients_connected, 1u);
  EXPECT_EQ(after.offline_sessions, 1u);
  EXPECT_EQ(state.connected_clients().connected(), 1);
  EXPECT_EQ(state.connected_clients().maximum(), 2);
}

TEST_F(ShardTest, AdministrativeDisconnectTellsA5ClientWhy) {
  auto c = connect("dev", ProtocolVersion::V5);
  const auto now_wall = std::chrono::system_clock::now();
  auto listed = connected_clients(shard, {}, now, now_wall).items;
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].client_id, "dev");
  EXPECT_EQ(listed[0].protocol_level, 5);
  EXPECT_EQ(listed[0].peer, "test:1");
  EXPECT_TRUE(connected_clients(shard, {.client_id = "other"}, now, now_wall).items.empty());

  EXPECT_FALSE(disconnect_client(shard, "other"));
  EXPECT_TRUE(disconnect_client(shard, "dev"));
  EXPECT_TRUE(c->link.closed);
  auto packets = received(*c, ProtocolVersion::V5);
  ASSERT_EQ(packets.size(), 1u);
  const auto& d = std::get<protocol::Disconnect>(packets[0]);
  EXPECT_EQ(d.reason, ReasonCode::AdministrativeAction);
  EXPECT_EQ(d.properties.reason_string, "disconnected by an administrator");
  EXPECT_TRUE(connected_clients(shard, {}, now, now_wall).items.empty());  // closing: no longer listed
  EXPECT_FALSE(disconnect_client(shard, "dev"));
}

TEST_F(ShardTest, BrokerPublishesSysTopicsThatOnlyExplicitFiltersSee) {
  auto all = connect("all", ProtocolVersion::V311);
  send(*all, subscribe(1, "#", QoS::AtMostOnce), ProtocolVersion::V311);
  auto sys = connect("sys", ProtocolVersion::V311);
  send(*sys, subscribe(1, "$SYS/#", QoS::AtMostOnce), ProtocolVersion::V311);
  received(*all, ProtocolVersion::V311);
  received(*sys, ProtocolVersion::V311);

  const std::string_view payload = "7";
  ASSERT_TRUE(publish_from_broker(shard, "$SYS/broker/clients/connected",
                                  {reinterpret_cast<const uint8_t*>(payload.data()), payload.size()},
                                  QoS::AtMostOnce, true, now));
  EXPECT_TRUE(received(*all, ProtocolVersion::V311).empty());  // [MQTT-4.7.2-1]
  auto got = received(*sys, ProtocolVersion::V311);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::get<protocol::Publish>(got[0]).topic, "$SYS/broker/clients/connected");
  EXPECT_EQ(retained_count(state), 1u);

  // A client's publish there is acknowledged and dropped: the retained value stays the broker's.
  send(*all, publish("$SYS/broker/clients/connected", "999", QoS::AtLeastOnce, 3, true), ProtocolVersion::V311);
  EXPECT_TRUE(received(*sys, ProtocolVersion::V311).empty());
  const auto kept = retained_messages(state, "", "", 10);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].payload_bytes, 1u);
}

TEST_F(ShardTest, ClientListingsFilterAndPageInClientIdOrder) {
  std::vector<std::unique_ptr<Conn>> conns;
  for (const char* id : {"dev-3", "dev-1", "gw-1", "dev-2"}) conns.push_back(connect(id, ProtocolVersion::V311));
  const auto wall = std::chrono::system_clock::now();
  const auto first = connected_clients(shard, {.id_contains = "dev", .limit = 2}, now, wall);
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.items[0].client_id, "dev-1");
  EXPECT_EQ(first.items[1].client_id, "dev-2");
  EXPECT_EQ(first.matched, 3u);
  EXPECT_TRUE(first.more);
  const auto second = connected_clients(shard, {.id_contains = "dev", .after = "dev-2", .limit = 2}, now, wall);
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].client_id, "dev-3");
  EXPECT_EQ(second.matched, 3u);
  EXPECT_FALSE(second.more);
  EXPECT_TRUE(connected_clients(shard, {.username = "alice"}, now, wall).items.empty());  // all anonymous
}

TEST_F(ShardTest, SessionsListOfflineOnesWithTheirExpiryAndQueue) {
  protocol::Properties props;
  props.session_expiry_interval = 600;
  auto keeper = connect("keeper", ProtocolVersion::V5, true, props);
  send(*keeper, subscribe(1, "q/#", QoS::AtLeastOnce), ProtocolVersion::V5);
  close(keeper);
  auto online = connect("online", ProtocolVersion::V311);
  send(*online, publish("q/1", "x", QoS::AtLeastOnce, 1), ProtocolVersion::V311);

  const auto wall = std::chrono::system_clock::now();
  const auto all = sessions(shard, {}, now, wall);
  ASSERT_EQ(all.items.size(), 2u);
  const SessionInfo& k = all.items[0];
  EXPECT_EQ(k.client_id, "keeper");
  EXPECT_FALSE(k.connected);
  EXPECT_EQ(k.expiry_interval, 600u);
  ASSERT_TRUE(k.expires_at_ms.has_value());
  EXPECT_EQ(*k.expires_at_ms,
            std::chrono::duration_cast<std::chrono::milliseconds>((wall + std::chrono::seconds(600)).time_since_epoch())
                .count());
  EXPECT_EQ(k.subscriptions, 1u);
  EXPECT_EQ(k.queued_messages + k.inflight_messages, 1u);
  EXPECT_TRUE(all.items[1].connected);
  EXPECT_FALSE(all.items[1].expires_at_ms.has_value());

  const auto offline = sessions(shard, {.connected = false}, now, wall);
  ASSERT_EQ(offline.items.size(), 1u);
  EXPECT_EQ(offline.items[0].client_id, "keeper");
}

TEST_F(ShardTest, SubscribersOfATopicAreNamedWithTheirFilters) {
  auto a = connect("a", ProtocolVersion::V5);
  send(*a, subscribe(1, "t/+", QoS::AtLeastOnce), ProtocolVersion::V5);
  send(*a, subscribe(2, "t/#", QoS::AtMostOnce), ProtocolVersion::V5);
  auto b = connect("b", ProtocolVersion::V5);
  send(*b, subscribe(1, "$share/g/t/x", QoS::ExactlyOnce), ProtocolVersion::V5);
  send(*b, subscribe(2, "other", QoS::AtMostOnce), ProtocolVersion::V5);

  const auto matched = subscribers_of(shard, "t/x");
  ASSERT_EQ(matched.size(), 3u);
  auto named = name_subscribers(shard, matched);
  std::sort(named.begin(), named.end(),
            [](const auto& l, const auto& r) { return std::tie(l.client_id, l.filter) < std::tie(r.client_id, r.filter); });
  ASSERT_EQ(named.size(), 3u);
  EXPECT_EQ(named[0].client_id, "a");
  EXPECT_EQ(named[0].filter, "t/#");
  EXPECT_EQ(named[1].filter, "t/+");
  EXPECT_EQ(named[1].qos, 1);
  EXPECT_EQ(named[2].client_id, "b");
  EXPECT_EQ(named[2].filter, "$share/g/t/x");
  EXPECT_TRUE(named[2].online);
  EXPECT_TRUE(subscribers_of(shard, "nothing/here").empty());
}

TEST_F(ShardTest, ClearingARetainedMessageRemovesItAndReportsWhetherThereWasOne) {
  auto c = connect("c", ProtocolVersion::V311);
  send(*c, publish("r/1", "one", QoS::AtMostOnce, 0, true), ProtocolVersion::V311);
  send(*c, publish("r/2", "two", QoS::AtMostOnce, 0, true), ProtocolVersion::V311);
  send(*c, publish("s/1", "three", QoS::AtMostOnce, 0, true), ProtocolVersion::V311);
  const auto r = retained_messages(state, "r/+", "", 10);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].topic, "r/1");
  EXPECT_EQ(r[0].payload_start, "one");
  EXPECT_EQ(retained_messages(state, "r/+", "r/1", 10).size(), 1u);

  EXPECT_TRUE(clear_retained(shard, "r/1"));
  EXPECT_FALSE(clear_retained(shard, "r/1"));
  EXPECT_FALSE(clear_retained(shard, "never/there"));
  const auto left = retained_messages(state, "", "", 10);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0].topic, "r/2");
}

}  // namespace
}  // namespace pregon::broker
