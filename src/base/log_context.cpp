#include "base/log_context.hpp"

namespace pregon::base {
namespace {

thread_local const LogContext* current = nullptr;

}  // namespace

const LogContext* current_log_context() noexcept { return current; }

ScopedLogContext::ScopedLogContext(const LogContext& context) noexcept : previous_(current) { current = &context; }

ScopedLogContext::~ScopedLogContext() { current = previous_; }

}  // namespace pregon::base
