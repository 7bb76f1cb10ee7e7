#include "protocol/utf8.hpp"

#include <cstdint>

namespace pregon::protocol {

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (c == 0) return false;  // [MQTT-1.5.4-2]
      ++i;
      continue;
    }
    size_t extra = 0;
    uint32_t cp = 0;
    uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      extra = 1; cp = c & 0x1Fu; min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2; cp = c & 0x0Fu; min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3; cp = c & 0x07u; min = 0x10000;
    } else {
      return false;  // a continuation byte where a lead byte belongs, or 0xF8..0xFF
    }
    if (n - i - 1 < extra) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const unsigned char cc = p[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if (cp < min) return false;                      // overlong
    if (cp > 0x10FFFF) return false;                 // beyond Unicode
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // surrogate [MQTT-1.5.4-1]
    i += extra + 1;
  }
  return true;
}

}  // namespace pregon::protocol
