// futex(2) on a 32-bit word of a buffer. Shared futexes (never FUTEX_PRIVATE_FLAG): on a
// MAP_SHARED file mapping the kernel keys the word by inode and offset, so waits and wakes work
// across processes and across separately created mappings of the same file (which
// Atomics.wait/notify do not: V8 keys them by virtual address).
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <memory>
#include <string>

#include "addon.h"
#include "args.h"
#include "errno-error.h"
#include "mapping.h"
#include "wait.h"

namespace annal {
namespace {

// Result codes shared with binding.ts.
constexpr int kFutexWoken = 0;
constexpr int kFutexNotEqual = 1;
constexpr int kFutexTimedOut = 2;
constexpr int kFutexCancelled = 3;

// An asynchronous wait sleeps at most this long per syscall, then re-checks its cancel flag.
// It bounds how late cancel() can be when its FUTEX_WAKE lands just before the thread enters
// the kernel (the wake cannot change the word the kernel compares).
constexpr int64_t kAsyncSliceNs = 100 * 1000 * 1000;

long FutexWait(uint32_t* word, uint32_t expected, const timespec* timeout) {
  return syscall(SYS_futex, word, FUTEX_WAIT, expected, timeout, nullptr, 0);
}

long FutexWake(uint32_t* word, int count) { return syscall(SYS_futex, word, FUTEX_WAKE, count, nullptr, nullptr, 0); }

timespec ToTimespec(int64_t ns) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / 1000000000);
  ts.tv_nsec = static_cast<long>(ns % 1000000000);
  return ts;
}

int64_t DeadlineOf(double timeoutMs) {
  return timeoutMs < 0 ? INT64_MAX : MonotonicNs() + static_cast<int64_t>(timeoutMs * 1e6);
}

// (buffer, byteOffset): the word's address, or nullptr after throwing.
uint32_t* RequireWord(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  auto bytes = RequireBuffer(info, 0, "buffer");
  if (!bytes) return nullptr;
  auto byteOffset = RequireSafeInteger(info, 1, "byteOffset");
  if (!byteOffset) return nullptr;
  if (bytes->data == nullptr && IsDetachedArrayBuffer(info[0])) {
    napi_throw(env, MakeClosedError(env, "futex"));
    return nullptr;
  }
  if (static_cast<uint64_t>(*byteOffset) + 4 > bytes->length) {
    ThrowArgumentError(env, true,
                       "byteOffset + 4 must not exceed buffer.byteLength: byteOffset=" + std::to_string(*byteOffset) +
                           ", buffer.byteLength=" + std::to_string(bytes->length));
    return nullptr;
  }
  uint8_t* address = bytes->data + *byteOffset;
  if (reinterpret_cast<uintptr_t>(address) % 4 != 0) {
    ThrowArgumentError(env, true,
                       "byteOffset must address a 4-byte-aligned word: byteOffset=" + std::to_string(*byteOffset));
    return nullptr;
  }
  return reinterpret_cast<uint32_t*>(address);
}

class FutexWaitOp : public WaitOp {
 public:
  FutexWaitOp(uint32_t* word, uint32_t expected, double timeoutMs) : word_(word), expected_(expected), timeoutMs_(timeoutMs) {}

  void Keep(napi_env env, napi_value buffer, Mapping* mapping) {
    napi_create_reference(env, buffer, 1, &keep_);
    mapping_ = mapping;
    if (mapping_ != nullptr) AcquireMappingOp(mapping_);
  }

  void Run() override {
    const int64_t deadline = DeadlineOf(timeoutMs_);
    for (;;) {
      if (cancelled.load()) {
        result_ = kFutexCancelled;
        return;
      }
      int64_t remaining = deadline == INT64_MAX ? kAsyncSliceNs : deadline - MonotonicNs();
      if (remaining < 0) remaining = 0;
      bool lastSlice = remaining <= kAsyncSliceNs;
      timespec slice = ToTimespec(lastSlice ? remaining : kAsyncSliceNs);
      if (FutexWait(word_, expected_, &slice) == 0) {
        result_ = cancelled.load() ? kFutexCancelled : kFutexWoken;
        return;
      }
      switch (errno) {
        case EAGAIN:
          result_ = kFutexNotEqual;
          return;
        case ETIMEDOUT:
          if (lastSlice && deadline != INT64_MAX) {
            result_ = kFutexTimedOut;
            return;
          }
          break;
        case EINTR:
          break;
        default:
          err_ = errno;
          return;
      }
    }
  }

