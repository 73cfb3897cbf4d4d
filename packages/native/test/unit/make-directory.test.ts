import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectorySync } from '@annal/native/internal';
import { temporaryDirectory } from '@annal/test-utils';

describe('makeDirectorySync', () => {
  it('creates every missing level, and leaves an existing directory alone', () => {
    const path = join(temporaryDirectory(), 'a', 'b', 'c');
    makeDirectorySync(path);
    expect(statSync(path).isDirectory()).toBe(true);
    makeDirectorySync(path);
    expect(statSync(path).isDirectory()).toBe(true);
  });

  it('throws the errno of the level that cannot be made: a file in the way is ENOTDIR', () => {
    const base = temporaryDirectory();
    writeFileSync(join(base, 'file'), '');
    expect(() => makeDirectorySync(join(base, 'file', 'x', 'y'))).toThrow(
      expect.objectContaining({ code: 'ENOTDIR' }),
    );
  });

  it('refuses a file where the directory should be with EEXIST, as mkdir -p does', () => {
    const path = join(temporaryDirectory(), 'file');
    writeFileSync(path, '');
    expect(() => makeDirectorySync(path)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  });

  it('returns under /proc, where Node 20 recursive mkdir loops for ever, with ENOENT', () => {
    expect(() => makeDirectorySync('/proc/annal-no-such/dir')).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
  });

  it('takes a directory another process made meanwhile as made', () => {
    const path = join(temporaryDirectory(), 'made');
    mkdirSync(path);
    expect(() => makeDirectorySync(path)).not.toThrow();
  });
});
