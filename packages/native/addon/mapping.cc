// mmap(2)/munmap(2)/madvise(2): files mapped into memory as ArrayBuffers or SharedArrayBuffers,
// both over a V8 backing store that points at the mapping. (Not napi_create_external_arraybuffer:
// on Node 20 it refuses lengths over 4 GiB, and then calls the finalizer itself before failing.)
#include <sys/mman.h>

#include <cerrno>
#include <string>
#include <unordered_map>

#include "addon.h"
#include "args.h"
#include "errno-error.h"
#include "mapping.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace annal {
namespace {

// Marks ArrayBuffers created by map() (STYLE R28: every wrapped handle is type-tagged).
const napi_type_tag kMappingTag = {0x616e6e616c2d6d61ULL, 0x7070696e672d7631ULL};

// SharedArrayBuffer mappings by base address. Process-wide on purpose: a SharedArrayBuffer
// posted to a worker is a new JS object in another environment (another addon instance) over
// the same backing store, and the only way to recognise it there is its address. The deleter
// that unregisters an entry may run on any thread, even after the creating environment is gone,
// so the registry is never destroyed (allocated once, intentionally leaked).
struct SharedRegistry {
  std::mutex mu;
  std::unordered_map<uintptr_t, Mapping*> byAddress;
};

SharedRegistry& Shared() {
  static SharedRegistry* registry = new SharedRegistry();
  return *registry;
}

// Swaps a SharedArrayBuffer mapping's file pages for anonymous zero pages. Returns 0 or errno.
int ZeroPages(Mapping* mapping) {
  void* replaced = mmap(mapping->addr, mapping->length, PROT_READ | PROT_WRITE,
                        MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return replaced == MAP_FAILED ? errno : 0;
}

// Releases what may be released now (see mapping.h). Any thread, mapping->mu held.
void ReleasePagesLocked(Mapping* mapping) {
  if (mapping->munmapped || mapping->ops != 0) return;
  if (!mapping->storeAlive) {
    munmap(mapping->addr, mapping->length);
    mapping->munmapped = true;
    mapping->unmapped.store(true);  // a transferred ArrayBuffer's new owner was collected
    return;
  }
  if (!mapping->unmapped.load()) return;
  if (mapping->shared) {
    // Deferred from unmap() while an operation was in flight. If it fails now (ENOMEM), the
    // file pages simply stay mapped until the backing store goes.
    if (!mapping->zeroed) ZeroPages(mapping);
    mapping->zeroed = true;
  } else if (!mapping->transferred) {
    munmap(mapping->addr, mapping->length);
    mapping->munmapped = true;
  }
}

// V8 backing-store deleter of an ArrayBuffer mapping: any thread (V8 may free backing stores on
// a background thread), no V8 calls allowed.
void DeleteExternal(void*, size_t, void* deleterData) {
  ReleaseMapping(static_cast<Mapping*>(deleterData), MappingRef::kStore);
}

// Whether this runtime lets a buffer point at memory V8 did not allocate. Where it does not (a V8
// memory cage, e.g. Electron), handing V8 the mapping would crash, and a copy would silently
// break persistence: map() refuses instead (STYLE R28). Node-API knows; ask it once per instance
// with a one-byte external buffer that needs no finalizer.
bool ExternalBuffersAllowed(napi_env env, AddonState* state) {
  if (state->externalBuffersOk < 0) {
    static uint8_t probeByte = 0;
    napi_value probe = nullptr;
    napi_status status = napi_create_external_arraybuffer(env, &probeByte, 1, nullptr, nullptr, &probe);
    if (status == napi_no_external_buffers_allowed) {
      state->externalBuffersOk = 0;
    } else {
      // Any other failure says nothing about external buffers: forget it and go on.
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value ignored = nullptr;
        napi_get_and_clear_last_exception(env, &ignored);
      }
      state->externalBuffersOk = 1;
    }
  }
  return state->externalBuffersOk == 1;
}

// napi_wrap finalizer of the original ArrayBuffer object (JS thread).
void FinalizeWrap(napi_env, void* data, void*) { ReleaseMapping(static_cast<Mapping*>(data), MappingRef::kWrap); }

// V8 backing-store deleter of a SharedArrayBuffer mapping: any thread, no V8 calls allowed.
void DeleteShared(void*, size_t, void* deleterData) {
  Mapping* mapping = static_cast<Mapping*>(deleterData);
  {
    // Unregister before the range can be munmapped and its address reused by a new mapping.
    SharedRegistry& registry = Shared();
    std::lock_guard<std::mutex> lock(registry.mu);
    auto it = registry.byAddress.find(reinterpret_cast<uintptr_t>(mapping->addr));
    if (it != registry.byAddress.end() && it->second == mapping) registry.byAddress.erase(it);
  }
  ReleaseMapping(mapping, MappingRef::kStore);
}

napi_value MakeMappingInfo(napi_env env, const Mapping* mapping) {
  napi_value object = nullptr;
  napi_value address = nullptr;
  napi_value length = nullptr;
  napi_value unmapped = nullptr;
  napi_create_object(env, &object);
  napi_create_double(env, static_cast<double>(reinterpret_cast<uintptr_t>(mapping->addr)), &address);
  napi_create_double(env, static_cast<double>(mapping->length), &length);
  napi_get_boolean(env, mapping->unmapped.load(), &unmapped);
  napi_set_named_property(env, object, "address", address);
  napi_set_named_property(env, object, "length", length);
  napi_set_named_property(env, object, "unmapped", unmapped);
  return object;
}

// The advice values madvise() passes through: hints, (un)populating, fork/dump/THP/KSM flags.
// Refused: MADV_REMOVE (punches a hole: data loss), MADV_FREE/WIPEONFORK/KEEPONFORK/
// DONTNEED_LOCKED (not for shared file mappings), MADV_HWPOISON/SOFT_OFFLINE (poison pages) and
// MADV_GUARD_INSTALL (Linux 6.13+: the next access is a SIGSEGV) — any of them from a bug in the
// caller would crash the process or lose data.
bool IsHarmlessAdvice(int advice) {
  switch (advice) {
    case 0:   // MADV_NORMAL
    case 1:   // MADV_RANDOM
    case 2:   // MADV_SEQUENTIAL
    case 3:   // MADV_WILLNEED
    case 4:   // MADV_DONTNEED (a shared file mapping re-reads the file)
    case 10:  // MADV_DONTFORK
    case 11:  // MADV_DOFORK
    case 12:  // MADV_MERGEABLE
    case 13:  // MADV_UNMERGEABLE
    case 14:  // MADV_HUGEPAGE
    case 15:  // MADV_NOHUGEPAGE
    case 16:  // MADV_DONTDUMP
    case 17:  // MADV_DODUMP
    case 20:  // MADV_COLD
    case 21:  // MADV_PAGEOUT
    case 22:  // MADV_POPULATE_READ
    case 23:  // MADV_POPULATE_WRITE
    case 25:  // MADV_COLLAPSE
      return true;
    default:
      return false;
  }
}

bool IsPendingException(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  return pending;
}

// Faults in [start, start + length): MADV_POPULATE_{WRITE,READ}, or touching every page where
// the kernel lacks them (< 5.14). The write touch adds zero atomically, so it never loses a
// concurrent writer's store.
int PrefaultRange(void* start, size_t length, bool writable, size_t pageSize) {
  if (length == 0) return 0;
  int advice = writable ? MADV_POPULATE_WRITE : MADV_POPULATE_READ;
  for (;;) {
    if (madvise(start, length, advice) == 0) return 0;
    if (errno == EINTR || errno == EAGAIN) continue;
    if (errno != EINVAL) return errno;
    break;
  }
  uint8_t* page = static_cast<uint8_t*>(start);
  uint8_t* end = page + length;
  for (; page < end; page += pageSize) {
    if (writable) {
      __atomic_fetch_add(reinterpret_cast<volatile uint8_t*>(page), static_cast<uint8_t>(0), __ATOMIC_RELAXED);
    } else {
      (void)*reinterpret_cast<volatile uint8_t*>(page);
    }
  }
  return 0;
}

class PrefaultWorker : public MappingOpWorker {
 public:
  PrefaultWorker(napi_env env, Mapping* mapping, napi_value buffer, PageRange range, size_t pageSize)
      : MappingOpWorker(env, "annal:prefault", mapping, buffer), range_(range), pageSize_(pageSize) {}

