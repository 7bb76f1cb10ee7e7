#include "client/sub_command.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>

#include "client/client_connection.hpp"
#include "client/message_format.hpp"
#include "client/sub_options.hpp"
#include "client/tool_support.hpp"
#include "routing/topic.hpp"

namespace pregon::client {
namespace {

constexpr std::string_view kTool = "pregon sub";

// SIGINT and SIGTERM as a readable fd, so that the wait for messages also waits for them and the
// tool can say goodbye to the broker instead of dying mid-session. Owns the fd.
class SignalFd {
 public:
  SignalFd() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) == 0) fd_ = ::signalfd(-1, &set, SFD_CLOEXEC);
  }
  ~SignalFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

bool filtered_out(const SubSettings& s, const ReceivedMessage& m) {
  for (const std::string& f : s.filter_out) {
    if (routing::topic_matches(f, m.topic)) return true;
  }
  return false;
}

// Reports SUBACK failures; returns false when every subscription was refused.
bool check_granted(const SubSettings& s, const std::vector<protocol::ReasonCode>& reasons) {
  size_t refused = 0;
  for (size_t i = 0; i < reasons.size(); ++i) {
    if (!protocol::is_error(reasons[i])) continue;
    ++refused;
    if (!s.common.quiet) {
      fmt::print(stderr, "Warning: subscription to '{}' refused: {}\n", s.filters[i],
                 protocol::reason_name(reasons[i]));
    }
  }
  return refused < reasons.size();
}

}  // namespace

int run_sub(int argc, char** argv) {
  auto parsed = parse_sub_options(arguments_of(argc, argv));
  if (!parsed) return report(parsed.error(), kTool);
  const SubSettings& s = *parsed;
  const bool quiet = s.common.quiet;
  const auto version = s.common.connect.version;

  SignalFd signals;
  auto opened = ClientConnection::open(s.common.connect, debug_sink(s.common.debug));
  if (!opened) return report(opened.error(), version, quiet);
  ClientConnection& conn = **opened;
  // -W counts from just after the connection is accepted.
  std::optional<Clock::time_point> deadline;
  if (s.timeout_seconds > 0) deadline = Clock::now() + std::chrono::seconds(s.timeout_seconds);

  std::vector<SubscriptionRequest> requests;
  for (const std::string& f : s.filters) requests.push_back({f, s.options});
  auto granted = conn.subscribe(requests, s.common.user_properties);
  if (!granted) return report(granted.error(), version, quiet);
  if (!check_granted(s, *granted)) {
    conn.disconnect();
    return report("All subscription requests were refused", quiet);
  }
  if (s.exit_after_subscribe) {
    conn.disconnect();
    return kExitSuccess;
  }

  const OutputFormat output{s.verbose, s.format, s.no_newline};
  std::vector<int> watch;
  if (signals.fd() >= 0) watch.push_back(signals.fd());
  int printed = 0;
  for (;;) {
    auto event = conn.wait_event(deadline, watch);
    if (!event) return report(event.error(), version, quiet);
    if (std::holds_alternative<TimedOut>(*event)) {
      conn.disconnect();
      if (!quiet) fmt::print(stderr, "Timed out\n");
      return kExitTimedOut;
    }
    if (std::holds_alternative<FdReady>(*event)) {  // SIGINT or SIGTERM
      conn.disconnect();
      return kExitSuccess;
    }
    const ReceivedMessage& m = std::get<ReceivedMessage>(*event);
    if (filtered_out(s, m)) continue;
    if (s.no_retained && m.retain) continue;
    if (s.retained_only && !m.retain) {
      // With --retained-only the first fresh message means the retained ones are over.
      conn.disconnect();
      return kExitSuccess;
    }
    std::string text = format_message(m, output, std::chrono::system_clock::now());
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);  // readers of a pipe see each message as it arrives
    if (s.count > 0 && ++printed >= s.count) {
      conn.disconnect();
      return kExitSuccess;
    }
  }
}

}  // namespace pregon::client
