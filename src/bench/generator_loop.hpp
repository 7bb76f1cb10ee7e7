// One generator thread: its share of the scenario's clients on one epoll loop. Sockets are
// non-blocking with TCP_NODELAY; each readable socket is read in large chunks and every complete
// packet in a chunk is handled; output is batched and written once per socket per loop pass.
//
// The thread follows the phases the main thread sets in RunControl (Setup → Publishing → Draining →
// Stopping) and reports through its ThreadShared slot; its final numbers come back from run().
// Owned and run by exactly one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_client.hpp"
#include "bench/bench_options.hpp"
#include "bench/bench_socket.hpp"
#include "bench/latency_histogram.hpp"
#include "bench/run_control.hpp"
#include "bench/scenario_plan.hpp"
#include "protocol/codec.hpp"
#include "transport/client_stream.hpp"

namespace pregon::bench {

struct ThreadResult {
  // End-to-end latency of deliveries received during the measurement window; for conn, the time
  // from starting to connect to CONNACK.
  std::unique_ptr<LatencyHistogram> latency = std::make_unique<LatencyHistogram>();
  uint64_t sent = 0;               // whole run
  uint64_t received = 0;           // whole run, duplicates included
  uint64_t measured_sent = 0;      // within the measurement window
  uint64_t measured_received = 0;  // within the measurement window
  uint64_t distinct = 0;
  uint64_t duplicates = 0;
  uint64_t reordered = 0;
  uint64_t stale = 0;   // --persistent: deliveries from before the run (an earlier run's session)
  uint64_t errors = 0;  // failed connects and subscribes, unexpected disconnects, protocol errors
  std::string first_error;  // the first network, TLS or WebSocket error, as text
};

class GeneratorLoop {
 public:
  // `stream_setup`: TLS and/or WebSocket for every connection; nullptr for plain TCP.
  GeneratorLoop(const BenchOptions& options, const ScenarioPlan& plan, const Destination& destination,
                const transport::StreamSetup* stream_setup, RunControl& control, uint32_t thread);
  ~GeneratorLoop();
  GeneratorLoop(const GeneratorLoop&) = delete;
  GeneratorLoop& operator=(const GeneratorLoop&) = delete;

  ThreadResult run();

 private:
  void start_connects(uint64_t now);
  void publish(uint64_t now);
  uint32_t credit(BenchClient& c, uint64_t now);
  void flush_all();
  void flush(uint32_t index);
  void flush_stream(uint32_t index);
  // EPOLLOUT on the client's socket while `want`; an epoll_ctl only when that changes.
  void arm_write(uint32_t index, bool want);
  void queue_output(uint32_t index);
  void poll(int timeout_ms);
  void on_readable(uint32_t index);
  void on_stream_readable(uint32_t index);
  void consume_bytes(uint32_t index, std::span<const uint8_t> data);
  // What the client makes of one frame; nullopt when the frame does not decode.
  std::optional<Reaction> react(BenchClient& c, const protocol::Frame& f);
  // What the client made of a packet; `now` is when the bytes holding it were read.
  void on_reaction(uint32_t index, const Reaction& r, uint64_t now);
  void fail(uint32_t index, bool counted_as_error, std::string_view why = {});
  void check_connect_timeouts(uint64_t now);
  void check_setup_done();
  void publish_progress(uint64_t now);
  void stop();

  const BenchOptions& options_;
  const Destination& destination_;
  const transport::StreamSetup* stream_setup_;
  RunControl& control_;
  ThreadShared& shared_;
  uint32_t thread_;
  int epoll_fd_ = -1;
  std::vector<BenchClient> clients_;
  std::vector<uint32_t> publishers_;  // indices into clients_
  std::vector<uint32_t> with_output_;
  std::vector<uint8_t> scratch_;
  protocol::Publish inbound_;  // every PUBLISH is decoded into this one, not into a Packet
  std::vector<uint8_t> stream_in_;  // MQTT bytes a stream read yielded; reused
  size_t next_to_connect_ = 0;
  uint32_t resolved_ = 0;  // clients ready or failed during setup
  uint32_t setup_target_ = 0;
  uint64_t rate_sent_ = 0;  // rate mode: messages sent since publishing began
  double thread_rate_ = 0;  // rate mode: this thread's share of --rate
  size_t rate_cursor_ = 0;
  uint64_t last_progress_ns_ = 0;
  uint64_t last_timeout_check_ns_ = 0;
  uint64_t live_distinct_ = 0;  // deliveries that were not duplicates, so far
  ThreadResult result_;
};

}  // namespace pregon::bench
