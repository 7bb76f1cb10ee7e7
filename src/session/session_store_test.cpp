#include "session/session_store.hpp"

#include <gtest/gtest.h>

namespace pregon::session {
namespace {

TEST(MemorySessionStore, FindsByClientIdAndBySessionId) {
  MemorySessionStore store;
  Session& a = store.create("a", 1);
  store.create("b", 2);
  EXPECT_EQ(store.find(std::string_view("a")), &a);
  EXPECT_EQ(store.find(uint64_t{1}), &a);
  EXPECT_EQ(store.size(), 2u);
  store.erase(a);
  EXPECT_EQ(store.find(std::string_view("a")), nullptr);
  EXPECT_EQ(store.find(uint64_t{1}), nullptr);
  EXPECT_NE(store.find(std::string_view("b")), nullptr);
  size_t visited = 0;
  store.for_each([&](Session&) { ++visited; });
  EXPECT_EQ(visited, 1u);
}

}  // namespace
}  // namespace pregon::session
