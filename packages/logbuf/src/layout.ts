/**
 * The byte layout of a logbuf ring: the only module that knows offsets.
 *
 * Why this file is longer than ~400 lines: it is the one place that knows where every word
 * lives, and every access to a word is a named accessor here that states its memory ordering.
 * Splitting the accessors from the offsets would spread the byte positions over two files, which
 * is what keeping each format in one layout module exists to prevent. It holds the diagram, the offsets, the
 * length-word codec and those accessors: one concept, the ring's memory.
 *
 * A ring is one SharedArrayBuffer: a 256-byte header of four 64-byte lines, then the data area of
 * `capacity` bytes (a power of two). Every word is a 32-bit integer in the platform's byte order
 * (little-endian on every platform Node.js supports); all are accessed through one Int32Array.
 *
 * ```
 *  offset 0     +---------------------------------------------------------------+
 *               | line 0, read-mostly configuration (written once by allocate)   |
 *               |   magic, version, kind, capacity, then padding                 |
 *  offset 64    +---------------------------------------------------------------+
 *               | line 1, producer-owned                                          |
 *               |   tail position, back-pressure count, late-commit count, pad    |
 *  offset 128   +---------------------------------------------------------------+
 *               | line 2, consumer-owned                                          |
 *               |   head position, unblocked count, head check copy, pad          |
 *  offset 192   +---------------------------------------------------------------+
 *               | line 3, sender/receiver (written rarely, read by senders)       |
 *               |   receiver-sleeping flag, sender-closed, receiver-closed, pad   |
 *  offset 256   +---------------------------------------------------------------+
 *               | data area: `capacity` bytes of 8-byte aligned records           |
 *               +---------------------------------------------------------------+
 * ```
 *
 * Positions (tail, head) are free-running byte counts stored modulo 2^32; the offset of a
 * position in the data area is `position & (capacity - 1)`. Differences are taken with
 * `(a - b) | 0`, exact while two positions are less than 2^31 apart, which a capacity of at most
 * 2^30 guarantees for the head and tail.
 *
 * Each record starts with an 8-byte header:
 *
 * ```
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-----------------------------------------------------------+-+-+-+
 *  |                 Length (29 bits)                          |R|C|S|  <- length word, stored last (publish)
 *  +-----------------------------------------------------------+-+-+-+
 *  |                 Check word: ~payload length (records), ~(frame length - 8) (skip)  |
 *  +-----------------------------------------------------------------+
 *  |                 Payload ...                                     |
 *  |                 ... zero padding to the next multiple of 8      |
 * ```
 * (bit 31 is S, "skip"; bit 30 is C, "committed"; bit 29 is R, "record", set in every record
 * word; the ruler numbers bits from the least significant. Skip frames use bits 0-29 as their
 * length: the padding before a wrap in a 2^30 ring can be 2^30 - 8 bytes.)
 *
 * | S | C | R | word                 | meaning                                                |
 * |---|---|---|----------------------|--------------------------------------------------------|
 * | 0 | 0 | 0 | 0                    | not written yet: the consumer stops here               |
 * | 0 | 1 | 1 | C + R + length       | a committed record (payload length may be 0)           |
 * | 1 | 1 |   | S + C + frame length | skip frame: pass `frame length` bytes (wrap padding, abort, unblock) |
 * | 1 | 0 |   | S + frame length     | claimed by an MPSC producer that has not committed yet |
 *
 * Any other word is corrupt. The check word (version 2) lets the consumer catch a length word
 * that was changed by something other than the producer (a stray write, a flipped bit): it is
 * written with a plain store before the length word is published, so it costs a store to a line
 * the producer is writing anyway and a load of a line the consumer has just loaded. It is not a
 * checksum: payload bytes are not covered (see the README's Caveats). R exists so that no single
 * flipped bit turns a committed record (even an empty one) into 0, "not written yet", which a
 * live ring cannot tell from a record still being written.
 *
 * @module
 */

