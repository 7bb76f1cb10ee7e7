#include "broker/durable_ack.hpp"

#include "broker/shard.hpp"
#include "broker/shard_impl.hpp"

namespace pregon::broker {

void DurableAck::arrive(const std::shared_ptr<DurableAck>& ack, bool ok, ShardRouter& router) {
  if (!ok) ack->failed.store(true, std::memory_order_relaxed);
  if (ack->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  router.post(ack->origin, [ack](Shard& s) { s.impl().send_durable_ack(*ack); });
}

void DurableAck::arrive_all(std::vector<std::shared_ptr<DurableAck>>& acks, bool ok, ShardRouter& router) {
  std::vector<std::vector<std::shared_ptr<DurableAck>>> done(router.shard_count());
  for (auto& ack : acks) {
    if (!ack) continue;  // reported already
    if (!ok) ack->failed.store(true, std::memory_order_relaxed);
    if (ack->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) done[ack->origin].push_back(std::move(ack));
  }
  for (unsigned shard = 0; shard < done.size(); ++shard) {
    if (done[shard].empty()) continue;
    router.post(shard, [batch = std::move(done[shard])](Shard& s) {
      for (const auto& ack : batch) s.impl().send_durable_ack(*ack);
    });
  }
}

}  // namespace pregon::broker
