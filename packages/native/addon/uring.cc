// Batched positional writes + fdatasync through io_uring, with raw syscalls (io_uring_setup,
// io_uring_enter, io_uring_register) and <linux/io_uring.h> only — no liburing. Falls back to
// pwrite per buffer + fdatasync where the kernel refuses io_uring (ENOSYS, EPERM when disabled by
// sysctl or seccomp, EINVAL) or lacks IORING_OP_WRITE/FSYNC.
//
// Rings are cached per addon instance in a small pool, so concurrent batches (the libuv pool
// runs four) each get their own ring instead of queueing behind a mutex.
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
#include "errno-error.h"
#include "mapping.h"

namespace annal {

namespace {

constexpr unsigned kRingEntries = 128;
constexpr size_t kMaxIdleRings = 4;
constexpr uint64_t kSyncTag = ~0ULL;
constexpr size_t kMaxWriteChunk = 1u << 30;       // io_uring len is 32-bit
constexpr size_t kMaxPwriteChunk = 0x7ffff000;    // Linux caps one write at this
constexpr int kMaxStalledRounds = 100;

struct WriteItem {
  const uint8_t* data;
  size_t left;
  uint64_t position;
};

// One io_uring instance: its fd and the three shared memory areas.
class Ring {
 public:
  ~Ring() { Close(); }

  // Returns 0, or the errno of the failing step (EOPNOTSUPP when WRITE/FSYNC are unsupported).
  int Setup(unsigned entries) {
    io_uring_params params;
    std::memset(&params, 0, sizeof(params));
    long fd = syscall(__NR_io_uring_setup, entries, &params);
    if (fd < 0) return errno;
    fd_ = static_cast<int>(fd);
    sqRingSize_ = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    cqRingSize_ = params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe);
    bool single = (params.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single) sqRingSize_ = cqRingSize_ = std::max(sqRingSize_, cqRingSize_);
    sqRing_ = mmap(nullptr, sqRingSize_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQ_RING);
    if (sqRing_ == MAP_FAILED) return errno;
    if (single) {
      cqRing_ = sqRing_;
    } else {
      cqRing_ = mmap(nullptr, cqRingSize_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_CQ_RING);
      if (cqRing_ == MAP_FAILED) return errno;
    }
    sqesSize_ = params.sq_entries * sizeof(io_uring_sqe);
    void* sqes = mmap(nullptr, sqesSize_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQES);
    if (sqes == MAP_FAILED) return errno;
    sqes_ = static_cast<io_uring_sqe*>(sqes);

    uint8_t* sq = static_cast<uint8_t*>(sqRing_);
    sqHead_ = reinterpret_cast<unsigned*>(sq + params.sq_off.head);
    sqTail_ = reinterpret_cast<unsigned*>(sq + params.sq_off.tail);
    sqMask_ = *reinterpret_cast<unsigned*>(sq + params.sq_off.ring_mask);
    sqArray_ = reinterpret_cast<unsigned*>(sq + params.sq_off.array);
    sqEntries_ = params.sq_entries;
    uint8_t* cq = static_cast<uint8_t*>(cqRing_);
    cqHead_ = reinterpret_cast<unsigned*>(cq + params.cq_off.head);
    cqTail_ = reinterpret_cast<unsigned*>(cq + params.cq_off.tail);
    cqMask_ = *reinterpret_cast<unsigned*>(cq + params.cq_off.ring_mask);
    cqes_ = reinterpret_cast<io_uring_cqe*>(cq + params.cq_off.cqes);
    return SupportsWriteAndFsync() ? 0 : EOPNOTSUPP;
  }

  unsigned capacity() const { return sqEntries_; }
  bool broken() const { return broken_; }

  // The next free SQE, zeroed. The caller fills at most capacity() per Submit().
  io_uring_sqe* NextSqe() {
    unsigned index = pendingTail_ & sqMask_;
    io_uring_sqe* sqe = &sqes_[index];
    std::memset(sqe, 0, sizeof(*sqe));
    sqArray_[index] = index;
    pendingTail_++;
    return sqe;
  }