/**
 * Bytes in one cache line; producer, consumer and configuration words never share one (R8).
 * Batched consumers (`poll`) gain nothing from it, since they store the head once per batch;
 * it is kept for consumers that release record by record and store the head each time. The
 * measurement is in docs/decisions/2026-12-04-logbuf-native-measured-choices.md.
 */
export const CACHE_LINE_BYTES = 64;

/** "ANLB" read as a little-endian u32: the first word of every ring. */
export const RING_MAGIC = 0x424c4e41;
/**
 * Version of this layout; attach refuses any other. 2: the record header's second word is a
 * check word, record words carry R, and the consumer keeps a check copy of its head.
 */
export const RING_VERSION = 2;
/** Value of the kind word for an {@link SpscRing}. */
export const RING_KIND_SPSC = 1;
/** Value of the kind word for an {@link MpscRing}. */
export const RING_KIND_MPSC = 2;

/** Smallest data area, in bytes. */
export const MIN_CAPACITY_BYTES = 64;
/** Largest data area, in bytes (2^30): keeps head and tail within 2^31 of each other. */
export const MAX_CAPACITY_BYTES = 0x40000000;

// ---- line 0: configuration ---------------------------------------------------------------
/** u32 magic ({@link RING_MAGIC}). */
export const MAGIC_OFFSET = 0;
/** u32 layout version ({@link RING_VERSION}). */
export const VERSION_OFFSET = MAGIC_OFFSET + 4;
/** u32 ring kind ({@link RING_KIND_SPSC} or {@link RING_KIND_MPSC}). */
export const KIND_OFFSET = VERSION_OFFSET + 4;
/** u32 capacity of the data area in bytes. */
export const CAPACITY_OFFSET = KIND_OFFSET + 4;

// ---- line 1: producer-owned -------------------------------------------------------------
/** u32 tail position (mod 2^32): the end of the last claim. CAS'd by MPSC producers. */
export const TAIL_OFFSET = MAGIC_OFFSET + CACHE_LINE_BYTES;
/** u32 count of claims refused with BACK_PRESSURED (mod 2^32). */
export const BACK_PRESSURE_COUNT_OFFSET = TAIL_OFFSET + 4;
/** u32 count of commits that came after the consumer had unblocked the claim (mod 2^32). */
export const LATE_COMMIT_COUNT_OFFSET = BACK_PRESSURE_COUNT_OFFSET + 4;

// ---- line 2: consumer-owned -------------------------------------------------------------
/** u32 head position (mod 2^32): everything before it is consumed and zeroed. */
export const HEAD_OFFSET = TAIL_OFFSET + CACHE_LINE_BYTES;
/** u32 count of stuck claims the consumer turned into skip frames (mod 2^32). */
export const UNBLOCKED_COUNT_OFFSET = HEAD_OFFSET + 4;
/**
 * i32 bitwise complement of the head, stored (plainly) before the head is published: a consumer
 * that attaches checks the pair, so a head changed by a stray write is an error, not records
 * silently skipped or read twice.
 */
export const HEAD_CHECK_OFFSET = UNBLOCKED_COUNT_OFFSET + 4;

// ---- line 3: sender and receiver -----------------------------------------------------------
/** i32 1 while the receiver sleeps (or is about to) in `Atomics.wait`; senders wake it. */
export const RECEIVER_SLEEPING_OFFSET = HEAD_OFFSET + CACHE_LINE_BYTES;
/** i32 1 once a sender closed its side (the receiver reads what is left, then gets CLOSED). */
export const SENDER_CLOSED_OFFSET = RECEIVER_SLEEPING_OFFSET + 4;
/** i32 1 once the receiver closed its side (senders get CLOSED). */
export const RECEIVER_CLOSED_OFFSET = SENDER_CLOSED_OFFSET + 4;

/** Bytes before the data area. */
export const HEADER_BYTES = RECEIVER_SLEEPING_OFFSET + CACHE_LINE_BYTES;
/** Offset of the data area in the SharedArrayBuffer. */
export const DATA_OFFSET = HEADER_BYTES;