  void Execute() override {
    if (mapping_->unmapped.load()) return FailClosed("madvise");
    int err = PrefaultRange(range_.start, range_.length, mapping_->writable, pageSize_);
    if (err != 0) Fail(err, "madvise");
  }

 private:
  PageRange range_;
  size_t pageSize_;
};

}  // namespace

void AcquireMappingOp(Mapping* mapping) {
  std::lock_guard<std::mutex> lock(mapping->mu);
  mapping->ops++;
}

void ReleaseMapping(Mapping* mapping, MappingRef ref) {
  bool destroy = false;
  {
    std::lock_guard<std::mutex> lock(mapping->mu);
    switch (ref) {
      case MappingRef::kStore:
        mapping->storeAlive = false;
        break;
      case MappingRef::kWrap:
        mapping->wrapAlive = false;
        break;
      case MappingRef::kOp:
        mapping->ops--;
        break;
    }
    ReleasePagesLocked(mapping);
    destroy = !mapping->storeAlive && !mapping->wrapAlive && mapping->ops == 0;
  }
  if (destroy) delete mapping;
}

Mapping* LookupMapping(napi_env env, napi_value value) {
  if (value == nullptr) return nullptr;
  v8::Local<v8::Value> v = ToV8(value);
  if (v->IsArrayBuffer()) {
    bool tagged = false;
    if (napi_check_object_type_tag(env, value, &kMappingTag, &tagged) != napi_ok || !tagged) return nullptr;
    void* data = nullptr;
    if (napi_unwrap(env, value, &data) != napi_ok) return nullptr;
    return static_cast<Mapping*>(data);
  }
  if (v->IsSharedArrayBuffer()) {
    v8::Local<v8::SharedArrayBuffer> buffer = v.As<v8::SharedArrayBuffer>();
    void* data = buffer->Data();
    if (data == nullptr) return nullptr;
    SharedRegistry& registry = Shared();
    std::lock_guard<std::mutex> lock(registry.mu);
    auto it = registry.byAddress.find(reinterpret_cast<uintptr_t>(data));
    if (it == registry.byAddress.end() || it->second->length != buffer->ByteLength()) return nullptr;
    return it->second;
  }
  return nullptr;
}

