// `pregon sub`: connect, subscribe to the -t filters, print each message received on stdout until
// -C messages were printed, -W seconds passed (exit status 27), SIGINT/SIGTERM (clean DISCONNECT,
// status 0) or the connection fails. Blocks; blocks SIGINT and SIGTERM in the calling thread and
// reads them through a signalfd, so call it from a single-threaded process.
#pragma once

namespace pregon::client {

// argv[0] is the command's name ("pregon sub"). Returns the process exit status: 0 on success, 27
// on -W timeout, the CONNACK code when the broker refuses the connection, 1 otherwise.
int run_sub(int argc, char** argv);

}  // namespace pregon::client
