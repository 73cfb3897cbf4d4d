// Errors cross the boundary as data (STYLE R27): a plain Error carrying `errno` (positive),
// `code` (the errno name, e.g. "ENOSPC"), `syscall` and, where known, `path`. The TS layer maps
// them to AnnalError subclasses. Built only on the cold path.
#pragma once

#include <napi.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace annal {

// The symbolic name of an errno value ("ENOSPC"), or nullptr when unknown.
inline const char* ErrnoName(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char* name = strerrorname_np(err);
  if (name != nullptr) return name;
#endif
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ETXTBSY: return "ETXTBSY";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOLCK: return "ENOLCK";
    case ENOSYS: return "ENOSYS";
    case ELOOP: return "ELOOP";
    case EOVERFLOW: return "EOVERFLOW";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ECANCELED: return "ECANCELED";
    case EDQUOT: return "EDQUOT";
    default: return nullptr;
  }
}

inline void SetProperty(napi_env env, napi_value object, const char* key, napi_value value) {
  napi_set_named_property(env, object, key, value);
}

inline void SetStringProperty(napi_env env, napi_value object, const char* key, const std::string& text) {
  napi_value value = nullptr;
  napi_create_string_utf8(env, text.data(), text.size(), &value);
  SetProperty(env, object, key, value);
}

// A plain Error: message "<syscall> failed: <strerror> (<CODE>)", plus errno/code/syscall[/path].
inline napi_value MakeErrnoError(napi_env env, int err, const char* syscall, const char* path = nullptr) {
  char buffer[256];
  const char* description = strerror_r(err, buffer, sizeof(buffer));  // GNU variant: returns the text
  const char* name = ErrnoName(err);
  std::string code = name != nullptr ? name : "UNKNOWN";
  std::string message = std::string(syscall) + " failed: " + description + " (" + code + ")";
  napi_value text = nullptr;
  napi_value error = nullptr;
  napi_create_string_utf8(env, message.data(), message.size(), &text);
  napi_create_error(env, nullptr, text, &error);
  napi_value errnoValue = nullptr;
  napi_create_int32(env, err, &errnoValue);
  SetProperty(env, error, "errno", errnoValue);
  SetStringProperty(env, error, "code", code);
  SetStringProperty(env, error, "syscall", syscall);
  if (path != nullptr) SetStringProperty(env, error, "path", path);
  return error;
}

inline void ThrowErrno(napi_env env, int err, const char* syscall, const char* path = nullptr) {
  napi_throw(env, MakeErrnoError(env, err, syscall, path));
}

// A plain Error with a non-errno `code` such as ERR_ANNAL_CLOSED (and `syscall` when given).
inline napi_value MakeCodedError(napi_env env, const char* code, const std::string& message,
                                 const char* syscall = nullptr) {
  napi_value codeValue = nullptr;
  napi_value text = nullptr;
  napi_value error = nullptr;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &codeValue);
  napi_create_string_utf8(env, message.data(), message.size(), &text);
  napi_create_error(env, codeValue, text, &error);
  if (syscall != nullptr) SetStringProperty(env, error, "syscall", syscall);
  return error;
}

inline void ThrowCoded(napi_env env, const char* code, const std::string& message, const char* syscall = nullptr) {
  napi_throw(env, MakeCodedError(env, code, message, syscall));
}

// The error for an operation on a mapping that unmap() already released.
inline napi_value MakeClosedError(napi_env env, const char* syscall) {
  return MakeCodedError(env, "ERR_ANNAL_CLOSED",
                        std::string(syscall) + " failed: the mapping was unmapped (ERR_ANNAL_CLOSED)", syscall);
}

// The error for a buffer argument whose ArrayBuffer is detached: a view over a mapping that
// unmap() released (or over a buffer transferred elsewhere). Same code as MakeClosedError.
inline napi_value MakeDetachedError(napi_env env, const char* syscall, const char* name) {
  return MakeCodedError(env, "ERR_ANNAL_CLOSED",
                        std::string(syscall) + " failed: " + name +
                            " is detached (its mapping was unmapped, or it was transferred) (ERR_ANNAL_CLOSED)",
                        syscall);
}

}  // namespace annal
