#include "auth/acl_file.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "routing/topic.hpp"

namespace pregon::auth {
namespace {

Identity user(std::string_view name, std::string_view client_id = "client-1") { return Identity{name, client_id}; }
Identity anonymous(std::string_view client_id = "anon-1") { return Identity{std::nullopt, client_id}; }

Acl parse_ok(std::string_view text) {
  auto acl = Acl::parse(text);
  EXPECT_TRUE(acl) << acl.error().line << ": " << acl.error().message;
  return acl ? std::move(*acl) : Acl();
}

TEST(AclFile, ParsesSectionsAndAccessWords) {
  const Acl acl = parse_ok(R"(# anonymous clients
topic read public/#
topic status

user alice
topic readwrite alice/#
topic write inbox/bob
  topic   read   with spaces/in it
user bob
topic deny alice/#
)");
  EXPECT_TRUE(acl.may_receive(anonymous(), "public/news"));
  EXPECT_FALSE(acl.may_publish(anonymous(), "public/news"));
  EXPECT_TRUE(acl.may_publish(anonymous(), "status"));  // no access word: readwrite
  EXPECT_TRUE(acl.may_receive(anonymous(), "status"));
  EXPECT_FALSE(acl.may_receive(anonymous(), "alice/x"));

  EXPECT_TRUE(acl.may_publish(user("alice"), "alice/x"));
  EXPECT_TRUE(acl.may_receive(user("alice"), "alice/x/y"));
  EXPECT_TRUE(acl.may_publish(user("alice"), "inbox/bob"));
  EXPECT_FALSE(acl.may_receive(user("alice"), "inbox/bob"));  // write only
  EXPECT_TRUE(acl.may_receive(user("alice"), "with spaces/in it"));
  // Anonymous lines are not inherited by users.
  EXPECT_FALSE(acl.may_receive(user("alice"), "public/news"));

  EXPECT_FALSE(acl.may_receive(user("bob"), "alice/x"));
  EXPECT_FALSE(acl.may_receive(user("carol"), "alice/x"));  // no section: nothing
  EXPECT_FALSE(Acl().may_receive(anonymous(), "a"));         // empty ACL: nothing
}

TEST(AclFile, RepeatedUserSectionsAccumulate) {
  const Acl acl = parse_ok("user a\ntopic x\nuser b\ntopic y\nuser a\ntopic z\n");
  EXPECT_TRUE(acl.may_publish(user("a"), "x"));
  EXPECT_TRUE(acl.may_publish(user("a"), "z"));
  EXPECT_FALSE(acl.may_publish(user("a"), "y"));
}

TEST(AclFile, ErrorsCarryLineNumbers) {
  struct Case {
    std::string_view text;
    std::size_t line;
  };
  for (const Case& c : {
           Case{"topic a\nuser\n", 2},
           Case{"topic a\n\nbogus a\n", 3},
           Case{"topic\n", 1},
           Case{"# x\ntopic read\n", 2},
           Case{"pattern deny\n", 1},
           Case{"topic read a/#/b\n", 1},
           Case{"topic read a+\n", 1},
           Case{"pattern read %u+/x\n", 1},
           Case{"Topic read a\n", 1},
       }) {
    auto acl = Acl::parse(c.text);
    ASSERT_FALSE(acl) << c.text;
    EXPECT_EQ(acl.error().line, c.line) << c.text << " -> " << acl.error().message;
  }
}

TEST(AclFile, DenyWinsWhateverTheOrder) {
  const Acl acl = parse_ok(R"(user alice
topic deny home/secret
topic readwrite home/#
topic readwrite office/#
topic deny office/+/private
)");
  EXPECT_TRUE(acl.may_publish(user("alice"), "home/kitchen"));
  EXPECT_FALSE(acl.may_publish(user("alice"), "home/secret"));
  EXPECT_FALSE(acl.may_receive(user("alice"), "home/secret"));
  EXPECT_TRUE(acl.may_receive(user("alice"), "office/a/public"));
  EXPECT_FALSE(acl.may_receive(user("alice"), "office/a/private"));
  // A subscription that could see a denied topic is refused as a whole.
  EXPECT_FALSE(acl.may_subscribe(user("alice"), "home/#"));
  EXPECT_FALSE(acl.may_subscribe(user("alice"), "home/+"));
  EXPECT_TRUE(acl.may_subscribe(user("alice"), "home/kitchen/#"));
  EXPECT_FALSE(acl.may_subscribe(user("alice"), "office/+/+"));
  EXPECT_TRUE(acl.may_subscribe(user("alice"), "office/+/public"));
}

TEST(AclFile, DenyPatternsApplyToEveryone) {
  const Acl acl = parse_ok("topic readwrite #\npattern deny private/%u/#\nuser bob\ntopic readwrite #\n");
  EXPECT_TRUE(acl.may_publish(user("bob"), "private/alice/x"));
  EXPECT_FALSE(acl.may_publish(user("bob"), "private/bob/x"));
  EXPECT_TRUE(acl.may_publish(anonymous(), "private/bob/x"));  // %u: no username, no rule
}

TEST(AclPatterns, SubstituteUsernameAndClientId) {
  const Acl acl = parse_ok(R"(pattern read sensors/%u/#
pattern write devices/%c/out
pattern readwrite mixed/%u-%c
pattern read anon/%c
)");
  EXPECT_TRUE(acl.may_receive(user("bob"), "sensors/bob/t"));
  EXPECT_TRUE(acl.may_receive(user("bob"), "sensors/bob"));  // '#' covers the parent level
  EXPECT_FALSE(acl.may_receive(user("bob"), "sensors/alice/t"));
  EXPECT_FALSE(acl.may_publish(user("bob"), "sensors/bob/t"));
  EXPECT_TRUE(acl.may_publish(user("bob", "dev7"), "devices/dev7/out"));
  EXPECT_FALSE(acl.may_publish(user("bob", "dev7"), "devices/dev8/out"));
  EXPECT_TRUE(acl.may_publish(user("bob", "c1"), "mixed/bob-c1"));
  EXPECT_FALSE(acl.may_publish(user("bob", "c1"), "mixed/bob-c2"));
  EXPECT_FALSE(acl.may_publish(user("bob", "c1"), "mixed/bob"));

  // No username: patterns with %u do not apply; %c ones do.
  EXPECT_FALSE(acl.may_receive(anonymous(), "sensors//t"));
  EXPECT_TRUE(acl.may_receive(anonymous("a1"), "anon/a1"));
  EXPECT_FALSE(acl.may_receive(Identity{std::nullopt, std::nullopt}, "anon/"));
}

TEST(AclPatterns, IdentityValuesNeverActAsWildcards) {
  const Acl acl = parse_ok("pattern readwrite sensors/%u/#\npattern readwrite clients/%c\n");
  // A username "+" or "#" matches only itself: never another user's level.
  for (std::string_view name : {"+", "#", "+/+", "#/x"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(acl.may_receive(user(name), "sensors/bob/t"));
    EXPECT_FALSE(acl.may_publish(user(name), "sensors/bob/t"));
    EXPECT_FALSE(acl.may_subscribe(user(name), "sensors/+/t"));
    EXPECT_FALSE(acl.may_subscribe(user(name), "sensors/#"));
    EXPECT_FALSE(acl.may_subscribe(user(name), "sensors/+/#"));
    EXPECT_FALSE(acl.may_subscribe(user(name), "#"));
  }
  // A username with '/' cannot span levels: "bob/t" must not reach sensors/bob/t/... and the rule
  // matches nothing at all.
  EXPECT_FALSE(acl.may_receive(user("bob/t"), "sensors/bob/t"));
  EXPECT_FALSE(acl.may_receive(user("bob/t"), "sensors/bob/t/x"));
  EXPECT_FALSE(acl.may_subscribe(user("bob/t"), "sensors/bob/t/#"));
  EXPECT_FALSE(acl.may_subscribe(user("bob/t"), "sensors/bob/#"));
  // A prefix is not enough either way.
  EXPECT_FALSE(acl.may_receive(user("bo"), "sensors/bob/t"));
  EXPECT_FALSE(acl.may_receive(user("bobby"), "sensors/bob/t"));
  // The same for client ids.
  EXPECT_FALSE(acl.may_publish(user("x", "+"), "clients/other"));
  EXPECT_FALSE(acl.may_subscribe(user("x", "+"), "clients/+"));
  EXPECT_FALSE(acl.may_subscribe(user("x", "#"), "clients/#"));
  EXPECT_FALSE(acl.may_publish(user("x", "a/b"), "clients/a/b"));
  EXPECT_TRUE(acl.may_publish(user("x", "me"), "clients/me"));
  // '%' sequences other than %u and %c are plain text.
  const Acl other = parse_ok("pattern readwrite x/%z/%%u\n");
  EXPECT_TRUE(other.may_publish(user("bob"), "x/%z/%bob"));
}

TEST(AclPatterns, UsernameCannotReachDollarTopics) {
  const Acl acl = parse_ok("pattern readwrite %u/#\nuser admin\ntopic read $SYS/#\n");
  EXPECT_TRUE(acl.may_receive(user("bob"), "bob/x"));
  EXPECT_FALSE(acl.may_receive(user("$SYS"), "$SYS/broker/uptime"));
  EXPECT_FALSE(acl.may_subscribe(user("$SYS"), "$SYS/#"));
  EXPECT_TRUE(acl.may_receive(user("admin"), "$SYS/broker/uptime"));
  EXPECT_TRUE(acl.may_subscribe(user("admin"), "$SYS/broker/+"));
}

TEST(AclTopics, TopicLinesTakeNoPlaceholders) {
  const Acl acl = parse_ok("user bob\ntopic read literal/%u\n");
  EXPECT_TRUE(acl.may_receive(user("bob"), "literal/%u"));
  EXPECT_FALSE(acl.may_receive(user("bob"), "literal/bob"));
}

TEST(AclSubscribe, FilterMustLieWithinAGrant) {
  const Acl acl = parse_ok("pattern read sensors/%u/#\nuser bob\ntopic read a/+/c\ntopic read exact\n");
  const Identity bob = user("bob");
  EXPECT_TRUE(acl.may_subscribe(bob, "sensors/bob/+"));
  EXPECT_TRUE(acl.may_subscribe(bob, "sensors/bob/#"));
  EXPECT_TRUE(acl.may_subscribe(bob, "sensors/bob"));
  EXPECT_TRUE(acl.may_subscribe(bob, "sensors/bob/x/+/y/#"));
  EXPECT_FALSE(acl.may_subscribe(bob, "sensors/+/x"));
  EXPECT_FALSE(acl.may_subscribe(bob, "sensors/#"));
  EXPECT_FALSE(acl.may_subscribe(bob, "sensors/+"));
  EXPECT_FALSE(acl.may_subscribe(bob, "#"));
  EXPECT_FALSE(acl.may_subscribe(bob, "+/bob/x"));

  EXPECT_TRUE(acl.may_subscribe(bob, "a/b/c"));
  EXPECT_TRUE(acl.may_subscribe(bob, "a/+/c"));
  EXPECT_FALSE(acl.may_subscribe(bob, "a/+/#"));
  EXPECT_FALSE(acl.may_subscribe(bob, "a/b/#"));  // also matches "a/b" and "a/b/c/d"
  EXPECT_FALSE(acl.may_subscribe(bob, "a/b"));
  EXPECT_FALSE(acl.may_subscribe(bob, "a/b/c/d"));
  EXPECT_TRUE(acl.may_subscribe(bob, "exact"));
  EXPECT_FALSE(acl.may_subscribe(bob, "exact/#"));
  EXPECT_FALSE(acl.may_subscribe(bob, "+"));

  EXPECT_FALSE(acl.may_subscribe(bob, "a/b+"));  // not a valid filter
  EXPECT_FALSE(acl.may_subscribe(bob, ""));
}

TEST(AclSubscribe, WriteAccessDoesNotAllowSubscribing) {
  const Acl acl = parse_ok("topic write out/#\n");
  EXPECT_FALSE(acl.may_subscribe(anonymous(), "out/#"));
  EXPECT_TRUE(acl.may_publish(anonymous(), "out/x"));
}

TEST(AclDollarTopics, LeadingWildcardsDoNotReachDollarTopics) {
  // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match a topic starting with '$'.
  const Acl acl = parse_ok("topic readwrite #\ntopic read +/status\n");
  EXPECT_TRUE(acl.may_receive(anonymous(), "a/b"));
  EXPECT_FALSE(acl.may_receive(anonymous(), "$SYS/broker/load"));
  EXPECT_FALSE(acl.may_publish(anonymous(), "$internal/x"));
  EXPECT_FALSE(acl.may_receive(anonymous(), "$x/status"));
  EXPECT_TRUE(acl.may_subscribe(anonymous(), "#"));  // "#" sees no '$' topic either
  EXPECT_TRUE(acl.may_subscribe(anonymous(), "+/status"));
  EXPECT_FALSE(acl.may_subscribe(anonymous(), "$SYS/#"));
  EXPECT_FALSE(acl.may_subscribe(anonymous(), "$x/status"));

  // A deny on a '$' topic does not spoil "#", which cannot see it.
  const Acl deny = parse_ok("topic read #\ntopic read $SYS/#\ntopic deny $SYS/secret\ntopic deny +/hidden\n");
  EXPECT_FALSE(deny.may_subscribe(anonymous(), "a/#"));  // meets +/hidden at a/hidden
  EXPECT_TRUE(deny.may_subscribe(anonymous(), "a/x/#"));
  EXPECT_FALSE(deny.may_subscribe(anonymous(), "#"));  // meets +/hidden
  EXPECT_TRUE(deny.may_subscribe(anonymous(), "$SYS/public/#"));
  EXPECT_FALSE(deny.may_subscribe(anonymous(), "$SYS/#"));
  EXPECT_TRUE(deny.may_receive(anonymous(), "$SYS/hidden"));  // +/hidden does not match it
  EXPECT_FALSE(deny.may_receive(anonymous(), "x/hidden"));
}

TEST(AclChecks, InvalidTopicsAreRefused) {
  const Acl acl = parse_ok("topic readwrite #\n");
  EXPECT_FALSE(acl.may_publish(anonymous(), "a/+"));
  EXPECT_FALSE(acl.may_publish(anonymous(), "a/#"));
  EXPECT_FALSE(acl.may_publish(anonymous(), ""));
  EXPECT_FALSE(acl.may_receive(anonymous(), std::string_view("a\0b", 3)));
}

TEST(AclFilter, CoversAndIntersects) {
  const Identity id = user("u", "c");
  struct Case {
    std::string_view acl;
    std::string_view filter;
    bool covers;
    bool intersects;
  };
  for (const Case& c : {
           Case{"#", "a/b", true, true},
           Case{"#", "#", true, true},
           Case{"a/#", "a", true, true},
           Case{"a/#", "#", false, true},
           Case{"a/+", "a/#", false, true},
           Case{"a/+", "+/b", false, true},
           Case{"a/b", "a/+", false, true},
           Case{"a/b", "a/c", false, false},
           Case{"a/b", "a/b/c", false, false},
           Case{"a/b", "a/b/#", false, true},
           Case{"+/+", "a/+", true, true},
           Case{"+", "a/b", false, false},
           Case{"+/#", "$a/b", false, false},
           Case{"$a/#", "#", false, false},
           Case{"$a/#", "+/b", false, false},
           Case{"$a/#", "$a", true, true},
           Case{"%u/x", "u/x", true, true},
           Case{"%u/x", "+/x", false, true},
       }) {
    const AclFilter f = AclFilter::compile(c.acl, true);
    EXPECT_EQ(f.covers(id, c.filter), c.covers) << c.acl << " covers " << c.filter;
    EXPECT_EQ(f.intersects(id, c.filter), c.intersects) << c.acl << " intersects " << c.filter;
  }
}

TEST(AclFilter, MatchesAgreesWithTheRoutingMatcher) {
  const Identity id = user("u", "c");
  const std::string_view filters[] = {"#", "+", "+/#", "a", "a/#", "a/+", "a/+/c", "+/b/#", "$SYS/#", "$SYS/+",
                                      "/", "/+", "+/", "a//b", "a/b/c"};
  const std::string_view topics[] = {"a", "a/b", "a/b/c", "b/b", "b/b/c/d", "$SYS", "$SYS/x", "/", "/a", "a/",
                                     "a//b", "$x/b"};
  for (std::string_view f : filters) {
    const AclFilter compiled = AclFilter::compile(f, false);
    for (std::string_view t : topics) {
      EXPECT_EQ(compiled.matches(id, t), routing::topic_matches(f, t)) << f << " vs " << t;
      EXPECT_EQ(compiled.covers(id, t), routing::topic_matches(f, t)) << f << " vs " << t;
      EXPECT_EQ(compiled.intersects(id, t), routing::topic_matches(f, t)) << f << " vs " << t;
    }
  }
}

TEST(AclFile, LoadsFromAPath) {
  const std::string path = testing::TempDir() + "pregon_acl_file_test.acl";
  {
    std::ofstream out(path, std::ios::binary);
    out << "user alice\r\ntopic read a/#\r\n";
  }
  auto acl = Acl::load(path);
  std::remove(path.c_str());
  ASSERT_TRUE(acl);
  EXPECT_TRUE(acl->may_receive(user("alice"), "a/b"));
  auto missing = Acl::load(path);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().line, 0u);
}

}  // namespace
}  // namespace pregon::auth