// ---- records ----------------------------------------------------------------------------
/** Records start on multiples of 8 bytes. */
export const RECORD_ALIGNMENT_BYTES = 8;
/** Bytes of a record header: the length word and the check word. */
export const RECORD_HEADER_BYTES = 8;
/** Offset of the length word inside a record header. */
export const LENGTH_WORD_OFFSET = 0;
/** Offset of the check word inside a record header (see {@link packRecordCheck}). */
export const CHECK_WORD_OFFSET = LENGTH_WORD_OFFSET + 4;

/** Bit 30 of the length word: the frame is complete (a record, or a skip frame with SKIP). */
export const COMMITTED_FLAG = 0x40000000;
/** Bit 31 of the length word: pass over this frame (a skip frame, or a pending MPSC claim). */
export const SKIP_FLAG = -0x80000000;
/** Bit 29 of a record's length word: set in every record, so no record word is one bit from 0. */
export const RECORD_FLAG = 0x20000000;
/** The flags every record word has, and none of the others. */
export const RECORD_FLAGS = COMMITTED_FLAG | RECORD_FLAG;
/** The low 30 bits of a skip frame's or a claim's word: its frame length. */
export const LENGTH_MASK = 0x3fffffff;
/** The low 29 bits of a record's word: its payload length (below 2^29 in every ring). */
export const RECORD_LENGTH_MASK = 0x1fffffff;
/** Flags of a skip frame's word (S and C), before its length is added. */
export const SKIP_FRAME_FLAGS = SKIP_FLAG | COMMITTED_FLAG;

/**
 * Bytes a record of `payloadLength` bytes takes in the ring: header plus payload, rounded up to
 * {@link RECORD_ALIGNMENT_BYTES}.
 */
export function computeFrameLength(payloadLength: number): number {
  return (
    (payloadLength + RECORD_HEADER_BYTES + RECORD_ALIGNMENT_BYTES - 1) &
    ~(RECORD_ALIGNMENT_BYTES - 1)
  );
}

/**
 * Largest payload a ring of `capacity` bytes accepts: a frame of at most half the ring, so a
 * record plus the padding before a wrap always fit in an empty ring.
 */
export function computeMaxPayloadLength(capacity: number): number {
  return capacity / 2 - RECORD_HEADER_BYTES;
}

/** Length word of a committed record of `payloadLength` bytes (two bits set even for 0 bytes). */
export function packRecordWord(payloadLength: number): number {
  return RECORD_FLAGS | payloadLength;
}

/**
 * Check word of a record of `payloadLength` bytes: its complement (never 0, and every bit of
 * the length is checked). A claim turned into a skip frame keeps it: {@link isSkipCheck} accepts it.
 */
export function packRecordCheck(payloadLength: number): number {
  return ~payloadLength;
}

/** Check word of a skip frame of `frameLength` bytes (as a record of `frameLength - 8`). */
export function packSkipCheck(frameLength: number): number {
  return ~(frameLength - RECORD_HEADER_BYTES);
}

/** True when `check` is the check word of a record of `payloadLength` bytes. */
export function isRecordCheck(check: number, payloadLength: number): boolean {
  return check === ~payloadLength;
}

/**
 * True when `check` fits a skip frame of `frameLength` bytes: written for it, or for a record
 * of that frame length that was aborted or unblocked.
 */
export function isSkipCheck(check: number, frameLength: number): boolean {
  return computeFrameLength(~check) === frameLength;
}

/** Length word of a skip frame of `frameLength` bytes (wrap padding, an aborted or unblocked claim). */
export function packSkipWord(frameLength: number): number {
  return SKIP_FRAME_FLAGS | frameLength;
}

/** Length word of a pending MPSC claim of `frameLength` bytes. */
export function packClaimedWord(frameLength: number): number {
  return SKIP_FLAG | frameLength;
}