  // Submits every SQE from NextSqe() and waits for as many completions, handing each to
  // onCompletion(user_data, res). Returns 0 or the errno of io_uring_enter (the ring is then
  // broken and must not be reused).
  template <typename F>
  int SubmitAndWait(F onCompletion) {
    unsigned count = pendingTail_ - *sqTail_;
    __atomic_store_n(sqTail_, pendingTail_, __ATOMIC_RELEASE);
    unsigned toSubmit = count;
    unsigned reaped = 0;
    while (reaped < count) {
      long result = syscall(__NR_io_uring_enter, fd_, toSubmit, count - reaped, IORING_ENTER_GETEVENTS, nullptr, 0);
      if (result < 0) {
        if (errno != EINTR && errno != EAGAIN && errno != EBUSY) {
          broken_ = true;
          return errno;
        }
      } else {
        toSubmit -= std::min<unsigned>(toSubmit, static_cast<unsigned>(result));
      }
      reaped += Reap(onCompletion);
    }
    return 0;
  }

 private:
  template <typename F>
  unsigned Reap(F onCompletion) {
    unsigned head = *cqHead_;
    unsigned tail = __atomic_load_n(cqTail_, __ATOMIC_ACQUIRE);
    unsigned count = 0;
    for (; head != tail; head++, count++) {
      const io_uring_cqe& cqe = cqes_[head & cqMask_];
      onCompletion(cqe.user_data, cqe.res);
    }
    __atomic_store_n(cqHead_, head, __ATOMIC_RELEASE);
    return count;
  }

  bool SupportsWriteAndFsync() {
    std::vector<uint8_t> buffer(sizeof(io_uring_probe) + 256 * sizeof(io_uring_probe_op), 0);
    auto* probe = reinterpret_cast<io_uring_probe*>(buffer.data());
    if (syscall(__NR_io_uring_register, fd_, IORING_REGISTER_PROBE, probe, 256) < 0) return false;
    auto supported = [probe](unsigned op) {
      return op <= probe->last_op && op < probe->ops_len && (probe->ops[op].flags & IO_URING_OP_SUPPORTED) != 0;
    };
    return supported(IORING_OP_WRITE) && supported(IORING_OP_FSYNC);
  }

  void Close() {
    if (sqes_ != nullptr) munmap(sqes_, sqesSize_);
    if (cqRing_ != MAP_FAILED && cqRing_ != sqRing_) munmap(cqRing_, cqRingSize_);
    if (sqRing_ != MAP_FAILED) munmap(sqRing_, sqRingSize_);
    if (fd_ >= 0) close(fd_);
    sqes_ = nullptr;
    cqRing_ = sqRing_ = MAP_FAILED;
    fd_ = -1;
  }

