#include "net/proxy_header.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace pregon::net {
namespace {

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

std::vector<uint8_t> v2(uint8_t version_command, uint8_t family_protocol, std::vector<uint8_t> body) {
  const uint8_t fixed[16] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
                             version_command, family_protocol,
                             static_cast<uint8_t>(body.size() >> 8), static_cast<uint8_t>(body.size())};
  body.insert(body.begin(), std::begin(fixed), std::end(fixed));
  return body;
}

ProxyHeader header(const ProxyParse& p) {
  EXPECT_TRUE(std::holds_alternative<ProxyHeader>(p))
      << (std::holds_alternative<ProxyInvalid>(p) ? std::get<ProxyInvalid>(p).reason : "needs more");
  return std::holds_alternative<ProxyHeader>(p) ? std::get<ProxyHeader>(p) : ProxyHeader{};
}

bool invalid(const ProxyParse& p) { return std::holds_alternative<ProxyInvalid>(p); }
bool needs_more(const ProxyParse& p) { return std::holds_alternative<ProxyNeedMore>(p); }

TEST(ProxyHeaderV1, Tcp4GivesTheSourceAndLeavesTheRest) {
  const auto in = bytes("PROXY TCP4 192.0.2.7 198.51.100.1 40123 1883\r\n\x10\x0c");
  const ProxyHeader h = header(parse_proxy_header(in));
  EXPECT_EQ(h.source, "192.0.2.7:40123");
  EXPECT_EQ(h.length, in.size() - 2);
}

TEST(ProxyHeaderV1, Tcp6) {
  const ProxyHeader h = header(parse_proxy_header(bytes("PROXY TCP6 2001:db8::5 2001:db8::1 5000 8883\r\n")));
  EXPECT_EQ(h.source, "[2001:db8::5]:5000");
}

TEST(ProxyHeaderV1, UnknownKeepsTheSocketAddress) {
  const ProxyHeader h = header(parse_proxy_header(bytes("PROXY UNKNOWN\r\n")));
  EXPECT_EQ(h.source, "");
  EXPECT_EQ(h.length, 15u);
  EXPECT_EQ(header(parse_proxy_header(bytes("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"))).source, "");
}

TEST(ProxyHeaderV1, WaitsForTheWholeLine) {
  const std::string line = "PROXY TCP4 192.0.2.7 198.51.100.1 40123 1883\r\n";
  for (size_t n = 0; n < line.size(); ++n) {
    EXPECT_TRUE(needs_more(parse_proxy_header(bytes(line.substr(0, n))))) << n;
  }
}

TEST(ProxyHeaderV1, RefusesMalformedLines) {
  for (const char* line : {"PROXY TCP4 192.0.2.7 198.51.100.1 40123\r\n", "PROXY TCP4 192.0.2.7 198.51.100.1 40123 70000\r\n",
                           "PROXY TCP4 2001:db8::5 198.51.100.1 1 2\r\n", "PROXY UDP4 192.0.2.7 198.51.100.1 1 2\r\n",
                           "PROXY TCP4  192.0.2.7 198.51.100.1 1 2\r\n", "PROXY TCP4 192.0.2.7 198.51.100.1 1 -2\r\n",
                           "PROXY TCP4 192.0.2.7 198.51.100.1 1 2 3\r\n"}) {
    EXPECT_TRUE(invalid(parse_proxy_header(bytes(line)))) << line;
  }
  EXPECT_TRUE(invalid(parse_proxy_header(bytes("PROXY " + std::string(200, 'x')))));
}

TEST(ProxyHeader, RefusesAnythingElse) {
  EXPECT_TRUE(invalid(parse_proxy_header(bytes("\x10\x0c\x00\x04MQTT"))));
  EXPECT_TRUE(invalid(parse_proxy_header(bytes("PROXX"))));
  EXPECT_TRUE(needs_more(parse_proxy_header(bytes("PROX"))));
  EXPECT_TRUE(needs_more(parse_proxy_header({})));
}

TEST(ProxyHeaderV2, ProxyTcp4) {
  const auto in = v2(0x21, 0x11, {192, 0, 2, 7, 198, 51, 100, 1, 0x9C, 0x40, 0x07, 0x5B});
  const ProxyHeader h = header(parse_proxy_header(in));
  EXPECT_EQ(h.source, "192.0.2.7:40000");
  EXPECT_EQ(h.length, in.size());
}

TEST(ProxyHeaderV2, ProxyTcp6WithTlvsAfterTheAddresses) {
  std::vector<uint8_t> body(36, 0);
  body[0] = 0x20, body[1] = 0x01, body[2] = 0x0d, body[3] = 0xb8, body[15] = 0x09;
  body[32] = 0x13, body[33] = 0x88;
  body.insert(body.end(), {0x05, 0x00, 0x02, 'i', 'd'});  // a unique-id TLV, ignored
  const auto in = v2(0x21, 0x21, body);
  const ProxyHeader h = header(parse_proxy_header(in));
  EXPECT_EQ(h.source, "[2001:db8::9]:5000");
  EXPECT_EQ(h.length, in.size());
}

TEST(ProxyHeaderV2, LocalAndUnspecifiedKeepTheSocketAddress) {
  EXPECT_EQ(header(parse_proxy_header(v2(0x20, 0x00, {}))).source, "");
  EXPECT_EQ(header(parse_proxy_header(v2(0x21, 0x00, {}))).source, "");
  EXPECT_EQ(header(parse_proxy_header(v2(0x21, 0x31, std::vector<uint8_t>(216, 0)))).source, "");
}

TEST(ProxyHeaderV2, WaitsForTheWholeHeader) {
  const auto in = v2(0x21, 0x11, {192, 0, 2, 7, 198, 51, 100, 1, 0x9C, 0x40, 0x07, 0x5B});
  for (size_t n = 0; n < in.size(); ++n) {
    EXPECT_TRUE(needs_more(parse_proxy_header(std::span(in).first(n)))) << n;
  }
}

TEST(ProxyHeaderV2, RefusesBadHeaders) {
  EXPECT_TRUE(invalid(parse_proxy_header(v2(0x11, 0x11, std::vector<uint8_t>(12, 0)))));  // version 1
  EXPECT_TRUE(invalid(parse_proxy_header(v2(0x22, 0x11, std::vector<uint8_t>(12, 0)))));  // command 2
  EXPECT_TRUE(invalid(parse_proxy_header(v2(0x21, 0x11, std::vector<uint8_t>(8, 0)))));   // short
  EXPECT_TRUE(invalid(parse_proxy_header(v2(0x21, 0x41, std::vector<uint8_t>(12, 0)))));  // family 4
  EXPECT_TRUE(invalid(parse_proxy_header(v2(0x21, 0x13, std::vector<uint8_t>(12, 0)))));  // transport 3
  EXPECT_TRUE(invalid(parse_proxy_header(v2(0x21, 0x11, std::vector<uint8_t>(kMaxProxyHeader, 0)))));
}

}  // namespace
}  // namespace pregon::net
