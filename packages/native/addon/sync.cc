// The durability family: fsync(2), fdatasync(2), msync(2), on the JS thread or in the libuv pool.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "addon.h"
#include "args.h"
#include "errno-error.h"
#include "mapping.h"

namespace annal {
namespace {

// fsync(2) or fdatasync(2), retried on EINTR. Returns 0 or the errno.
int SyncFd(int fd, bool dataOnly) {
  for (;;) {
    int result = dataOnly ? fdatasync(fd) : fsync(fd);
    if (result == 0) return 0;
    if (errno != EINTR) return errno;
  }
}

// msync(2) of a page-aligned range, retried on EINTR. Returns 0 or the errno.
int SyncRange(PageRange range, int flags) {
  if (range.length == 0) return 0;
  for (;;) {
    if (msync(range.start, range.length, flags) == 0) return 0;
    if (errno != EINTR) return errno;
  }
}

// Syncs a duplicate of the caller's fd (see DupFd): JS may close its fd before the job runs.
class SyncFdWorker : public PromiseWorker {
 public:
  SyncFdWorker(napi_env env, int fd, bool dataOnly) : PromiseWorker(env, "annal:sync"), fd_(fd), dataOnly_(dataOnly) {}
  void Execute() override {
    int err = fd_.error() != 0 ? fd_.error() : SyncFd(fd_.get(), dataOnly_);
    fd_.Close();  // before the promise settles
    if (err != 0) Fail(err, dataOnly_ ? "fdatasync" : "fsync");
  }

 private:
  DupFd fd_;
  bool dataOnly_;
};

class MsyncWorker : public MappingOpWorker {
 public:
  MsyncWorker(napi_env env, Mapping* mapping, napi_value buffer, PageRange range)
      : MappingOpWorker(env, "annal:msync", mapping, buffer), range_(range) {}
  void Execute() override {
    if (mapping_->unmapped.load()) return FailClosed("msync");
    int err = SyncRange(range_, MS_SYNC);
    if (err != 0) Fail(err, "msync");
  }

 private:
  PageRange range_;
};

Napi::Value SyncOnJsThread(const Napi::CallbackInfo& info, bool dataOnly) {
  auto fd = RequireFd(info, 0);
  if (!fd) return Napi::Value();
  int err = SyncFd(*fd, dataOnly);
  if (err != 0) {
    ThrowErrno(info.Env(), err, dataOnly ? "fdatasync" : "fsync");
    return Napi::Value();
  }
  return info.Env().Undefined();
}

// Validates (buffer, offset, length) of msync/msyncAsync; nullptr after throwing.
Mapping* RequireMappingRange(const Napi::CallbackInfo& info, PageRange* range) {
  Mapping* mapping = RequireMapping(info, 0, "buffer");
  if (mapping == nullptr) return nullptr;
  auto offset = RequireSafeInteger(info, 1, "offset");
  if (!offset) return nullptr;
  auto length = RequireSafeInteger(info, 2, "length");
  if (!length) return nullptr;
  if (!RequireRange(info.Env(), *offset, *length, mapping->length, "offset", "length", "buffer.byteLength")) {
    return nullptr;
  }
  *range = PageRangeOf(mapping, StateOf(info)->pageSize, *offset, *length);
  return mapping;
}

}  // namespace

// fsync(fd)
Napi::Value JsFsync(const Napi::CallbackInfo& info) { return SyncOnJsThread(info, false); }

// fdatasync(fd)
Napi::Value JsFdatasync(const Napi::CallbackInfo& info) { return SyncOnJsThread(info, true); }

// syncAsync(fd, dataOnly): Promise<void>
Napi::Value JsSyncAsync(const Napi::CallbackInfo& info) {
  auto fd = RequireFd(info, 0);
  if (!fd) return Napi::Value();
  auto dataOnly = RequireBool(info, 1, "dataOnly");
  if (!dataOnly) return Napi::Value();
  napi_value promise = (new SyncFdWorker(info.Env(), *fd, *dataOnly))->Queue();
  return promise == nullptr ? Napi::Value() : Napi::Value(info.Env(), promise);
}

// msync(buffer, offset, length, async): offset is rounded down to its page.
Napi::Value JsMsync(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  PageRange range{};
  Mapping* mapping = RequireMappingRange(info, &range);
  if (mapping == nullptr) return Napi::Value();
  auto async = RequireBool(info, 3, "async");
  if (!async) return Napi::Value();
  ScopedMappingOp op(mapping);  // the range stays mapped until msync returns
  if (mapping->unmapped.load()) {
    napi_throw(env, MakeClosedError(env, "msync"));
    return Napi::Value();
  }
  int err = SyncRange(range, *async ? MS_ASYNC : MS_SYNC);
  if (err != 0) {
    ThrowErrno(env, err, "msync");
    return Napi::Value();
  }
  return info.Env().Undefined();
}

// msyncAsync(buffer, offset, length): Promise<void>, MS_SYNC in the libuv pool.
Napi::Value JsMsyncAsync(const Napi::CallbackInfo& info) {
  PageRange range{};
  Mapping* mapping = RequireMappingRange(info, &range);
  if (mapping == nullptr) return Napi::Value();
  napi_value promise = (new MsyncWorker(info.Env(), mapping, info[0], range))->Queue();
  return promise == nullptr ? Napi::Value() : Napi::Value(info.Env(), promise);
}

}  // namespace annal