  int fd_ = -1;
  void* sqRing_ = MAP_FAILED;
  void* cqRing_ = MAP_FAILED;
  size_t sqRingSize_ = 0;
  size_t cqRingSize_ = 0;
  size_t sqesSize_ = 0;
  io_uring_sqe* sqes_ = nullptr;
  unsigned* sqHead_ = nullptr;
  unsigned* sqTail_ = nullptr;
  unsigned* sqArray_ = nullptr;
  unsigned sqMask_ = 0;
  unsigned sqEntries_ = 0;
  unsigned pendingTail_ = 0;
  unsigned* cqHead_ = nullptr;
  unsigned* cqTail_ = nullptr;
  unsigned cqMask_ = 0;
  io_uring_cqe* cqes_ = nullptr;
  bool broken_ = false;
};

bool IsRetryable(int res) { return res == -ECANCELED || res == -EINTR || res == -EAGAIN; }

// The io_uring path. Each round submits the pending writes as one IOSQE_IO_LINK chain (so they
// land in order, like the fallback), ending in IORING_OP_FSYNC + IORING_FSYNC_DATASYNC once all
// remaining writes fit. A short write breaks the chain: its remainder and the cancelled rest are
// resubmitted next round. Returns 0 or an errno (*syscallName says which operation failed).
int WriteWithRing(Ring* ring, int fd, std::vector<WriteItem>* items, bool dataSync, uint64_t* bytes,
                  const char** syscallName) {
  bool synced = !dataSync;
  int stalled = 0;
  std::vector<size_t> pending;
  for (;;) {
    pending.clear();
    for (size_t i = 0; i < items->size(); i++) {
      if ((*items)[i].left > 0) pending.push_back(i);
    }
    if (pending.empty() && synced) return 0;
    size_t take = std::min<size_t>(pending.size(), ring->capacity() - 1);  // one slot kept for the fsync
    bool withSync = !synced && take == pending.size();
    for (size_t k = 0; k < take; k++) {
      WriteItem& item = (*items)[pending[k]];
      io_uring_sqe* sqe = ring->NextSqe();
      sqe->opcode = IORING_OP_WRITE;
      sqe->fd = fd;
      sqe->addr = reinterpret_cast<uint64_t>(item.data);
      sqe->len = static_cast<uint32_t>(std::min(item.left, kMaxWriteChunk));
      sqe->off = item.position;
      sqe->user_data = pending[k];
      if (k + 1 < take || withSync) sqe->flags = IOSQE_IO_LINK;
    }
    if (withSync) {
      io_uring_sqe* sqe = ring->NextSqe();
      sqe->opcode = IORING_OP_FSYNC;
      sqe->fd = fd;
      sqe->fsync_flags = IORING_FSYNC_DATASYNC;
      sqe->user_data = kSyncTag;
    }
    int failure = 0;
    const char* failedCall = "write";
    bool progress = false;
    int enterErr = ring->SubmitAndWait([&](uint64_t tag, int res) {
      if (tag == kSyncTag) {
        if (res == 0) {
          synced = true;
          progress = true;
        } else if (!IsRetryable(res) && failure == 0) {
          failure = -res;
          failedCall = "fdatasync";
        }
        return;
      }
      if (tag >= items->size()) return;
      WriteItem& item = (*items)[tag];
      if (res > 0) {
        size_t done = std::min(static_cast<size_t>(res), item.left);
        item.data += done;
        item.left -= done;
        item.position += done;
        *bytes += done;
        progress = true;
      } else if (res < 0 && !IsRetryable(res) && failure == 0) {
        failure = -res;
        failedCall = "write";
      }
    });
    if (enterErr != 0) {
      *syscallName = "io_uring_enter";
      return enterErr;
    }
    if (failure != 0) {
      *syscallName = failedCall;
      return failure;
    }
    stalled = progress ? 0 : stalled + 1;
    if (stalled > kMaxStalledRounds) {
      *syscallName = "write";
      return EIO;
    }
  }
}

// The fallback: pwrite per buffer (completing short writes), then fdatasync.
int WriteWithPwrite(int fd, std::vector<WriteItem>* items, bool dataSync, uint64_t* bytes, const char** syscallName) {
  for (WriteItem& item : *items) {
    while (item.left > 0) {
      ssize_t result = pwrite(fd, item.data, std::min(item.left, kMaxPwriteChunk), static_cast<off_t>(item.position));
      if (result < 0) {
        if (errno == EINTR) continue;
        *syscallName = "pwrite";
        return errno;
      }
      if (result == 0) {
        *syscallName = "pwrite";
        return EIO;
      }
      item.data += result;
      item.left -= static_cast<size_t>(result);
      item.position += static_cast<uint64_t>(result);
      *bytes += static_cast<uint64_t>(result);
    }
  }
  if (dataSync) {
    while (fdatasync(fd) != 0) {
      if (errno == EINTR) continue;
      *syscallName = "fdatasync";
      return errno;
    }
  }
  return 0;
}

}  // namespace

