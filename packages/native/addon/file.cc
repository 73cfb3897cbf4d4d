// File descriptors: open(2), close(2), fstat(2), posix_fallocate(3), ftruncate(2), preadv(2),
// pwritev(2). Every call is retried on EINTR (except close, see JsClose).
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "addon.h"
#include "args.h"
#include "errno-error.h"
#include "mapping.h"

namespace annal {
namespace {

// Reads the buffers of preadv/pwritev into iovecs, pinning the mappings they point into; false
// after throwing. First every element (a getter may run JS, even unmap a mapping), then — with no
// JS running until the syscall returns — pointers and detached checks.
bool RequireIovecs(const Napi::CallbackInfo& info, size_t i, const char* name, const char* syscall,
                   std::vector<iovec>* iovecs, uint64_t* total, MappingPins* pins) {
  napi_env env = info.Env();
  napi_value array = info[i];
  bool isArray = false;
  if (napi_is_array(env, array, &isArray) != napi_ok || !isArray) {
    ThrowBadArgument(env, false, name, "an array of ArrayBufferViews", array);
    return false;
  }
  uint32_t count = 0;
  napi_get_array_length(env, array, &count);
  std::vector<napi_value> elements(count);
  for (uint32_t k = 0; k < count; k++) {
    if (napi_get_element(env, array, k, &elements[k]) != napi_ok) return false;
  }
  iovecs->reserve(count);
  *total = 0;
  for (uint32_t k = 0; k < count; k++) {
    auto bytes = BytesOf(elements[k], false);
    if (!bytes || bytes->detached) {
      std::string elementName = std::string(name) + "[" + std::to_string(k) + "]";
      if (!bytes) {
        ThrowBadArgument(env, false, elementName.c_str(), "an ArrayBufferView", elements[k]);
      } else {
        napi_throw(env, MakeDetachedError(env, syscall, elementName.c_str()));
      }
      return false;
    }
    if (bytes->length == 0) continue;
    pins->Pin(env, elements[k]);
    iovecs->push_back(iovec{bytes->data, bytes->length});
    *total += bytes->length;
  }
  if (pins->AnyUnmapped()) {  // a SharedArrayBuffer mapping: its views now show zero pages
    napi_throw(env, MakeClosedError(env, syscall));
    return false;
  }
  return true;
}

bool RequirePositionRange(napi_env env, int64_t position, uint64_t total) {
  if (static_cast<double>(position) + static_cast<double>(total) > kMaxSafeInteger) {
    ThrowArgumentError(env, true,
                       "position + total buffer length must not exceed 2^53-1: position=" + std::to_string(position) +
                           ", length=" + std::to_string(total));
    return false;
  }
  return true;
}

// Drops `done` bytes from the front of iovecs[*index...].
void AdvanceIovecs(std::vector<iovec>* iovecs, size_t* index, size_t done) {
  while (done > 0 && *index < iovecs->size()) {
    iovec& head = (*iovecs)[*index];
    if (done >= head.iov_len) {
      done -= head.iov_len;
      (*index)++;
    } else {
      head.iov_base = static_cast<uint8_t*>(head.iov_base) + done;
      head.iov_len -= done;
      done = 0;
    }
  }
}

// preadv/pwritev over any number of iovecs: at most IOV_MAX per call, looping over short
// transfers. A read stops early at end of file. Returns bytes moved, or -errno.
int64_t TransferVectors(int fd, std::vector<iovec> iovecs, int64_t position, bool write) {
  size_t index = 0;
  int64_t moved = 0;
  while (index < iovecs.size()) {
    int count = static_cast<int>(std::min<size_t>(iovecs.size() - index, IOV_MAX));
    ssize_t result = write ? pwritev(fd, &iovecs[index], count, position) : preadv(fd, &iovecs[index], count, position);
    if (result < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (result == 0) {
      if (!write) break;  // end of file
      return -EIO;        // a regular file never accepts zero bytes of a non-empty write
    }
    moved += result;
    position += result;
    AdvanceIovecs(&iovecs, &index, static_cast<size_t>(result));
  }
  return moved;
}

Napi::Value VectorIo(const Napi::CallbackInfo& info, bool write) {
  napi_env env = info.Env();
  auto fd = RequireFd(info, 0);
  if (!fd) return Napi::Value();
  const char* syscall = write ? "pwritev" : "preadv";
  std::vector<iovec> iovecs;
  uint64_t total = 0;
  MappingPins pins;  // held until the syscall returns (a SharedArrayBuffer may be unmapped elsewhere)
  if (!RequireIovecs(info, 1, "buffers", syscall, &iovecs, &total, &pins)) return Napi::Value();
  auto position = RequireSafeInteger(info, 2, "position");
  if (!position) return Napi::Value();
  if (!RequirePositionRange(env, *position, total)) return Napi::Value();
  int64_t moved = TransferVectors(*fd, std::move(iovecs), *position, write);
  if (moved < 0) {
    ThrowErrno(env, static_cast<int>(-moved), syscall);
    return Napi::Value();
  }
  return Napi::Number::New(env, static_cast<double>(moved));
}

}  // namespace

// open(path, flags, mode): fd. O_CLOEXEC is always added.
Napi::Value JsOpen(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  auto path = RequireString(info, 0, "path");
  if (!path) return Napi::Value();
  auto flags = RequireUint32(info, 1, "flags");
  if (!flags) return Napi::Value();
  auto mode = RequireUint32(info, 2, "mode");
  if (!mode) return Napi::Value();
  for (;;) {
    int fd = open(path->c_str(), static_cast<int>(*flags) | O_CLOEXEC, static_cast<mode_t>(*mode));
    if (fd >= 0) return Napi::Number::New(env, fd);
    if (errno == EINTR) continue;
    ThrowErrno(env, errno, "open", path->c_str());
    return Napi::Value();
  }
}

// close(fd). Not retried on EINTR: Linux has released the descriptor even then, and a retry
// could close a descriptor another thread just opened.
Napi::Value JsClose(const Napi::CallbackInfo& info) {
  auto fd = RequireFd(info, 0);
  if (!fd) return Napi::Value();
  StateOf(info)->lockedFds->erase(*fd);
  if (close(*fd) != 0 && errno != EINTR) {
    ThrowErrno(info.Env(), errno, "close");
    return Napi::Value();
  }
  return info.Env().Undefined();
}

// fileLength(fd): st_size
Napi::Value JsFileLength(const Napi::CallbackInfo& info) {
  auto fd = RequireFd(info, 0);
  if (!fd) return Napi::Value();
  struct stat st {};
  while (fstat(*fd, &st) != 0) {
    if (errno == EINTR) continue;
    ThrowErrno(info.Env(), errno, "fstat");
    return Napi::Value();
  }
  return Napi::Number::New(info.Env(), static_cast<double>(st.st_size));
}

// fallocate(fd, offset, length) via posix_fallocate, which returns the error number.
Napi::Value JsFallocate(const Napi::CallbackInfo& info) {
  auto fd = RequireFd(info, 0);
  if (!fd) return Napi::Value();
  auto offset = RequireSafeInteger(info, 1, "offset");
  if (!offset) return Napi::Value();
  auto length = RequireSafeInteger(info, 2, "length");
  if (!length) return Napi::Value();
  int err;
  do {
    err = posix_fallocate(*fd, static_cast<off_t>(*offset), static_cast<off_t>(*length));
  } while (err == EINTR);
  if (err != 0) {
    ThrowErrno(info.Env(), err, "fallocate");
    return Napi::Value();
  }
  return info.Env().Undefined();
}

// ftruncate(fd, length)
Napi::Value JsFtruncate(const Napi::CallbackInfo& info) {
  auto fd = RequireFd(info, 0);
  if (!fd) return Napi::Value();
  auto length = RequireSafeInteger(info, 1, "length");
  if (!length) return Napi::Value();
  while (ftruncate(*fd, static_cast<off_t>(*length)) != 0) {
    if (errno == EINTR) continue;
    ThrowErrno(info.Env(), errno, "ftruncate");
    return Napi::Value();
  }
  return info.Env().Undefined();
}

// preadv(fd, buffers, position): bytes read (short only at end of file)
Napi::Value JsPreadv(const Napi::CallbackInfo& info) { return VectorIo(info, false); }

// pwritev(fd, buffers, position): bytes written (short writes are completed)
Napi::Value JsPwritev(const Napi::CallbackInfo& info) { return VectorIo(info, true); }

}  // namespace annal
