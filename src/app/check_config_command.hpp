// `pregon check-config FILE`: reads and validates a configuration file as start-up would, and the
// files it names (password, ACL and JWT key files, TLS certificates and keys), without binding a
// port, opening the store or starting a thread. Prints "FILE: ok" on stdout, or each mistake as
// "<file>:<line>:<column>: <key>: <what is wrong>" (or "<file>: ..." for a named file that does
// not load) on stderr. For a check before `kill -HUP`, or before a restart.
#pragma once

namespace pregon::app {

// argv[0] is "pregon check-config". Returns 0 when the file is good, 1 when it is not (or on bad
// options).
int run_check_config(int argc, char** argv);

}  // namespace pregon::app
