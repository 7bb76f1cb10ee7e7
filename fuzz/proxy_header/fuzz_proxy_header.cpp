// libFuzzer target for the PROXY protocol header parser (net/proxy_header.hpp), which reads the
// first bytes of every connection on a proxy_protocol listener, before anything is authenticated.
//
// Checks that a complete header lies within the input and within the size bound, that the verdict
// does not change when more bytes follow, and that every shorter prefix of a header waits for more.
// Any disagreement aborts, which libFuzzer reports as a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "net/proxy_header.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pregon::net;
  const std::span<const std::uint8_t> input(data, size);
  const ProxyParse parsed = parse_proxy_header(input);

  std::vector<std::uint8_t> longer(input.begin(), input.end());
  longer.insert(longer.end(), {'\r', '\n', 0x10, 0x00});
  const ProxyParse extended = parse_proxy_header(longer);

  if (const auto* header = std::get_if<ProxyHeader>(&parsed)) {
    check(header->length > 0 && header->length <= size && header->length <= kMaxProxyHeader);
    const auto* again = std::get_if<ProxyHeader>(&extended);
    check(again != nullptr && again->length == header->length && again->source == header->source);
    for (std::size_t n = 0; n < header->length; ++n) {
      check(std::holds_alternative<ProxyNeedMore>(parse_proxy_header(input.first(n))));
    }
  } else if (std::holds_alternative<ProxyInvalid>(parsed)) {
    check(std::holds_alternative<ProxyInvalid>(extended));
  }
  return 0;
}
