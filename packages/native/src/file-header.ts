/**
 * The check every annal file's header gets when it is opened: magic, then version, then the
 * header's checksum, then any fields that must have one value (sizes, slot counts). The first
 * that is wrong is reported as ERR_ANNAL_CORRUPT, with the same wording for every file format:
 * the file, the field, its byte offset, what was found and what was expected, and when the
 * magic is another annal format's, which file it probably is.
 *
 * @module
 */
import type { AnnalErrorDetails } from './errors/annal-error.js';
import { CorruptError } from './errors/corrupt-error.js';

/** What a header check reports: the file, the byte offset of the field, and the field's name. */
export interface HeaderFieldDetails extends AnnalErrorDetails {
  readonly path: string;
  readonly offset: number;
  readonly field: string;
}

/** Makes the error a failed header check throws (a CorruptError or a subclass of it). */
export type CorruptErrorFactory = (message: string, details: HeaderFieldDetails) => Error;

/** One u32 (or other number) field of a header and the value it must have. */
export interface HeaderField {
  /** Its name, as reported in `field` (`magic`, `version`, `headerChecksum`, `slotBytes`, …). */
  readonly field: string;
  /** Byte offset of the field in the file. */
  readonly offset: number;
  readonly found: number;
  readonly expected: number;
}

/** What {@link checkFileHeader} compares. */
export interface FileHeaderCheck {
  /** The file, named in the message and in `path`. */
  readonly path: string;
  /** What the file should be, for the message: "core cycle file", "wal readers table", … */
  readonly kind: string;
  /** The u32 magic: found and expected. Its offset defaults to 0. */
  readonly magic: { readonly found: number; readonly expected: number; readonly offset?: number };
  /** The format version: found and expected. Its offset defaults to 4. */
  readonly version: { readonly found: number; readonly expected: number; readonly offset?: number };
  /** The header's checksum as stored (at `offset`) and as computed over the bytes it covers. */
  readonly checksum?:
    | {
        readonly stored: number;
        readonly computed: number;
        readonly offset: number;
      }
    | undefined;
  /** Further fields with one valid value, checked in order after the checksum. */
  readonly fields?: readonly HeaderField[] | undefined;
  /** The error to throw; default `new CorruptError(message, details)`. */
  readonly corrupt?: CorruptErrorFactory | undefined;
}

/**
 * The magics of every annal file format: "ANL" and a letter, read as a little-endian u32. Only
 * used to say what a file with a wrong magic probably is.
 */
const KNOWN_MAGICS: ReadonlyMap<number, string> = new Map([
  [0x514c4e41, 'a core cycle file'],
  [0x4d4c4e41, 'a core metadata file'],
  [0x434c4e41, 'a core channel'],
  [0x504c4e41, 'a core named-reader positions table'],
  [0x424c4e41, 'a logbuf ring'],
  [0x574c4e41, 'a wal segment'],
  [0x524c4e41, 'a wal readers table'],
]);

/**
 * Checks a header's magic, version, checksum and fixed fields, in that order.
 *
 * @throws ERR_ANNAL_CORRUPT (from `check.corrupt`, or a CorruptError) for the first field that is
 *   wrong, with `path`, `offset` (of that field) and `field` (its name)
 */
export function checkFileHeader(check: FileHeaderCheck): void {
  const { path, kind, magic, version, checksum } = check;
  const fail = (message: string, offset: number, field: string): never => {
    const details: HeaderFieldDetails = { path, offset, field };
    throw check.corrupt === undefined
      ? new CorruptError(message, details)
      : check.corrupt(message, details);
  };
  const magicOffset = magic.offset ?? 0;
  if (magic.found >>> 0 !== magic.expected >>> 0) {
    fail(
      `${path} is not ${withArticle(kind)}: magic ${describeMagic(magic.found)} at offset ${magicOffset}, expected ${describeMagic(magic.expected)}${guessFromMagic(magic.found)}`,
      magicOffset,
      'magic',
    );
  }
  const versionOffset = version.offset ?? 4;
  if (version.found !== version.expected) {
    const newer =
      version.found > version.expected ? ' (written by a newer release, or damaged)' : '';
    fail(
      `${path}: ${kind} format version ${version.found} at offset ${versionOffset}; this build reads version ${version.expected}${newer}`,
      versionOffset,
      'version',
    );
  }
  if (checksum !== undefined && checksum.stored >>> 0 !== checksum.computed >>> 0) {
    fail(
      `${path}: ${kind} header checksum mismatch at offset ${checksum.offset} (stored ${hex(checksum.stored)}, computed ${hex(checksum.computed)}): the header is damaged`,
      checksum.offset,
      'headerChecksum',
    );
  }
  for (const field of check.fields ?? []) {
    if (field.found !== field.expected) {
      fail(
        `${path}: ${kind} header field ${field.field} at offset ${field.offset} is ${field.found}, expected ${field.expected}: the header is damaged or of another layout`,
        field.offset,
        field.field,
      );
    }
  }
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

/** A magic as hex, and as its four characters when they are printable ASCII. */
function describeMagic(magic: number): string {
  const value = magic >>> 0;
  let text = '';
  for (let shift = 0; shift < 32; shift += 8) {
    const code = (value >>> shift) & 0xff;
    if (code < 0x20 || code > 0x7e) return hex(value);
    text += String.fromCharCode(code);
  }
  return `${hex(value)} ("${text}")`;
}

function guessFromMagic(magic: number): string {
  const value = magic >>> 0;
  if (value === 0)
    return ' (zeros: a file whose header never reached the disk, or not an annal file)';
  const known = KNOWN_MAGICS.get(value);
  return known === undefined ? '' : ` (the magic of ${known}: is the file in the wrong place?)`;
}

/** "a wal segment", "an …": a file kind with its article, for messages. */
export function withArticle(kind: string): string {
  return /^[aeiou]/i.test(kind) ? `an ${kind}` : `a ${kind}`;
}
