// Coordination of a run, on the calling thread: start the generator threads, move them through the
// phases (setup, publishing, draining, stopping), print progress, and sum up their results.
#include "bench/bench_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "bench/bench_options.hpp"
#include "bench/bench_socket.hpp"
#include "bench/generator_loop.hpp"
#include "bench/monotonic_clock.hpp"
#include "bench/null_sink.hpp"
#include "bench/report.hpp"
#include "bench/run_control.hpp"
#include "bench/scenario_plan.hpp"
#include "transport/client_stream.hpp"
#include "transport/client_tls.hpp"

namespace pregon::bench {
namespace {

constexpr int kExitUsage = 1;
constexpr int kExitNoConnection = 2;
constexpr uint64_t kTickNs = 10'000'000ull;
constexpr uint64_t kDrainQuietNs = 1'000'000'000ull;  // drain ends after this long without progress
constexpr uint64_t kDrainMaxNs = 10'000'000'000ull;

void sleep_tick() { std::this_thread::sleep_for(std::chrono::nanoseconds(kTickNs)); }

// Once a second, on a terminal only: sent/s, received/s and p99 so far.
class Progress {
 public:
  Progress(const RunControl& control, uint32_t threads, bool enabled)
      : control_(control), threads_(threads), enabled_(enabled && isatty(STDERR_FILENO)) {}

