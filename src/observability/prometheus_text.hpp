// Prometheus text exposition format (version 0.0.4) of a Snapshot: for each metric a HELP and a
// TYPE line, then its series; names "pregon_<name>", counters ending in "_total".
#pragma once

#include <string>

#include "observability/metrics.hpp"

namespace pregon::observability {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string prometheus_text(const Snapshot& snapshot);

}  // namespace pregon::observability
