/**
 * Sizing, allocation and attach-time validation of a ring's SharedArrayBuffer. The
 * rings call these; nothing here runs per record.
 *
 * @module
 */
import { CorruptError, InvalidArgumentError } from './errors.js';
import {
  MAX_CAPACITY_BYTES,
  MIN_CAPACITY_BYTES,
  RING_KIND_MPSC,
  RING_KIND_SPSC,
  RING_MAGIC,
  RING_VERSION,
  computeBufferLength,
  computeMaxPayloadLength,
  getCapacity,
  getKind,
  getMagic,
  getVersion,
  setHeader,
} from './layout.js';

/** The typed views every ring and claim of one buffer share. @internal */
export interface RingViews {
  /** The whole shared buffer. */
  readonly buffer: SharedArrayBuffer;
  /** Int32Array over the whole buffer: header words and length words. */
  readonly words: Int32Array;
  /** Uint8Array over the whole buffer: payloads. */
  readonly bytes: Uint8Array;
  /** Float64Array over the whole buffer: zeroing consumed frames, 8 bytes a write. */
  readonly float64s: Float64Array;
  /** Bytes in the data area (a power of two). */
  readonly capacity: number;
  /** `capacity - 1`, to turn a position into an offset. */
  readonly mask: number;
  /** Largest payload a record may have. */
  readonly maxPayloadBytes: number;
}

function kindName(kind: number): string {
  return kind === RING_KIND_SPSC ? 'spsc' : kind === RING_KIND_MPSC ? 'mpsc' : 'unknown';
}

/**
 * Throws unless `capacity` is a power of two within the supported range.
 * @internal
 */
export function checkCapacity(capacity: number): void {
  if (
    !Number.isInteger(capacity) ||
    capacity < MIN_CAPACITY_BYTES ||
    capacity > MAX_CAPACITY_BYTES ||
    (capacity & (capacity - 1)) !== 0
  ) {
    throw new InvalidArgumentError(
      `capacity must be a power of two from ${MIN_CAPACITY_BYTES} to ${MAX_CAPACITY_BYTES} bytes: capacity=${String(capacity)}`,
      { field: 'capacity' },
    );
  }
}

/**
 * Creates and initialises the SharedArrayBuffer of a ring. @internal
 */
export function allocateRing(kind: number, capacity: number): SharedArrayBuffer {
  checkCapacity(capacity);
  const buffer = new SharedArrayBuffer(computeBufferLength(capacity));
  setHeader(new Int32Array(buffer), kind, capacity);
  return buffer;
}

/**
 * Validates the header of `buffer` and builds the views. @internal
 */
export function attachRing(buffer: unknown, kind: number): RingViews {
  if (!(buffer instanceof SharedArrayBuffer)) {
    throw new InvalidArgumentError(
      `buffer must be a SharedArrayBuffer: buffer=${Object.prototype.toString.call(buffer)}`,
      { field: 'buffer' },
    );
  }
  const length = buffer.byteLength;
  if (length < computeBufferLength(MIN_CAPACITY_BYTES)) {
    throw new CorruptError(
      `buffer is too short to hold a ring: byteLength=${length}, expected at least ${computeBufferLength(MIN_CAPACITY_BYTES)}`,
      { field: 'byteLength' },
    );
  }
  const words = new Int32Array(buffer);
  const magic = getMagic(words);
  if (magic !== RING_MAGIC) {
    throw new CorruptError(
      `buffer is not a logbuf ring: magic=0x${magic.toString(16)}, expected 0x${RING_MAGIC.toString(16)}`,
      { field: 'magic', offset: 0 },
    );
  }
  const version = getVersion(words);
  if (version !== RING_VERSION) {
    throw new CorruptError(
      `unsupported ring layout version: version=${version}, expected ${RING_VERSION}`,
      { field: 'version' },
    );
  }
  const found = getKind(words);
  if (found !== kind) {
    throw new CorruptError(
      `ring kind mismatch: kind=${found} (${kindName(found)}), expected ${kind} (${kindName(kind)})`,
      { field: 'kind' },
    );
  }
  const capacity = getCapacity(words);
  if (
    capacity < MIN_CAPACITY_BYTES ||
    capacity > MAX_CAPACITY_BYTES ||
    (capacity & (capacity - 1)) !== 0 ||
    computeBufferLength(capacity) !== length
  ) {
    throw new CorruptError(
      `ring capacity does not match the buffer: capacity=${capacity}, byteLength=${length}, expected byteLength=${computeBufferLength(capacity)} and a power-of-two capacity`,
      { field: 'capacity' },
    );
  }
  return {
    buffer,
    words,
    bytes: new Uint8Array(buffer),
    float64s: new Float64Array(buffer),
    capacity,
    mask: capacity - 1,
    maxPayloadBytes: computeMaxPayloadLength(capacity),
  };
}
