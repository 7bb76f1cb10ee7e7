// ControlSignals: SIGINT and SIGTERM as a readable descriptor (signalfd), so the server stops without a
// signal handler and the global state one would need.
//
// Use: construct it in main() before the Server starts its threads. The constructor blocks the
// signals in the calling thread; the loop threads started later inherit that mask, so the signals
// are only ever reported through fd(). Pass it to Server::run().
//
// Ownership: owns the signalfd; the destructor restores the calling thread's previous mask (pending
// signals are then delivered normally). Thread-safety: fd() and take() from any one thread.
#pragma once

#include <signal.h>

#include "net/unique_fd.hpp"

namespace pregon::net {

class ControlSignals {
 public:
  // Throws std::system_error when the mask or the signalfd cannot be set up (start-up).
  ControlSignals();
  ~ControlSignals();
  ControlSignals(const ControlSignals&) = delete;
  ControlSignals& operator=(const ControlSignals&) = delete;

  int fd() const { return fd_.get(); }
  // The signal that arrived, or 0 when none is pending.
  int take() const;

 private:
  sigset_t previous_{};
  UniqueFd fd_;
};

}  // namespace pregon::net
