#include "transport/transport_options.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

namespace pregon::transport {

void add_transport_options(CLI::App& app, TransportOptions& o) {
  const char* group = "Transport";
  app.add_flag("--tls", o.tls, "Connect with TLS (implied by the other TLS options)")->group(group);
  app.add_option("--cafile", o.cafile, "CA certificates (PEM) the server's certificate must chain to")
      ->group(group);
  app.add_option("--cert", o.cert, "Client certificate (PEM), for brokers that ask for one")->group(group);
  app.add_option("--key", o.key, "Private key (PEM) of --cert")->group(group);
  app.add_flag("--insecure", o.insecure, "Do not verify the server's certificate and host name")->group(group);
  app.add_option("--tls-version", o.tls_version, "Offer only this TLS version: tlsv1.2 or tlsv1.3")->group(group);
  app.add_flag("--ws,--websocket", o.websocket, "Speak MQTT over WebSocket (with TLS: WSS)")->group(group);
  app.add_option("--ws-path", o.ws_path, "WebSocket path (default /mqtt)")->group(group);
}

std::optional<std::string> validate_transport(TransportOptions& o) {
  if (!o.cafile.empty() || !o.cert.empty() || !o.key.empty() || o.insecure || !o.tls_version.empty()) o.tls = true;
  if (o.cert.empty() != o.key.empty()) return "--cert and --key go together";
  if (!o.tls_version.empty() && o.tls_version != "tlsv1.2" && o.tls_version != "tlsv1.3") {
    return fmt::format("Invalid TLS version '{}' (use tlsv1.2 or tlsv1.3)", o.tls_version);
  }
  if (o.ws_path.empty() || o.ws_path.front() != '/') return fmt::format("--ws-path '{}' must start with /", o.ws_path);
  return std::nullopt;
}

}  // namespace pregon::transport
