// The thread + threadsafe-function machinery behind lockAsync and futexWaitAsync (see wait.h).
#include "wait.h"

#include <signal.h>
#include <time.h>

#include <cerrno>
#include <chrono>
#include <vector>

#include "errno-error.h"

namespace annal {
namespace {

constexpr size_t kWaitThreadStack = 256 * 1024;

using OpHolder = std::shared_ptr<WaitOp>;

// How long a thread without work waits for another op before it ends.
constexpr auto kIdleLinger = std::chrono::seconds(10);

// Runs one op on the calling (wait) thread, start to finish.
void RunOp(OpHolder* raw) {
  std::unique_ptr<OpHolder> holder(raw);
  WaitOp* op = holder->get();
  op->Run();
  op->done.store(true);
  napi_threadsafe_function tsfn = op->tsfn;
  // After napi_closing (environment teardown) the TSFN must not be used again, not even released.
  if (napi_call_threadsafe_function(tsfn, nullptr, napi_tsfn_nonblocking) != napi_closing) {
    napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  }
  // The holder (a shared_ptr) keeps the op alive past this, so Join() may return at once.
  op->MarkFinished();
}

// A wait thread, between ops: the next op it is given, if any. Never freed while its thread
// waits on `ready` (threads free their own Runner when they end).
struct Runner {
  std::condition_variable ready;
  OpHolder* next = nullptr;
};

// Idle threads, most recently parked last. Allocated once and never destroyed, so no static
// destructor runs under a parked thread at process exit (the library itself stays loaded:
// addon.cc pins it).
struct Pool {
  std::mutex mutex;
  std::vector<Runner*> idle;
};

Pool& ThePool() {
  static Pool* pool = new Pool();
  return *pool;
}

void* RunnerMain(void* arg) {
  Runner* self = static_cast<Runner*>(arg);
  // Named for `top -H`, `ps -L` and /proc/<pid>/task/*/comm (15 characters at most).
  pthread_setname_np(pthread_self(), "annal-wait");
  Pool& pool = ThePool();
  OpHolder* work = nullptr;
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    work = self->next;
    self->next = nullptr;
  }
  for (;;) {
    RunOp(work);
    std::unique_lock<std::mutex> lock(pool.mutex);
    pool.idle.push_back(self);
    if (!self->ready.wait_for(lock, kIdleLinger, [self] { return self->next != nullptr; })) {
      // No work for a while: leave the pool and end (nobody can hand us an op any more).
      auto& idle = pool.idle;
      for (auto it = idle.begin(); it != idle.end(); ++it) {
        if (*it == self) {
          idle.erase(it);
          break;
        }
      }
      lock.unlock();
      delete self;
      return nullptr;
    }
    work = self->next;
    self->next = nullptr;
  }
}

// Hands `holder` to an idle thread, or starts one for it. Returns 0 or the pthread_create error
// (then the holder was not taken).
int Dispatch(OpHolder* holder) {
  Pool& pool = ThePool();
  {
    std::lock_guard<std::mutex> lock(pool.mutex);
    if (!pool.idle.empty()) {
      Runner* runner = pool.idle.back();
      pool.idle.pop_back();
      runner->next = holder;
      runner->ready.notify_one();
      return 0;
    }
  }
  auto* runner = new Runner();
  runner->next = holder;
  // The thread blocks every signal (like libuv's pool threads), so signals meant for the process
  // are delivered to threads that handle them, and our syscalls rarely see EINTR.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, kWaitThreadStack);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  int err = pthread_create(&thread, &attr, RunnerMain, runner);
  pthread_attr_destroy(&attr);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (err != 0) delete runner;
  return err;
}

// JS thread: settle the promise. env is null while the TSFN is being torn down.
void CallJs(napi_env env, napi_value, void* context, void*) {
  if (env == nullptr) return;
  WaitOp* op = static_cast<WaitOp*>(context);
  if (op->settled) return;
  op->settled = true;
  bool reject = false;
  napi_value value = op->Settle(env, &reject);
  if (value == nullptr) napi_get_undefined(env, &value);
  if (reject) {
    napi_reject_deferred(env, op->deferred, value);
  } else {
    napi_resolve_deferred(env, op->deferred, value);
  }
}

// JS thread: the TSFN is gone (its thread released it, or the environment is being torn down).
void FinalizeTsfn(napi_env env, void* data, void*) {
  std::unique_ptr<OpHolder> holder(static_cast<OpHolder*>(data));
  WaitOp* op = holder->get();
  op->Join();
  op->finalized = true;
  op->ReleaseResources(env);
  if (op->registry) {
    op->registry->Remove(op);
    op->registry.reset();
  }
}

napi_value JsCancel(napi_env env, napi_callback_info info) {
  void* data = nullptr;
  napi_get_cb_info(env, info, nullptr, nullptr, nullptr, &data);
  if (data != nullptr) (*static_cast<OpHolder*>(data))->Cancel();
  napi_value undefined = nullptr;
  napi_get_undefined(env, &undefined);
  return undefined;
}

void DeleteHolder(napi_env, void* data, void*) { delete static_cast<OpHolder*>(data); }

}  // namespace