Mapping* LookupViewMapping(napi_env env, napi_value value) {
  if (value == nullptr) return nullptr;
  v8::Local<v8::Value> v = ToV8(value);
  if (v->IsArrayBufferView()) {
    v8::Local<v8::Value> buffer = v.As<v8::ArrayBufferView>()->Buffer();
    return LookupMapping(env, FromV8(buffer));
  }
  return LookupMapping(env, value);
}

Mapping* RequireMapping(const Napi::CallbackInfo& info, size_t i, const char* name) {
  napi_value value = info[i];
  Mapping* mapping = LookupMapping(info.Env(), value);
  if (mapping == nullptr) {
    ThrowBadArgument(info.Env(), false, name, "an ArrayBuffer or SharedArrayBuffer returned by map()", value);
  }
  return mapping;
}

// map(fd, offset, length, writable, shared, populate): ArrayBuffer | SharedArrayBuffer
Napi::Value JsMap(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  AddonState* state = StateOf(info);
  auto fd = RequireFd(info, 0);
  if (!fd) return Napi::Value();
  auto offset = RequireSafeInteger(info, 1, "offset");
  if (!offset) return Napi::Value();
  if (static_cast<uint64_t>(*offset) % state->pageSize != 0) {
    ThrowArgumentError(env, true,
                       "offset must be a multiple of the page size (" + std::to_string(state->pageSize) +
                           "): offset=" + std::to_string(*offset));
    return Napi::Value();
  }
  auto length = RequireSafeInteger(info, 2, "length");
  if (!length) return Napi::Value();
  if (*length == 0) {
    ThrowArgumentError(env, true, "length must be a positive safe integer: length=0");
    return Napi::Value();
  }
  auto writable = RequireBool(info, 3, "writable");
  if (!writable) return Napi::Value();
  auto shared = RequireBool(info, 4, "shared");
  if (!shared) return Napi::Value();
  auto populate = RequireBool(info, 5, "populate");
  if (!populate) return Napi::Value();

  if (!ExternalBuffersAllowed(env, state)) {
    ThrowCoded(env, "ERR_ANNAL_EXTERNAL_BUFFERS_FORBIDDEN",
               "mmap failed: this runtime forbids external ArrayBuffers (e.g. a V8 memory cage), and copying "
               "the mapping would silently break persistence (ERR_ANNAL_EXTERNAL_BUFFERS_FORBIDDEN)",
               "mmap");
    return Napi::Value();
  }

  size_t size = static_cast<size_t>(*length);
  int prot = PROT_READ | (*writable ? PROT_WRITE : 0);
  int flags = MAP_SHARED | (*populate ? MAP_POPULATE : 0);
  void* addr = mmap(nullptr, size, prot, flags, *fd, static_cast<off_t>(*offset));
  if (addr == MAP_FAILED) {
    ThrowErrno(env, errno, "mmap");
    return Napi::Value();
  }

  Mapping* mapping = new Mapping();
  mapping->addr = addr;
  mapping->length = size;
  mapping->writable = *writable;
  mapping->shared = *shared;

  // From here the backing store's deleter owns the store reference: it munmaps (once nothing
  // else holds the mapping) when V8 frees the store, on whatever thread.
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  if (!*shared) {
    std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(addr, size, DeleteExternal, mapping);
    v8::Local<v8::ArrayBuffer> object = v8::ArrayBuffer::New(isolate, std::shared_ptr<v8::BackingStore>(std::move(store)));
    napi_value buffer = FromV8(object);
    // Tag and wrap the object so unmap() and mappingInfo() recognise it even after it is detached.
    {
      std::lock_guard<std::mutex> lock(mapping->mu);
      mapping->wrapAlive = true;
    }
    if (napi_type_tag_object(env, buffer, &kMappingTag) != napi_ok ||
        napi_wrap(env, buffer, mapping, FinalizeWrap, nullptr, nullptr) != napi_ok) {
      ReleaseMapping(mapping, MappingRef::kWrap);  // the store reference still munmaps on GC
      if (!IsPendingException(env)) ThrowCoded(env, "ERR_ANNAL_NATIVE", "could not tag the mapping", "mmap");
      return Napi::Value();
    }
    return Napi::Value(env, buffer);
  }

  std::unique_ptr<v8::BackingStore> store = v8::SharedArrayBuffer::NewBackingStore(addr, size, DeleteShared, mapping);
  {
    SharedRegistry& registry = Shared();
    std::lock_guard<std::mutex> lock(registry.mu);
    registry.byAddress[reinterpret_cast<uintptr_t>(addr)] = mapping;
  }
  v8::Local<v8::SharedArrayBuffer> buffer =
      v8::SharedArrayBuffer::New(isolate, std::shared_ptr<v8::BackingStore>(std::move(store)));
  return Napi::Value(env, FromV8(buffer));
}

