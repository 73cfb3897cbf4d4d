/**
 * UTF-8 bytes of an event (its type, header keys and values, text and JSON data) to strings, as
 * fast as reading a log of small events needs, and exactly as strict as a validating decoder:
 * invalid UTF-8 is `undefined` (the codec reports it as corruption), never U+FFFD.
 *
 * Measured on an AMD EPYC VM, Node 20, for 19 bytes of ASCII: a `TextDecoder` call 150 ns,
 * `String.fromCharCode.apply` over a subarray 160 ns, `Buffer#latin1Slice` 80 ns (`toString('latin1')` 92 ns); a type found
 * in the intern table 15 ns.
 *
 * @module
 */

// fatal: invalid UTF-8 is corruption, not U+FFFD; ignoreBOM: a leading U+FEFF is text, kept.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * ASCII up to this many bytes goes through `Buffer#latin1Slice` (ASCII bytes are valid UTF-8 and decode
 * to the same characters); longer text, where the check loop would cost more than the decoder's
 * vectorised validation, goes straight to the decoder.
 */
const ASCII_FAST_PATH_BYTES = 1024;

/**
 * `Buffer#latin1Slice(start, end)`: what `toString('latin1', start, end)` calls after checking its
 * arguments (an undocumented method every Node release since 0.x has; `toString` when absent).
 */
type Latin1Slice = (this: Buffer, start: number, end: number) => string;
const latin1Slice: Latin1Slice =
  (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice ??
  function (this: Buffer, start: number, end: number): string {
    return this.toString('latin1', start, end);
  };

/**
 * A Buffer over the memory of the Uint8Array last decoded from: the records of one segment share
 * its mapping's array, so this is one comparison per string (reading `bytes.buffer` each time
 * cost 20 ns).
 */
let lastBytes: Uint8Array | undefined;
let lastBuffer: Buffer | undefined;

function bufferOver(bytes: Uint8Array): Buffer {
  if (bytes !== lastBytes || lastBuffer === undefined) {
    lastBytes = bytes;
    lastBuffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return lastBuffer;
}

/**
 * The text in `bytes[at, at + length)`, which the caller has found to be ASCII (each byte below
 * 0x80): no check, one `latin1Slice`.
 */
export function asciiText(bytes: Uint8Array, at: number, length: number): string {
  return length === 0 ? '' : latin1Slice.call(bufferOver(bytes), at, at + length);
}

/** The text in `bytes[at, at + length)`, or undefined when it is not valid UTF-8. */
export function decodeText(bytes: Uint8Array, at: number, length: number): string | undefined {
  if (length === 0) return '';
  if (length <= ASCII_FAST_PATH_BYTES) {
    let ascii = true;
    for (let i = at, end = at + length; i < end; i++) {
      if ((bytes[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return latin1Slice.call(bufferOver(bytes), at, at + length);
  }
  try {
    return decoder.decode(bytes.subarray(at, at + length));
  } catch {
    return undefined;
  }
}

/**
 * Short strings that repeat (event types, header keys), decoded once: a direct-mapped table of
 * 256 slots keyed by a hash of the bytes, each holding the bytes and their string. A slot is
 * trusted only when its bytes equal the record's, so a collision costs a decode, never a wrong
 * string. Per thread (a module instance per worker), bounded (256 × 255 bytes).
 */
const INTERN_SLOTS = 256;
/** Longer strings are decoded every time. */
const INTERN_MAX_BYTES = 255;
const internedBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(
  INTERN_SLOTS,
).fill(undefined);
const internedStrings: string[] = new Array<string>(INTERN_SLOTS).fill('');

/** {@link decodeText} through the intern table. */
export function internedText(bytes: Uint8Array, at: number, length: number): string | undefined {
  if (length > INTERN_MAX_BYTES) return decodeText(bytes, at, length);
  let hash = length;
  for (let i = at, end = at + length; i < end; i++) {
    hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  }
  const slot = (hash ^ (hash >>> 16)) & (INTERN_SLOTS - 1);
  const known = internedBytes[slot];
  if (known?.length === length) {
    let same = true;
    for (let k = 0; k < length; k++) {
      if (known[k] !== bytes[at + k]) {
        same = false;
        break;
      }
    }
    if (same) return internedStrings[slot];
  }
  const text = decodeText(bytes, at, length);
  if (text === undefined) return undefined;
  internedBytes[slot] = bytes.slice(at, at + length);
  internedStrings[slot] = text;
  return text;
}
