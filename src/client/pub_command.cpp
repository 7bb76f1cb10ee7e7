#include "client/pub_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "client/client_connection.hpp"
#include "client/pub_options.hpp"
#include "client/tool_support.hpp"

namespace pregon::client {
namespace {

constexpr std::string_view kTool = "pregon pub";

// Reads all of `fd` until end of file; nullopt with errno set on a read error.
std::optional<std::string> read_all(int fd) {
  std::string data;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) return data;
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    data.append(buffer, static_cast<size_t>(n));
  }
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

OutgoingMessage message_template(const PubSettings& s) {
  OutgoingMessage m;
  m.topic = s.topic;
  m.qos = s.common.qos;
  m.retain = s.retain;
  m.user_properties = s.common.user_properties;
  m.response_topic = s.response_topic;
  m.correlation_data = s.correlation_data;
  m.content_type = s.content_type;
  m.message_expiry_interval = s.message_expiry_interval;
  return m;
}

// -l: one message per line of stdin, sent as lines complete, while the connection stays served
// (keep-alive) between lines. A last line without a newline is sent at end of input.
ClientResult<void> publish_lines(ClientConnection& conn, OutgoingMessage message) {
  std::string pending;
  const int watch[] = {STDIN_FILENO};
  for (;;) {
    auto event = conn.wait_event(std::nullopt, watch);
    if (!event) return base::unexpected(event.error());
    if (!std::holds_alternative<FdReady>(*event)) continue;  // nothing is subscribed; ignore the rest
    char buffer[65536];
    ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return base::unexpected(ClientError{ClientError::Kind::Network, protocol::ReasonCode::UnspecifiedError,
                                          fmt::format("Reading stdin failed: {}", std::strerror(errno))});
    }
    if (n == 0) {
      if (pending.empty()) return {};
      message.payload = std::move(pending);
      return conn.publish(message);
    }
    pending.append(buffer, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n', start)) {
      message.payload = pending.substr(start, nl - start);
      if (auto sent = conn.publish(message); !sent) return sent;
      start = nl + 1;
    }
    pending.erase(0, start);
  }
}

ClientResult<void> publish_repeated(ClientConnection& conn, const OutgoingMessage& message, const PubSettings& s) {
  for (int i = 0; i < s.repeat; ++i) {
    if (i > 0 && s.repeat_delay > 0) {
      // Wait while serving the connection; a message here would be unexpected and is ignored.
      auto until =
          Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s.repeat_delay));
      for (;;) {
        auto event = conn.wait_event(until);
        if (!event) return base::unexpected(event.error());
        if (std::holds_alternative<TimedOut>(*event)) break;
      }
    }
    if (auto sent = conn.publish(message); !sent) return sent;
  }
  return {};
}

}  // namespace

int run_pub(int argc, char** argv) {
  auto parsed = parse_pub_options(arguments_of(argc, argv));
  if (!parsed) return report(parsed.error(), kTool);
  const PubSettings& s = *parsed;
  const bool quiet = s.common.quiet;

  OutgoingMessage message = message_template(s);
  // Payloads that exist before connecting are read first, so a bad file costs no connection.
  switch (s.source) {
    case PayloadSource::Message: message.payload = s.message; break;
    case PayloadSource::Null: break;
    case PayloadSource::File: {
      auto data = read_file(s.file);
      if (!data) return report(fmt::format("Unable to read file '{}': {}", s.file, std::strerror(errno)), quiet);
      message.payload = std::move(*data);
      break;
    }
    case PayloadSource::StdinWhole: {
      auto data = read_all(STDIN_FILENO);
      if (!data) return report(fmt::format("Reading stdin failed: {}", std::strerror(errno)), quiet);
      message.payload = std::move(*data);
      break;
    }
    case PayloadSource::StdinLines: break;
  }

  auto conn = ClientConnection::open(s.common.connect, debug_sink(s.common.debug));
  if (!conn) return report(conn.error(), s.common.connect.version, quiet);

  auto done = s.source == PayloadSource::StdinLines ? publish_lines(**conn, std::move(message))
                                                    : publish_repeated(**conn, message, s);
  if (!done) return report(done.error(), s.common.connect.version, quiet);
  (*conn)->disconnect();
  return kExitSuccess;
}

}  // namespace pregon::client
