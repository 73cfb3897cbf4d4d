// CRC32C (Castagnoli): reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF,
// chainable: crc32c(b, crc32c(a)) == crc32c(a ‖ b), and seed 0 starts fresh.
// Hardware path: SSE4.2 crc32 on 8-byte words in three interleaved streams (the instruction has a
// 3-cycle latency and 1-cycle throughput), the streams combined with precomputed "shift by N zero
// bytes" tables (Mark Adler's method). Chosen at run time, so the binary runs on any x86-64.
// Software path: slice-by-8. All tables are computed at compile time.
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include "addon.h"
#include "args.h"

namespace annal {
namespace {

constexpr uint32_t kPoly = 0x82F63B78u;

struct Table8 {
  uint32_t t[8][256];
};

constexpr Table8 MakeSliceTables() {
  Table8 table{};
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t crc = n;
    for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ kPoly : crc >> 1;
    table.t[0][n] = crc;
  }
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t crc = table.t[0][n];
    for (int k = 1; k < 8; k++) {
      crc = table.t[0][crc & 0xff] ^ (crc >> 8);
      table.t[k][n] = crc;
    }
  }
  return table;
}

constexpr Table8 kSlice = MakeSliceTables();

uint32_t Crc32cSoftware(uint32_t seed, const uint8_t* p, size_t length) {
  uint32_t crc = ~seed;
  while (length > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    crc = kSlice.t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    length--;
  }
  while (length >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    word ^= crc;
    crc = kSlice.t[7][word & 0xff] ^ kSlice.t[6][(word >> 8) & 0xff] ^ kSlice.t[5][(word >> 16) & 0xff] ^
          kSlice.t[4][(word >> 24) & 0xff] ^ kSlice.t[3][(word >> 32) & 0xff] ^ kSlice.t[2][(word >> 40) & 0xff] ^
          kSlice.t[1][(word >> 48) & 0xff] ^ kSlice.t[0][word >> 56];
    p += 8;
    length -= 8;
  }
  while (length > 0) {
    crc = kSlice.t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    length--;
  }
  return ~crc;
}

#if defined(__x86_64__)

// ---- "append N zero bytes" operators over GF(2), for combining interleaved streams ----------
struct ShiftTable {
  uint32_t t[4][256];
};

constexpr uint32_t Gf2MatrixTimes(const uint32_t* matrix, uint32_t vector) {
  uint32_t sum = 0;
  while (vector != 0) {
    if ((vector & 1) != 0) sum ^= *matrix;
    vector >>= 1;
    matrix++;
  }
  return sum;
}

constexpr void Gf2MatrixSquare(uint32_t* square, const uint32_t* matrix) {
  for (int n = 0; n < 32; n++) square[n] = Gf2MatrixTimes(matrix, matrix[n]);
}

// The operator that appends `length` zero bytes (length a power of two) to a raw CRC register.
constexpr void ZerosOperator(uint32_t* even, size_t length) {
  uint32_t odd[32] = {};
  odd[0] = kPoly;  // one zero bit
  uint32_t row = 1;
  for (int n = 1; n < 32; n++) {
    odd[n] = row;
    row <<= 1;
  }
  Gf2MatrixSquare(even, odd);  // two zero bits
  Gf2MatrixSquare(odd, even);  // four zero bits
  do {
    Gf2MatrixSquare(even, odd);  // first pass: one zero byte
    length >>= 1;
    if (length == 0) return;
    Gf2MatrixSquare(odd, even);
    length >>= 1;
  } while (length != 0);
  for (int n = 0; n < 32; n++) even[n] = odd[n];
}

constexpr ShiftTable MakeShiftTable(size_t length) {
  uint32_t op[32] = {};
  ZerosOperator(op, length);
  ShiftTable table{};
  for (uint32_t n = 0; n < 256; n++) {
    table.t[0][n] = Gf2MatrixTimes(op, n);
    table.t[1][n] = Gf2MatrixTimes(op, n << 8);
    table.t[2][n] = Gf2MatrixTimes(op, n << 16);
    table.t[3][n] = Gf2MatrixTimes(op, n << 24);
  }
  return table;
}

