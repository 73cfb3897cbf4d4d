// membarrier(2): an asymmetric memory fence between processes. A hot thread publishes with a
// plain store (no fence instruction) and the rare other side calls membarrier, which makes every
// running thread of every registered process execute a full barrier before it returns: the pair
// then orders like two full fences (a store followed by a load on each side, Dekker's pattern).
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "addon.h"

namespace annal {
namespace {

long Membarrier(int command) { return syscall(SYS_membarrier, command, 0, 0); }

}  // namespace

// Registers this process for MEMBARRIER_CMD_GLOBAL_EXPEDITED. False when the kernel cannot
// (before Linux 4.16, or a seccomp filter denies membarrier).
Napi::Value JsMembarrierRegister(const Napi::CallbackInfo& info) {
  long supported = Membarrier(MEMBARRIER_CMD_QUERY);
  bool ok = supported > 0 && (supported & MEMBARRIER_CMD_GLOBAL_EXPEDITED) != 0 &&
            Membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED) == 0;
  return Napi::Boolean::New(info.Env(), ok);
}

// A full barrier on every thread of every registered process. False when unavailable.
Napi::Value JsMembarrier(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), Membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED) == 0);
}

}  // namespace annal
