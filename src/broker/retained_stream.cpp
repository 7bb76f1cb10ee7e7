// Retained messages on subscribe, streamed: a subscription's matching retained messages are walked
// in topic order from where the last batch stopped (RetainedStore::match_after), a batch at a time
// under the store's lock, and sent while the client has room. Nothing holds a copy of the matching
// set, a QoS 0 subscriber is not outrun into drops, and QoS 1/2 messages go out as the in-flight
// window frees rather than all into the session queue.
#include <algorithm>
#include <mutex>

#include "broker/retained.hpp"
#include "broker/shard_impl.hpp"

namespace pregon::broker {

using protocol::QoS;
using protocol::RetainHandling;

namespace {

// Messages taken from the store per lock: bounds the time other shards wait to store a retained
// message, and what a batch cut short by a full client throws away.
constexpr size_t kBatchMessages = 256;
// Output a stream leaves queued before it waits for the socket to drain; below the output buffer
// limit, so that live QoS 0 messages to the same client are not dropped as slow meanwhile.
constexpr size_t kStreamOutputBytes = 64 * 1024;

RetainedStream* find_stream(Client& c, std::string_view filter) {
  if (!c.retained_streams) return nullptr;
  auto& streams = *c.retained_streams;
  const auto it = std::find_if(streams.begin(), streams.end(), [&](const auto& s) { return s.filter == filter; });
  return it == streams.end() ? nullptr : &*it;
}

}  // namespace

void ShardImpl::plan_retained(Client& c, const std::string& filter, const session::Subscription& sub, bool existed) {
  const auto rh = sub.options.retain_handling;
  RetainedStream* stream = find_stream(c, filter);
  if (rh == RetainHandling::SendOnSubscribe || (rh == RetainHandling::SendIfNewSubscription && !existed)) {
    if (stream == nullptr) {
      if (!c.retained_streams) c.retained_streams = std::make_unique<RetainedStreams>();
      stream = &c.retained_streams->emplace_back(RetainedStream{filter, sub, {}});
    }
    stream->subscription = sub;
    stream->after.clear();  // a repeated SUBSCRIBE sends them all again
  } else if (rh == RetainHandling::DoNotSend) {
    stop_retained(c, filter);
  } else if (stream != nullptr) {
    stream->subscription = sub;  // "only if new": the stream of the first SUBSCRIBE goes on, as replaced
  }
}

void ShardImpl::stop_retained(Client& c, std::string_view filter) {
  if (RetainedStream* stream = find_stream(c, filter)) {
    c.retained_streams->erase(c.retained_streams->begin() + (stream - c.retained_streams->data()));
  }
}

void ShardImpl::send_retained(Client& c, TimePoint now) {
  if (!c.retained_streams || c.session == nullptr || c.state != Client::State::Connected) return;
  RetainedStreams& streams = *c.retained_streams;
  Session& s = *c.session;
  RetainedImpl& retained = state.retained();
  const size_t output_limit = std::min<size_t>(kStreamOutputBytes, config.limits.output_buffer_bytes);
  while (!streams.empty()) {
    RetainedStream& stream = streams.front();
    // A QoS 1/2 subscription takes no more than the window has room for, so that each
    // acknowledgement does not fetch a full batch to send one message of it.
    size_t limit = kBatchMessages;
    if (stream.subscription.options.max_qos != QoS::AtMostOnce) {
      const size_t in_flight = s.inflight().size();
      limit = std::clamp<size_t>(window(c) > in_flight ? window(c) - in_flight : 0, 1, kBatchMessages);
    }
    retained_batch.clear();
    {
      std::lock_guard lock(retained.mutex);
      retained.store.match_after(stream.filter, stream.after, [&](std::string_view, const MessagePtr& m) {
        retained_batch.push_back(m);
        return retained_batch.size() < limit;
      });
    }
    if (retained_batch.empty()) {
      streams.erase(streams.begin());
      continue;
    }
    for (const MessagePtr& m : retained_batch) {
      const QoS qos = std::min(m->qos(), stream.subscription.options.max_qos);
      const bool output_full = c.link.queued_bytes() > output_limit;
      if (output_full || (qos != QoS::AtMostOnce && (!s.queue().empty() || !has_room(c, s)))) {
        // Resumed by pump: once the output is written, or acknowledgements free the window.
        if (output_full) c.link.notify_when_drained();
        retained_batch.clear();
        return;
      }
      stream.after.assign(m->topic());
      if (m->expired(now)) continue;
      // [MQTT-3.3.1-8] a retained message sent on subscribe carries RETAIN 1.
      Delivery d{.message = m, .qos = qos, .retain = true, .on_subscribe = true};
      if (stream.subscription.subscription_id != 0) d.subscription_ids.push_back(stream.subscription.subscription_id);
      deliver(s, std::move(d), now);
    }
  }
  retained_batch.clear();  // holds no message beyond the batch
  c.retained_streams.reset();
}

}  // namespace pregon::broker
