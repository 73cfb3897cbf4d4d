// Uniform argument checks for every Js* entry point (STYLE R26).
//
// The TypeScript wrappers validate first and throw coded AnnalErrors; these checks are the
// backstop that keeps a bug in the TS layer from reaching a syscall with garbage. Each check
// returns an empty optional after throwing a TypeError (wrong JS type) or RangeError (right type,
// bad value) whose message has one form: "<name> must be <what>: <name>=<value>".
#pragma once

#include <napi.h>
#include <v8.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

namespace annal {

// ---- napi_value <-> v8::Local --------------------------------------------------------------
// The same reinterpretation Node's own js_native_api_v8.h uses. Safe within one Node major
// (the addon is rebuilt per Node version), not ABI-stable across majors.
inline v8::Local<v8::Value> ToV8(napi_value value) {
  v8::Local<v8::Value> local;
  static_assert(sizeof(local) == sizeof(value), "v8::Local and napi_value differ in size");
  std::memcpy(static_cast<void*>(&local), &value, sizeof(value));
  return local;
}

inline napi_value FromV8(v8::Local<v8::Value> local) { return reinterpret_cast<napi_value>(*local); }

constexpr double kMaxSafeInteger = 9007199254740991.0;  // 2^53 - 1

// For a d already known to lie within [-2^53, 2^53]: whether it is an integer. (Cheaper than
// std::floor without SSE4.1, and this is on every hot call.)
inline bool IsInteger(double d) { return static_cast<double>(static_cast<int64_t>(d)) == d; }

// ---- error helpers ---------------------------------------------------------------------------

// Throws a TypeError (range == false) or RangeError with a Node-style `code`
// (ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE).
inline void ThrowArgumentError(napi_env env, bool range, const std::string& message) {
  napi_value code = nullptr;
  napi_value text = nullptr;
  napi_value error = nullptr;
  const char* codeText = range ? "ERR_OUT_OF_RANGE" : "ERR_INVALID_ARG_TYPE";
  napi_create_string_utf8(env, codeText, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message.data(), message.size(), &text);
  if (range) {
    napi_create_range_error(env, code, text, &error);
  } else {
    napi_create_type_error(env, code, text, &error);
  }
  napi_throw(env, error);
}

// A short, side-effect-free rendering of a JS value for error messages (never calls user code).
inline std::string DescribeValue(napi_env env, napi_value value) {
  napi_valuetype type = napi_undefined;
  if (value == nullptr || napi_typeof(env, value, &type) != napi_ok) return "undefined";
  switch (type) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean: {
      bool flag = false;
      napi_get_value_bool(env, value, &flag);
      return flag ? "true" : "false";
    }
    case napi_number: {
      napi_value text = nullptr;
      char buffer[64];
      size_t length = 0;
      if (napi_coerce_to_string(env, value, &text) != napi_ok ||
          napi_get_value_string_utf8(env, text, buffer, sizeof(buffer), &length) != napi_ok) {
        return "a number";
      }
      return std::string(buffer, length);
    }
    case napi_string: {
      char buffer[48];
      size_t length = 0;
      size_t total = 0;
      napi_get_value_string_utf8(env, value, nullptr, 0, &total);
      napi_get_value_string_utf8(env, value, buffer, sizeof(buffer), &length);
      return "\"" + std::string(buffer, length) + (total > length ? "...\"" : "\"");
    }
    case napi_bigint:
      return "a bigint";
    case napi_symbol:
      return "a symbol";
    case napi_function:
      return "a function";
    case napi_external:
      return "an external";
    case napi_object: {
      v8::Local<v8::Value> v = ToV8(value);
      if (v->IsArray()) return "an Array";
      if (v->IsSharedArrayBuffer()) return "a SharedArrayBuffer";
      if (v->IsArrayBuffer()) return "an ArrayBuffer";
      if (v->IsArrayBufferView()) return "an ArrayBufferView";
      return "an object";
    }
  }
  return "a value";
}

inline void ThrowBadArgument(napi_env env, bool range, const char* name, const char* what, napi_value value) {
  ThrowArgumentError(env, range, std::string(name) + " must be " + what + ": " + name + "=" + DescribeValue(env, value));
}

// ---- scalar checks ---------------------------------------------------------------------------

