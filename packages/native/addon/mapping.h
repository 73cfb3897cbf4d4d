// One mmap(2) region handed to JS as an ArrayBuffer or SharedArrayBuffer, and how the other
// files find it again from a buffer.
//
// Lifetime. A Mapping is referenced by
//   - the buffer's backing store (released by the external-ArrayBuffer finalizer or the
//     SharedArrayBuffer deleter, which may run on any thread),
//   - the napi_wrap on the original ArrayBuffer object (so mappingInfo/unmap still recognise a
//     detached ArrayBuffer),
//   - each asynchronous operation in flight (msyncAsync, prefaultAsync, futexWaitAsync).
// The address range is munmapped exactly once, when no operation is in flight and either the
// backing store is gone or (ArrayBuffer only) unmap() detached it. The struct is deleted when all
// three kinds of reference are gone.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "addon.h"

namespace annal {

struct Mapping {
  void* addr = nullptr;
  size_t length = 0;
  bool writable = false;
  bool shared = false;  // SharedArrayBuffer (V8 backing store) rather than external ArrayBuffer

  std::atomic<bool> unmapped{false};  // unmap() ran (read lock-free by pool threads)
  std::mutex mu;                      // guards everything below
  bool munmapped = false;
  bool storeAlive = true;
  bool wrapAlive = false;
  uint32_t ops = 0;
};

enum class MappingRef { kStore, kWrap, kOp };

// Drops one reference; may munmap the range and delete the struct. Any thread.
void ReleaseMapping(Mapping* mapping, MappingRef ref);

// Takes an in-flight-operation reference (defers munmap until ReleaseMapping(kOp)).
void AcquireMappingOp(Mapping* mapping);

// The Mapping behind `value` if it is an ArrayBuffer/SharedArrayBuffer returned by map()
// (including a SharedArrayBuffer posted to another thread), else nullptr. Never throws.
// The pointer stays valid while `value` is reachable.
Mapping* LookupMapping(napi_env env, napi_value value);

// Like LookupMapping but throws a TypeError naming `name` when `value` is not a mapping.
Mapping* RequireMapping(const Napi::CallbackInfo& info, size_t i, const char* name);

// Base of the libuv-pool operations on a mapping (msyncAsync, prefaultAsync): keeps the buffer
// reachable and holds an in-flight reference so unmap() cannot munmap under the operation.
// Execute() must check `mapping_->unmapped` first and FailClosed() if set.
class MappingOpWorker : public PromiseWorker {
 public:
  MappingOpWorker(napi_env env, const char* resourceName, Mapping* mapping, napi_value buffer)
      : PromiseWorker(env, resourceName), mapping_(mapping) {
    Keep(buffer);
    AcquireMappingOp(mapping_);
  }
  ~MappingOpWorker() override { ReleaseMapping(mapping_, MappingRef::kOp); }

 protected:
  Mapping* mapping_;
};

// The page-aligned range covering [offset, offset + length) of a mapping.
struct PageRange {
  void* start;
  size_t length;
};
inline PageRange PageRangeOf(const Mapping* mapping, size_t pageSize, uint64_t offset, uint64_t length) {
  uintptr_t begin = reinterpret_cast<uintptr_t>(mapping->addr) + offset;
  uintptr_t aligned = begin & ~static_cast<uintptr_t>(pageSize - 1);
  return PageRange{reinterpret_cast<void*>(aligned), static_cast<size_t>(length + (begin - aligned))};
}

}  // namespace annal
