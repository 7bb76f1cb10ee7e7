// SUBSCRIBE and UNSUBSCRIBE: filter validation, the session's subscription list, the shard's tree,
// shared-group membership on the group's owning shard. Retained messages: retained_stream.cpp.
#include <fmt/format.h>

#include "broker/shard_impl.hpp"
#include "routing/topic.hpp"

namespace pregon::broker {

using protocol::QoS;
using protocol::ReasonCode;

unsigned shard_of_group(std::string_view group, std::string_view filter, unsigned shard_count) {
  return static_cast<unsigned>((std::hash<std::string_view>{}(group) * 31u + std::hash<std::string_view>{}(filter)) %
                               shard_count);
}

std::string shared_filter_key(const session::SharedOrigin& origin) {
  return fmt::format("$share/{}/{}", origin.group, origin.filter);
}

void ShardImpl::on_subscribe(Client& c, const protocol::Subscribe& p, TimePoint now) {
  Session& s = *c.session;
  const uint32_t subscription_id =
      p.properties.subscription_identifiers.empty() ? 0 : p.properties.subscription_identifiers.front();
  protocol::SubAck ack;
  ack.packet_id = p.packet_id;  // [MQTT-3.8.4-2]

  for (const auto& ts : p.subscriptions) {
    const auto parsed = routing::parse_subscription_filter(ts.filter);
    if (!parsed) {
      ack.reasons.push_back(ReasonCode::TopicFilterInvalid);  // 3.1.1: 0x80 [MQTT-3.8.4-?]
      continue;
    }
    if (parsed->shared() && ts.options.no_local) {
      close_client(c, ReasonCode::ProtocolError, "No Local on a shared subscription");  // [MQTT-3.8.3-4]
      return;
    }
    if (!within_topic_limits(ts.filter)) {
      ack.reasons.push_back(ReasonCode::TopicFilterInvalid);  // beyond this broker's limits; 3.1.1: 0x80
      continue;
    }
    if (!s.subscriptions.contains(ts.filter) && s.subscriptions.size() >= config.limits.max_subscriptions_per_client) {
      counters.count(Limit::Subscriptions);
      ack.reasons.push_back(ReasonCode::QuotaExceeded);  // 3.1.1: 0x80
      continue;
    }
    if (const auto& acl = (*access).acl;
        acl && !acl->may_subscribe(identity_of(s), parsed->shared() ? parsed->filter : ts.filter)) {
      ack.reasons.push_back(ReasonCode::NotAuthorized);  // 3.1.1: 0x80 Failure
      continue;
    }
    session::Subscription sub{ts.options, subscription_id};
    sub.options.max_qos = std::min(ts.options.max_qos, static_cast<QoS>(config.limits.maximum_qos));
    const std::string key(ts.filter);
    const bool existed = s.subscriptions.contains(key);
    s.subscriptions[key] = sub;  // [MQTT-3.8.4-3] replaces an existing one
    persister.write_subscription(s, key, sub);
    if (!existed && Persister::persistent(s)) state.persistent_subscriptions().fetch_add(1);
    const SessionRef me{index, s.id()};
    if (parsed->shared()) {
      join_group(std::string(parsed->group), std::string(parsed->filter), me, sub, !existed);
    } else {
      add_to_tree(ts.filter, me, sub);
      plan_retained(c, key, sub, existed);  // shared subscriptions get no retained messages
    }
    ack.reasons.push_back(static_cast<ReasonCode>(sub.options.max_qos));
  }
  send(c, ack);
  send_retained(c, now);  // after the SUBACK
}

void ShardImpl::on_unsubscribe(Client& c, const protocol::Unsubscribe& p) {
  Session& s = *c.session;
  protocol::UnsubAck ack;
  ack.packet_id = p.packet_id;  // [MQTT-3.10.4-4]
  for (auto filter : p.filters) {
    auto it = s.subscriptions.find(filter);
    if (it == s.subscriptions.end()) {
      ack.reasons.push_back(ReasonCode::NoSubscriptionExisted);
      continue;
    }
    s.subscriptions.erase(it);
    persister.erase_subscription(s, filter);
    if (Persister::persistent(s)) state.persistent_subscriptions().fetch_sub(1);
    const SessionRef me{index, s.id()};
    if (const auto shared = routing::parse_shared(filter)) {
      leave_group(std::string(shared->group), std::string(shared->filter), me);
    } else {
      remove_from_tree(filter, me);
      stop_retained(c, filter);
    }
    ack.reasons.push_back(ReasonCode::Success);
  }
  send(c, ack);  // [MQTT-3.10.4-5] even when nothing matched
}

void ShardImpl::add_to_tree(std::string_view filter, SessionRef me, const session::Subscription& sub) {
  if (tree.subscribe(filter, me, sub)) state.interest().change(index, filter, +1);
}

void ShardImpl::remove_from_tree(std::string_view filter, SessionRef me) {
  if (tree.unsubscribe(filter, me)) state.interest().change(index, filter, -1);
}

// A group lives on its owning shard, which may be another thread. The member is counted for the
// owner here, at once, so a PUBLISH after the SUBACK goes to the owner; the join itself reaches the
// owner in a task, which it runs before any later message (tasks first).
void ShardImpl::join_group(const std::string& group, const std::string& filter, SessionRef member,
                           const session::Subscription& sub, bool new_member) {
  const unsigned owner = shard_of_group(group, filter, router.shard_count());
  if (new_member) state.interest().change(owner, filter, +1);
  if (owner == index) {
    tree.subscribe_shared(group, filter, member, sub);
    return;
  }
  router.post(owner, [group, filter, member, sub](Shard& s) {
    s.impl().tree.subscribe_shared(group, filter, member, sub);
  });
}

void ShardImpl::leave_group(const std::string& group, const std::string& filter, SessionRef member) {
  const unsigned owner = shard_of_group(group, filter, router.shard_count());
  state.interest().change(owner, filter, -1);
  if (owner == index) {
    tree.unsubscribe_shared(group, filter, member);
    return;
  }
  router.post(owner, [group, filter, member](Shard& s) { s.impl().tree.unsubscribe_shared(group, filter, member); });
}

}  // namespace pregon::broker
