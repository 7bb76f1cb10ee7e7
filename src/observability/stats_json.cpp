#include "observability/stats_json.hpp"

#include <string>

namespace pregon::observability {

nlohmann::json stats_json(const Snapshot& snapshot) {
  nlohmann::json j = nlohmann::json::object();
  j["version"] = snapshot.version;
  for (const Metric& m : metric_table()) {
    if ((m.outputs & kJson) == 0) continue;
    if (m.label_name.empty()) {
      j[std::string(m.name)] = m.value(snapshot);
    } else {
      j[std::string(m.name) + "_by_" + std::string(m.label_name)][std::string(m.label_value)] = m.value(snapshot);
    }
  }
  return j;
}

}  // namespace pregon::observability
