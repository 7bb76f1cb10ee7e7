#include "storage/store_keys.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace pregon::storage {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

bool in_client_range(const std::string& key, std::string_view client_id) {
  return key >= client_prefix(client_id) && key < client_prefix_end(client_id);
}

std::vector<std::string> every_client_key(std::string_view id) {
  return {session_key(id), subscription_key(id, "a/#"), subscription_key(id, ""),
          queued_key(id, 0), queued_key(id, ~uint64_t{0}), inflight_key(id, 1),
          inflight_key(id, 65535), inbound_qos2_key(id, 7)};
}

TEST(StoreKeys, ParseRecoversEveryPart) {
  auto m = parse_key(message_key(0x0102030405060708));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, KeyKind::Message);
  EXPECT_EQ(m->number, 0x0102030405060708u);

  const std::string retained = retained_key("a/b/c");  // parse_key returns views into it
  auto r = parse_key(retained);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, KeyKind::Retained);
  EXPECT_EQ(r->name, "a/b/c");

  const std::string id("c\0\xff", 3);
  const std::string sub = subscription_key(id, "x/+");
  auto s = parse_key(sub);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, KeyKind::Client);
  EXPECT_EQ(s->client_kind, ClientKeyKind::Subscription);
  EXPECT_EQ(s->client_id, id);
  EXPECT_EQ(s->name, "x/+");

  const std::string queued = queued_key(id, 99);
  auto q = parse_key(queued);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->client_kind, ClientKeyKind::Queued);
  EXPECT_EQ(q->number, 99u);

  const std::string inflight = inflight_key(id, 513);
  auto f = parse_key(inflight);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->client_kind, ClientKeyKind::Inflight);
  EXPECT_EQ(f->number, 513u);

  const std::string inbound = inbound_qos2_key("", 2);
  auto i = parse_key(inbound);
  ASSERT_TRUE(i);
  EXPECT_EQ(i->client_kind, ClientKeyKind::InboundQos2);
  EXPECT_EQ(i->client_id, "");

  const std::string spilled = spilled_key(id, 1ull << 40);
  auto sp = parse_key(spilled);
  ASSERT_TRUE(sp);
  EXPECT_EQ(sp->client_kind, ClientKeyKind::Spilled);
  EXPECT_EQ(sp->client_id, id);
  EXPECT_EQ(sp->number, 1ull << 40);

  const std::string format = format_key();
  auto meta = parse_key(format);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->kind, KeyKind::Meta);
}

TEST(StoreKeys, MalformedKeysAreRejected) {
  EXPECT_FALSE(parse_key(""));
  EXPECT_FALSE(parse_key(std::string(1, '\x09')));                // unknown kind
  EXPECT_FALSE(parse_key(message_key(1).substr(0, 5)));           // short id
  EXPECT_FALSE(parse_key(message_key(1) + "x"));                  // trailing bytes
  EXPECT_FALSE(parse_key(session_key("abc").substr(0, 6)));       // client id cut
  EXPECT_FALSE(parse_key(client_prefix("abc") + "\x09"));         // unknown client kind
  EXPECT_FALSE(parse_key(session_key("abc") + "x"));              // trailing after session
  EXPECT_FALSE(parse_key(inflight_key("abc", 1).substr(0, 10)));  // short packet id
  std::string huge_length = std::string(1, '\x03') + std::string("\xff\xff\xff\xff", 4) + "ab";
  EXPECT_FALSE(parse_key(huge_length));
}

TEST(StoreKeys, OneClientsRangeHoldsNoOtherClientsKeys) {
  const std::vector<std::string> ids = {"", "a", "ab", "a\xff", std::string("a\0", 2), "b",
                                        "\xff\xff", "abc"};
  for (const auto& owner : ids) {
    for (const auto& other : ids) {
      for (const auto& key : every_client_key(other)) {
        EXPECT_EQ(in_client_range(key, owner), owner == other)
            << "owner '" << owner << "' other '" << other << "'";
        EXPECT_EQ(starts_with(key, client_prefix(owner)), owner == other);
      }
    }
    // Nothing but client keys either.
    EXPECT_FALSE(in_client_range(message_key(1), owner));
    EXPECT_FALSE(in_client_range(retained_key("a"), owner));
  }
}

TEST(StoreKeys, NumbersSortInNumericOrder) {
  std::vector<uint64_t> sequences = {0, 1, 255, 256, 65535, 65536, 1ull << 40, ~uint64_t{0}};
  for (size_t i = 1; i < sequences.size(); ++i) {
    EXPECT_LT(queued_key("c", sequences[i - 1]), queued_key("c", sequences[i]));
    EXPECT_LT(message_key(sequences[i - 1]), message_key(sequences[i]));
  }
  EXPECT_LT(inflight_key("c", 255), inflight_key("c", 256));
}

TEST(StoreKeys, KindsSortInRecoveryOrder) {
  EXPECT_LT(format_key(), message_key(0));
  EXPECT_LT(message_key(~uint64_t{0}), retained_key(""));
  EXPECT_LT(retained_key("\xff\xff\xff"), session_key(""));
  // Within a client the session sorts first.
  EXPECT_LT(session_key("c"), subscription_key("c", ""));
  EXPECT_LT(subscription_key("c", "\xff"), queued_key("c", 0));
  EXPECT_LT(queued_key("c", ~uint64_t{0}), inflight_key("c", 0));
  EXPECT_LT(inflight_key("c", 65535), inbound_qos2_key("c", 0));
  EXPECT_LT(retained_key("zzz"), kind_end(KeyKind::Retained));
  EXPECT_LE(kind_begin(KeyKind::Retained), retained_key(""));
}

}  // namespace
}  // namespace pregon::storage
