#include "net/websocket_handshake.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace pregon::net {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Status = HandshakeAnswer::Status;

// The request from RFC 6455 section 1.3, with the MQTT subprotocol.
std::string request(std::string_view extra = "Sec-WebSocket-Protocol: mqtt\r\n", std::string_view target = "/mqtt",
                    std::string_view version = "13") {
  std::string r = "GET " + std::string(target) + " HTTP/1.1\r\n";
  r += "Host: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  r += "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
  r += "Sec-WebSocket-Version: " + std::string(version) + "\r\n";
  r += extra;
  r += "\r\n";
  return r;
}

TEST(WebSocketHandshake, AcceptKeyIsTheOneOfRfc6455) {
  EXPECT_EQ(websocket_accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketHandshake, MQTT_6_0_0_4_AcceptsAnUpgradeAndSelectsMqtt) {
  const std::string r = request("Sec-WebSocket-Protocol: chat, mqtt\r\nOrigin: http://example.com\r\n");
  const HandshakeAnswer a = answer_websocket_handshake(r, "/mqtt");
  ASSERT_EQ(a.status, Status::kAccepted) << a.reason;
  EXPECT_EQ(a.consumed, r.size());
  EXPECT_EQ(a.response,
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n");
}

TEST(WebSocketHandshake, HeaderNamesAndTokensAreCaseInsensitiveAndListsMaySpanLines) {
  const std::string r =
      "GET /mqtt?client=1 HTTP/1.1\r\nhost: a\r\nUPGRADE: WebSocket\r\nconnection: keep-alive, Upgrade\r\n"
      "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version:13\r\n"
      "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";
  const HandshakeAnswer a = answer_websocket_handshake(r, "/mqtt");
  ASSERT_EQ(a.status, Status::kAccepted) << a.reason;
  EXPECT_THAT(a.response, HasSubstr("Sec-WebSocket-Protocol: mqtt\r\n"));
}

TEST(WebSocketHandshake, WithoutSubprotocolsIsAcceptedWithoutOne) {
  const HandshakeAnswer a = answer_websocket_handshake(request(""), "/mqtt");
  ASSERT_EQ(a.status, Status::kAccepted) << a.reason;
  EXPECT_THAT(a.response, Not(HasSubstr("Sec-WebSocket-Protocol")));
}

TEST(WebSocketHandshake, Mqtt31SubprotocolIsAcceptedWhenMqttIsNotOffered) {
  const HandshakeAnswer a = answer_websocket_handshake(request("Sec-WebSocket-Protocol: mqttv3.1\r\n"), "/mqtt");
  ASSERT_EQ(a.status, Status::kAccepted) << a.reason;
  EXPECT_THAT(a.response, HasSubstr("Sec-WebSocket-Protocol: mqttv3.1\r\n"));
}

TEST(WebSocketHandshake, SubprotocolsWithoutMqttAreRefused) {  // [MQTT-6.0.0-3]
  const HandshakeAnswer a = answer_websocket_handshake(request("Sec-WebSocket-Protocol: chat, MQTT\r\n"), "/mqtt");
  EXPECT_EQ(a.status, Status::kRefused);
  EXPECT_THAT(a.response, HasSubstr("HTTP/1.1 400 "));
}

TEST(WebSocketHandshake, IncompleteUntilTheBlankLine) {
  const std::string r = request();
  for (size_t n = 0; n < r.size(); ++n) {
    EXPECT_EQ(answer_websocket_handshake(std::string_view(r).substr(0, n), "/mqtt").status, Status::kIncomplete) << n;
  }
  // Frames sent right behind the request are not part of it.
  const HandshakeAnswer a = answer_websocket_handshake(r + "\x82\x80", "/mqtt");
  EXPECT_EQ(a.status, Status::kAccepted);
  EXPECT_EQ(a.consumed, r.size());
}

TEST(WebSocketHandshake, WrongPathIs404) {
  const HandshakeAnswer a = answer_websocket_handshake(request("", "/other"), "/mqtt");
  EXPECT_EQ(a.status, Status::kRefused);
  EXPECT_THAT(a.response, HasSubstr("HTTP/1.1 404 Not Found\r\n"));
  EXPECT_EQ(answer_websocket_handshake(request("", "/mqtt/x"), "/mqtt").status, Status::kRefused);
  EXPECT_EQ(answer_websocket_handshake(request("", "/ws"), "/ws").status, Status::kAccepted);
}

TEST(WebSocketHandshake, NotAnUpgradeIs400) {
  const std::string plain = "GET /mqtt HTTP/1.1\r\nHost: a\r\n\r\n";
  const HandshakeAnswer a = answer_websocket_handshake(plain, "/mqtt");
  EXPECT_EQ(a.status, Status::kRefused);
  EXPECT_THAT(a.response, HasSubstr("HTTP/1.1 400 Bad Request\r\n"));
  std::string post = request();
  post.replace(0, 3, "PUT");
  EXPECT_THAT(answer_websocket_handshake(post, "/mqtt").response, HasSubstr("HTTP/1.1 400 "));
  std::string no_connection = request();
  no_connection.replace(no_connection.find("Connection: Upgrade"), 19, "Connection: close  ");
  EXPECT_THAT(answer_websocket_handshake(no_connection, "/mqtt").response, HasSubstr("HTTP/1.1 400 "));
  EXPECT_EQ(answer_websocket_handshake("GET /mqtt HTTP/1.0\r\n\r\n", "/mqtt").status, Status::kRefused);
  EXPECT_EQ(answer_websocket_handshake("GET /mqtt\r\n\r\n", "/mqtt").status, Status::kRefused);
  // An MQTT CONNECT sent to a WebSocket port never ends its "header" and is refused by size.
  EXPECT_EQ(answer_websocket_handshake(std::string(kMaxRequestBytes, '\x10'), "/mqtt").status, Status::kRefused);
}

TEST(WebSocketHandshake, KeyMustBeSixteenBytes) {
  std::string r = request();
  r.replace(r.find("dGhlIHNhbXBsZSBub25jZQ=="), 24, "c2hvcnQ=");
  const HandshakeAnswer a = answer_websocket_handshake(r, "/mqtt");
  EXPECT_EQ(a.status, Status::kRefused);
  EXPECT_THAT(a.response, HasSubstr("HTTP/1.1 400 "));
  std::string twice = request("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
  EXPECT_EQ(answer_websocket_handshake(twice, "/mqtt").status, Status::kRefused);
}

TEST(WebSocketHandshake, OtherVersionIs426WithTheSupportedOne) {
  const HandshakeAnswer a = answer_websocket_handshake(request("", "/mqtt", "8"), "/mqtt");
  EXPECT_EQ(a.status, Status::kRefused);
  EXPECT_THAT(a.response, HasSubstr("HTTP/1.1 426 Upgrade Required\r\n"));
  EXPECT_THAT(a.response, HasSubstr("Sec-WebSocket-Version: 13\r\n"));
}

TEST(WebSocketHandshake, HeaderSectionIsBounded) {
  std::string big = request(std::string("X-Filler: ") + std::string(kMaxRequestBytes, 'a') + "\r\n");
  const HandshakeAnswer a = answer_websocket_handshake(big, "/mqtt");
  EXPECT_EQ(a.status, Status::kRefused);
  EXPECT_THAT(a.response, HasSubstr("HTTP/1.1 431 "));
}

TEST(WebSocketHandshake, MalformedHeaderLinesAreRefused) {
  EXPECT_EQ(answer_websocket_handshake(request("no colon here\r\n"), "/mqtt").status, Status::kRefused);
  EXPECT_EQ(answer_websocket_handshake(request(" folded: x\r\n"), "/mqtt").status, Status::kRefused);
}

}  // namespace
}  // namespace pregon::net
