#include "observability/monitor.hpp"

#include <spdlog/spdlog.h>

#include "observability/broker_query.hpp"
#include "observability/http_api.hpp"
#include "observability/http_server.hpp"
#include "observability/sys_publisher.hpp"

namespace pregon::observability {

namespace {
// How long a question waits for every event loop; past it the HTTP answer is 503 and the $SYS
// update is skipped.
constexpr std::chrono::seconds kQueryTimeout{2};
}  // namespace

Monitor::Monitor(const config::Config& config, broker::ShardRouter& router, broker::BrokerState& state,
                 std::string version)
    : query_(std::make_unique<BrokerQuery>(router, state, std::move(version), kQueryTimeout)) {
  if (config.http.enabled) {
    api_ = std::make_unique<HttpApi>(config.http, *query_);
    http_ = std::make_unique<HttpServer>(config.http.bind, config.http.port, *api_);
    const bool credentials = !config.http.username.empty() || !config.http.token.empty();
    spdlog::info("HTTP monitoring on {}:{} ({})", config.http.bind, http_->port(),
                 credentials ? "credentials required" : "no credentials: loopback clients only");
  }
  if (config.sys_interval > 0) {
    sys_ = std::make_unique<SysPublisher>(*query_, std::chrono::seconds(config.sys_interval));
  }
}

// The publisher and the HTTP server go first: both use the query.
Monitor::~Monitor() {
  sys_.reset();
  http_.reset();
}

}  // namespace pregon::observability
