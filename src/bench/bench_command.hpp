// `pregon bench`: the load generator's entry point, for src/app/main.cpp. Parses the command line,
// runs the scenario on its generator threads, and prints the report.
#pragma once

namespace pregon::bench {

// argv[0] is "pregon bench". Returns the exit status: 0 when the run completed (loss is reported,
// not fatal), 1 on bad options or an unresolvable host, 2 when no connection could be made.
int run_bench(int argc, char** argv);

}  // namespace pregon::bench
