/**
 * Names that come from users (namespaces, topics, readers): validated here, then %XX-encoded
 * into one path component (`encodePathSegment`), so no name can reach outside the data
 * directory — `..`, `/`, NUL and the like never appear raw in a path.
 *
 * @module
 */
import { InvalidArgumentError, UnsafePathError } from '@annal/native';
import { encodePathSegment } from '@annal/native/internal';

import { describeValue } from './arguments.js';
import { MAX_READER_NAME_BYTES } from './layout.js';

const encoder = new TextEncoder();
// Control characters make names unreadable in listings and error messages.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What a name is for, as error messages and `field` say it. */
export type NameKind = 'namespace' | 'topic' | 'reader';

function check(kind: NameKind, name: unknown, field: string = kind): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidArgumentError(
      `${kind} name must be a non-empty string: ${describeValue(name)}`,
      {
        field,
      },
    );
  }
  if (CONTROL.test(name) || LONE_SURROGATE.test(name)) {
    throw new InvalidArgumentError(
      `${kind} name ${JSON.stringify(name)} has a control character or a lone surrogate`,
      { field },
    );
  }
  return name;
}

/**
 * The directory name of a namespace or topic: the name %XX-encoded (letters, digits, `_` and
 * `-` count one byte each, any other UTF-8 byte three; 255 bytes at most).
 *
 * @throws ERR_ANNAL_INVALID_ARGUMENT naming the field when the name is empty, has control
 *   characters, or is too long once encoded
 */
export function directoryName(kind: 'namespace' | 'topic', name: unknown): string {
  const checked = check(kind, name);
  try {
    return encodePathSegment(checked);
  } catch (error) {
    if (!(error instanceof UnsafePathError)) throw error;
    throw new InvalidArgumentError(
      `${kind} ${JSON.stringify(checked)} is too long: at most 255 bytes once encoded (letters, digits, _ and - take 1 byte, other UTF-8 bytes 3)`,
      { field: kind },
    );
  }
}

/** A named reader's name as stored in its slot (UTF-8, at most 88 bytes). */
export function readerNameBytes(name: unknown): Uint8Array {
  const bytes = encoder.encode(check('reader', name, 'name'));
  if (bytes.length > MAX_READER_NAME_BYTES) {
    throw new InvalidArgumentError(
      `reader name ${JSON.stringify(name)} is ${bytes.length} UTF-8 bytes; at most ${MAX_READER_NAME_BYTES}`,
      { field: 'name' },
    );
  }
  return bytes;
}
