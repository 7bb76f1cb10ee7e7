// Helpers shared by the storage unit tests: a temporary directory per test, sample records, and
// a LoadVisitor that keeps what it is given. Test-only; not part of the library.
#pragma once

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "storage/durable_store.hpp"
#include "storage/records.hpp"

namespace pregon::storage::testing {

// A fresh directory under /tmp, removed with everything in it (a quarantined store included) at
// the end of the test. The store itself goes in `store_dir()`, a not yet existing subdirectory,
// so that quarantine's sibling directory lands inside the temporary one too.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "pregon-storage-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) root_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!root_.empty()) std::filesystem::remove_all(root_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path store_dir() const { return root_ / "store"; }

 private:
  std::filesystem::path root_;
};

inline StoredMessage sample_message(std::string topic, std::string payload = "hello") {
  StoredMessage m;
  m.topic = std::move(topic);
  m.payload.assign(payload.begin(), payload.end());
  m.qos = 1;
  m.retain = true;
  m.payload_format_indicator = 1;
  m.content_type = "text/plain";
  m.response_topic = "reply/here";
  m.correlation_data = Bytes{0x00, 0xFF, 0x10};
  m.user_properties = {{"k", "v"}, {"k", "v2"}, {"", ""}};
  m.expires_at_unix_ms = 1'700'000'000'123;
  m.origin_client_id = "publisher";
  return m;
}

inline StoredDelivery sample_delivery(uint64_t message_id) {
  StoredDelivery d;
  d.message_id = message_id;
  d.qos = 2;
  d.retain = false;
  d.subscription_identifiers = {1, 268'435'455};
  d.shared = StoredSharedTarget{"group", "sensors/+"};
  return d;
}

inline StoredSession sample_session(std::string client_id) {
  StoredSession s;
  s.client_id = std::move(client_id);
  s.expiry_interval = 3600;
  s.disconnected_at_unix_ms = 1'700'000'000'000;
  s.will = StoredWill{sample_message("will/topic", "gone"), 30};
  s.protocol_version = 5;
  return s;
}

// Everything load() reported, in the order it came.
struct RecordingVisitor : LoadVisitor {
  std::vector<std::string> order;  // "message", "retained", "session:<id>", ...
  std::vector<std::pair<uint64_t, StoredMessage>> messages;
  std::vector<std::pair<std::string, StoredMessage>> retained;
  std::vector<StoredSession> sessions;
  std::vector<std::pair<std::string, StoredSubscription>> subscriptions;
  std::vector<std::tuple<std::string, uint64_t, StoredDelivery>> queued;
  std::vector<std::pair<std::string, StoredInflight>> inflight;
  std::vector<std::pair<std::string, uint16_t>> inbound_qos2;

  void on_message(uint64_t id, StoredMessage&& m) override {
    order.push_back("message");
    messages.emplace_back(id, std::move(m));
  }
  void on_retained(std::string_view topic, StoredMessage&& m) override {
    order.push_back("retained");
    retained.emplace_back(std::string(topic), std::move(m));
  }
  void on_session(StoredSession&& s) override {
    order.push_back("session:" + s.client_id);
    sessions.push_back(std::move(s));
  }
  void on_subscription(std::string_view client, StoredSubscription&& s) override {
    order.push_back("subscription:" + std::string(client));
    subscriptions.emplace_back(std::string(client), std::move(s));
  }
  void on_queued(std::string_view client, uint64_t sequence, StoredDelivery&& d) override {
    order.push_back("queued:" + std::string(client));
    queued.emplace_back(std::string(client), sequence, std::move(d));
  }
  void on_inflight(std::string_view client, StoredInflight&& f) override {
    order.push_back("inflight:" + std::string(client));
    inflight.emplace_back(std::string(client), std::move(f));
  }
  void on_inbound_qos2(std::string_view client, uint16_t packet_id) override {
    order.push_back("inbound_qos2:" + std::string(client));
    inbound_qos2.emplace_back(std::string(client), packet_id);
  }
  size_t total() const { return order.size(); }
};

}  // namespace pregon::storage::testing
