#include "session/session_store.hpp"

namespace pregon::session {

Session* MemorySessionStore::find(std::string_view client_id) {
  auto it = by_client_id_.find(client_id);
  return it == by_client_id_.end() ? nullptr : it->second.get();
}

Session* MemorySessionStore::find(uint64_t session_id) {
  auto it = by_id_.find(session_id);
  return it == by_id_.end() ? nullptr : it->second;
}

Session& MemorySessionStore::create(std::string client_id, uint64_t session_id) {
  auto owned = std::make_unique<Session>(std::move(client_id), session_id);
  Session& s = *owned;
  by_id_[session_id] = &s;
  by_client_id_.emplace(s.client_id(), std::move(owned));
  return s;
}

void MemorySessionStore::erase(Session& s) {
  by_id_.erase(s.id());
  // Erased by iterator: the key views the client id of the session this destroys.
  auto it = by_client_id_.find(s.client_id());
  if (it != by_client_id_.end()) by_client_id_.erase(it);
}

void MemorySessionStore::for_each(const std::function<void(Session&)>& visit) {
  for (auto& [id, s] : by_id_) visit(*s);
}

}  // namespace pregon::session