/** The 30-bit length field of a skip frame: its frame length. */
export function unpackLength(word: number): number {
  return word & LENGTH_MASK;
}

/** The 29-bit length field of a record word: its payload length. */
export function unpackRecordLength(word: number): number {
  return word & RECORD_LENGTH_MASK;
}

/** True for a committed data record (S clear, C and R set). */
export function isRecord(word: number): boolean {
  return (word & SKIP_FRAME_FLAGS) === COMMITTED_FLAG && (word & RECORD_FLAG) !== 0;
}

/** True for a skip frame (S and C set). */
export function isSkipFrame(word: number): boolean {
  return (word & SKIP_FRAME_FLAGS) === SKIP_FRAME_FLAGS;
}

/** True for a pending MPSC claim (S set, C clear). */
export function isClaimed(word: number): boolean {
  return (word & SKIP_FRAME_FLAGS) === SKIP_FLAG;
}

/** Bytes of SharedArrayBuffer a ring with a data area of `capacity` bytes needs. */
export function computeBufferLength(capacity: number): number {
  return HEADER_BYTES + capacity;
}

/** Index into an Int32Array over the ring of the word at byte `offset`. */
export function wordIndex(offset: number): number {
  return offset >> 2;
}

// ---- header accessors ---------------------------------------------------------------------
// Header fields read at attach are written before the buffer is shared (allocate), so plain
// reads suffice: the postMessage that shared the buffer orders them.

/** Reads the magic word. */
export function getMagic(words: Int32Array): number {
  return (words[wordIndex(MAGIC_OFFSET)] as number) >>> 0;
}
/** Reads the version word. */
export function getVersion(words: Int32Array): number {
  return words[wordIndex(VERSION_OFFSET)] as number;
}
/** Reads the kind word. */
export function getKind(words: Int32Array): number {
  return words[wordIndex(KIND_OFFSET)] as number;
}
/** Reads the capacity word. */
export function getCapacity(words: Int32Array): number {
  return (words[wordIndex(CAPACITY_OFFSET)] as number) >>> 0;
}

/** Writes the configuration line of a fresh ring, and the head's check copy (before it is shared). */
export function setHeader(words: Int32Array, kind: number, capacity: number): void {
  words[wordIndex(MAGIC_OFFSET)] = RING_MAGIC;
  words[wordIndex(VERSION_OFFSET)] = RING_VERSION;
  words[wordIndex(KIND_OFFSET)] = kind;
  words[wordIndex(CAPACITY_OFFSET)] = capacity;
  words[wordIndex(HEAD_CHECK_OFFSET)] = ~0;
}

/** Atomically reads the tail position (mod 2^32, as an int32). */
export function loadTail(words: Int32Array): number {
  return Atomics.load(words, wordIndex(TAIL_OFFSET));
}
/** Atomically writes the tail position. */
export function storeTail(words: Int32Array, tail: number): void {
  Atomics.store(words, wordIndex(TAIL_OFFSET), tail);
}
/** Plain write of the tail: for SPSC, where only observers read it and may be stale. */
export function setTail(words: Int32Array, tail: number): void {
  words[wordIndex(TAIL_OFFSET)] = tail;
}
/** CAS of the tail; returns the value found (equal to `expected` on success). */
export function compareExchangeTail(
  words: Int32Array,
  expected: number,
  replacement: number,
): number {
  return Atomics.compareExchange(words, wordIndex(TAIL_OFFSET), expected, replacement);
}

/** Atomically reads the head position (mod 2^32, as an int32). */
export function loadHead(words: Int32Array): number {
  return Atomics.load(words, wordIndex(HEAD_OFFSET));
}
/**
 * Publishes the head position: a plain write of its check copy, then the atomic store, which
 * orders the copy before it for a consumer that attaches later.
 */
