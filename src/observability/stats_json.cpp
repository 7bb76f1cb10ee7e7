#include "observability/stats_json.hpp"

#include <string>

namespace pregon::observability {

nlohmann::json stats_json(const Snapshot& snapshot) {
  nlohmann::json j = nlohmann::json::object();
  j["version"] = snapshot.version;
  for (const Metric& m : metric_table()) {
    if ((m.outputs & kJson) == 0) continue;
    if (m.per_loop != nullptr) {
      nlohmann::json& values = j[std::string(m.name) + "_by_" + std::string(m.label_name)] = nlohmann::json::array();
      for (const uint64_t v : snapshot.*m.per_loop) values.push_back(metric_json_value(m, v));
    } else if (m.label_name.empty()) {
      j[std::string(m.name)] = metric_json_value(m, m.value(snapshot));
    } else {
      j[std::string(m.name) + "_by_" + std::string(m.label_name)][std::string(m.label_value)] =
          metric_json_value(m, m.value(snapshot));
    }
  }
  return j;
}

}  // namespace pregon::observability
