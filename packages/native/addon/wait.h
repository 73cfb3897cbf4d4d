// Waits that may last arbitrarily long (lockAsync, futexWaitAsync) run on a native thread each
// — never the JS thread and never the libuv pool, whose four threads a few blocked waits would
// exhaust. The threads are kept and reused: starting a thread per wait cost more than the
// wake-up it waits for (a tailing reader waits once per record it catches up to). An idle
// thread ends after a while without work. The result comes back through a
// napi_threadsafe_function and settles a promise; JS gets { promise, cancel }.
//
// Lifetime (all JS-thread state is touched on the JS thread only):
//   StartWait ── creates promise, TSFN (1 thread reference); registers the op; hands it to an
//                idle thread, or to a new one.
//   thread    ── Run(); done = true; napi_call_threadsafe_function; release the TSFN; marks the
//                op finished (it no longer touches it); waits for the next op.
//   CallJs    ── (JS thread) resolves or rejects the promise.
//   finalize  ── (JS thread, once the TSFN is released, or at environment teardown) waits until
//                the thread finished with the op (cancelling it first if it is still waiting),
//                releases the op's JS references, unregisters it.
//   cleanup   ── the environment cleanup hook cancels every registered op and waits for its
//                thread, so a worker or the process can exit while waits are pending.
// cancel() is idempotent and a no-op once the promise settled.
#pragma once

#include <napi.h>
#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace annal {

class WaitRegistry;

class WaitOp {
 public:
  virtual ~WaitOp() = default;

  // The wait itself, on the dedicated thread. Must return soon after `cancelled` is set and
  // Wake() was called.
  virtual void Run() = 0;
  // JS thread, after `cancelled` was set, while the op's JS references are still held.
  virtual void Wake() = 0;
  // JS thread: the settled value; sets *reject for an error value.
  virtual napi_value Settle(napi_env env, bool* reject) = 0;
  // JS thread, in the finalizer: drop references to JS values and mappings.
  virtual void ReleaseResources(napi_env /*env*/) {}

  std::atomic<bool> cancelled{false};
  std::atomic<bool> done{false};  // Run() returned

  // JS-thread-only bookkeeping.
  napi_deferred deferred = nullptr;
  napi_threadsafe_function tsfn = nullptr;
  bool threadRunning = false;  // handed to a thread, and not yet seen finished by Join()
  bool settled = false;
  bool finalized = false;
  std::shared_ptr<WaitRegistry> registry;

  // Sets `cancelled` and wakes the thread, unless the op already settled. JS thread.
  void Cancel();
  // Cancels if still waiting, then waits until its thread finished with the op. JS thread.
  void Join();
  // Its thread: the op is no longer touched by it.
  void MarkFinished();

 private:
  std::mutex finishMutex_;
  std::condition_variable finishCv_;
  bool finished_ = false;
};

// The pending waits of one addon instance (JS thread only).
class WaitRegistry {
 public:
  void Add(const std::shared_ptr<WaitOp>& op) { ops_[op.get()] = op; }
  void Remove(WaitOp* op) { ops_.erase(op); }
  // Environment teardown: cancel and join every thread still running.
  void CancelAll();

 private:
  std::unordered_map<WaitOp*, std::shared_ptr<WaitOp>> ops_;
};

// Starts `op` on its own thread; returns { promise, cancel }, or nullptr with a JS exception
// pending (then ReleaseResources has already run or will run).
napi_value StartWait(napi_env env, const std::shared_ptr<WaitRegistry>& registry, const std::shared_ptr<WaitOp>& op,
                     const char* resourceName);

// Monotonic clock in nanoseconds.
int64_t MonotonicNs();

}  // namespace annal