// A JS number (any double). Throws TypeError otherwise.
inline std::optional<double> RequireNumber(const Napi::CallbackInfo& info, size_t i, const char* name,
                                           const char* what) {
  napi_value value = info[i];
  double number = 0;
  if (napi_get_value_double(info.Env(), value, &number) != napi_ok) {
    ThrowBadArgument(info.Env(), false, name, what, value);
    return std::nullopt;
  }
  return number;
}

// An integer in [0, 2^32 - 1].
inline std::optional<uint32_t> RequireUint32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const char* what = "an integer in [0, 4294967295]";
  auto number = RequireNumber(info, i, name, what);
  if (!number) return std::nullopt;
  double d = *number;
  if (!(d >= 0 && d <= 4294967295.0) || !IsInteger(d)) {
    ThrowBadArgument(info.Env(), true, name, what, info[i]);
    return std::nullopt;
  }
  return static_cast<uint32_t>(d);
}

// An integer in [-2^31, 2^32 - 1], returned as its low 32 bits (a futex word compared bit-wise).
inline std::optional<uint32_t> RequireUint32Bits(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const char* what = "an integer in [-2147483648, 4294967295]";
  auto number = RequireNumber(info, i, name, what);
  if (!number) return std::nullopt;
  double d = *number;
  if (!(d >= -2147483648.0 && d <= 4294967295.0) || !IsInteger(d)) {
    ThrowBadArgument(info.Env(), true, name, what, info[i]);
    return std::nullopt;
  }
  return static_cast<uint32_t>(static_cast<int64_t>(d));
}

// An int32 (any sign), e.g. madvise advice.
inline std::optional<int32_t> RequireInt32(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const char* what = "an int32";
  auto number = RequireNumber(info, i, name, what);
  if (!number) return std::nullopt;
  double d = *number;
  if (!(d >= -2147483648.0 && d <= 2147483647.0) || !IsInteger(d)) {
    ThrowBadArgument(info.Env(), true, name, what, info[i]);
    return std::nullopt;
  }
  return static_cast<int32_t>(d);
}

// A file descriptor: an integer in [0, 2^31 - 1].
inline std::optional<int> RequireFd(const Napi::CallbackInfo& info, size_t i, const char* name = "fd") {
  const char* what = "a file descriptor (an integer in [0, 2147483647])";
  auto number = RequireNumber(info, i, name, what);
  if (!number) return std::nullopt;
  double d = *number;
  if (!(d >= 0 && d <= 2147483647.0) || !IsInteger(d)) {
    ThrowBadArgument(info.Env(), true, name, what, info[i]);
    return std::nullopt;
  }
  return static_cast<int>(d);
}

// An integer in [0, 2^53 - 1], from any JS value (e.g. an array element).
inline std::optional<int64_t> RequireSafeIntegerValue(napi_env env, napi_value value, const char* name) {
  const char* what = "a non-negative safe integer";
  double d = 0;
  if (napi_get_value_double(env, value, &d) != napi_ok) {
    ThrowBadArgument(env, false, name, what, value);
    return std::nullopt;
  }
  if (!(d >= 0 && d <= kMaxSafeInteger) || !IsInteger(d)) {
    ThrowBadArgument(env, true, name, what, value);
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}

// An integer in [0, 2^53 - 1].
inline std::optional<int64_t> RequireSafeInteger(const Napi::CallbackInfo& info, size_t i, const char* name) {
  return RequireSafeIntegerValue(info.Env(), info[i], name);
}

// A timeout in milliseconds: -1 (no limit) or a finite number >= 0 (fractions allowed).
// Returns a negative value for "no limit"; very large finite values are clamped to ~31 years.
inline std::optional<double> RequireTimeoutMs(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const char* what = "-1 (no limit) or a finite number of milliseconds >= 0";
  auto number = RequireNumber(info, i, name, what);
  if (!number) return std::nullopt;
  double d = *number;
  if (d == -1) return -1.0;
  if (!(d >= 0) || !std::isfinite(d)) {
    ThrowBadArgument(info.Env(), true, name, what, info[i]);
    return std::nullopt;
  }
  return d > 1e12 ? 1e12 : d;
}

inline std::optional<bool> RequireBool(const Napi::CallbackInfo& info, size_t i, const char* name) {
  napi_value value = info[i];
  bool flag = false;
  if (napi_get_value_bool(info.Env(), value, &flag) != napi_ok) {
    ThrowBadArgument(info.Env(), false, name, "a boolean", value);
    return std::nullopt;
  }
  return flag;
}

// A string without NUL bytes (a path), as UTF-8.
inline std::optional<std::string> RequireString(const Napi::CallbackInfo& info, size_t i, const char* name) {
  napi_env env = info.Env();
  napi_value value = info[i];
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, nullptr, 0, &length) != napi_ok) {
    ThrowBadArgument(env, false, name, "a string", value);
    return std::nullopt;
  }
  std::string text(length, '\0');
  size_t copied = 0;
  napi_get_value_string_utf8(env, value, &text[0], length + 1, &copied);
  text.resize(copied);
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) {
    ThrowBadArgument(env, true, name, "a string without NUL characters", value);
    return std::nullopt;
  }
  return text;
}

