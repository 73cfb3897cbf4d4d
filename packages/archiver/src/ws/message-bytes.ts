/**
 * The bytes of a `ws` message, as the archiver records them, from what `ws` hands the application
 * (inbound) or what the application hands `ws.send` (outbound). Each conversion mirrors what `ws`
 * itself does with the same value, so the recorded bytes are the bytes on the wire before framing
 * and compression.
 *
 * @module
 */

const EMPTY = new Uint8Array(0);

/**
 * The bytes of an inbound message for each `binaryType` `ws` supports synchronously: a Buffer
 * ('nodebuffer', and every text message), an ArrayBuffer ('arraybuffer') or the frames' Buffers
 * ('fragments'). Undefined for anything else (a Blob, under 'blob'), which cannot be read without
 * waiting.
 */
export function inboundBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) return joinFragments(data);
  return undefined;
}

/** The fragments of one message as one byte array (no copy for a single fragment). */
function joinFragments(fragments: readonly unknown[]): Uint8Array | undefined {
  if (fragments.length === 1 && fragments[0] instanceof Uint8Array) return fragments[0];
  let length = 0;
  for (const fragment of fragments) {
    if (!(fragment instanceof Uint8Array)) return undefined;
    length += fragment.byteLength;
  }
  const joined = new Uint8Array(length);
  let at = 0;
  for (const fragment of fragments as readonly Uint8Array[]) {
    joined.set(fragment, at);
    at += fragment.byteLength;
  }
  return joined;
}

/** The smallest buffer a {@link Utf8Scratch} grows to. */
const MIN_SCRATCH_BYTES = 4096;

/**
 * Encodes outbound strings as UTF-8 into one buffer it reuses, so sending text allocates no
 * backing store per message; the archiver copies the bytes before `record` returns. It grows to
 * the longest message encoded and starts empty, so one shared by every tap costs nothing until
 * text is sent.
 */
export class Utf8Scratch {
  #buffer = Buffer.allocUnsafe(0);

  /** `text` as UTF-8, in a view that is valid until the next call. */
  encode(text: string): Uint8Array {
    // Each UTF-16 code unit takes at most 3 UTF-8 bytes; count exactly only for long strings.
    const bound = text.length * 3;
    if (bound > this.#buffer.byteLength) {
      const needed = Buffer.byteLength(text, 'utf8');
      if (needed > this.#buffer.byteLength)
        this.#buffer = Buffer.allocUnsafe(
          Math.max(needed, this.#buffer.byteLength * 2, MIN_SCRATCH_BYTES),
        );
    }
    const written = this.#buffer.write(text, 0, 'utf8');
    return this.#buffer.subarray(0, written);
  }
}

/**
 * The bytes `ws.send(data)` puts in the message: UTF-8 for a string (a number is sent as its
 * decimal string), the viewed bytes of a Buffer, TypedArray or DataView, the whole of an
 * (Shared)ArrayBuffer, nothing for a missing or falsy value, `Buffer.from(data)` for anything
 * else (as `ws` does). Undefined for a Blob, whose bytes cannot be read without waiting.
 */
export function outboundBytes(data: unknown, scratch: Utf8Scratch): Uint8Array | undefined {
  if (typeof data === 'string') return scratch.encode(data);
  if (typeof data === 'number') return scratch.encode(data.toString());
  if (!data) return EMPTY;
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer) return new Uint8Array(data);
  if (typeof Blob === 'function' && data instanceof Blob) return undefined;
  return Buffer.from(data as string);
}

/** Whether `ws.send(data)` sends a text message when its options do not say `binary`. */
export function sentAsText(data: unknown): boolean {
  return typeof data === 'string' || typeof data === 'number';
}
