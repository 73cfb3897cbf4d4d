import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { UnsafePathError } from '@annal/native';
import { decodePathSegment, encodePathSegment, safePath } from '@annal/native/internal';
import { temporaryDirectory } from '@annal/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('safePath()', () => {
  it('joins plain names under the directory', () => {
    const root = temporaryDirectory();
    expect(safePath(root, 'orders', 'reader-1')).toBe(join(root, 'orders', 'reader-1'));
  });

  it.each(['', '.', '..', '../etc', 'a/b', 'a\\b', 'nul\0byte', 'x'.repeat(256)])(
    'refuses %j with a coded error',
    (name) => {
      const root = temporaryDirectory();
      expect(() => safePath(root, name)).toThrow(UnsafePathError);
      try {
        safePath(root, name);
      } catch (error) {
        expect((error as UnsafePathError).code).toBe('ERR_ANNAL_UNSAFE_PATH');
      }
    },
  );

  it('refuses to follow a symbolic link planted in the directory', () => {
    const root = temporaryDirectory();
    symlinkSync('/etc', join(root, 'escape'));
    expect(() => safePath(root, 'escape', 'passwd')).toThrow(/symbolic link/);
  });

  it('never returns a path outside the directory, whatever the names', () => {
    const root = temporaryDirectory();
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { minLength: 1, maxLength: 3 }),
        (names) => {
          let path: string;
          try {
            path = safePath(root, ...names);
          } catch (error) {
            return UnsafePathError.isInstance(error);
          }
          return path.startsWith(`${root}/`);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('encodePathSegment()', () => {
  it('keeps letters, digits, _ and - and escapes everything else', () => {
    expect(encodePathSegment('orders_2026-11')).toBe('orders_2026-11');
    expect(encodePathSegment('..')).toBe('%2E%2E');
    expect(encodePathSegment('a/b')).toBe('a%2Fb');
    expect(encodePathSegment('')).toBe('%');
  });

  it('round-trips any string into a single safe component', () => {
    const root = temporaryDirectory();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (name) => {
        const encoded = encodePathSegment(name);
        expect(decodePathSegment(encoded)).toBe(name);
        expect(safePath(root, encoded)).toBe(join(root, encoded));
      }),
      { numRuns: 1000 },
    );
  });
});
