#include "observability/http_auth.hpp"

#include <gtest/gtest.h>

#include "auth/base64.hpp"

namespace pregon::observability {
namespace {

std::string basic(std::string_view user_colon_password) { return "Basic " + auth::base64_encode(user_colon_password); }

TEST(HttpAccess, WithoutCredentialsOnlyLoopbackIsServed) {
  const config::Http http;
  EXPECT_EQ(check_http_access(http, "", true), HttpAccess::Granted);
  EXPECT_EQ(check_http_access(http, "", false), HttpAccess::Forbidden);
  EXPECT_EQ(check_http_access(http, basic("a:b"), false), HttpAccess::Forbidden);
}

TEST(HttpAccess, BasicCredentialsAreRequiredEvenOnLoopback) {
  config::Http http;
  http.username = "admin";
  http.password = "s3cret:with colon";
  EXPECT_EQ(check_http_access(http, basic("admin:s3cret:with colon"), false), HttpAccess::Granted);
  EXPECT_EQ(check_http_access(http, "basic " + auth::base64_encode("admin:s3cret:with colon"), true),
            HttpAccess::Granted);
  EXPECT_EQ(check_http_access(http, "", true), HttpAccess::Unauthorized);
  EXPECT_EQ(check_http_access(http, basic("admin:wrong"), true), HttpAccess::Unauthorized);
  EXPECT_EQ(check_http_access(http, basic("Admin:s3cret:with colon"), true), HttpAccess::Unauthorized);
  EXPECT_EQ(check_http_access(http, basic("admin"), true), HttpAccess::Unauthorized);
  EXPECT_EQ(check_http_access(http, "Basic !!!", true), HttpAccess::Unauthorized);
  EXPECT_EQ(check_http_access(http, "Bearer s3cret", true), HttpAccess::Unauthorized);
  EXPECT_EQ(www_authenticate(http), "Basic realm=\"pregon\"");
}

TEST(HttpAccess, BearerTokenAndBasicBothAccepted) {
  config::Http http;
  http.username = "admin";
  http.password = "pw";
  http.token = "tok-123";
  EXPECT_EQ(check_http_access(http, "Bearer tok-123", false), HttpAccess::Granted);
  EXPECT_EQ(check_http_access(http, "bearer  tok-123 ", false), HttpAccess::Granted);
  EXPECT_EQ(check_http_access(http, basic("admin:pw"), false), HttpAccess::Granted);
  EXPECT_EQ(check_http_access(http, "Bearer tok-12", false), HttpAccess::Unauthorized);
  EXPECT_EQ(check_http_access(http, "Bearer tok-1234", false), HttpAccess::Unauthorized);
  EXPECT_EQ(check_http_access(http, "Bearertok-123", false), HttpAccess::Unauthorized);
  EXPECT_EQ(www_authenticate(http), "Basic realm=\"pregon\", Bearer realm=\"pregon\"");
}

TEST(HttpAccess, TokenOnly) {
  config::Http http;
  http.token = "t";
  EXPECT_EQ(check_http_access(http, "Bearer t", false), HttpAccess::Granted);
  EXPECT_EQ(check_http_access(http, basic(":"), false), HttpAccess::Unauthorized);
  EXPECT_EQ(www_authenticate(http), "Bearer realm=\"pregon\"");
}

TEST(HttpOrigin, PagesOfOtherSitesAreRefused) {
  config::Http http;
  http.token = "t";
  EXPECT_FALSE(from_another_site(http, "", ""));
  EXPECT_FALSE(from_another_site(http, "", "broker.example:18083"));
  EXPECT_FALSE(from_another_site(http, "http://broker.example:18083", "broker.example:18083"));
  EXPECT_FALSE(from_another_site(http, "https://broker.example", "broker.example"));
  EXPECT_TRUE(from_another_site(http, "http://evil.example", "broker.example:18083"));
  EXPECT_TRUE(from_another_site(http, "http://broker.example:18084", "broker.example:18083"));
  EXPECT_TRUE(from_another_site(http, "null", "broker.example:18083"));
}

TEST(HttpOrigin, WithoutCredentialsTheHostMustBeALoopbackName) {
  const config::Http http;
  for (const char* host : {"", "127.0.0.1:18083", "127.1.2.3", "localhost:1", "LocalHost", "[::1]:18083"}) {
    EXPECT_FALSE(from_another_site(http, "", host)) << host;
  }
  for (const char* host : {"evil.example:18083", "10.0.0.1:18083", "[::2]:1", "[::1", "127.0.0.1.evil.example"}) {
    EXPECT_TRUE(from_another_site(http, "", host)) << host;
  }
  EXPECT_FALSE(from_another_site(http, "http://localhost:18083", "localhost:18083"));
}

}  // namespace
}  // namespace pregon::observability
