#include "net/socket_options.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

namespace pregon::net {

namespace {

int set_int_option(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value) == 0 ? 0 : errno;
}

}  // namespace

int apply_socket_options(int fd) { return set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1); }

int apply_listener_options(int fd) {
  if (int e = set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1)) return e;
  return set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, 1);
}

}  // namespace pregon::net