export function storeHead(words: Int32Array, head: number): void {
  words[wordIndex(HEAD_CHECK_OFFSET)] = ~head;
  Atomics.store(words, wordIndex(HEAD_OFFSET), head);
}
/** Plain read of the head's check copy (the consumer's own line; see {@link HEAD_CHECK_OFFSET}). */
export function getHeadCheck(words: Int32Array): number {
  return words[wordIndex(HEAD_CHECK_OFFSET)] as number;
}

/** Atomically reads the back-pressure count. */
export function loadBackPressureCount(words: Int32Array): number {
  return Atomics.load(words, wordIndex(BACK_PRESSURE_COUNT_OFFSET)) >>> 0;
}
/** Atomically adds one to the back-pressure count. */
export function addBackPressureCount(words: Int32Array): void {
  Atomics.add(words, wordIndex(BACK_PRESSURE_COUNT_OFFSET), 1);
}
/** Atomically reads the late-commit count. */
export function loadLateCommitCount(words: Int32Array): number {
  return Atomics.load(words, wordIndex(LATE_COMMIT_COUNT_OFFSET)) >>> 0;
}
/** Atomically adds one to the late-commit count. */
export function addLateCommitCount(words: Int32Array): void {
  Atomics.add(words, wordIndex(LATE_COMMIT_COUNT_OFFSET), 1);
}
/** Atomically reads the unblocked count. */
export function loadUnblockedCount(words: Int32Array): number {
  return Atomics.load(words, wordIndex(UNBLOCKED_COUNT_OFFSET)) >>> 0;
}
/** Atomically adds one to the unblocked count. */
export function addUnblockedCount(words: Int32Array): void {
  Atomics.add(words, wordIndex(UNBLOCKED_COUNT_OFFSET), 1);
}

/** Index of the receiver-sleeping word, for `Atomics.wait`/`waitAsync`/`notify`. */
export const RECEIVER_SLEEPING_INDEX = wordIndex(RECEIVER_SLEEPING_OFFSET);

/** Atomically reads the receiver-sleeping flag. */
export function loadReceiverSleeping(words: Int32Array): number {
  return Atomics.load(words, RECEIVER_SLEEPING_INDEX);
}
/** Atomically writes the receiver-sleeping flag. */
export function storeReceiverSleeping(words: Int32Array, sleeping: number): void {
  Atomics.store(words, RECEIVER_SLEEPING_INDEX, sleeping);
}
/** Atomically reads the sender-closed flag. */
export function loadSenderClosed(words: Int32Array): number {
  return Atomics.load(words, wordIndex(SENDER_CLOSED_OFFSET));
}
/** Atomically writes the sender-closed flag. */
export function storeSenderClosed(words: Int32Array): void {
  Atomics.store(words, wordIndex(SENDER_CLOSED_OFFSET), 1);
}
/** Atomically reads the receiver-closed flag. */
export function loadReceiverClosed(words: Int32Array): number {
  return Atomics.load(words, wordIndex(RECEIVER_CLOSED_OFFSET));
}
/** Atomically writes the receiver-closed flag. */
export function storeReceiverClosed(words: Int32Array): void {
  Atomics.store(words, wordIndex(RECEIVER_CLOSED_OFFSET), 1);
}

// ---- record accessors (offset = byte offset of the record in the data area) ---------------

/** Index into the ring's Int32Array of the length word of the record at data `offset`. */
export function lengthWordIndex(offset: number): number {
  return (DATA_OFFSET + offset + LENGTH_WORD_OFFSET) >> 2;
}

/** Byte offset in the SharedArrayBuffer of the payload of the record at data `offset`. */
export function payloadOffset(offset: number): number {
  return DATA_OFFSET + offset + RECORD_HEADER_BYTES;
}

/** Plain read of a record's check word (after the acquire-load of its length word). */
export function getCheckWord(words: Int32Array, offset: number): number {
  return words[(DATA_OFFSET + offset + CHECK_WORD_OFFSET) >> 2] as number;
}
/** Plain write of a record's check word (before the publish of its length word). */
export function setCheckWord(words: Int32Array, offset: number, check: number): void {
  words[(DATA_OFFSET + offset + CHECK_WORD_OFFSET) >> 2] = check;
}

