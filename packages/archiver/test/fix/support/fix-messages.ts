/**
 * FIX messages built byte by byte for the tests (independent of the framer under test), and
 * fast-check arbitraries of valid messages and of garbage.
 */
import fc from 'fast-check';

/** The field delimiter. */
export const SOH = '\x01';

const encoder = new TextEncoder();

/** Options of {@link fixMessage}. */
export interface FixMessageOptions {
  /** Default `FIX.4.4`. */
  readonly beginString?: string;
  /** Zero-pad BodyLength to this many digits (jspurefix pads to 7). Default: no padding. */
  readonly bodyLengthDigits?: number;
  /** Write this CheckSum instead of the right one. */
  readonly checksum?: string;
  /** Write this BodyLength instead of the right one. */
  readonly bodyLength?: number;
}

/**
 * A FIX message: `8=<beginString>|9=<len>|35=<msgType>|<tag=value>...|10=<sum>|` with SOH
 * delimiters, its BodyLength and CheckSum computed here.
 */
export function fixMessage(
  msgType: string,
  fields: readonly (readonly [number, string])[] = [],
  options: FixMessageOptions = {},
): Uint8Array {
  const body = encoder.encode(
    `35=${msgType}${SOH}` + fields.map(([tag, value]) => `${tag}=${value}${SOH}`).join(''),
  );
  const length = String(options.bodyLength ?? body.length).padStart(
    options.bodyLengthDigits ?? 0,
    '0',
  );
  const header = encoder.encode(`8=${options.beginString ?? 'FIX.4.4'}${SOH}9=${length}${SOH}`);
  const withoutTrailer = concat([header, body]);
  let sum = 0;
  for (const byte of withoutTrailer) sum += byte;
  const checksum = options.checksum ?? String(sum % 256).padStart(3, '0');
  return concat([withoutTrailer, encoder.encode(`10=${checksum}${SOH}`)]);
}

/** The bytes of `parts` one after another. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** True when the message's `10=` value is the byte sum, modulo 256, of what precedes it. */
export function hasValidChecksum(message: Uint8Array): boolean {
  const text = Buffer.from(message).toString('latin1');
  const trailer = text.slice(-8);
  if (!trailer.startsWith(`${SOH}10=`) || !trailer.endsWith(SOH)) return false;
  const declared = trailer.slice(4, 7);
  if (!/^\d{3}$/.test(declared)) return false;
  let sum = 0;
  const end = message.length - 7;
  for (let index = 0; index < end; index++) sum += message[index] ?? 0;
  return sum % 256 === Number(declared);
}

/** `bytes` cut at the given points (sorted, deduplicated, within range) into chunks. */
export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) chunks.push(bytes.subarray(start, point));
    start = Math.max(start, point);
  }
  return chunks;
}

/** Field values: printable ASCII (no SOH), sometimes holding things that look like FIX. */
const fieldValue = fc.oneof(
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    maxLength: 40,
  }),
  fc.constantFrom('8=FIX.4.4', '9=12', '10=000', '58=FIX', '8=FIXT.1.1'),
);

/** Valid messages of any shape, sometimes with a zero-padded BodyLength. */
export const validMessage: fc.Arbitrary<Uint8Array> = fc
  .record({
    beginString: fc.constantFrom('FIX.4.2', 'FIX.4.4', 'FIXT.1.1'),
    msgType: fc.constantFrom('0', '1', 'A', 'D', '8', '5', 'AE'),
    fields: fc.array(fc.tuple(fc.integer({ min: 11, max: 9999 }), fieldValue), { maxLength: 12 }),
    bodyLengthDigits: fc.constantFrom(0, 0, 7),
  })
  .map(({ beginString, msgType, fields, bodyLengthDigits }) =>
    fixMessage(msgType, fields, { beginString, bodyLengthDigits }),
  );

/** Garbage that holds no `8`, so it cannot start a frame: it is exactly one malformed run. */
export const garbageWithoutEight: fc.Arbitrary<Uint8Array> = fc
  .uint8Array({ minLength: 1, maxLength: 60 })
  .map((bytes) => bytes.map((byte) => (byte === 0x38 ? 0x37 : byte)));
