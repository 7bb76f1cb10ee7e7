#include "net/input_buffer.hpp"

#include <gtest/gtest.h>

#include <string>

namespace pregon::net {
namespace {

std::span<const uint8_t> view(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
std::string text(std::span<const uint8_t> s) { return {s.begin(), s.end()}; }

TEST(InputBuffer, KeepsTheUnconsumedTailAcrossAppends) {
  InputBuffer b;
  b.append(view("abcdef"));
  b.consume(4);
  EXPECT_EQ(text(b.data()), "ef");
  b.append(view("gh"));  // compacts: the dead prefix is over half
  EXPECT_EQ(text(b.data()), "efgh");
  b.consume(4);
  EXPECT_TRUE(b.empty());
}

TEST(InputBuffer, ShrinksOnlyWhenIdleAndLarge) {
  InputBuffer b;
  b.append(view(std::string(200000, 'a')));
  b.shrink_if_idle(1000);
  EXPECT_EQ(b.size(), 200000u);
  b.consume(200000);
  EXPECT_GE(b.reserved_bytes(), 200000u);  // emptied, still kept
  b.shrink_if_idle(1000);
  EXPECT_TRUE(b.empty());
  EXPECT_EQ(b.reserved_bytes(), 0u);
}

TEST(InputBuffer, ReleasesItsMemoryOnlyWhenEmpty) {
  InputBuffer b;
  EXPECT_EQ(b.reserved_bytes(), 0u);
  b.append(view("abc"));
  b.release_if_empty();
  EXPECT_EQ(text(b.data()), "abc");
  b.consume(3);
  EXPECT_GT(b.reserved_bytes(), 0u);
  b.release_if_empty();
  EXPECT_EQ(b.reserved_bytes(), 0u);
  b.append(view("de"));  // and works on after it
  EXPECT_EQ(text(b.data()), "de");
}

}  // namespace
}  // namespace pregon::net
