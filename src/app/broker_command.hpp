// `pregon [options]`: runs the broker until SIGTERM or SIGINT.
#pragma once

namespace pregon::app {

// Returns the process exit status: 0 after a clean shutdown, 1 for bad options or configuration,
// 2 when the broker cannot start (e.g. the port is taken).
int run_broker(int argc, char** argv);

}  // namespace pregon::app
