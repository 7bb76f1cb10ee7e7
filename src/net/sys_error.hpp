// SysError: a failed system call, as a value (which call, errno). Used on the data path where a
// failure is ordinary (a peer reset, a full descriptor table); start-up code throws instead.
//
// Thread-safety: a plain value.
#pragma once

#include <cstring>
#include <string>

namespace pregon::net {

struct SysError {
  const char* call = "";  // the system call that failed, e.g. "epoll_ctl"
  int code = 0;           // errno

  std::string message() const { return std::string(call) + ": " + std::strerror(code); }
};

}  // namespace pregon::net