// Idle rings of one addon instance. Shared with in-flight batches, so a batch finishing after
// environment teardown still has somewhere (closed) to return its ring.
class RingPool {
 public:
  // A ready ring, or nullptr when io_uring cannot be used (then the caller falls back).
  std::unique_ptr<Ring> Take() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (unavailable_) return nullptr;
      if (!idle_.empty()) {
        std::unique_ptr<Ring> ring = std::move(idle_.back());
        idle_.pop_back();
        return ring;
      }
    }
    auto ring = std::make_unique<Ring>();
    int err = ring->Setup(kRingEntries);
    if (err == 0) return ring;
    if (err == ENOSYS || err == EPERM || err == EINVAL || err == EOPNOTSUPP) {
      std::lock_guard<std::mutex> lock(mu_);
      unavailable_ = true;  // a refusal, not a transient shortage: do not ask again
    }
    return nullptr;
  }

  void Give(std::unique_ptr<Ring> ring) {
    if (ring->broken()) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || idle_.size() >= kMaxIdleRings) return;  // destroyed (closed) on return
    idle_.push_back(std::move(ring));
  }

  void CloseIdle() {
    std::vector<std::unique_ptr<Ring>> rings;
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
      rings.swap(idle_);
    }
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<Ring>> idle_;
  bool unavailable_ = false;
  bool closed_ = false;
};

std::shared_ptr<RingPool> NewRingPool() { return std::make_shared<RingPool>(); }

void CloseIdleRings(const std::shared_ptr<RingPool>& pool) { pool->CloseIdle(); }

namespace {

// Writes through a duplicate of the caller's fd (see DupFd) from views whose mappings are pinned
// (see MappingPins): JS may close the file, or unmap a mapping a view points into, before the
// job runs. A mapping unmapped by then fails the batch with ERR_ANNAL_CLOSED, writing nothing.
class WriteBatchWorker : public PromiseWorker {
 public:
  WriteBatchWorker(napi_env env, std::shared_ptr<RingPool> pool, int fd, std::vector<WriteItem> items,
                   MappingPins pins, bool dataSync, bool forceFallback, napi_value keep)
      : PromiseWorker(env, "annal:writeBatch"),
        pool_(std::move(pool)),
        fd_(fd),
        items_(std::move(items)),
        pins_(std::move(pins)),
        dataSync_(dataSync),
        forceFallback_(forceFallback) {
    Keep(keep);  // a private array holding every view until completion
  }

  void Execute() override {
    Run();
    // Before the promise settles: the file description and the mappings are the caller's again.
    fd_.Close();
    pins_.Clear();
  }

  void Run() {
    if (fd_.error() != 0) return Fail(fd_.error(), "write");
    if (pins_.AnyUnmapped()) return FailClosed("write");
    const char* syscallName = "write";
    int err = 0;
    if (!forceFallback_) {
      std::unique_ptr<Ring> ring = pool_->Take();
      if (ring != nullptr) {
        usedIoUring_ = true;
        err = WriteWithRing(ring.get(), fd_.get(), &items_, dataSync_, &bytes_, &syscallName);
        pool_->Give(std::move(ring));
      }
    }
    if (!usedIoUring_) err = WriteWithPwrite(fd_.get(), &items_, dataSync_, &bytes_, &syscallName);
    if (err != 0) Fail(err, syscallName);
  }

  napi_value Result(napi_env env) override {
    napi_value result = nullptr;
    napi_value bytes = nullptr;
    napi_value usedIoUring = nullptr;
    if (napi_create_object(env, &result) != napi_ok) return nullptr;
    napi_create_double(env, static_cast<double>(bytes_), &bytes);
    napi_get_boolean(env, usedIoUring_, &usedIoUring);
    napi_set_named_property(env, result, "bytes", bytes);
    napi_set_named_property(env, result, "usedIoUring", usedIoUring);
    return result;
  }

 private:
  std::shared_ptr<RingPool> pool_;
  DupFd fd_;
  std::vector<WriteItem> items_;
  MappingPins pins_;
  bool dataSync_;
  bool forceFallback_;
  uint64_t bytes_ = 0;
  bool usedIoUring_ = false;
};

// A fresh array of `values` (created whole: no Array.prototype setter can intercept an element).
napi_value NewArrayOf(std::vector<napi_value>& values) {
  std::vector<v8::Local<v8::Value>> elements;
  elements.reserve(values.size());
  for (napi_value value : values) elements.push_back(ToV8(value));
  return FromV8(v8::Array::New(v8::Isolate::GetCurrent(), elements.data(), elements.size()));
}

bool RequireArray(napi_env env, napi_value value, const char* name, uint32_t* length) {
  bool isArray = false;
  if (napi_is_array(env, value, &isArray) != napi_ok || !isArray) {
    ThrowBadArgument(env, false, name, "an array", value);
    return false;
  }
  napi_get_array_length(env, value, length);
  return true;
}

}  // namespace

