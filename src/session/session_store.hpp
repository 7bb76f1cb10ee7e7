// SessionStore: where a shard keeps its sessions, looked up by client identifier or by session id.
// MemorySessionStore keeps them in memory only; a persistent store implements the same interface so
// the broker code above it does not change.
//
// Ownership: the store owns its Sessions; pointers stay valid until erase().
// Thread-safety: none; a store belongs to one shard and is used on its thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "session/session.hpp"

namespace pregon::session {

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  virtual Session* find(std::string_view client_id) = 0;
  virtual Session* find(uint64_t session_id) = 0;
  // Creates a session; the client identifier must not have one yet.
  virtual Session& create(std::string client_id, uint64_t session_id) = 0;
  // Forgets and destroys the session.
  virtual void erase(Session& s) = 0;
  virtual size_t size() const = 0;
  virtual void for_each(const std::function<void(Session&)>& visit) = 0;
};

class MemorySessionStore final : public SessionStore {
 public:
  Session* find(std::string_view client_id) override;
  Session* find(uint64_t session_id) override;
  Session& create(std::string client_id, uint64_t session_id) override;
  void erase(Session& s) override;
  size_t size() const override { return by_id_.size(); }
  void for_each(const std::function<void(Session&)>& visit) override;

 private:
  // Keyed by a view of the session's own client identifier: no second copy per session.
  std::unordered_map<std::string_view, std::unique_ptr<Session>> by_client_id_;
  std::unordered_map<uint64_t, Session*> by_id_;
};

}  // namespace pregon::session
