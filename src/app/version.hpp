// The version pregon reports (--version, the start-up banner).
#pragma once

#include <string_view>

namespace pregon::app {
inline constexpr std::string_view kVersion = "0.1.0";
}
