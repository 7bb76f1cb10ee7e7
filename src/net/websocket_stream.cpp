#include "net/websocket_stream.hpp"

#include <algorithm>

namespace pregon::net {

HandshakeAnswer WebSocketStream::take_request(std::span<const uint8_t> bytes) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const size_t before = request_.size();
  HandshakeAnswer answer;
  if (before == 0) {
    // The usual case: the whole request in one read, parsed where it lies.
    answer = answer_websocket_handshake(text, path_);
  } else {
    request_.append(text.substr(0, kMaxRequestBytes + 4 - std::min(before, kMaxRequestBytes + 4)));
    answer = answer_websocket_handshake(request_, path_);
  }
  if (answer.status == HandshakeAnswer::Status::kIncomplete) {
    if (before == 0) request_.assign(text);
    return answer;
  }
  answer.consumed = std::min(bytes.size(), answer.consumed - std::min(answer.consumed, before));
  upgraded_ = answer.status == HandshakeAnswer::Status::kAccepted;
  std::string().swap(request_);
  return answer;
}

}  // namespace pregon::net