int64_t MonotonicNs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

void WaitOp::Cancel() {
  if (settled || finalized) return;
  if (cancelled.exchange(true)) return;
  if (!done.load()) Wake();
}

void WaitOp::Join() {
  if (!threadRunning) return;
  if (!done.load()) {
    cancelled.store(true);
    Wake();
  }
  std::unique_lock<std::mutex> lock(finishMutex_);
  finishCv_.wait(lock, [this] { return finished_; });
  threadRunning = false;
}

void WaitOp::MarkFinished() {
  std::lock_guard<std::mutex> lock(finishMutex_);
  finished_ = true;
  finishCv_.notify_all();
}

void WaitRegistry::CancelAll() {
  for (auto& entry : ops_) entry.second->Join();
}

napi_value StartWait(napi_env env, const std::shared_ptr<WaitRegistry>& registry, const std::shared_ptr<WaitOp>& op,
                     const char* resourceName) {
  napi_value promise = nullptr;
  if (napi_create_promise(env, &op->deferred, &promise) != napi_ok) {
    op->ReleaseResources(env);
    return nullptr;
  }
  napi_value name = nullptr;
  napi_create_string_utf8(env, resourceName, NAPI_AUTO_LENGTH, &name);
  auto* finalizeHolder = new OpHolder(op);
  if (napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, finalizeHolder, FinalizeTsfn, op.get(), CallJs,
                                      &op->tsfn) != napi_ok) {
    delete finalizeHolder;
    op->ReleaseResources(env);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) ThrowCoded(env, "ERR_ANNAL_NATIVE", "napi_create_threadsafe_function failed");
    return nullptr;
  }
  // From here FinalizeTsfn owns the cleanup.
  op->registry = registry;
  registry->Add(op);

  auto* threadHolder = new OpHolder(op);
  int err = Dispatch(threadHolder);
  if (err != 0) {
    delete threadHolder;
    op->settled = true;
    napi_release_threadsafe_function(op->tsfn, napi_tsfn_release);
    ThrowErrno(env, err, "pthread_create");
    return nullptr;
  }
  op->threadRunning = true;

  auto* cancelHolder = new OpHolder(op);
  napi_value cancel = nullptr;
  napi_create_function(env, "cancel", NAPI_AUTO_LENGTH, JsCancel, cancelHolder, &cancel);
  // If the finalizer cannot be attached the holder leaks (a few bytes) rather than dangles.
  napi_add_finalizer(env, cancel, cancelHolder, DeleteHolder, nullptr, nullptr);

  napi_value handle = nullptr;
  napi_create_object(env, &handle);
  napi_set_named_property(env, handle, "promise", promise);
  napi_set_named_property(env, handle, "cancel", cancel);
  return handle;
}

}  // namespace annal