// unmap(buffer): idempotent.
Napi::Value JsUnmap(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  Mapping* mapping = RequireMapping(info, 0, "buffer");
  if (mapping == nullptr) return Napi::Value();
  if (mapping->unmapped.load()) return info.Env().Undefined();

  if (!mapping->shared) {
    // Already detached without unmap(): transferred (postMessage, structuredClone), so another
    // ArrayBuffer now owns the backing store, and the range may only go with that store.
    bool transferred = ToV8(info[0]).As<v8::ArrayBuffer>()->WasDetached();
    // Detach first: only a buffer no JS view can reach may be munmapped.
    if (!transferred) {
      napi_status status = napi_detach_arraybuffer(env, info[0]);
      if (status != napi_ok) {
        if (!IsPendingException(env)) ThrowCoded(env, "ERR_ANNAL_NATIVE", "could not detach the mapping", "munmap");
        return Napi::Value();
      }
    }
    std::lock_guard<std::mutex> lock(mapping->mu);
    mapping->transferred = transferred;
    mapping->unmapped.store(true);
    ReleasePagesLocked(mapping);  // deferred while an operation is in flight
    return info.Env().Undefined();
  }

  // A SharedArrayBuffer cannot be detached: swap the file pages for anonymous zero pages, so the
  // file is released and stale views (here or in other threads) read zeros instead of faulting.
  // Deferred while an operation is in flight (it must see the file's pages to the end). The
  // deleter munmaps the range once the last SharedArrayBuffer over it is collected.
  std::lock_guard<std::mutex> lock(mapping->mu);
  if (mapping->unmapped.load()) return info.Env().Undefined();
  if (mapping->ops == 0 && !mapping->munmapped) {
    int err = ZeroPages(mapping);
    if (err != 0) {
      ThrowErrno(env, err, "mmap");
      return Napi::Value();
    }
    mapping->zeroed = true;
  }
  mapping->unmapped.store(true);
  return info.Env().Undefined();
}

