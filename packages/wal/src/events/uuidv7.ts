/**
 * UUIDs for event ids: version 7 (RFC 9562 §5.7) generated per {@link Uuidv7Generator}, and the
 * conversions between the 16 stored bytes and the canonical string. No dependency, and no
 * module-level mutable state: each generator keeps its own clock and counter.
 *
 * ```
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                           unix_ts_ms                          |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |          unix_ts_ms           |  ver  |   rand_a (counter)    |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |var|                        rand_b                             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                            rand_b                             |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 *
 * @module
 */

/** Bytes of a UUID. */
export const UUID_BYTES = 16;

/** The canonical form, any version; hex digits of either case (RFC 9562 §4). */
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Where the 32 hex digits start in the 36-character string, byte by byte. */
const HEX_START = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/** The largest timestamp 48 bits hold (in the year 10889). */
const MAX_MS = 2 ** 48 - 1;
const VERSION_7 = 0x70;
const VARIANT_RFC = 0x80;
/** rand_a is 12 bits. */
const COUNTER_MAX = 0xfff;
/**
 * A new millisecond starts the counter at a random value below this (RFC 9562 §6.2, method 1:
 * the top bit starts at 0), so at least 2,048 ids fit in a millisecond before it rolls over.
 */
const COUNTER_SEED_LIMIT = 0x800;
/** Ids whose random bytes one getRandomValues call supplies (8 bytes each). */
const RANDOM_POOL_IDS = 256;
const RANDOM_BYTES_PER_ID = 8;

/**
 * Generates UUIDv7 ids that strictly increase (as bytes and as lowercase strings), also within
 * one millisecond and across a clock that steps back: the 12-bit counter in rand_a counts ids
 * within a millisecond; when the clock goes back, the generator stays on its last millisecond
 * and keeps counting; when the counter runs out, it moves to the next millisecond (ids may run
 * ahead of the clock until it catches up). The remaining 62 bits come from
 * `crypto.getRandomValues`.
 *
 * Not thread-safe, and needs none: each generator belongs to one event log.
 */
export class Uuidv7Generator {
  #lastMs = -1;
  #counter = 0;
  readonly #random = new Uint8Array(RANDOM_POOL_IDS * RANDOM_BYTES_PER_ID);
  #randomAt = this.#random.length;

