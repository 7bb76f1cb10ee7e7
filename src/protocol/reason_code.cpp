#include "protocol/reason_code.hpp"

namespace pregon::protocol {

ConnectReturnCode to_connect_return_code(ReasonCode rc) {
  switch (rc) {
    case ReasonCode::Success:
      return ConnectReturnCode::Accepted;
    case ReasonCode::UnsupportedProtocolVersion:
      return ConnectReturnCode::UnacceptableProtocolVersion;
    case ReasonCode::ClientIdentifierNotValid:
      return ConnectReturnCode::IdentifierRejected;
    case ReasonCode::BadUserNameOrPassword:
    case ReasonCode::BadAuthenticationMethod:
      return ConnectReturnCode::BadUserNameOrPassword;
    case ReasonCode::NotAuthorized:
    case ReasonCode::Banned:
      return ConnectReturnCode::NotAuthorized;
    default:
      // 3.1.1 has nothing closer for the remaining refusals (busy, moved, quota, malformed, ...).
      return ConnectReturnCode::ServerUnavailable;
  }
}

ReasonCode from_connect_return_code(ConnectReturnCode rc) {
  switch (rc) {
    case ConnectReturnCode::Accepted:
      return ReasonCode::Success;
    case ConnectReturnCode::UnacceptableProtocolVersion:
      return ReasonCode::UnsupportedProtocolVersion;
    case ConnectReturnCode::IdentifierRejected:
      return ReasonCode::ClientIdentifierNotValid;
    case ConnectReturnCode::ServerUnavailable:
      return ReasonCode::ServerUnavailable;
    case ConnectReturnCode::BadUserNameOrPassword:
      return ReasonCode::BadUserNameOrPassword;
    case ConnectReturnCode::NotAuthorized:
      return ReasonCode::NotAuthorized;
  }
  return ReasonCode::ServerUnavailable;
}

std::string_view reason_name(ReasonCode rc) {
  switch (rc) {
    case ReasonCode::Success: return "Success";
    case ReasonCode::GrantedQoS1: return "Granted QoS 1";
    case ReasonCode::GrantedQoS2: return "Granted QoS 2";
    case ReasonCode::DisconnectWithWillMessage: return "Disconnect with Will Message";
    case ReasonCode::NoMatchingSubscribers: return "No matching subscribers";
    case ReasonCode::NoSubscriptionExisted: return "No subscription existed";
    case ReasonCode::ContinueAuthentication: return "Continue authentication";
    case ReasonCode::ReAuthenticate: return "Re-authenticate";
    case ReasonCode::UnspecifiedError: return "Unspecified error";
    case ReasonCode::MalformedPacket: return "Malformed Packet";
    case ReasonCode::ProtocolError: return "Protocol Error";
    case ReasonCode::ImplementationSpecificError: return "Implementation specific error";
    case ReasonCode::UnsupportedProtocolVersion: return "Unsupported Protocol Version";
    case ReasonCode::ClientIdentifierNotValid: return "Client Identifier not valid";
    case ReasonCode::BadUserNameOrPassword: return "Bad User Name or Password";
    case ReasonCode::NotAuthorized: return "Not authorized";
    case ReasonCode::ServerUnavailable: return "Server unavailable";
    case ReasonCode::ServerBusy: return "Server busy";
    case ReasonCode::Banned: return "Banned";
    case ReasonCode::ServerShuttingDown: return "Server shutting down";
    case ReasonCode::BadAuthenticationMethod: return "Bad authentication method";
    case ReasonCode::KeepAliveTimeout: return "Keep Alive timeout";
    case ReasonCode::SessionTakenOver: return "Session taken over";
    case ReasonCode::TopicFilterInvalid: return "Topic Filter invalid";
    case ReasonCode::TopicNameInvalid: return "Topic Name invalid";
    case ReasonCode::PacketIdentifierInUse: return "Packet Identifier in use";
    case ReasonCode::PacketIdentifierNotFound: return "Packet Identifier not found";
    case ReasonCode::ReceiveMaximumExceeded: return "Receive Maximum exceeded";
    case ReasonCode::TopicAliasInvalid: return "Topic Alias invalid";
    case ReasonCode::PacketTooLarge: return "Packet too large";
    case ReasonCode::MessageRateTooHigh: return "Message rate too high";
    case ReasonCode::QuotaExceeded: return "Quota exceeded";
    case ReasonCode::AdministrativeAction: return "Administrative action";
    case ReasonCode::PayloadFormatInvalid: return "Payload format invalid";
    case ReasonCode::RetainNotSupported: return "Retain not supported";
    case ReasonCode::QoSNotSupported: return "QoS not supported";
    case ReasonCode::UseAnotherServer: return "Use another server";
    case ReasonCode::ServerMoved: return "Server moved";
    case ReasonCode::SharedSubscriptionsNotSupported: return "Shared Subscriptions not supported";
    case ReasonCode::ConnectionRateExceeded: return "Connection rate exceeded";
    case ReasonCode::MaximumConnectTime: return "Maximum connect time";
    case ReasonCode::SubscriptionIdentifiersNotSupported: return "Subscription Identifiers not supported";
    case ReasonCode::WildcardSubscriptionsNotSupported: return "Wildcard Subscriptions not supported";
  }
  return "Unknown reason code";
}

}  // namespace pregon::protocol
