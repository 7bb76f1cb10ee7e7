// `pregon pub`: connect, publish one message (-m, -f, -s, -n, possibly --repeat'ed) or one per
// line of stdin (-l), disconnect. Blocks until done; uses stdin, stdout and stderr of the process.
#pragma once

namespace pregon::client {

// argv[0] is the command's name ("pregon pub"). Returns the process exit status: 0 on success, 1
// for bad options or a failure, or the CONNACK code when the broker refuses the connection.
int run_pub(int argc, char** argv);

}  // namespace pregon::client
