// Shared declarations of the annal addon: per-instance state, the promise worker base used by
// every libuv-pool operation, and the Js* entry points each .cc file defines.
//
// Every entry point receives the instance's AddonState as its callback data (info.Data()).
#pragma once

#include <fcntl.h>
#include <napi.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_set>

#include "errno-error.h"

namespace annal {

class WaitRegistry;  // wait.h: pending lockAsync / futexWaitAsync threads

// State of one addon instance (one per Node environment: the main thread and each worker).
// Owned by the environment's instance data; the parts background threads may still touch after
// teardown are shared_ptrs they hold themselves.
struct AddonState {
  size_t pageSize = 4096;
  int externalBuffersOk = -1;   // -1 not probed yet, 0 forbidden (V8 sandbox), 1 allowed (mapping.cc)
  uint32_t nextFutexBit = 0;    // futexWaitAsync: which FUTEX_WAIT_BITSET bit the next wait uses
  std::shared_ptr<WaitRegistry> waits;
  // Descriptors this environment took an OFD lock on with tryLock (until it closes them): closed
  // at environment teardown, so a terminated worker's locks go away as a dead process's do.
  std::shared_ptr<std::unordered_set<int>> lockedFds;
};

inline AddonState* StateOf(const Napi::CallbackInfo& info) { return static_cast<AddonState*>(info.Data()); }

// A private duplicate (F_DUPFD_CLOEXEC) of the caller's descriptor, for work that uses it after
// the call returned (a libuv-pool job, a wait thread). Meanwhile JS may close() its fd and a new
// open() may get the same number; the duplicate still names the open file description the call
// was made with. Made on the JS thread; error() is the errno when that failed (EBADF for a closed
// fd, EMFILE), which the operation reports as its own failure.
class DupFd {
 public:
  explicit DupFd(int fd) {
    fd_ = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    err_ = fd_ < 0 ? errno : 0;
  }
  ~DupFd() { Close(); }
  DupFd(const DupFd&) = delete;
  DupFd& operator=(const DupFd&) = delete;

  int get() const { return fd_; }
  int error() const { return err_; }
  // Closes the duplicate (any thread; idempotent). Not retried on EINTR: Linux released it anyway.
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  int err_;
};

// A libuv-pool operation settling a promise, on raw napi_async_work. (Not Napi::AsyncWorker:
// its completion path goes through node-addon-api wrappers that turn a failed napi call into a
// fatal error, and at environment teardown — a worker terminated while work is in flight —
// resolving a promise does fail.) Execute() records an errno (and the syscall that failed) or
// `closed_`; the completion settles the promise on the JS thread, ignoring napi failures, and
// deletes the worker. Subclasses override Execute() and, for a non-undefined value, Result().
class PromiseWorker {
 public:
  PromiseWorker(napi_env env, const char* resourceName) : env_(env), resourceName_(resourceName) {}
  virtual ~PromiseWorker() {
    if (keep_ != nullptr) napi_delete_reference(env_, keep_);
    if (work_ != nullptr) napi_delete_async_work(env_, work_);
  }
  PromiseWorker(const PromiseWorker&) = delete;
  PromiseWorker& operator=(const PromiseWorker&) = delete;

  // Keeps `value` reachable until the worker completes. Call before Queue().
  void Keep(napi_value value) { napi_create_reference(env_, value, 1, &keep_); }

  // Queues the work and returns its promise. Takes ownership of `this`: on failure it is deleted
  // and nullptr returned with a JS exception pending.
  napi_value Queue() {
    napi_value promise = nullptr;
    napi_value name = nullptr;
    napi_create_string_utf8(env_, resourceName_, NAPI_AUTO_LENGTH, &name);
    if (napi_create_promise(env_, &deferred_, &promise) != napi_ok ||
        napi_create_async_work(env_, nullptr, name, ExecuteCallback, CompleteCallback, this, &work_) != napi_ok ||
        napi_queue_async_work(env_, work_) != napi_ok) {
      bool pending = false;
      napi_is_exception_pending(env_, &pending);
      if (!pending) ThrowCoded(env_, "ERR_ANNAL_NATIVE", std::string("could not queue ") + resourceName_);
      delete this;
      return nullptr;
    }
    return promise;
  }