  void tick(uint64_t now, const char* phase) {
    if (!enabled_ || now - last_ns_ < 1'000'000'000ull) return;
    uint64_t sent = 0, received = 0, p99 = 0, connected = 0;
    for (uint32_t t = 0; t < threads_; ++t) {
      sent += control_.thread[t].sent.load();
      received += control_.thread[t].received.load();
      connected += control_.thread[t].connected.load();
      p99 = std::max<uint64_t>(p99, control_.thread[t].p99_ns.load());
    }
    const double dt = last_ns_ == 0 ? 1.0 : static_cast<double>(now - last_ns_) / 1e9;
    fmt::print(stderr, "\r[{:>9}] connected {:>7}  sent {:>10.0f}/s  received {:>10.0f}/s  p99 {:>9.1f} us   ",
               phase, connected, static_cast<double>(sent - last_sent_) / dt,
               static_cast<double>(received - last_received_) / dt, static_cast<double>(p99) / 1000.0);
    std::fflush(stderr);
    last_ns_ = now;
    last_sent_ = sent;
    last_received_ = received;
    printed_ = true;
  }
  void finish() {
    if (printed_) fmt::print(stderr, "\n");
  }

 private:
  const RunControl& control_;
  uint32_t threads_;
  bool enabled_;
  bool printed_ = false;
  uint64_t last_ns_ = 0, last_sent_ = 0, last_received_ = 0;
};

template <class F>
uint64_t sum_threads(const RunControl& c, uint32_t threads, F f) {
  uint64_t n = 0;
  for (uint32_t t = 0; t < threads; ++t) n += f(c.thread[t]);
  return n;
}

bool all_threads(const RunControl& c, uint32_t threads, const std::function<bool(const ThreadShared&)>& f) {
  for (uint32_t t = 0; t < threads; ++t) {
    if (!f(c.thread[t])) return false;
  }
  return true;
}

// Live subscribers per publisher, once setup is over and before the first PUBLISH.
void set_fanout(const ScenarioPlan& plan, RunControl& control) {
  uint32_t live = 0;
  for (uint32_t s = 0; s < plan.subscriber_count; ++s) live += control.subscriber_live[s].load() ? 1 : 0;
  for (uint32_t p = 0; p < plan.publisher_count; ++p) {
    uint32_t f = 0;
    switch (plan.scenario) {
      case Scenario::Pairs: f = control.subscriber_live[p].load() ? 1 : 0; break;
      case Scenario::FanIn:
      case Scenario::FanOut: f = live; break;
      case Scenario::Conn: break;
    }
    control.publisher[p].fanout.store(f);
  }
}

}  // namespace

int run_bench(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  auto parsed = parse_bench_options(args);
  if (!parsed) {
    if (parsed.error().exit_code == 0) {
      fmt::print("{}", parsed.error().text);
      return 0;
    }
    fmt::print(stderr, "{}: {}\nRun with --help for more information.\n", argc > 0 ? argv[0] : "pregon bench",
               parsed.error().text);
    return kExitUsage;
  }
  BenchOptions o = *parsed;

  NullSink sink;
  if (o.null_sink) {
    o.host = "127.0.0.1";
    o.port = sink.start();
    o.window = 0;  // nothing is ever delivered, so nothing could close a window
    if (o.port == 0) {
      fmt::print(stderr, "pregon bench: cannot start the null sink\n");
      return kExitNoConnection;
    }
  }
  std::string error;
  const auto destination = resolve(o.host, o.port, error);
  if (!destination) {
    fmt::print(stderr, "pregon bench: cannot resolve {}: {}\n", o.host, error);
    return kExitUsage;
  }

  // One TLS context for every connection of every thread; sessions are made per connection.
  std::shared_ptr<const transport::ClientTls> tls;
  if (o.transport.tls) {
    auto loaded = transport::ClientTls::load(o.transport);
    if (!loaded) {
      fmt::print(stderr, "pregon bench: {}\n", loaded.error());
      return kExitUsage;
    }
    tls = *loaded;
  }
  const transport::StreamSetup stream_setup{tls.get(), o.transport.websocket, o.host, o.port, o.transport.ws_path};
  const transport::StreamSetup* streams = o.transport.plain() ? nullptr : &stream_setup;

  ScenarioPlan plan = make_plan(o, static_cast<uint64_t>(getpid()));
  if (o.null_sink) {
    std::erase_if(plan.clients, [](const ClientPlan& c) { return c.role == Role::Subscriber; });
    plan.subscriber_count = 0;
    plan.fanout = 0;
  }
  RunControl control(o.threads, std::max(1u, plan.publisher_count), std::max(1u, plan.subscriber_count));
  control.setup_start_ns = monotonic_ns();

  std::vector<ThreadResult> results(o.threads);
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      GeneratorLoop loop(o, plan, *destination, streams, control, t);
      results[t] = loop.run();
    });
  }

  Progress progress(control, o.threads, !o.json);
  auto stop_threads = [&] {
    control.phase.store(Phase::Stopping, std::memory_order_release);
    for (auto& t : threads) t.join();
    progress.finish();
    // Why connections failed, once: a wrong CA or path fails them all the same way.
    for (const auto& r : results) {
      if (r.first_error.empty()) continue;
      fmt::print(stderr, "pregon bench: {}\n", r.first_error);
      break;
    }
  };

  // Setup: everything connected and subscribed (or failed) before anything is published.
  while (!all_threads(control, o.threads, [](const ThreadShared& s) { return s.setup_done.load(); })) {
    progress.tick(monotonic_ns(), "connect");
    sleep_tick();
  }
  const auto connected = static_cast<uint32_t>(
      sum_threads(control, o.threads, [](const ThreadShared& s) { return s.connected.load(); }));
  const auto failed = static_cast<uint32_t>(
      sum_threads(control, o.threads, [](const ThreadShared& s) { return s.failed.load(); }));

  BenchReport report;
  report.scenario = scenario_name(o.scenario);
  report.transport = o.transport.websocket ? (o.transport.tls ? "wss" : "ws") : (o.transport.tls ? "tls" : "tcp");
  report.protocol = o.version == protocol::ProtocolVersion::V5 ? 5 : 311;
  report.qos = static_cast<int>(o.qos);
  report.size = o.size;
  report.clients = o.clients;
  report.threads = o.threads;
  report.persistent = o.persistent;

  if (o.scenario == Scenario::Conn) {
    uint64_t last = 0;  // the last CONNACK
    for (uint32_t t = 0; t < o.threads; ++t) last = std::max<uint64_t>(last, control.thread[t].last_connack_ns.load());
    const uint64_t hold_end = monotonic_ns() + seconds_to_ns(o.hold_s);
    if (connected > 0) {
      while (monotonic_ns() < hold_end) {
        progress.tick(monotonic_ns(), "hold");
        sleep_tick();
      }
    }
    stop_threads();
    report.conn = true;
    report.connected = connected;
    report.failed = failed;
    report.hold_s = connected > 0 ? o.hold_s : 0;
    report.time_to_connect_s = last > control.setup_start_ns ? static_cast<double>(last - control.setup_start_ns) / 1e9 : 0;
    report.connect_rate = report.time_to_connect_s > 0 ? connected / report.time_to_connect_s : 0;
    report.duration_s = report.time_to_connect_s;
  } else {
    if (connected == 0) {
      stop_threads();
      fmt::print(stderr, "pregon bench: could not connect to {}:{}\n", o.host, o.port);
      return kExitNoConnection;
    }
    set_fanout(plan, control);
    const uint64_t start = monotonic_ns();
    control.publish_start_ns = start;
    control.measure_begin_ns = start + seconds_to_ns(o.warmup_s);
    control.measure_end_ns = start + seconds_to_ns(o.warmup_s) + seconds_to_ns(o.duration_s);
    control.phase.store(Phase::Publishing, std::memory_order_release);
    while (!all_threads(control, o.threads, [](const ThreadShared& s) { return s.sending_done.load(); })) {
      const uint64_t now = monotonic_ns();
      progress.tick(now, now < control.measure_begin_ns ? "warmup" : "measure");
      sleep_tick();
    }
    control.phase.store(Phase::Draining, std::memory_order_release);
    uint64_t expected = 0;
    for (uint32_t p = 0; p < plan.publisher_count; ++p) {
      expected += control.publisher[p].sent.load() * control.publisher[p].fanout.load();
    }
    const uint64_t drain_start = monotonic_ns();
    uint64_t last_distinct = 0;
    uint64_t last_change = drain_start;
    for (;;) {
      const uint64_t now = monotonic_ns();
      const uint64_t distinct = sum_threads(control, o.threads, [](const ThreadShared& s) { return s.distinct.load(); });
      if (distinct >= expected || now - last_change > kDrainQuietNs || now - drain_start > kDrainMaxNs) break;
      if (distinct != last_distinct) {
        last_distinct = distinct;
        last_change = now;
      }
      progress.tick(now, "drain");
      sleep_tick();
    }
    stop_threads();
    report.expected = expected;
    report.duration_s = o.duration_s;
  }

  auto latency = std::make_unique<LatencyHistogram>();
  uint64_t measured_sent = 0, measured_received = 0, distinct = 0;
  for (const auto& r : results) {
    latency->merge(*r.latency);
    report.sent += r.sent;
    report.received += r.received;
    measured_sent += r.measured_sent;
    measured_received += r.measured_received;
    distinct += r.distinct;
    report.duplicates += r.duplicates;
    report.reordered += r.reordered;
    report.stale += r.stale;
    report.errors += r.errors;
  }
  set_latency(report, *latency);
  if (!report.conn) {
    report.loss = report.expected > distinct ? report.expected - distinct : 0;
    report.throughput = static_cast<double>(measured_received) / o.duration_s;
    report.publish_rate = static_cast<double>(measured_sent) / o.duration_s;
  }
  fmt::print("{}", o.json ? format_json(report) : format_text(report));
  if (o.null_sink) {
    sink.stop();
    fmt::print(stderr, "null sink: {} bytes received\n", sink.bytes());
  }
  std::fflush(stdout);
  if (report.conn && connected == 0) {
    fmt::print(stderr, "pregon bench: could not connect to {}:{}\n", o.host, o.port);
    return kExitNoConnection;
  }
  return 0;
}

}  // namespace pregon::bench
