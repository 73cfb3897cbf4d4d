// One mmap(2) region handed to JS as an ArrayBuffer or SharedArrayBuffer, and how the other
// files find it again from a buffer.
//
// Lifetime. A Mapping is referenced by
//   - the buffer's backing store (released by its V8 deleter, which may run on any thread),
//   - the napi_wrap on the original ArrayBuffer object (so mappingInfo/unmap still recognise a
//     detached ArrayBuffer),
//   - each operation in flight that reads or writes its pages (msyncAsync, prefaultAsync,
//     futexWaitAsync, and preadv/pwritev of views over it).
// The pages are released exactly once, when no operation is in flight and either the backing
// store is gone or unmap() ran: an ArrayBuffer's range is munmapped (unless the buffer had been
// transferred away, then its new owner's backing store keeps it until collected); a
// SharedArrayBuffer's file pages are swapped for anonymous zero pages and the range munmapped
// when the backing store goes. The struct is deleted when all three kinds of reference are gone.
#pragma once

#include <napi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "addon.h"

namespace annal {

struct Mapping {
  void* addr = nullptr;
  size_t length = 0;
  bool writable = false;
  bool shared = false;  // SharedArrayBuffer (V8 backing store) rather than external ArrayBuffer

  // unmap() ran, or the range was munmapped after a transferred buffer's new owner was collected:
  // its pages are no longer the file's to use (read lock-free by pool threads).
  std::atomic<bool> unmapped{false};
  std::mutex mu;                      // guards everything below
  bool munmapped = false;
  bool zeroed = false;       // SharedArrayBuffer: the file pages were swapped for zero pages
  bool transferred = false;  // ArrayBuffer: found already detached by unmap() (moved elsewhere)
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

// The Mapping behind a buffer or a view's buffer, else nullptr. Never throws, never runs JS.
Mapping* LookupViewMapping(napi_env env, napi_value value);

// An in-flight reference for the duration of a synchronous call (msync, madvise).
class ScopedMappingOp {
 public:
  explicit ScopedMappingOp(Mapping* mapping) : mapping_(mapping) { AcquireMappingOp(mapping_); }
  ~ScopedMappingOp() { ReleaseMapping(mapping_, MappingRef::kOp); }
  ScopedMappingOp(const ScopedMappingOp&) = delete;
  ScopedMappingOp& operator=(const ScopedMappingOp&) = delete;

 private:
  Mapping* mapping_;
};

// In-flight references on the mappings under a set of buffers/views, so their pages stay mapped
// (and a SharedArrayBuffer's stay the file's) until the operation is done, whatever unmap() does
// meanwhile — on this thread or, for a SharedArrayBuffer, another. Released by the destructor
// (any thread).
class MappingPins {
 public:
  MappingPins() = default;
  ~MappingPins() { Clear(); }
  MappingPins(const MappingPins&) = delete;
  MappingPins& operator=(const MappingPins&) = delete;
  MappingPins(MappingPins&& other) noexcept : pinned_(std::move(other.pinned_)) { other.pinned_.clear(); }

  // Pins the mapping under `value` (buffer or view), if any. JS thread.
  void Pin(napi_env env, napi_value value) {
    Mapping* mapping = LookupViewMapping(env, value);
    if (mapping == nullptr) return;
    for (Mapping* pinned : pinned_) {
      if (pinned == mapping) return;
    }
    AcquireMappingOp(mapping);
    pinned_.push_back(mapping);
  }
  // True when unmap() ran on any pinned mapping (its bytes are no longer the file's to use).
  bool AnyUnmapped() const {
    for (Mapping* pinned : pinned_) {
      if (pinned->unmapped.load()) return true;
    }
    return false;
  }
  void Clear() {
    for (Mapping* pinned : pinned_) ReleaseMapping(pinned, MappingRef::kOp);
    pinned_.clear();
  }

 private:
  std::vector<Mapping*> pinned_;
};

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