constexpr size_t kLong = 8192;
constexpr size_t kShort = 256;
constexpr ShiftTable kShiftLong = MakeShiftTable(kLong);
constexpr ShiftTable kShiftShort = MakeShiftTable(kShort);

inline uint32_t Shift(const ShiftTable& table, uint32_t crc) {
  return table.t[0][crc & 0xff] ^ table.t[1][(crc >> 8) & 0xff] ^ table.t[2][(crc >> 16) & 0xff] ^
         table.t[3][crc >> 24];
}

inline uint64_t Load64(const uint8_t* p) {
  uint64_t word;
  std::memcpy(&word, p, 8);
  return word;
}

__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(uint32_t seed, const uint8_t* p, size_t length) {
  uint64_t crc0 = ~seed;
  while (length > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    crc0 = _mm_crc32_u8(static_cast<uint32_t>(crc0), *p++);
    length--;
  }
  // Three streams over three adjacent blocks, combined by shifting the earlier ones forward.
  while (length >= kLong * 3) {
    uint64_t crc1 = 0;
    uint64_t crc2 = 0;
    const uint8_t* end = p + kLong;
    do {
      crc0 = _mm_crc32_u64(crc0, Load64(p));
      crc1 = _mm_crc32_u64(crc1, Load64(p + kLong));
      crc2 = _mm_crc32_u64(crc2, Load64(p + kLong * 2));
      p += 8;
    } while (p < end);
    crc0 = Shift(kShiftLong, static_cast<uint32_t>(crc0)) ^ crc1;
    crc0 = Shift(kShiftLong, static_cast<uint32_t>(crc0)) ^ crc2;
    p += kLong * 2;
    length -= kLong * 3;
  }
  while (length >= kShort * 3) {
    uint64_t crc1 = 0;
    uint64_t crc2 = 0;
    const uint8_t* end = p + kShort;
    do {
      crc0 = _mm_crc32_u64(crc0, Load64(p));
      crc1 = _mm_crc32_u64(crc1, Load64(p + kShort));
      crc2 = _mm_crc32_u64(crc2, Load64(p + kShort * 2));
      p += 8;
    } while (p < end);
    crc0 = Shift(kShiftShort, static_cast<uint32_t>(crc0)) ^ crc1;
    crc0 = Shift(kShiftShort, static_cast<uint32_t>(crc0)) ^ crc2;
    p += kShort * 2;
    length -= kShort * 3;
  }
  while (length >= 8) {
    crc0 = _mm_crc32_u64(crc0, Load64(p));
    p += 8;
    length -= 8;
  }
  while (length > 0) {
    crc0 = _mm_crc32_u8(static_cast<uint32_t>(crc0), *p++);
    length--;
  }
  return ~static_cast<uint32_t>(crc0);
}

#endif  // __x86_64__

// (bytes, offset, length, seed) → CRC as an unsigned 32-bit JS number.
Napi::Value Crc32cCall(const Napi::CallbackInfo& info, bool hardware) {
  napi_env env = info.Env();
  auto bytes = RequireBuffer(info, 0, "bytes");
  if (!bytes) return Napi::Value();
  if (bytes->detached) {  // not "zero bytes, CRC 0": the data the caller meant is gone
    napi_throw(env, MakeDetachedError(env, "crc32c", "bytes"));
    return Napi::Value();
  }
  auto offset = RequireSafeInteger(info, 1, "offset");
  if (!offset) return Napi::Value();
  auto length = RequireSafeInteger(info, 2, "length");
  if (!length) return Napi::Value();
  auto seed = RequireUint32(info, 3, "seed");
  if (!seed) return Napi::Value();
  if (!RequireRange(env, *offset, *length, bytes->length, "offset", "length", "bytes.byteLength")) return Napi::Value();
  const uint8_t* p = bytes->data == nullptr ? bytes->data : bytes->data + *offset;
  size_t n = static_cast<size_t>(*length);
  uint32_t crc;
#if defined(__x86_64__)
  crc = hardware ? Crc32cHardware(*seed, p, n) : Crc32cSoftware(*seed, p, n);
#else
  (void)hardware;
  crc = Crc32cSoftware(*seed, p, n);
#endif
  napi_value result = nullptr;
  napi_create_uint32(env, crc, &result);
  return Napi::Value(env, result);
}

