// The client-side transport settings shared by `pregon bench`, `pregon pub` and `pregon sub`: TLS
// (CA file, client certificate, verification, protocol version) and WebSocket (path). The flags
// follow the long-established command-line MQTT clients; any TLS flag turns TLS on, and TLS with
// WebSocket is WSS.
//
// Pure: add_transport_options() registers flags, validate_transport() checks their combinations.
// Not thread-safe; used once at start-up, then read-only.
#pragma once

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace pregon::transport {

struct TransportOptions {
  bool tls = false;         // --tls, or implied by any other TLS flag (see validate_transport)
  std::string cafile;       // empty: the system's default CA locations
  std::string cert;         // client certificate chain (PEM)
  std::string key;          // its private key (PEM)
  bool insecure = false;    // do not verify the server's certificate or name
  std::string tls_version;  // "tlsv1.2" or "tlsv1.3": the only version offered; empty: 1.2 and up
  bool websocket = false;
  std::string ws_path = "/mqtt";

  bool plain() const { return !tls && !websocket; }
};

// Registers --tls, --cafile, --cert, --key, --insecure, --tls-version, --ws (--websocket) and
// --ws-path on `app`, writing into `options`.
void add_transport_options(CLI::App& app, TransportOptions& options);

// Turns TLS on when a TLS flag was given and checks the combinations; the error is one line
// without an "Error: " prefix.
std::optional<std::string> validate_transport(TransportOptions& options);

}  // namespace pregon::transport
