#include "net/connection_set.hpp"

#include <climits>

#include <spdlog/spdlog.h>

#include "base/block_pool.hpp"
#include "base/indexed_vector.hpp"
#include "base/log_context.hpp"

namespace pregon::net {

ConnectionSet::ConnectionSet(EventLoop& loop, ConnectionHandler& handler, Options options, TransferFn transfer)
    : loop_(loop),
      handler_(handler),
      options_(options),
      transfer_(std::move(transfer)),
      read_scratch_(kReadChunk),
      iov_scratch_(IOV_MAX),
      tls_scratch_(16 * 1024) {}

ConnectionSet::~ConnectionSet() {
  // Tell the handler about every connection it still knows, while all of them are still alive
  // (on_closed may touch other links, e.g. to deliver a will), then destroy them all.
  const TimePoint now = Clock::now();
  for (auto& conn : connections_) {
    if (conn->state_ != TcpConnection::State::kDone) {
      conn->state_ = TcpConnection::State::kDone;
      conn->report_closed(now);
    }
  }
  connections_.clear();
}

TcpConnection* ConnectionSet::adopt(Accepted socket, std::span<const uint8_t> initial) {
  if (shutting_down_) return nullptr;  // the socket closes here
  auto owned = std::make_unique<TcpConnection>(*this, std::move(socket));
  TcpConnection* c = owned.get();
  if (auto r = c->start(); !r) {
    base::log_about({{}, c->peer()}, spdlog::level::err, "cannot watch the socket: {}", r.error().message());
    return nullptr;
  }
  base::push_indexed(connections_, std::move(owned), *c, &TcpConnection::slot_);
  c->opened();
  handler_.on_open(*c, loop_.now());
  if (!initial.empty() && c->is_open()) c->deliver(initial);
  if (c->ws_ && c->is_open() && !c->failed_) c->take_carried_websocket_input();
  if (c->tls_ && c->is_open() && !c->failed_) c->pump_tls();
  return c->state_ == TcpConnection::State::kDone ? nullptr : c;
}

void ConnectionSet::begin_shutdown(std::function<void()> on_drained) {
  const TimePoint now = loop_.now();
  shutting_down_ = true;
  shutdown_deadline_ = now + options_.close_timeout;
  on_drained_ = std::move(on_drained);
  handler_.shutdown(now);
  for (auto& conn : connections_) {
    conn->close();
    conn->cap_deadline(shutdown_deadline_);
  }
}

TimePoint ConnectionSet::close_deadline(TimePoint now) const {
  return std::min(now + options_.close_timeout, shutdown_deadline_);
}

TimePoint ConnectionSet::linger_deadline(TimePoint now) const {
  return std::min(now + options_.linger_timeout, shutdown_deadline_);
}

void ConnectionSet::mark_dirty(TcpConnection& c) { dirty_.push_back(&c); }

void ConnectionSet::retire(TcpConnection& c) { retired_.push_back(&c); }

void ConnectionSet::track_output_memory(TcpConnection& c) {
  base::push_indexed(holding_output_, &c, c, &TcpConnection::output_tracked_at_);
}

void ConnectionSet::untrack_output_memory(TcpConnection& c) {
  if (c.output_tracked_at_ == TcpConnection::kUntracked) return;
  base::remove_indexed(holding_output_, c, &TcpConnection::output_tracked_at_);
  c.output_tracked_at_ = TcpConnection::kUntracked;
}

void ConnectionSet::trim_idle_output() {
  for (size_t i = 0; i < holding_output_.size();) {
    TcpConnection& c = *holding_output_[i];
    if (c.trim_if_idle()) {
      untrack_output_memory(c);  // moves the last entry to i
    } else {
      ++i;
    }
  }
}

void ConnectionSet::move_connection(int target, MovedConnection m) {
  if (!transfer_) {
    base::log_about({{}, m.socket.peer}, spdlog::level::err, "cannot move the connection to loop {}: no transfer route",
                    target);
    return;  // m.fd closes here
  }
  transfer_(static_cast<unsigned>(target), std::move(m));
}

void ConnectionSet::on_tick(TimePoint now) {
  handler_.tick(now);
  if (now - last_idle_trim_ >= options_.idle_trim_period) {
    last_idle_trim_ = now;
    trim_idle_output();
  }
  if (closing_count_ == 0) return;
  // Only while some connection is closing: check deadlines, and recount so the scan stops when
  // the last one is gone.
  size_t still_closing = 0;
  for (auto& conn : connections_) {
    if (!conn->closing()) continue;
    if (now >= conn->deadline()) {
      conn->force_close();
    } else {
      ++still_closing;
    }
  }
  closing_count_ = still_closing;
}

void ConnectionSet::settle(TimePoint now) {
  // Servicing may make more connections dirty (on_closed delivering a will to a local subscriber,
  // say): repeat until quiet. Each pass handles a swapped-out batch so the list can grow meanwhile.
  while (!dirty_.empty()) {
    servicing_.swap(dirty_);
    for (TcpConnection* c : servicing_) c->service(now);
    servicing_.clear();
  }
  // Only now is no list pointing at the retired connections.
  for (TcpConnection* c : retired_) destroy(*c);
  retired_.clear();
}

void ConnectionSet::destroy(TcpConnection& c) {
  untrack_output_memory(c);
  base::remove_indexed(connections_, c, &TcpConnection::slot_);  // the returned owner destroys it
}

void ConnectionSet::on_iteration_end(TimePoint now) {
  // Messages for other loops are handed over before any acknowledgement of them is written: a
  // client that reacts to a PUBACK (say, by subscribing elsewhere) finds them already routed.
  handler_.end_of_iteration();
  settle(now);
  handler_.end_of_iteration();  // what closing connections published (wills)
  base::BlockPool::flush_returns();  // other threads' messages released in this pass
  if (shutting_down_ && connections_.empty() && on_drained_) {
    auto done = std::move(on_drained_);
    on_drained_ = nullptr;
    done();
  }
}

}  // namespace pregon::net