// (bytes, ranges, count): ranges is an Int32Array of `count` triples (offset, length, seed); each
// seed is replaced by the CRC32C of bytes[offset, offset + length) continued from it, as the
// signed 32 bits an Int32Array holds. One call for a batch of records, where a call per record
// costs more than the CRC of a short record itself (apps/bench native/call-cost).
Napi::Value Crc32cRangesCall(const Napi::CallbackInfo& info, bool hardware) {
  napi_env env = info.Env();
  auto bytes = RequireBuffer(info, 0, "bytes");
  if (!bytes) return Napi::Value();
  if (bytes->detached) {
    napi_throw(env, MakeDetachedError(env, "crc32cRanges", "bytes"));
    return Napi::Value();
  }
  napi_value rangesValue = info[1];
  v8::Local<v8::Value> rangesV8 = rangesValue == nullptr ? v8::Local<v8::Value>() : ToV8(rangesValue);
  if (rangesValue == nullptr || !rangesV8->IsInt32Array()) {
    ThrowBadArgument(env, false, "ranges", "an Int32Array", rangesValue);
    return Napi::Value();
  }
  auto count = RequireSafeInteger(info, 2, "count");
  if (!count) return Napi::Value();
  v8::Local<v8::Int32Array> rangesArray = rangesV8.As<v8::Int32Array>();
  size_t slots = rangesArray->Length();
  if (*count < 0 || static_cast<uint64_t>(*count) > slots / 3) {
    ThrowArgumentError(env, true,
                       "count must be from 0 to ranges.length / 3: count=" + std::to_string(*count) +
                           ", ranges.length=" + std::to_string(slots));
    return Napi::Value();
  }
  int32_t* ranges = reinterpret_cast<int32_t*>(static_cast<uint8_t*>(rangesArray->Buffer()->Data()) +
                                               rangesArray->ByteOffset());
  for (int64_t i = 0; i < *count; i++) {
    int32_t* range = ranges + 3 * i;
    if (range[0] < 0 || range[1] < 0 ||
        static_cast<uint64_t>(range[0]) + static_cast<uint64_t>(range[1]) > bytes->length) {
      ThrowArgumentError(env, true,
                         "ranges[" + std::to_string(3 * i) + "] (offset) + ranges[" + std::to_string(3 * i + 1) +
                             "] (length) must lie within bytes: offset=" + std::to_string(range[0]) +
                             ", length=" + std::to_string(range[1]) +
                             ", bytes.byteLength=" + std::to_string(bytes->length));
      return Napi::Value();
    }
  }
  for (int64_t i = 0; i < *count; i++) {
    int32_t* range = ranges + 3 * i;
    const uint8_t* p = bytes->data == nullptr ? bytes->data : bytes->data + range[0];
    uint32_t seed = static_cast<uint32_t>(range[2]);
    size_t n = static_cast<size_t>(range[1]);
    uint32_t crc;
#if defined(__x86_64__)
    crc = hardware ? Crc32cHardware(seed, p, n) : Crc32cSoftware(seed, p, n);
#else
    (void)hardware;
    crc = Crc32cSoftware(seed, p, n);
#endif
    range[2] = static_cast<int32_t>(crc);
  }
  return Napi::Value();
}

}  // namespace

bool HasHardwareCrc32c() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("sse4.2");
#else
  return false;
#endif
}

// crc32c(bytes, offset, length, seed): hardware when the CPU has SSE4.2.
Napi::Value JsCrc32c(const Napi::CallbackInfo& info) { return Crc32cCall(info, HasHardwareCrc32c()); }

// crc32cSoftware(bytes, offset, length, seed): always the table-driven path.
Napi::Value JsCrc32cSoftware(const Napi::CallbackInfo& info) { return Crc32cCall(info, false); }

// crc32cRanges(bytes, ranges, count): many CRCs in one call, hardware when the CPU has SSE4.2.
Napi::Value JsCrc32cRanges(const Napi::CallbackInfo& info) { return Crc32cRangesCall(info, HasHardwareCrc32c()); }

}  // namespace annal
