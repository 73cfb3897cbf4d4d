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
constexpr int kFutexStopped = -1;  // WaitInSlices: keepGoing() said stop
constexpr int kFutexFailed = -2;   // WaitInSlices: *err holds the errno

// futexWait (synchronous) sleeps at most this long per syscall, then checks whether its
// environment is being torn down (worker.terminate(), process.exit()), which cannot interrupt a
// thread blocked in the kernel.
constexpr int64_t kSyncSliceNs = 50 * 1000 * 1000;
// An asynchronous wait sleeps at most this long per syscall, then re-checks its cancel flag.
// It bounds how late cancel() can be when its wake lands just before the thread enters the
// kernel (the wake cannot change the word the kernel compares).
constexpr int64_t kAsyncSliceNs = 100 * 1000 * 1000;

// FUTEX_WAIT_BITSET until an absolute CLOCK_MONOTONIC time. A plain FUTEX_WAKE (futexWake, from
// any process) wakes every bitset; FUTEX_WAKE_BITSET only waits sharing a bit with it.
long FutexWaitUntil(uint32_t* word, uint32_t expected, const timespec* deadline, uint32_t bitset) {
  return syscall(SYS_futex, word, FUTEX_WAIT_BITSET, expected, deadline, nullptr, bitset);
}

long FutexWake(uint32_t* word, int count) { return syscall(SYS_futex, word, FUTEX_WAKE, count, nullptr, nullptr, 0); }

long FutexWakeBitset(uint32_t* word, int count, uint32_t bitset) {
  return syscall(SYS_futex, word, FUTEX_WAKE_BITSET, count, nullptr, nullptr, bitset);
}

timespec ToTimespec(int64_t ns) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / 1000000000);
  ts.tv_nsec = static_cast<long>(ns % 1000000000);
  return ts;
}

int64_t DeadlineOf(double timeoutMs) {
  return timeoutMs < 0 ? INT64_MAX : MonotonicNs() + static_cast<int64_t>(timeoutMs * 1e6);
}

// Waits while *word == expected until `deadline` (MonotonicNs; INT64_MAX: no limit), in slices of
// at most sliceNs; between slices keepGoing() may end the wait (→ kFutexStopped). Returns a
// kFutex* code, or kFutexFailed with *err set.
template <typename F>
int WaitInSlices(uint32_t* word, uint32_t expected, uint32_t bitset, int64_t deadline, int64_t sliceNs,
                 F keepGoing, int* err) {
  for (bool first = true;; first = false) {
    if (!first && !keepGoing()) return kFutexStopped;
    int64_t now = MonotonicNs();
    int64_t sliceEnd = deadline - now > sliceNs ? now + sliceNs : deadline;
    timespec until = ToTimespec(sliceEnd > 0 ? sliceEnd : 0);
    if (FutexWaitUntil(word, expected, &until, bitset) == 0) return kFutexWoken;
    switch (errno) {
      case EAGAIN:
        // At the first call the word already differed. Later, it changed while we waited (the
        // wake that came with the store fell between two slices): as good as woken.
        return first ? kFutexNotEqual : kFutexWoken;
      case ETIMEDOUT:
        if (sliceEnd >= deadline) return kFutexTimedOut;
        break;
      case EINTR:
        break;
      default:
        *err = errno;
        return kFutexFailed;
    }
  }
}

// Whether this environment may still run JS. A termination request (worker.terminate(), or
// process.exit() stopping the workers) only takes effect when V8 next runs JS, so run a trivial
// script: it fails once the isolate is terminating, and the caller must then return at once.
bool StillRunning(napi_env env) {
  napi_value source = nullptr;
  napi_value result = nullptr;
  if (napi_create_string_utf8(env, "0", NAPI_AUTO_LENGTH, &source) != napi_ok) return false;
  return napi_run_script(env, source, &result) == napi_ok;
}

// (buffer, byteOffset): the word's address, or nullptr after throwing.
uint32_t* RequireWord(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  auto bytes = RequireBuffer(info, 0, "buffer");
  if (!bytes) return nullptr;
  auto byteOffset = RequireSafeInteger(info, 1, "byteOffset");
  if (!byteOffset) return nullptr;
  if (bytes->detached) {
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
  FutexWaitOp(uint32_t* word, uint32_t expected, double timeoutMs, uint32_t bit)
      : word_(word), expected_(expected), timeoutMs_(timeoutMs), bit_(bit) {}

  void Keep(napi_env env, napi_value buffer, Mapping* mapping) {
    napi_create_reference(env, buffer, 1, &keep_);
    mapping_ = mapping;
    if (mapping_ != nullptr) AcquireMappingOp(mapping_);
  }

  void Run() override {
    if (cancelled.load()) {
      result_ = kFutexCancelled;
      return;
    }
    int result = WaitInSlices(word_, expected_, bit_, DeadlineOf(timeoutMs_), kAsyncSliceNs,
                              [this] { return !cancelled.load(); }, &err_);
    if (result == kFutexStopped || (result == kFutexWoken && cancelled.load())) result = kFutexCancelled;
    result_ = result;
  }

  // Only while the op holds its buffer reference (the caller guarantees it): the word is mapped.
  // Wakes only waits sharing this wait's bit (of 32, round-robin): cancelling one wait does not
  // end every other wait on the word, except for the odd spurious wake-up, which callers allow.
  void Wake() override { FutexWakeBitset(word_, INT_MAX, bit_); }

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
  uint32_t bit_;
  napi_ref keep_ = nullptr;
  Mapping* mapping_ = nullptr;
  int result_ = kFutexWoken;
  int err_ = 0;
};

}  // namespace

// futexWait(buffer, byteOffset, expected, timeoutMs): FUTEX_WOKEN | FUTEX_NOT_EQUAL | FUTEX_TIMED_OUT.
// Blocks the calling thread, in slices, so that terminating its worker (or the process) is not
// held up: then it returns with no value and V8's termination unwinds the caller.
Napi::Value JsFutexWait(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  uint32_t* word = RequireWord(info);
  if (word == nullptr) return Napi::Value();
  auto expected = RequireUint32Bits(info, 2, "expected");
  if (!expected) return Napi::Value();
  auto timeoutMs = RequireTimeoutMs(info, 3, "timeoutMs");
  if (!timeoutMs) return Napi::Value();
  int err = 0;
  int result = WaitInSlices(word, *expected, FUTEX_BITSET_MATCH_ANY, DeadlineOf(*timeoutMs), kSyncSliceNs,
                            [env] { return StillRunning(env); }, &err);
  if (result == kFutexStopped) return Napi::Value();
  if (result == kFutexFailed) {
    ThrowErrno(env, err, "futex");
    return Napi::Value();
  }
  return Napi::Number::New(env, result);
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
  AddonState* state = StateOf(info);
  uint32_t bit = 1u << (state->nextFutexBit++ % 32);
  auto op = std::make_shared<FutexWaitOp>(word, *expected, *timeoutMs, bit);
  // Keep the buffer reachable, and a mapping's pages mapped, until the wait is finalized.
  op->Keep(env, info[0], LookupMapping(env, info[0]));
  napi_value handle = StartWait(env, state->waits, op, "annal:futexWaitAsync");
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
