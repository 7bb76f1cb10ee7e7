#include "observability/prometheus_text.hpp"

#include <fmt/format.h>

#include <iterator>

namespace pregon::observability {

std::string prometheus_text(const Snapshot& snapshot) {
  std::string out;
  auto it = std::back_inserter(out);
  // Label values are the version string and fixed words; the version is escaped as the format asks.
  std::string version;
  for (const char ch : snapshot.version) {
    if (ch == '\\' || ch == '"') version += '\\';
    if (ch == '\n') {
      version += "\\n";
      continue;
    }
    version += ch;
  }
  fmt::format_to(it, "# HELP pregon_build_info The running version; always 1.\n# TYPE pregon_build_info gauge\n"
                     "pregon_build_info{{version=\"{}\"}} 1\n", version);
  std::string_view previous;
  for (const Metric& m : metric_table()) {
    if ((m.outputs & kPrometheus) == 0) continue;
    const std::string name = fmt::format("pregon_{}{}", m.name, m.kind == MetricKind::Counter ? "_total" : "");
    if (m.name != previous) {
      // Rows of one metric are adjacent in the table; the first carries its help text.
      fmt::format_to(it, "# HELP {} {}\n# TYPE {} {}\n", name, m.help, name,
                     m.kind == MetricKind::Counter ? "counter" : "gauge");
      previous = m.name;
    }
    if (m.per_loop != nullptr) {
      const std::vector<uint64_t>& values = snapshot.*m.per_loop;
      for (size_t i = 0; i < values.size(); ++i) {
        fmt::format_to(it, "{}{{{}=\"{}\"}} {}\n", name, m.label_name, i, format_metric_value(m, values[i]));
      }
    } else if (m.label_name.empty()) {
      fmt::format_to(it, "{} {}\n", name, format_metric_value(m, m.value(snapshot)));
    } else {
      fmt::format_to(it, "{}{{{}=\"{}\"}} {}\n", name, m.label_name, m.label_value,
                     format_metric_value(m, m.value(snapshot)));
    }
  }
  return out;
}

}  // namespace pregon::observability
