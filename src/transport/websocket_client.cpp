#include "transport/websocket_client.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "auth/base64.hpp"
#include "net/websocket_handshake.hpp"

namespace pregon::transport {
namespace {

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether the comma-separated `list` holds `token`, ignoring case.
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    if (equals_ignoring_case(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

UpgradeCheck refused(size_t consumed, std::string reason) {
  return UpgradeCheck{UpgradeCheck::Status::kRefused, consumed, std::move(reason)};
}

}  // namespace

std::string make_websocket_key() {
  unsigned char nonce[16];
  if (RAND_bytes(nonce, sizeof nonce) != 1) {
    std::random_device random;
    for (auto& b : nonce) b = static_cast<unsigned char>(random());
  }
  return auth::base64_encode(std::string_view(reinterpret_cast<const char*>(nonce), sizeof nonce));
}

std::string websocket_request(std::string_view host, uint16_t port, std::string_view path, std::string_view key) {
  const bool ipv6 = host.find(':') != std::string_view::npos;
  return fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}{}{}:{}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n",
      path, ipv6 ? "[" : "", host, ipv6 ? "]" : "", port, key);
}

UpgradeCheck check_websocket_response(std::string_view received, std::string_view key) {
  const size_t end = received.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (received.size() > net::kMaxRequestBytes) return refused(0, "WebSocket upgrade response is too long");
    return {};
  }
  const size_t consumed = end + 4;
  std::string_view head = received.substr(0, end);
  const size_t line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  // "HTTP/1.1 101 Switching Protocols": the code is the second word.
  const size_t space = status_line.find(' ');
  if (!status_line.starts_with("HTTP/1.1 ") || status_line.substr(space + 1, 3) != "101") {
    return refused(consumed, fmt::format("WebSocket upgrade refused: {}", status_line));
  }
  bool upgrade = false, connection = false, accept = false;
  std::string_view protocol;
  head.remove_prefix(line_end == std::string_view::npos ? head.size() : line_end + 2);
  while (!head.empty()) {
    const size_t eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (equals_ignoring_case(name, "Upgrade")) upgrade = equals_ignoring_case(value, "websocket");
    if (equals_ignoring_case(name, "Connection")) connection = has_token(value, "upgrade");
    if (equals_ignoring_case(name, "Sec-WebSocket-Accept")) accept = value == net::websocket_accept_key(key);
    if (equals_ignoring_case(name, "Sec-WebSocket-Protocol")) protocol = value;
  }
  if (!upgrade || !connection) return refused(consumed, "WebSocket upgrade response lacks Upgrade/Connection");
  if (!accept) return refused(consumed, "WebSocket upgrade response has a wrong Sec-WebSocket-Accept");
  // The server may pick none of the offered subprotocols, but not one that was not offered.
  if (!protocol.empty() && protocol != "mqtt") {
    return refused(consumed, fmt::format("WebSocket server chose subprotocol '{}', not mqtt", protocol));
  }
  return UpgradeCheck{UpgradeCheck::Status::kAccepted, consumed, {}};
}

FrameMasker::FrameMasker() {
  std::random_device random;
  state_ = ((uint64_t{random()} << 32) | random()) | 1;
}

uint32_t FrameMasker::next_key() {
  state_ ^= state_ << 13;
  state_ ^= state_ >> 7;
  state_ ^= state_ << 17;
  return static_cast<uint32_t>(state_ >> 16);
}

void append_client_frame(net::ws::Opcode opcode, std::span<const uint8_t> payload, uint32_t mask_key,
                         std::vector<uint8_t>& out) {
  std::array<uint8_t, net::ws::kMaxServerHeader> header;
  const size_t header_size = net::ws::encode_frame_header(opcode, payload.size(), header);
  header[1] |= 0x80;  // MASK bit: every client frame is masked (RFC 6455 section 5.3)
  const std::array<uint8_t, 4> mask{static_cast<uint8_t>(mask_key >> 24), static_cast<uint8_t>(mask_key >> 16),
                                    static_cast<uint8_t>(mask_key >> 8), static_cast<uint8_t>(mask_key)};
  const size_t at = out.size();
  out.resize(at + header_size + 4 + payload.size());
  uint8_t* p = out.data() + at;
  std::memcpy(p, header.data(), header_size);
  std::memcpy(p + header_size, mask.data(), 4);
  p += header_size + 4;
  size_t i = 0;
  // Eight bytes at a time: the mask repeats every four, so a doubled key masks a whole word.
  uint64_t word_mask;
  uint8_t doubled[8] = {mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3]};
  std::memcpy(&word_mask, doubled, 8);
  for (; i + 8 <= payload.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, payload.data() + i, 8);
    w ^= word_mask;
    std::memcpy(p + i, &w, 8);
  }
  for (; i < payload.size(); ++i) p[i] = payload[i] ^ mask[i & 3];
}

ServerFrame read_server_frame(std::span<const uint8_t> buf) {
  ServerFrame f;
  if (buf.size() < 2) return f;
  f.fin = (buf[0] & 0x80) != 0;
  f.opcode = buf[0] & 0x0F;
  auto invalid = [&f](std::string error) {
    f.status = ServerFrame::Status::kInvalid;
    f.error = std::move(error);
    return f;
  };
  if ((buf[0] & 0x70) != 0) return invalid("WebSocket frame with reserved bits set");
  if ((buf[1] & 0x80) != 0) return invalid("WebSocket frame from the server is masked");
  const uint8_t code = buf[1] & 0x7F;
  f.header_size = code == 127 ? 10 : code == 126 ? 4 : 2;
  if (buf.size() < f.header_size) return f;
  if (code == 126) {
    f.payload_size = (uint64_t{buf[2]} << 8) | buf[3];
  } else if (code == 127) {
    for (int i = 0; i < 8; ++i) f.payload_size = (f.payload_size << 8) | buf[2 + i];
    if (f.payload_size >> 63 != 0) return invalid("WebSocket frame length has the top bit set");
  } else {
    f.payload_size = code;
  }
  const bool control = (f.opcode & 0x08) != 0;
  if (control && (!f.fin || f.payload_size > net::ws::kMaxControlPayload)) {
    return invalid("WebSocket control frame is fragmented or too long");
  }
  if (buf.size() - f.header_size < f.payload_size) return f;
  f.status = ServerFrame::Status::kComplete;
  return f;
}

}  // namespace pregon::transport