  // Only while the op holds its buffer reference (the caller guarantees it): the word is mapped.
  void Wake() override { FutexWake(word_, INT_MAX); }

  napi_value Settle(napi_env env, bool* reject) override {
    if (err_ != 0) {
      *reject = true;
      return MakeErrnoError(env, err_, "futex");
    }
    napi_value result = nullptr;
    napi_create_int32(env, result_, &result);
    return result;
  }

  void ReleaseResources(napi_env env) override {
    if (keep_ != nullptr) napi_delete_reference(env, keep_);
    keep_ = nullptr;
    if (mapping_ != nullptr) ReleaseMapping(mapping_, MappingRef::kOp);
    mapping_ = nullptr;
  }

 private:
  uint32_t* word_;
  uint32_t expected_;
  double timeoutMs_;
  napi_ref keep_ = nullptr;
  Mapping* mapping_ = nullptr;
  int result_ = kFutexWoken;
  int err_ = 0;
};

}  // namespace

// futexWait(buffer, byteOffset, expected, timeoutMs): FUTEX_WOKEN | FUTEX_NOT_EQUAL | FUTEX_TIMED_OUT.
// Blocks the calling thread.
Napi::Value JsFutexWait(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  uint32_t* word = RequireWord(info);
  if (word == nullptr) return Napi::Value();
  auto expected = RequireUint32Bits(info, 2, "expected");
  if (!expected) return Napi::Value();
  auto timeoutMs = RequireTimeoutMs(info, 3, "timeoutMs");
  if (!timeoutMs) return Napi::Value();
  const int64_t deadline = DeadlineOf(*timeoutMs);
  for (;;) {
    long result;
    if (deadline == INT64_MAX) {
      result = FutexWait(word, *expected, nullptr);
    } else {
      int64_t remaining = deadline - MonotonicNs();
      timespec timeout = ToTimespec(remaining > 0 ? remaining : 0);
      result = FutexWait(word, *expected, &timeout);
    }
    if (result == 0) return Napi::Number::New(env, kFutexWoken);
    if (errno == EAGAIN) return Napi::Number::New(env, kFutexNotEqual);
    if (errno == ETIMEDOUT) return Napi::Number::New(env, kFutexTimedOut);
    if (errno == EINTR) continue;  // retried with the remaining time
    ThrowErrno(env, errno, "futex");
    return Napi::Value();
  }
}

// futexWaitAsync(buffer, byteOffset, expected, timeoutMs): { promise: Promise<number>, cancel() }
Napi::Value JsFutexWaitAsync(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  uint32_t* word = RequireWord(info);
  if (word == nullptr) return Napi::Value();
  auto expected = RequireUint32Bits(info, 2, "expected");
  if (!expected) return Napi::Value();
  auto timeoutMs = RequireTimeoutMs(info, 3, "timeoutMs");
  if (!timeoutMs) return Napi::Value();
  auto op = std::make_shared<FutexWaitOp>(word, *expected, *timeoutMs);
  // Keep the buffer reachable, and a mapping's pages mapped, until the wait is finalized.
  op->Keep(env, info[0], LookupMapping(env, info[0]));
  napi_value handle = StartWait(env, StateOf(info)->waits, op, "annal:futexWaitAsync");
  if (handle == nullptr) return Napi::Value();
  return Napi::Value(env, handle);
}

// futexWake(buffer, byteOffset, count): number of waiters woken.
Napi::Value JsFutexWake(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  uint32_t* word = RequireWord(info);
  if (word == nullptr) return Napi::Value();
  auto count = RequireUint32(info, 2, "count");
  if (!count) return Napi::Value();
  int n = *count > static_cast<uint32_t>(INT_MAX) ? INT_MAX : static_cast<int>(*count);
  long woken = FutexWake(word, n);
  if (woken < 0) {
    ThrowErrno(env, errno, "futex");
    return Napi::Value();
  }
  return Napi::Number::New(env, static_cast<double>(woken));
}

}  // namespace annal
