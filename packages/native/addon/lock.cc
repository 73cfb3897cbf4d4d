// Open-file-description locks: fcntl(2) F_OFD_SETLK. They belong to the open file description,
// not the process, so two descriptors opened separately in one process conflict with each other
// (unlike POSIX record locks), and closing an unrelated fd does not drop them.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_set>
#include <utility>

#include "addon.h"
#include "args.h"
#include "errno-error.h"
#include "wait.h"

namespace annal {
namespace {

constexpr int64_t kFirstBackoffNs = 50 * 1000;   // 50 µs
constexpr int64_t kMaxBackoffNs = 1000 * 1000;   // 1 ms

// F_OFD_SETLK of one range. Returns 0 when set, EAGAIN when another description holds a
// conflicting lock, else the errno.
int SetOfdLock(int fd, short type, int64_t start, int64_t length) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = static_cast<off_t>(start);
  lock.l_len = static_cast<off_t>(length);
  lock.l_pid = 0;
  for (;;) {
    if (fcntl(fd, F_OFD_SETLK, &lock) == 0) return 0;
    if (errno == EINTR) continue;
    if (errno == EACCES || errno == EAGAIN) return EAGAIN;
    return errno;
  }
}

// Locks through a duplicate of the caller's fd (see DupFd): the lock belongs to the open file
// description, which the duplicate shares, so it is the caller's lock — and if JS closed its fd
// and a new open() got the same number meanwhile, the other file is never locked. The duplicate
// is closed when the wait ends, before the promise settles: a lock taken after the caller closed
// its fd then goes with it.
class LockWait : public WaitOp {
 public:
  LockWait(int fd, bool exclusive, int64_t start, int64_t length, double timeoutMs,
           std::shared_ptr<std::unordered_set<int>> lockedFds)
      : fd_(fd),
        callerFd_(fd),
        type_(exclusive ? F_WRLCK : F_RDLCK),
        start_(start),
        length_(length),
        timeoutMs_(timeoutMs),
        lockedFds_(std::move(lockedFds)) {}

  void Run() override {
    if (fd_.error() != 0) {
      err_ = fd_.error();
    } else {
      Poll();
    }
    fd_.Close();
  }

  void Wake() override {
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  }

  napi_value Settle(napi_env env, bool* reject) override {
    if (err_ != 0) {
      *reject = true;
      return MakeErrnoError(env, err_, "fcntl");
    }
    // As tryLock does: the caller's descriptor now carries a lock, closed at environment teardown
    // unless the caller closes it first.
    if (acquired_) lockedFds_->insert(callerFd_);
    napi_value result = nullptr;
    napi_get_boolean(env, acquired_, &result);
    return result;
  }

 private:
  // Polls F_OFD_SETLK with a backoff from 50 µs doubling to 1 ms. (F_OFD_SETLKW could only be
  // interrupted by a signal, which cannot be aimed at this wait alone.)
  void Poll() {
    const int64_t deadline = timeoutMs_ < 0 ? INT64_MAX : MonotonicNs() + static_cast<int64_t>(timeoutMs_ * 1e6);
    int64_t backoff = kFirstBackoffNs;
    for (;;) {
      int err = SetOfdLock(fd_.get(), type_, start_, length_);
      if (err == 0) {
        acquired_ = true;
        return;
      }
      if (err != EAGAIN) {
        err_ = err;
        return;
      }
      if (cancelled.load()) return;
      int64_t now = MonotonicNs();
      if (now >= deadline) return;
      int64_t sleep = std::min(backoff, deadline - now);
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::nanoseconds(sleep), [this] { return cancelled.load(); });
      if (cancelled.load()) return;
      backoff = std::min(backoff * 2, kMaxBackoffNs);
    }
  }

  DupFd fd_;
  int callerFd_;  // the JS side's descriptor (JS thread only)
  short type_;
  int64_t start_;
  int64_t length_;
  double timeoutMs_;
  std::shared_ptr<std::unordered_set<int>> lockedFds_;  // JS thread only
  std::mutex mu_;
  std::condition_variable cv_;
  bool acquired_ = false;  // written by the thread before `done`, read after settle
  int err_ = 0;
};

struct LockArgs {
  int fd;
  bool exclusive;
  int64_t start;
  int64_t length;
};

// (fd, exclusive, start, length); false after throwing.
bool RequireLockArgs(const Napi::CallbackInfo& info, LockArgs* args) {
  auto fd = RequireFd(info, 0);
  if (!fd) return false;
  auto exclusive = RequireBool(info, 1, "exclusive");
  if (!exclusive) return false;
  auto start = RequireSafeInteger(info, 2, "start");
  if (!start) return false;
  auto length = RequireSafeInteger(info, 3, "length");
  if (!length) return false;
  *args = LockArgs{*fd, *exclusive, *start, *length};
  return true;
}

}  // namespace

// tryLock(fd, exclusive, start, length): true when taken, false when held elsewhere.
Napi::Value JsTryLock(const Napi::CallbackInfo& info) {
  LockArgs args{};
  if (!RequireLockArgs(info, &args)) return Napi::Value();
  int err = SetOfdLock(args.fd, args.exclusive ? F_WRLCK : F_RDLCK, args.start, args.length);
  if (err == EAGAIN) return Napi::Boolean::New(info.Env(), false);
  if (err != 0) {
    ThrowErrno(info.Env(), err, "fcntl");
    return Napi::Value();
  }
  StateOf(info)->lockedFds->insert(args.fd);
  return Napi::Boolean::New(info.Env(), true);
}

// lockAsync(fd, exclusive, start, length, timeoutMs): { promise: Promise<boolean>, cancel() }
Napi::Value JsLockAsync(const Napi::CallbackInfo& info) {
  LockArgs args{};
  if (!RequireLockArgs(info, &args)) return Napi::Value();
  auto timeoutMs = RequireTimeoutMs(info, 4, "timeoutMs");
  if (!timeoutMs) return Napi::Value();
  auto op = std::make_shared<LockWait>(args.fd, args.exclusive, args.start, args.length, *timeoutMs,
                                       StateOf(info)->lockedFds);
  napi_value handle = StartWait(info.Env(), StateOf(info)->waits, op, "annal:lockAsync");
  if (handle == nullptr) return Napi::Value();
  return Napi::Value(info.Env(), handle);
}

// unlock(fd, start, length): F_UNLCK over the range.
Napi::Value JsUnlock(const Napi::CallbackInfo& info) {
  auto fd = RequireFd(info, 0);
  if (!fd) return Napi::Value();
  auto start = RequireSafeInteger(info, 1, "start");
  if (!start) return Napi::Value();
  auto length = RequireSafeInteger(info, 2, "length");
  if (!length) return Napi::Value();
  int err = SetOfdLock(*fd, F_UNLCK, *start, *length);
  if (err != 0) {
    ThrowErrno(info.Env(), err, "fcntl");
    return Napi::Value();
  }
  return info.Env().Undefined();
}

}  // namespace annal
