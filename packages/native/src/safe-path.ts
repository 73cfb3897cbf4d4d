/**
 * Turning names that come from users (topics, namespaces, reader names) into paths that can
 * never leave their data directory.
 *
 * Two tools, for two situations:
 * - {@link safePath} accepts a name only if it already is one plain path component
 *   (no separator, no `.`/`..`, no NUL, not longer than a file name may be, not an existing
 *   symbolic link), and throws otherwise. Use it when names are validated.
 * - {@link encodePathSegment} maps any string to such a component, reversibly
 *   ({@link decodePathSegment}). Use it when any name must be accepted.
 *
 * @module
 */
import { lstatSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { UnsafePathError } from './errors/unsafe-path-error.js';

/** The longest file name Linux file systems accept, in bytes of UTF-8. */
export const MAX_PATH_SEGMENT_BYTES = 255;

function describeProblem(segment: string): string | undefined {
  if (segment.length === 0) return 'is empty';
  if (segment === '.' || segment === '..') return `is "${segment}"`;
  if (segment.includes('/') || segment.includes('\\')) return 'contains a path separator';
  if (segment.includes('\0')) return 'contains a NUL byte';
  if (Buffer.byteLength(segment) > MAX_PATH_SEGMENT_BYTES) {
    return `is longer than ${MAX_PATH_SEGMENT_BYTES} bytes of UTF-8`;
  }
  return undefined;
}

/**
 * Resolves `segments` (each one user-supplied name) strictly inside `directory`.
 *
 * @param directory - the trusted data directory
 * @param segments - names from users, each a single path component
 * @returns the absolute path `directory/segment/…`
 * @throws {@link UnsafePathError} ERR_ANNAL_UNSAFE_PATH when a segment is empty, `.`/`..`, has a
 *   separator or NUL, is longer than 255 bytes, or already exists as a symbolic link
 * @example
 * ```ts
 * safePath('/var/lib/app', 'orders');        // '/var/lib/app/orders'
 * safePath('/var/lib/app', '../etc/passwd'); // throws ERR_ANNAL_UNSAFE_PATH
 * ```
 */
export function safePath(directory: string, ...segments: string[]): string {
  const root = resolve(directory);
  let path = root;
  for (const segment of segments) {
    if (typeof segment !== 'string') {
      throw new UnsafePathError(`A name must be a string: got ${typeof segment}`, { path: root });
    }
    const problem = describeProblem(segment);
    if (problem !== undefined) {
      throw new UnsafePathError(
        `The name ${JSON.stringify(segment)} ${problem}, so it cannot name a file inside ${root}`,
        {
          path: root,
        },
      );
    }
    path = resolve(path, segment);
    // A symbolic link planted inside the directory would lead outside it; refuse to follow one.
    let isLink = false;
    try {
      isLink = lstatSync(path).isSymbolicLink();
    } catch {
      // Does not exist yet: nothing to follow.
    }
    if (isLink) {
      throw new UnsafePathError(
        `The name ${JSON.stringify(segment)} is a symbolic link inside ${root}; annal does not follow it`,
        {
          path,
        },
      );
    }
  }
  // Belt and braces: whatever the checks above missed must still land below the root.
  if (path !== root && !path.startsWith(root + sep)) {
    throw new UnsafePathError(`${JSON.stringify(segments.join(sep))} resolves outside ${root}`, {
      path: root,
    });
  }
  return path;
}

/** Characters kept as they are by {@link encodePathSegment}; everything else is %XX-encoded. */
const SAFE_CHARACTER = /^[A-Za-z0-9_-]$/;

/**
 * Encodes any string as one safe path component: letters, digits, `_` and `-` stay, every other
 * UTF-8 byte becomes `%XX` (so `.`, `/`, `%` and NUL can never appear raw, and `..` becomes
 * `%2E%2E`). The empty string encodes as `%`. Reverse with {@link decodePathSegment}.
 *
 * @throws {@link UnsafePathError} when the encoded name would exceed 255 bytes
 */
export function encodePathSegment(name: string): string {
  if (name.length === 0) return '%';
  let encoded = '';
  for (const character of name) {
    if (SAFE_CHARACTER.test(character)) {
      encoded += character;
    } else {
      for (const byte of Buffer.from(character, 'utf8')) {
        encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
      }
    }
  }
  if (encoded.length > MAX_PATH_SEGMENT_BYTES) {
    throw new UnsafePathError(
      `The name ${JSON.stringify(name.slice(0, 40))}… encodes to ${encoded.length} bytes; a file name holds at most ${MAX_PATH_SEGMENT_BYTES}`,
    );
  }
  return encoded;
}

/** Reverses {@link encodePathSegment}. */
export function decodePathSegment(segment: string): string {
  if (segment === '%') return '';
  return decodeURIComponent(segment);
}
