// What the generator threads and the coordinating (main) thread share during a run: the phase, the
// measurement window, live counters for the progress line, and per-publisher delivery counts that
// close the end-to-end window across threads. Everything here is atomic; the main thread writes the
// phase and window, each generator thread writes only its own ThreadShared slot and the `delivered`
// counters of publishers whose subscribers it owns (fetch_add, relaxed: counts, not ordering).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace pregon::bench {

enum class Phase : int {
  Setup,       // connect everything; subscribers subscribe (conn: open the connections)
  Publishing,  // publishers send until measure_end
  Draining,    // publishing stopped; waiting for what is in flight
  Stopping,    // disconnect and report
};

// Cache-line aligned: written by one thread and read by others, so no false sharing between slots.
struct alignas(64) PublisherShared {
  std::atomic<uint64_t> delivered{0};  // distinct deliveries to its subscribers, summed
  std::atomic<uint64_t> sent{0};       // final count, stored when its thread stops publishing
  std::atomic<uint32_t> fanout{0};     // live subscribers that should receive each message
};

struct alignas(64) ThreadShared {
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> received{0};
  std::atomic<uint64_t> distinct{0};
  std::atomic<uint64_t> p99_ns{0};      // of the measurement so far, refreshed about once a second
  std::atomic<uint32_t> connected{0};   // CONNACK accepted
  std::atomic<uint32_t> subscribed{0};  // SUBACK granted
  std::atomic<uint32_t> failed{0};      // connect or subscribe failed
  std::atomic<uint64_t> last_connack_ns{0};
  std::atomic<bool> setup_done{false};  // every client of the thread is ready or failed
  std::atomic<bool> sending_done{false};
};

struct RunControl {
  RunControl(uint32_t threads, uint32_t publishers, uint32_t subscribers)
      : thread(std::make_unique<ThreadShared[]>(threads)),
        publisher(std::make_unique<PublisherShared[]>(publishers)),
        subscriber_live(std::make_unique<std::atomic<bool>[]>(subscribers)) {}

  std::atomic<Phase> phase{Phase::Setup};
  std::atomic<uint64_t> setup_start_ns{0};
  std::atomic<uint64_t> publish_start_ns{0};
  std::atomic<uint64_t> measure_begin_ns{0};
  std::atomic<uint64_t> measure_end_ns{0};
  std::unique_ptr<ThreadShared[]> thread;
  std::unique_ptr<PublisherShared[]> publisher;
  std::unique_ptr<std::atomic<bool>[]> subscriber_live;  // subscribed and not lost since
};

}  // namespace pregon::bench
