// Files built into the binary: the dashboard (src/observability/dashboard/) and the OpenAPI
// description (src/observability/openapi.json). At build time cmake/embed_files.cmake turns them into
// a generated source that defines embedded_files(); the broker serves them with nothing installed
// beside it and nothing fetched at run time.
//
// Thread-safety: constant data; safe from any thread.
#pragma once

#include <optional>
#include <span>
#include <string_view>

namespace pregon::observability {

struct EmbeddedFile {
  std::string_view name;   // its path under src/observability/, e.g. "dashboard/index.html"
  std::string_view bytes;
};

std::span<const EmbeddedFile> embedded_files();

// The bytes of the embedded file `name`, or nothing.
inline std::optional<std::string_view> embedded_file(std::string_view name) {
  for (const EmbeddedFile& f : embedded_files()) {
    if (f.name == name) return f.bytes;
  }
  return std::nullopt;
}

}  // namespace pregon::observability
