// The broker process's own CPU time and resident memory, read from the kernel at each reading
// (getrusage and /proc/self/statm): cheap enough per scrape, never on an event loop.
//
// Thread-safety: a plain function.
#pragma once

#include <cstdint>

namespace pregon::observability {

struct ProcessUsage {
  uint64_t cpu_us = 0;          // user + system, all threads
  uint64_t resident_bytes = 0;  // 0 when /proc is not readable
};

ProcessUsage process_usage();

}  // namespace pregon::observability
