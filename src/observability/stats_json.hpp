// The JSON form of a Snapshot, for GET /api/v1/stats: {"version": ..., "<metric>": n, ...}, with
// labelled metrics as objects keyed by label value under "<metric>_by_<label>".
#pragma once

#include <nlohmann/json.hpp>

#include "observability/metrics.hpp"

namespace pregon::observability {

nlohmann::json stats_json(const Snapshot& snapshot);

}  // namespace pregon::observability
