#include "base/indexed_vector.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace pregon::base {
namespace {

struct Item {
  int id = 0;
  uint32_t at = 0;
};

TEST(IndexedVector, RemovalMovesTheLastIntoTheGapAndTellsIt) {
  Item a{1}, b{2}, c{3};
  std::vector<Item*> v;
  for (Item* i : {&a, &b, &c}) push_indexed(v, i, *i, &Item::at);
  EXPECT_EQ(b.at, 1u);
  EXPECT_EQ(remove_indexed(v, a, &Item::at), &a);  // the first: c takes its place
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], &c);
  EXPECT_EQ(c.at, 0u);
  EXPECT_EQ(remove_indexed(v, b, &Item::at), &b);  // the last: nothing moves
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], &c);
}

TEST(IndexedVector, OwningElementsAreHandedBackOnRemoval) {
  std::vector<std::unique_ptr<Item>> v;
  for (int id = 1; id <= 3; ++id) {
    auto owned = std::make_unique<Item>(Item{id});
    Item& item = *owned;
    push_indexed(v, std::move(owned), item, &Item::at);
  }
  Item& first = *v[0];
  const std::unique_ptr<Item> gone = remove_indexed(v, first, &Item::at);
  EXPECT_EQ(gone->id, 1);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0]->id, 3);
  EXPECT_EQ(v[0]->at, 0u);
}

}  // namespace
}  // namespace pregon::base
