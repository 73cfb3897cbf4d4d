// Module initialisation of @annal/native: per-instance state, its cleanup hook, the Js* entry
// points and the exported constants. The addon is context-aware: every Node environment (the main
// thread and each worker) gets its own AddonState.
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <node_version.h>
#include <unistd.h>

#include <memory>

#include "addon.h"
#include "wait.h"

namespace annal {
namespace {

// What the environment cleanup hook needs. Owned by the hook itself (not by AddonState), so it
// stays valid whatever order Node tears down instance data and hooks in.
struct Teardown {
  std::shared_ptr<WaitRegistry> waits;
  std::shared_ptr<std::unordered_set<int>> lockedFds;
};

// Runs at environment teardown (process exit, worker termination): stop every waiting thread so
// nothing keeps running against a dead environment.
void CleanupHook(void* arg) {
  std::unique_ptr<Teardown> teardown(static_cast<Teardown*>(arg));
  teardown->waits->CancelAll();
  // A worker ended (terminate() included) with locks held: release them with their descriptors.
  for (int fd : *teardown->lockedFds) close(fd);
  teardown->lockedFds->clear();
}

Napi::Value JsNoop(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }

void SetInt(Napi::Env env, Napi::Object object, const char* key, int value) {
  object.Set(key, Napi::Number::New(env, value));
}

Napi::Object MakeConstants(Napi::Env env) {
  Napi::Object constants = Napi::Object::New(env);
  SetInt(env, constants, "O_RDONLY", O_RDONLY);
  SetInt(env, constants, "O_RDWR", O_RDWR);
  SetInt(env, constants, "O_CREAT", O_CREAT);
  SetInt(env, constants, "O_EXCL", O_EXCL);
  SetInt(env, constants, "O_TRUNC", O_TRUNC);
  SetInt(env, constants, "O_APPEND", O_APPEND);
  SetInt(env, constants, "O_DIRECTORY", O_DIRECTORY);
  SetInt(env, constants, "O_CLOEXEC", O_CLOEXEC);
  SetInt(env, constants, "MADV_NORMAL", MADV_NORMAL);
  SetInt(env, constants, "MADV_RANDOM", MADV_RANDOM);
  SetInt(env, constants, "MADV_SEQUENTIAL", MADV_SEQUENTIAL);
  SetInt(env, constants, "MADV_WILLNEED", MADV_WILLNEED);
  SetInt(env, constants, "MADV_DONTNEED", MADV_DONTNEED);
  napi_object_freeze(env, constants);
  return constants;
}

// Keeps this shared object loaded for the life of the process. Node unloads an addon when the
// last environment that loaded it ends (a worker thread's, for instance), but V8 frees that
// worker's ArrayBuffers only afterwards, in Isolate::Delete: the shared_ptr control blocks of the
// backing stores we made (and the deleters they call) live in this object's code, so freeing
// them after the unload jumped into unmapped memory (SIGSEGV in ArrayBufferSweeper::ReleaseAll
// whenever a worker ended with a mapping alive). RTLD_NODELETE on our own handle prevents it.
void PinThisLibrary() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&PinThisLibrary), &info) != 0 && info.dli_fname != nullptr) {
    // RTLD_NOLOAD: only take another reference to the object already loaded; never load anew.
    dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  PinThisLibrary();
  auto* state = new AddonState();
  long pageSize = sysconf(_SC_PAGESIZE);
  state->pageSize = pageSize > 0 ? static_cast<size_t>(pageSize) : 4096;
  state->waits = std::make_shared<WaitRegistry>();
  state->lockedFds = std::make_shared<std::unordered_set<int>>();
  env.SetInstanceData<AddonState>(state);  // deleted by node-addon-api's default finalizer
  napi_add_env_cleanup_hook(env, CleanupHook, new Teardown{state->waits, state->lockedFds});

  // Template form: a static trampoline per entry point, no per-function heap data.
#define ANNAL_EXPORT(name, callback) exports.Set(name, Napi::Function::New<callback>(env, name, state))
  ANNAL_EXPORT("noop", JsNoop);
  // file.cc
  ANNAL_EXPORT("open", JsOpen);
  ANNAL_EXPORT("close", JsClose);
  ANNAL_EXPORT("fileLength", JsFileLength);
  ANNAL_EXPORT("fallocate", JsFallocate);
  ANNAL_EXPORT("ftruncate", JsFtruncate);
  ANNAL_EXPORT("preadv", JsPreadv);
  ANNAL_EXPORT("pwritev", JsPwritev);
  // sync.cc
  ANNAL_EXPORT("fsync", JsFsync);
  ANNAL_EXPORT("fdatasync", JsFdatasync);
  ANNAL_EXPORT("syncAsync", JsSyncAsync);
  ANNAL_EXPORT("msync", JsMsync);
  ANNAL_EXPORT("msyncAsync", JsMsyncAsync);
  // mapping.cc
  ANNAL_EXPORT("map", JsMap);
  ANNAL_EXPORT("unmap", JsUnmap);
  ANNAL_EXPORT("mappingInfo", JsMappingInfo);
  ANNAL_EXPORT("madvise", JsMadvise);
  ANNAL_EXPORT("prefaultAsync", JsPrefaultAsync);
  // lock.cc
  ANNAL_EXPORT("tryLock", JsTryLock);
  ANNAL_EXPORT("lockAsync", JsLockAsync);
  ANNAL_EXPORT("unlock", JsUnlock);
  // futex.cc
  ANNAL_EXPORT("futexWait", JsFutexWait);
  ANNAL_EXPORT("futexWaitAsync", JsFutexWaitAsync);
  ANNAL_EXPORT("futexWake", JsFutexWake);
  // fence.cc
  ANNAL_EXPORT("membarrierRegister", JsMembarrierRegister);
  ANNAL_EXPORT("membarrier", JsMembarrier);
  // crc32c.cc
  ANNAL_EXPORT("crc32c", JsCrc32c);
  ANNAL_EXPORT("crc32cSoftware", JsCrc32cSoftware);
  ANNAL_EXPORT("crc32cRanges", JsCrc32cRanges);
#undef ANNAL_EXPORT
  exports.Set("pageSize", Napi::Number::New(env, static_cast<double>(state->pageSize)));
  exports.Set("hasHardwareCrc32c", Napi::Boolean::New(env, HasHardwareCrc32c()));
  exports.Set("constants", MakeConstants(env));
  // The Node ABI these objects were compiled against: mapping.cc reaches V8's C++ API (Node-API
  // cannot yet make a SharedArrayBuffer over external memory on Node 20 and 22), which is only
  // sound under the same NODE_MODULE_VERSION. The loader refuses a binary whose number differs.
  exports.Set("nodeModuleVersion", Napi::Number::New(env, NODE_MODULE_VERSION));
  return exports;
}

}  // namespace
}  // namespace annal

static Napi::Object InitAnnal(Napi::Env env, Napi::Object exports) { return annal::Init(env, exports); }

NODE_API_MODULE(annal, InitAnnal)