// ---- buffers ---------------------------------------------------------------------------------

struct Bytes {
  uint8_t* data;
  size_t length;
  bool detached;  // the (Shared)ArrayBuffer behind it was detached (e.g. its mapping was unmapped)
};

// The bytes of a JS value that is an ArrayBufferView, ArrayBuffer or SharedArrayBuffer (or, when
// acceptBuffers is false, only a view). Uses the V8 API because napi_get_arraybuffer_info rejects
// a SharedArrayBuffer on Node 20. A detached buffer yields {nullptr, 0, true}: callers must refuse
// it (ERR_ANNAL_CLOSED) rather than treat it as empty. Never runs JS.
inline std::optional<Bytes> BytesOf(napi_value value, bool acceptBuffers) {
  if (value == nullptr) return std::nullopt;
  v8::Local<v8::Value> v = ToV8(value);
  if (v->IsArrayBufferView()) {
    v8::Local<v8::ArrayBufferView> view = v.As<v8::ArrayBufferView>();
    size_t length = view->ByteLength();
    if (length == 0) {
      // Only an ArrayBuffer can be detached (a SharedArrayBuffer never is).
      v8::Local<v8::ArrayBuffer> buffer = view->Buffer();
      return Bytes{nullptr, 0, !buffer->IsSharedArrayBuffer() && buffer->WasDetached()};
    }
    uint8_t* base = static_cast<uint8_t*>(view->Buffer()->Data());
    if (base == nullptr) return Bytes{nullptr, 0, false};
    return Bytes{base + view->ByteOffset(), length, false};
  }
  if (!acceptBuffers) return std::nullopt;
  if (v->IsArrayBuffer()) {
    v8::Local<v8::ArrayBuffer> buffer = v.As<v8::ArrayBuffer>();
    if (buffer->WasDetached()) return Bytes{nullptr, 0, true};
    return Bytes{static_cast<uint8_t*>(buffer->Data()), buffer->Data() == nullptr ? 0 : buffer->ByteLength(), false};
  }
  if (v->IsSharedArrayBuffer()) {
    v8::Local<v8::SharedArrayBuffer> buffer = v.As<v8::SharedArrayBuffer>();
    return Bytes{static_cast<uint8_t*>(buffer->Data()), buffer->Data() == nullptr ? 0 : buffer->ByteLength(), false};
  }
  return std::nullopt;
}

// An ArrayBuffer, SharedArrayBuffer or any ArrayBufferView.
inline std::optional<Bytes> RequireBuffer(const Napi::CallbackInfo& info, size_t i, const char* name) {
  napi_value value = info[i];
  auto bytes = BytesOf(value, true);
  if (!bytes) ThrowBadArgument(info.Env(), false, name, "an ArrayBuffer, SharedArrayBuffer or ArrayBufferView", value);
  return bytes;
}

// [offset, offset + length) must lie within a region of `size` bytes (named e.g. "bytes.byteLength").
inline bool RequireRange(napi_env env, int64_t offset, int64_t length, size_t size, const char* offsetName,
                         const char* lengthName, const char* sizeName) {
  uint64_t o = static_cast<uint64_t>(offset);
  uint64_t l = static_cast<uint64_t>(length);
  if (o > size || l > size - o) {
    ThrowArgumentError(env, true,
                       std::string(offsetName) + " + " + lengthName + " must not exceed " + sizeName + ": " +
                           offsetName + "=" + std::to_string(o) + ", " + lengthName + "=" + std::to_string(l) +
                           ", " + sizeName + "=" + std::to_string(size));
    return false;
  }
  return true;
}

}  // namespace annal