/** Acquire-load of a record's length word. */
export function loadLengthWord(words: Int32Array, offset: number): number {
  return Atomics.load(words, lengthWordIndex(offset));
}

/**
 * Node (V8) on x86-64, where a plain load is an acquire load: loads are not reordered with
 * earlier loads (TSO), and V8 emits typed-array loads in program order. Elsewhere (another
 * architecture, another engine, a browser, whose architecture is unknown) every acquire stays an
 * `Atomics.load`.
 */
const PLAIN_LOAD_ACQUIRES = ((): boolean => {
  const running = (globalThis as { process?: { arch?: string; versions?: Record<string, string> } })
    .process;
  return (
    running?.arch === 'x64' &&
    typeof running.versions?.['v8'] === 'string' &&
    running.versions['bun'] === undefined
  );
})();

/**
 * Acquire-load of a record's length word for the consumer's per-record path: a plain load where
 * that is one (see PLAIN_LOAD_ACQUIRES), else {@link loadLengthWord}. In Node 20's V8
 * `Atomics.load` is a call into a builtin, about 8 ns against 1 ns for a plain load. A plain
 * load may see an older value and may be reused by the compiler within one function: act on a
 * committed word seen this way, and read a word that says "nothing yet" again with
 * {@link loadLengthWord} (a builtin call, after which nothing is reused) before concluding so.
 */
export function peekLengthWord(words: Int32Array, offset: number): number {
  const index = lengthWordIndex(offset);
  return PLAIN_LOAD_ACQUIRES ? (words[index] as number) : Atomics.load(words, index);
}
/**
 * Zeroes the frame at data `offset` with plain writes, through a Float64Array over the whole
 * buffer: frames are multiples of 8 bytes at 8-aligned offsets (and the data area starts at 256),
 * so every frame is whole Float64 elements. A loop of 8-byte stores beats `Uint8Array#fill` (a
 * builtin call) and an Int32 loop for frames this short (measurements in
 * docs/decisions/2026-11-22-logbuf-deferred-commits.md).
 */
export function zeroFrame(float64s: Float64Array, offset: number, frameLength: number): void {
  const start = (DATA_OFFSET + offset) >> 3;
  const end = start + (frameLength >> 3);
  for (let index = start; index < end; index++) float64s[index] = 0;
}

/**
 * Plain write of a record's length word: a deferred commit, published by the release-store of an
 * earlier length word that follows it in program order.
 */
export function setLengthWord(words: Int32Array, offset: number, word: number): void {
  words[lengthWordIndex(offset)] = word;
}
/** Release-store of a record's length word. */
export function storeLengthWord(words: Int32Array, offset: number, word: number): void {
  Atomics.store(words, lengthWordIndex(offset), word);
}
/**
 * True where {@link publishLengthWord} is a plain store (V8 on x86-64, as PLAIN_LOAD_ACQUIRES):
 * there a receiver going to sleep must allow for a publish its flag check did not see (the
 * Receiver's settle wait).
 */
export const PUBLISH_IS_PLAIN = PLAIN_LOAD_ACQUIRES;
/**
 * Publishes an SPSC record (or a deferred batch) by its length word: on x86-64 under V8 a plain
 * store, elsewhere {@link storeLengthWord}. On x86-64 a store is not reordered with earlier
 * stores (TSO) and V8 emits typed-array stores in program order, so the payload, check word and
 * any later words written before it are visible to a consumer that sees it: a release store,
 * without the full fence (`xchg`) that `Atomics.store` compiles to. That fence made every
 * commit wait for the cache lines the consumer held: 89 against 66 ns a 64-byte record, the
 * cost of a deferred commit (apps/bench logbuf/spsc, AMD EPYC). What a plain store does not
 * order is the producer's next load, of the receiver's sleeping flag: see
 * {@link wakeReceiver}.
 */
