// load_config_file, effective_threads and apply_overrides: the parts of the contract around the
// parser (config_parser.cpp).
#include "config/config.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "config/rules.hpp"

namespace pregon::config {
namespace {

// A configuration file is a few hundred bytes; anything near this is not one.
constexpr std::size_t kMaxFileBytes = 1 << 20;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

[[noreturn]] void throw_io(const std::string& path, std::string_view action, int error) {
  throw ConfigError(path + ": cannot " + std::string(action) + ": " + std::strerror(error));
}

std::string read_file(const std::string& path) {
  errno = 0;
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) throw_io(path, "open", errno);
  std::string text;
  char chunk[4096];
  for (;;) {
    const std::size_t n = std::fread(chunk, 1, sizeof chunk, file.get());
    text.append(chunk, n);
    if (text.size() > kMaxFileBytes) {
      throw ConfigError(path + ": larger than " + std::to_string(kMaxFileBytes) +
                        " bytes; not a configuration file");
    }
    if (n < sizeof chunk) break;
  }
  // A directory opens but fails to read (EISDIR).
  if (std::ferror(file.get())) throw_io(path, "read", errno != 0 ? errno : EIO);
  return text;
}

[[noreturn]] void throw_flag(std::string_view flag, const std::string& what) {
  throw ConfigError("--" + std::string(flag) + ": " + what);
}

}  // namespace

Config load_config_file(const std::string& path) { return parse_config(read_file(path), path); }

unsigned effective_threads(const Config& c) {
  if (c.threads != 0) return c.threads;
  // hardware_concurrency() may return 0 when the count is unknown; one loop still works.
  const unsigned cores = std::thread::hardware_concurrency();
  return cores != 0 ? cores : 1;
}

bool allow_anonymous(const Listener& l) {
  if (l.allow_anonymous) return *l.allow_anonymous;
  if (!l.unix_socket.empty()) return true;  // local processes only, as the file's permissions allow
  return l.bind == "localhost" || l.bind == "::1" || l.bind.starts_with("127.");
}

std::vector<Listener> all_listeners(const Config& c) {
  std::vector<Listener> all{c.listener};
  all.insert(all.end(), c.listeners.begin(), c.listeners.end());
  return all;
}

Config apply_overrides(Config base, const Overrides& overrides) {
  if (overrides.port) {
    if (auto wrong = check_range(*overrides.port, kPortRange)) throw_flag("port", *wrong);
    base.listener.port = static_cast<uint16_t>(*overrides.port);
  }
  if (overrides.bind) {
    if (auto wrong = check_bind_address(*overrides.bind)) throw_flag("bind", *wrong);
    base.listener.bind = *overrides.bind;
  }
  if (overrides.threads) {
    if (auto wrong = check_range(*overrides.threads, kThreadsRange)) throw_flag("threads", *wrong);
    base.threads = static_cast<unsigned>(*overrides.threads);
  }
  if (overrides.log_level) {
    if (auto wrong = check_log_level(*overrides.log_level)) throw_flag("log-level", *wrong);
    base.log_level = *overrides.log_level;
  }
  if (overrides.log_format) {
    if (auto wrong = check_log_format(*overrides.log_format)) throw_flag("log-format", *wrong);
    base.log_format = *overrides.log_format;
  }
  if (overrides.data_dir) {
    if (auto wrong = check_directory(*overrides.data_dir)) throw_flag("data-dir", *wrong);
    base.persistence.dir = *overrides.data_dir;
  }
  if (overrides.no_persistence) base.persistence.enabled = false;
  if (overrides.http_port) {
    if (auto wrong = check_range(*overrides.http_port, kPortRange)) throw_flag("http-port", *wrong);
    base.http.port = static_cast<uint16_t>(*overrides.http_port);
  }
  return base;
}

}  // namespace pregon::config