// writeBatchAsync(fd, buffers, positions, dataSync, forceFallback): Promise<{ bytes, usedIoUring }>
Napi::Value JsWriteBatchAsync(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  auto fd = RequireFd(info, 0);
  if (!fd) return Napi::Value();
  uint32_t bufferCount = 0;
  uint32_t positionCount = 0;
  if (!RequireArray(env, info[1], "buffers", &bufferCount)) return Napi::Value();
  if (!RequireArray(env, info[2], "positions", &positionCount)) return Napi::Value();
  if (bufferCount != positionCount) {
    ThrowArgumentError(env, true,
                       "positions must have one entry per buffer: buffers.length=" + std::to_string(bufferCount) +
                           ", positions.length=" + std::to_string(positionCount));
    return Napi::Value();
  }
  auto dataSync = RequireBool(info, 3, "dataSync");
  if (!dataSync) return Napi::Value();
  auto forceFallback = RequireBool(info, 4, "forceFallback");
  if (!forceFallback) return Napi::Value();

  // First every element (a getter may run JS, even unmap a mapping), then — with no JS running
  // until the job is queued — pointers, detached checks and pins.
  std::vector<napi_value> views(bufferCount);
  std::vector<napi_value> positionValues(bufferCount);
  for (uint32_t i = 0; i < bufferCount; i++) {
    if (napi_get_element(env, info[1], i, &views[i]) != napi_ok) return Napi::Value();
    if (napi_get_element(env, info[2], i, &positionValues[i]) != napi_ok) return Napi::Value();
  }
  std::vector<WriteItem> items;
  items.reserve(bufferCount);
  MappingPins pins;
  for (uint32_t i = 0; i < bufferCount; i++) {
    std::string bufferName = "buffers[" + std::to_string(i) + "]";
    std::string positionName = "positions[" + std::to_string(i) + "]";
    napi_value view = views[i];
    auto bytes = BytesOf(view, false);
    if (!bytes) {
      ThrowBadArgument(env, false, bufferName.c_str(), "an ArrayBufferView", view);
      return Napi::Value();
    }
    if (bytes->detached) {
      napi_throw(env, MakeDetachedError(env, "write", bufferName.c_str()));
      return Napi::Value();
    }
    auto position = RequireSafeIntegerValue(env, positionValues[i], positionName.c_str());
    if (!position) return Napi::Value();
    if (static_cast<double>(*position) + static_cast<double>(bytes->length) > kMaxSafeInteger) {
      ThrowArgumentError(env, true,
                         positionName + " + " + bufferName + ".byteLength must not exceed 2^53-1: " + positionName +
                             "=" + std::to_string(*position));
      return Napi::Value();
    }
    if (bytes->length > 0) pins.Pin(env, view);
    items.push_back(WriteItem{bytes->data, bytes->length, static_cast<uint64_t>(*position)});
  }
  if (pins.AnyUnmapped()) {  // a SharedArrayBuffer mapping: its views now show zero pages
    napi_throw(env, MakeClosedError(env, "write"));
    return Napi::Value();
  }
  napi_value keep = NewArrayOf(views);
  napi_value promise = (new WriteBatchWorker(env, StateOf(info)->rings, *fd, std::move(items), std::move(pins),
                                             *dataSync, *forceFallback, keep))
                           ->Queue();
  return promise == nullptr ? Napi::Value() : Napi::Value(env, promise);
}

// ioUringAvailable(): whether a ring with WRITE and FSYNC can be set up (probed once).
Napi::Value JsIoUringAvailable(const Napi::CallbackInfo& info) {
  AddonState* state = StateOf(info);
  if (state->ioUringProbe < 0) {
    std::unique_ptr<Ring> ring = state->rings->Take();
    state->ioUringProbe = ring != nullptr ? 1 : 0;
    if (ring != nullptr) state->rings->Give(std::move(ring));
  }
  return Napi::Boolean::New(info.Env(), state->ioUringProbe == 1);
}

}  // namespace annal
