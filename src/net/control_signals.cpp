#include "net/control_signals.hpp"

#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace pregon::net {

ControlSignals::ControlSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  if (int e = pthread_sigmask(SIG_BLOCK, &set, &previous_); e != 0) {
    throw std::system_error(e, std::generic_category(), "pthread_sigmask");
  }
  fd_.reset(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!fd_) {
    const int e = errno;
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    throw std::system_error(e, std::generic_category(), "signalfd");
  }
}

ControlSignals::~ControlSignals() {
  fd_.reset();
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

int ControlSignals::take() const {
  signalfd_siginfo info{};
  const ssize_t n = ::read(fd_.get(), &info, sizeof info);
  return n == static_cast<ssize_t>(sizeof info) ? static_cast<int>(info.ssi_signo) : 0;
}

}  // namespace pregon::net