  /**
   * Writes the next id into `target` at `at` (16 bytes).
   * @param nowMs - the clock, Unix ms (an integer from 0 to 2^48 − 1)
   */
  nextInto(nowMs: number, target: Uint8Array, at: number): void {
    // Whole ms within 48 bits (a clock before 1970, or NaN, counts as 0).
    const clock = nowMs > 0 ? Math.min(Math.floor(nowMs), MAX_MS) : 0;
    let ms = this.#lastMs;
    if (clock > ms) {
      ms = clock;
      this.#counter = this.#counterSeed();
    } else if (this.#counter < COUNTER_MAX) {
      // Same millisecond, or the clock stepped back: stay on the last millisecond.
      this.#counter++;
    } else {
      // Counter spent: borrow the next millisecond (RFC 9562 §6.2, "timestamp increment").
      ms++;
      this.#counter = this.#counterSeed();
    }
    this.#lastMs = ms;
    writeTimestamp(target, at, ms);
    const counter = this.#counter;
    target[at + 6] = VERSION_7 | (counter >>> 8);
    target[at + 7] = counter & 0xff;
    target[at + 8] = VARIANT_RFC | (this.#randomByte() & 0x3f);
    for (let i = 9; i < UUID_BYTES; i++) target[at + i] = this.#randomByte();
  }

  /** The next id as a canonical lowercase string. */
  next(nowMs: number): string {
    const bytes = new Uint8Array(UUID_BYTES);
    this.nextInto(nowMs, bytes, 0);
    return formatUuid(bytes, 0);
  }

  /**
   * Makes every later id sort after `id` (16 bytes at `at`) when it is a version 7 UUID: how a
   * log reopened after its clock stepped back keeps its ids increasing. Other ids are ignored.
   */
  observe(id: Uint8Array, at: number): void {
    if (((id[at + 6] as number) & 0xf0) !== VERSION_7) return;
    const ms = readTimestamp(id, at);
    const counter = (((id[at + 6] as number) & 0x0f) << 8) | (id[at + 7] as number);
    if (ms > this.#lastMs || (ms === this.#lastMs && counter > this.#counter)) {
      this.#lastMs = ms;
      this.#counter = counter;
    }
  }

  /** A random counter start below COUNTER_SEED_LIMIT (65,536 is a multiple of it: uniform). */
  #counterSeed(): number {
    return ((this.#randomByte() << 8) | this.#randomByte()) % COUNTER_SEED_LIMIT;
  }

  #randomByte(): number {
    if (this.#randomAt === this.#random.length) {
      crypto.getRandomValues(this.#random);
      this.#randomAt = 0;
    }
    return this.#random[this.#randomAt++] as number;
  }
}

/** True when `value` is a UUID in canonical form (any version, hex digits of either case). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

/** The 16 bytes of a UUID string (which must pass {@link isUuid}) into `target` at `at`. */
export function parseUuidInto(id: string, target: Uint8Array, at: number): void {
  for (let i = 0; i < UUID_BYTES; i++) {
    target[at + i] = Number.parseInt(id.slice(HEX_START[i], (HEX_START[i] as number) + 2), 16);
  }
}

/** The character code of each nibble's hex digit. */
const HEX_CODES = Array.from({ length: 16 }, (_, i) => i.toString(16).charCodeAt(0));
const DASH = 0x2d;

/**
 * The canonical lowercase string of the 16 bytes at `at`: one `String.fromCharCode` call with
 * its 36 codes as arguments, a flat string (reading an event makes one per event). Measured on
 * an AMD EPYC VM: 64 ns, against 128 ns through `fromCharCode.apply` over a scratch array and
 * about 270 ns for a 20-part concatenation once the rope is flattened.
 */
export function formatUuid(bytes: Uint8Array, at: number): string {
  const h = HEX_CODES;
  const b = bytes;
  return String.fromCharCode(
    h[(b[at] as number) >> 4] as number,
    h[(b[at] as number) & 15] as number,
    h[(b[at + 1] as number) >> 4] as number,
    h[(b[at + 1] as number) & 15] as number,
    h[(b[at + 2] as number) >> 4] as number,
    h[(b[at + 2] as number) & 15] as number,
    h[(b[at + 3] as number) >> 4] as number,
    h[(b[at + 3] as number) & 15] as number,
    DASH,
    h[(b[at + 4] as number) >> 4] as number,
    h[(b[at + 4] as number) & 15] as number,
    h[(b[at + 5] as number) >> 4] as number,
    h[(b[at + 5] as number) & 15] as number,
    DASH,
    h[(b[at + 6] as number) >> 4] as number,
    h[(b[at + 6] as number) & 15] as number,
    h[(b[at + 7] as number) >> 4] as number,
    h[(b[at + 7] as number) & 15] as number,
    DASH,
    h[(b[at + 8] as number) >> 4] as number,
    h[(b[at + 8] as number) & 15] as number,
    h[(b[at + 9] as number) >> 4] as number,
    h[(b[at + 9] as number) & 15] as number,
    DASH,
    h[(b[at + 10] as number) >> 4] as number,
    h[(b[at + 10] as number) & 15] as number,
    h[(b[at + 11] as number) >> 4] as number,
    h[(b[at + 11] as number) & 15] as number,
    h[(b[at + 12] as number) >> 4] as number,
    h[(b[at + 12] as number) & 15] as number,
    h[(b[at + 13] as number) >> 4] as number,
    h[(b[at + 13] as number) & 15] as number,
    h[(b[at + 14] as number) >> 4] as number,
    h[(b[at + 14] as number) & 15] as number,
    h[(b[at + 15] as number) >> 4] as number,
    h[(b[at + 15] as number) & 15] as number,
  );
}

/** The Unix ms in the first 48 bits of a UUIDv7 string (which must pass {@link isUuid}). */
export function uuidv7Timestamp(id: string): number {
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

/** The UUID version nibble of a UUID string (7 for ids this module generates). */
export function uuidVersion(id: string): number {
  return Number.parseInt(id.charAt(14), 16);
}

function writeTimestamp(target: Uint8Array, at: number, ms: number): void {
  // 48 bits big-endian: the high 16 bits, then the low 32 (exact: ms < 2^48).
  const high = Math.floor(ms / 2 ** 32);
  const low = ms >>> 0;
  target[at] = (high >>> 8) & 0xff;
  target[at + 1] = high & 0xff;
  target[at + 2] = low >>> 24;
  target[at + 3] = (low >>> 16) & 0xff;
  target[at + 4] = (low >>> 8) & 0xff;
  target[at + 5] = low & 0xff;
}

function readTimestamp(bytes: Uint8Array, at: number): number {
  let ms = 0;
  for (let i = 0; i < 6; i++) ms = ms * 256 + (bytes[at + i] as number);
  return ms;
}
