#include "observability/process_usage.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>

namespace pregon::observability {

ProcessUsage process_usage() {
  ProcessUsage u;
  rusage r{};
  if (getrusage(RUSAGE_SELF, &r) == 0) {
    const auto us = [](const timeval& t) {
      return static_cast<uint64_t>(t.tv_sec) * 1'000'000 + static_cast<uint64_t>(t.tv_usec);
    };
    u.cpu_us = us(r.ru_utime) + us(r.ru_stime);
  }
  // statm: total program size, then resident pages.
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0;
  uint64_t resident_pages = 0;
  if (statm >> size_pages >> resident_pages) {
    u.resident_bytes = resident_pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  }
  return u;
}

}  // namespace pregon::observability