// mappingInfo(buffer): { address, length, unmapped }
Napi::Value JsMappingInfo(const Napi::CallbackInfo& info) {
  Mapping* mapping = RequireMapping(info, 0, "buffer");
  if (mapping == nullptr) return Napi::Value();
  return Napi::Value(info.Env(), MakeMappingInfo(info.Env(), mapping));
}

// madvise(buffer, offset, length, advice)
Napi::Value JsMadvise(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  Mapping* mapping = RequireMapping(info, 0, "buffer");
  if (mapping == nullptr) return Napi::Value();
  auto offset = RequireSafeInteger(info, 1, "offset");
  if (!offset) return Napi::Value();
  auto length = RequireSafeInteger(info, 2, "length");
  if (!length) return Napi::Value();
  auto advice = RequireInt32(info, 3, "advice");
  if (!advice) return Napi::Value();
  if (!IsHarmlessAdvice(*advice)) {
    ThrowBadArgument(env, true, "advice",
                     "an madvise advice that cannot destroy data or make the mapping inaccessible "
                     "(0-4, 10-17, 20-23, 25)",
                     info[3]);
    return Napi::Value();
  }
  if (!RequireRange(env, *offset, *length, mapping->length, "offset", "length", "buffer.byteLength")) {
    return Napi::Value();
  }
  ScopedMappingOp op(mapping);  // the range stays mapped until madvise returns
  if (mapping->unmapped.load()) {
    napi_throw(env, MakeClosedError(env, "madvise"));
    return Napi::Value();
  }
  PageRange range = PageRangeOf(mapping, StateOf(info)->pageSize, *offset, *length);
  while (madvise(range.start, range.length, *advice) != 0) {
    if (errno == EINTR || errno == EAGAIN) continue;
    ThrowErrno(env, errno, "madvise");
    return Napi::Value();
  }
  return info.Env().Undefined();
}

// prefaultAsync(buffer, offset, length): Promise<void>
Napi::Value JsPrefaultAsync(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  Mapping* mapping = RequireMapping(info, 0, "buffer");
  if (mapping == nullptr) return Napi::Value();
  auto offset = RequireSafeInteger(info, 1, "offset");
  if (!offset) return Napi::Value();
  auto length = RequireSafeInteger(info, 2, "length");
  if (!length) return Napi::Value();
  if (!RequireRange(env, *offset, *length, mapping->length, "offset", "length", "buffer.byteLength")) {
    return Napi::Value();
  }
  size_t pageSize = StateOf(info)->pageSize;
  PageRange range = PageRangeOf(mapping, pageSize, *offset, *length);
  napi_value promise = (new PrefaultWorker(env, mapping, info[0], range, pageSize))->Queue();
  return promise == nullptr ? Napi::Value() : Napi::Value(env, promise);
}

}  // namespace annal