 protected:
  // Runs in the libuv pool: no napi calls.
  virtual void Execute() = 0;
  // JS thread: the fulfilment value (undefined by default). May return nullptr on napi failure.
  virtual napi_value Result(napi_env env) {
    napi_value undefined = nullptr;
    napi_get_undefined(env, &undefined);
    return undefined;
  }

  void Fail(int err, const char* syscall) {
    err_ = err;
    syscall_ = syscall;
  }
  void FailClosed(const char* syscall) {
    closed_ = true;
    syscall_ = syscall;
  }

 private:
  static void ExecuteCallback(napi_env, void* data) { static_cast<PromiseWorker*>(data)->Execute(); }

  static void CompleteCallback(napi_env env, napi_status status, void* data) {
    PromiseWorker* self = static_cast<PromiseWorker*>(data);
    if (status != napi_cancelled && self->deferred_ != nullptr) {
      napi_value value = nullptr;
      if (self->closed_) {
        napi_reject_deferred(env, self->deferred_, MakeClosedError(env, self->syscall_));
      } else if (self->err_ != 0) {
        napi_reject_deferred(env, self->deferred_, MakeErrnoError(env, self->err_, self->syscall_));
      } else if ((value = self->Result(env)) != nullptr) {
        napi_resolve_deferred(env, self->deferred_, value);
      }
    }
    delete self;
  }

  napi_env env_;
  const char* resourceName_;
  napi_deferred deferred_ = nullptr;
  napi_async_work work_ = nullptr;
  napi_ref keep_ = nullptr;
  int err_ = 0;
  bool closed_ = false;
  const char* syscall_ = "";
};

// ---- entry points ----------------------------------------------------------------------------
// file.cc
Napi::Value JsOpen(const Napi::CallbackInfo& info);
Napi::Value JsClose(const Napi::CallbackInfo& info);
Napi::Value JsFileLength(const Napi::CallbackInfo& info);
Napi::Value JsFallocate(const Napi::CallbackInfo& info);
Napi::Value JsFtruncate(const Napi::CallbackInfo& info);
Napi::Value JsPreadv(const Napi::CallbackInfo& info);
Napi::Value JsPwritev(const Napi::CallbackInfo& info);
// sync.cc
Napi::Value JsFsync(const Napi::CallbackInfo& info);
Napi::Value JsFdatasync(const Napi::CallbackInfo& info);
Napi::Value JsSyncAsync(const Napi::CallbackInfo& info);
Napi::Value JsMsync(const Napi::CallbackInfo& info);
Napi::Value JsMsyncAsync(const Napi::CallbackInfo& info);
// mapping.cc
Napi::Value JsMap(const Napi::CallbackInfo& info);
Napi::Value JsUnmap(const Napi::CallbackInfo& info);
Napi::Value JsMappingInfo(const Napi::CallbackInfo& info);
Napi::Value JsMadvise(const Napi::CallbackInfo& info);
Napi::Value JsPrefaultAsync(const Napi::CallbackInfo& info);
// lock.cc
Napi::Value JsTryLock(const Napi::CallbackInfo& info);
Napi::Value JsLockAsync(const Napi::CallbackInfo& info);
Napi::Value JsUnlock(const Napi::CallbackInfo& info);
// futex.cc
Napi::Value JsFutexWait(const Napi::CallbackInfo& info);
Napi::Value JsFutexWaitAsync(const Napi::CallbackInfo& info);
Napi::Value JsFutexWake(const Napi::CallbackInfo& info);
// fence.cc
Napi::Value JsMembarrierRegister(const Napi::CallbackInfo& info);
Napi::Value JsMembarrier(const Napi::CallbackInfo& info);
// crc32c.cc
Napi::Value JsCrc32c(const Napi::CallbackInfo& info);
Napi::Value JsCrc32cSoftware(const Napi::CallbackInfo& info);
Napi::Value JsCrc32cRanges(const Napi::CallbackInfo& info);
bool HasHardwareCrc32c();

}  // namespace annal