export function publishLengthWord(words: Int32Array, offset: number, word: number): void {
  const index = lengthWordIndex(offset);
  if (PUBLISH_IS_PLAIN) words[index] = word;
  else Atomics.store(words, index, word);
}
/** CAS of a record's length word; returns the value found. */
export function compareExchangeLengthWord(
  words: Int32Array,
  offset: number,
  expected: number,
  replacement: number,
): number {
  return Atomics.compareExchange(words, lengthWordIndex(offset), expected, replacement);
}

// ---- waking the receiver -------------------------------------------------------------------

/**
 * Wakes a receiver that flagged it sleeps, after a commit. The common path is one plain load of
 * a line the receiver writes rarely: no notify, no syscall. The CAS clears the flag before the
 * notify, so a receiver that flagged but has not reached `Atomics.wait` yet sees a changed value
 * and does not sleep (no lost wake-up); of several MPSC senders only one notifies.
 */
export function wakeReceiver(words: Int32Array): void {
  // After a sequentially consistent publish (an MPSC CAS, or Atomics.store where publishes are
  // not plain), a full fence: either the receiver's re-check after setting the flag sees the
  // record, or this load sees the flag. After a plain publish (PUBLISH_IS_PLAIN) this load may
  // pass the store, and both may miss: the receiver then finds the record when it looks again
  // after its short settle wait (receiver.ts), by which time the store is visible. A plain load
  // costs a nanosecond instead of a builtin call.
  const sleeping = PLAIN_LOAD_ACQUIRES
    ? (words[RECEIVER_SLEEPING_INDEX] as number)
    : Atomics.load(words, RECEIVER_SLEEPING_INDEX);
  if (sleeping !== 0) {
    if (Atomics.compareExchange(words, RECEIVER_SLEEPING_INDEX, 1, 0) === 1) {
      Atomics.notify(words, RECEIVER_SLEEPING_INDEX, 1);
    }
  }
}

/** Clears the sleeping flag and wakes the receiver unconditionally (close, abort). */
export function notifyReceiver(words: Int32Array): void {
  Atomics.store(words, RECEIVER_SLEEPING_INDEX, 0);
  Atomics.notify(words, RECEIVER_SLEEPING_INDEX, 1);
}

/**
 * Sleeps while the sleeping flag is still 1, at most `timeoutMs` (worker threads, or Node's
 * main thread; browsers forbid it on their main thread).
 */
export function waitReceiverSleeping(words: Int32Array, timeoutMs: number): void {
  Atomics.wait(words, RECEIVER_SLEEPING_INDEX, 1, timeoutMs);
}

/** How long a waitAsync's keep-alive timer outlasts the wait (it is cleared when the wait ends). */
const KEEP_ALIVE_SLACK_MS = 100;

/**
 * Like {@link waitReceiverSleeping} without blocking the thread: resolves when woken or after
 * `timeoutMs`. Falls back to a timer where `Atomics.waitAsync` is missing (older browsers).
 */
export function waitAsyncReceiverSleeping(words: Int32Array, timeoutMs: number): Promise<unknown> {
  if (typeof Atomics.waitAsync === 'function') {
    const result = Atomics.waitAsync(words, RECEIVER_SLEEPING_INDEX, 1, timeoutMs);
    if (!result.async) return Promise.resolve(result.value);
    // Node does not count a pending Atomics.waitAsync as work that keeps the event loop alive: a
    // worker whose only task is this wait would exit in the middle of it. A timer keeps it alive,
    // past the wait's own timeout: V8 settles a timed-out wait from a task of its own, which can
    // run after a timer of the same length has fired (with a 0.1 ms settle wait, against Node's
    // 1 ms timer floor, it did, and the worker exited with code 13).
    const keepAlive = setTimeout(() => undefined, timeoutMs + KEEP_ALIVE_SLACK_MS);
    return result.value.finally(() => {
      clearTimeout(keepAlive);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, Math.min(timeoutMs, 1)));
}
