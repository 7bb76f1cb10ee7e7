#include "app/passwd_command.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "auth/password_file.hpp"
#include "client/command_line.hpp"

namespace pregon::app {
namespace {

constexpr int kExitSuccess = 0;
constexpr int kExitFailure = 1;
// An MQTT password is Binary Data of at most 65535 bytes [MQTT-1.5.6]: a longer one could never be
// sent by a client.
constexpr std::size_t kMaxPasswordLength = 65535;
constexpr std::size_t kMaxUsernameLength = 65535;  // a UTF-8 string field [MQTT-1.5.4]

enum class Mode { kSet, kCreate, kDelete, kUpgrade };

struct PasswdSettings {
  Mode mode = Mode::kSet;
  std::string file;
  std::string username;
  std::optional<std::string> password;  // -b
  auth::HashAlgorithm algorithm = auth::HashAlgorithm::kSha512Pbkdf2;
  int iterations = auth::kDefaultIterations;
};

base::Unexpected<client::ParseStop> usage_error(std::string message) {
  return base::unexpected(client::ParseStop{kExitFailure, std::move(message)});
}

base::Expected<PasswdSettings, client::ParseStop> parse_passwd_options(const std::vector<std::string>& args) {
  CLI::App app{"Manage a password file (mosquitto's format).", "pregon passwd"};
  app.set_help_flag("--help", "Show this help and exit");
  app.footer(
      "Usage: pregon passwd [-H sha512 | -H sha512-pbkdf2] [-I iterations] [-c | -D] passwordfile username\n"
      "       pregon passwd [-H ...] [-I iterations] [-c] -b passwordfile username password\n"
      "       pregon passwd [-H ...] [-I iterations] -U passwordfile\n"
      "A password starting with '-' goes after \"--\": pregon passwd -b file user -- -secret\n");
  bool create = false;
  bool remove = false;
  bool batch = false;
  bool upgrade = false;
  std::string hash = "sha512-pbkdf2";
  std::optional<int> iterations;
  std::vector<std::string> positional;
  app.add_flag("-c", create, "Create a new password file, replacing any existing one");
  app.add_flag("-D", remove, "Delete the user rather than set its password");
  app.add_flag("-b", batch, "Batch mode: take the password from the command line");
  app.add_flag("-U", upgrade, "Hash a plain-text password file (username:password lines) in place");
  app.add_option("-H", hash, "Hash: sha512-pbkdf2 (default) or sha512 (mosquitto 1.6 and earlier)");
  app.add_option_function<int>(
      "-I", [&](int v) { iterations = v; },
      fmt::format("PBKDF2 iterations (default {}, mosquitto uses 101)", auth::kDefaultIterations));
  app.add_option("args", positional, "passwordfile username [password]");

  if (auto parsed = client::parse_with(app, args); !parsed) return base::unexpected(parsed.error());

  PasswdSettings s;
  if (hash == "sha512") {
    s.algorithm = auth::HashAlgorithm::kSha512;
  } else if (hash != "sha512-pbkdf2") {
    return usage_error(fmt::format("Unknown hash '{}' for -H: use sha512-pbkdf2 or sha512", hash));
  }
  if (iterations) {
    if (s.algorithm != auth::HashAlgorithm::kSha512Pbkdf2) return usage_error("-I applies to sha512-pbkdf2 only");
    if (*iterations < 1 || *iterations > auth::kMaxIterations) {
      return usage_error(fmt::format("-I must be from 1 to {}", auth::kMaxIterations));
    }
    s.iterations = *iterations;
  }
  if (create + remove + upgrade > 1) return usage_error("-c, -D and -U cannot be combined");
  if (batch && (remove || upgrade)) return usage_error("-b cannot be used with -D or -U");

  const std::size_t wanted = upgrade ? 1 : batch ? 3 : 2;
  if (positional.size() != wanted) {
    return usage_error(upgrade ? "-U takes the password file only"
                       : batch ? "-b takes: passwordfile username password"
                               : "expected: passwordfile username");
  }
  s.mode = upgrade ? Mode::kUpgrade : create ? Mode::kCreate : remove ? Mode::kDelete : Mode::kSet;
  s.file = positional[0];
  if (upgrade) return s;

  s.username = positional[1];
  if (!auth::PasswordFile::valid_username(s.username)) {
    return usage_error(s.username.empty() ? "The username must not be empty"
                                          : "The username must not contain ':' or a line break");
  }
  if (s.username.size() > kMaxUsernameLength) return usage_error("The username is too long");
  if (batch) {
    s.password = positional[2];
    if (s.password->size() > kMaxPasswordLength) return usage_error("The password is too long (65535 bytes at most)");
  }
  return s;
}

// One line from stdin without its line end; nullopt at end of input. With echo switched off when
// stdin is a terminal, and restored before returning.
std::optional<std::string> read_secret_line(std::string_view prompt) {
  const bool terminal = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (terminal) {
    fmt::print(stderr, "{}", prompt);
    std::fflush(stderr);
    if (::tcgetattr(STDIN_FILENO, &saved) == 0) {
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (terminal) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    fmt::print(stderr, "\n");
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

base::Expected<std::string, std::string> ask_password() {
  const std::optional<std::string> first = read_secret_line("Password: ");
  if (!first) return base::unexpected(std::string("No password given"));
  if (first->empty()) return base::unexpected(std::string("Empty password"));
  if (first->size() > kMaxPasswordLength) return base::unexpected(std::string("The password is too long (65535 bytes at most)"));
  const std::optional<std::string> second = read_secret_line("Reenter password: ");
  if (!second || *second != *first) return base::unexpected(std::string("Passwords do not match"));
  return *first;
}

std::optional<std::string> read_text(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("Unable to open password file {}: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    error = fmt::format("Unable to read password file {}", path);
    return std::nullopt;
  }
  return text;
}

// Replaces `path` with `text`: a temporary file in the same directory, flushed, then renamed over
// the old one, so a crash leaves either the old file or the new one, never half of either.
base::Expected<void, std::string> write_atomically(const std::string& path, const std::string& text) {
  auto fail = [&](std::string_view what) {
    return base::unexpected(fmt::format("Unable to {} for {}: {}", what, path, std::strerror(errno)));
  };
  struct stat old {};
  const bool existed = ::stat(path.c_str(), &old) == 0;
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return fail("create a temporary file");
  auto abandon = [&](std::string_view what) {
    const int saved = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    errno = saved;
    return fail(what);
  };
  // mkstemp made it 0600, right for a new password file; an existing one keeps its mode and, when
  // we may (running as root), its owner, so the broker's user can still read it.
  if (existed) {
    if (::fchmod(fd, old.st_mode & 07777) != 0) return abandon("set the permissions");
    (void)::fchown(fd, old.st_uid, old.st_gid);
  }
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return abandon("write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return abandon("flush");
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    return fail("write");
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    errno = saved;
    return fail("replace the file");
  }
  return {};
}

int error(std::string_view message) {
  fmt::print(stderr, "Error: {}\n", message);
  return kExitFailure;
}

base::Expected<auth::PasswordFile, std::string> load(const std::string& path) {
  std::string problem;
  const std::optional<std::string> text = read_text(path, problem);
  if (!text) return base::unexpected(problem);
  auto file = auth::PasswordFile::parse(*text);
  if (!file) return base::unexpected(fmt::format("{}:{}: {}", path, file.error().line, file.error().message));
  return std::move(*file);
}

int run(const PasswdSettings& s) {
  if (s.mode == Mode::kUpgrade) {
    std::string problem;
    const std::optional<std::string> text = read_text(s.file, problem);
    if (!text) return error(problem);
    auto file = auth::PasswordFile::hash_plain_text(*text, s.algorithm, s.iterations);
    if (!file) return error(fmt::format("{}:{}: {}", s.file, file.error().line, file.error().message));
    if (auto written = write_atomically(s.file, file->to_text()); !written) return error(written.error());
    return kExitSuccess;
  }

  auth::PasswordFile file;
  if (s.mode != Mode::kCreate) {
    auto loaded = load(s.file);
    if (!loaded) return error(loaded.error());
    file = std::move(*loaded);
  }
  if (s.mode == Mode::kDelete) {
    if (!file.remove(s.username)) {
      fmt::print(stderr, "Warning: User {} not found in password file.\n", s.username);
      return kExitFailure;
    }
  } else {
    std::string password;
    if (s.password) {
      password = *s.password;
    } else {
      auto asked = ask_password();
      if (!asked) return error(asked.error());
      password = std::move(*asked);
    }
    auto hash = auth::PasswordHash::create(password, s.algorithm, s.iterations);
    if (!hash) return error(hash.error());
    file.set(s.username, std::move(*hash));
  }
  if (auto written = write_atomically(s.file, file.to_text()); !written) return error(written.error());
  return kExitSuccess;
}

}  // namespace

int run_passwd(int argc, char** argv) {
  auto parsed = parse_passwd_options(client::arguments_of(argc, argv));
  if (!parsed) {
    if (parsed.error().exit_code == kExitSuccess) {
      fmt::print("{}", parsed.error().text);
      return kExitSuccess;
    }
    fmt::print(stderr, "{}: {}\nRun with --help for more information.\n", argc > 0 ? argv[0] : "pregon passwd",
               parsed.error().text);
    return kExitFailure;
  }
  return run(*parsed);
}

}  // namespace pregon::app
