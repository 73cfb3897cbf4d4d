import { describe, expect, it } from 'vitest';
import { CorruptError } from '@annal/native';
import { checkFileHeader, type FileHeaderCheck } from '@annal/native/internal';

const GOOD: FileHeaderCheck = {
  path: '/data/q/file.bin',
  kind: 'test file',
  magic: { found: 0x514c4e41, expected: 0x514c4e41 },
  version: { found: 2, expected: 2 },
  checksum: { stored: 0x1234, computed: 0x1234, offset: 60 },
  fields: [{ field: 'slotBytes', offset: 8, found: 128, expected: 128 }],
};

function failure(check: FileHeaderCheck): CorruptError {
  try {
    checkFileHeader(check);
  } catch (error) {
    return error as CorruptError;
  }
  throw new Error('the check passed');
}

describe('checkFileHeader', () => {
  it('passes a header whose every field has its value', () => {
    expect(() => checkFileHeader(GOOD)).not.toThrow();
    expect(() =>
      checkFileHeader({ ...GOOD, checksum: undefined, fields: undefined }),
    ).not.toThrow();
  });

  it('reports a wrong magic with the file, offset, both values, and the format it belongs to', () => {
    const error = failure({ ...GOOD, magic: { found: 0x4d4c4e41, expected: 0x514c4e41 } });
    expect(error).toBeInstanceOf(CorruptError);
    expect(error).toMatchObject({
      code: 'ERR_ANNAL_CORRUPT',
      path: '/data/q/file.bin',
      offset: 0,
      field: 'magic',
    });
    expect(error.message).toContain('/data/q/file.bin is not a test file');
    expect(error.message).toContain(
      '0x4d4c4e41 ("ANLM") at offset 0, expected 0x514c4e41 ("ANLQ")',
    );
    expect(error.message).toContain('a core metadata file');
  });

  it('says a zero magic may be a header that never reached the disk', () => {
    const error = failure({ ...GOOD, magic: { found: 0, expected: 0x514c4e41, offset: 16 } });
    expect(error).toMatchObject({ offset: 16, field: 'magic' });
    expect(error.message).toContain('zeros');
  });

  it('checks the version after the magic, then the checksum, then the fields, reporting the first wrong one', () => {
    const all: FileHeaderCheck = {
      ...GOOD,
      version: { found: 3, expected: 2 },
      checksum: { stored: 1, computed: 2, offset: 60 },
      fields: [{ field: 'slotBytes', offset: 8, found: 64, expected: 128 }],
    };
    const version = failure(all);
    expect(version).toMatchObject({ offset: 4, field: 'version' });
    expect(version.message).toContain('version 3 at offset 4; this build reads version 2');
    expect(version.message).toContain('newer release');
    const checksum = failure({ ...all, version: GOOD.version });
    expect(checksum).toMatchObject({ offset: 60, field: 'headerChecksum' });
    expect(checksum.message).toContain('stored 0x00000001, computed 0x00000002');
    const field = failure({ ...all, version: GOOD.version, checksum: GOOD.checksum });
    expect(field).toMatchObject({ offset: 8, field: 'slotBytes' });
    expect(field.message).toContain('slotBytes at offset 8 is 64, expected 128');
  });

  it('throws what the factory makes, with the same details', () => {
    class MyCorrupt extends CorruptError {
      readonly extra = 'x';
    }
    const error = failure({
      ...GOOD,
      version: { found: 1, expected: 2 },
      corrupt: (message, details) => new MyCorrupt(`prefix: ${message}`, details),
    });
    expect(error).toBeInstanceOf(MyCorrupt);
    expect(error.message).toMatch(/^prefix: \/data\/q\/file.bin: test file format version 1/);
    expect(error).toMatchObject({ path: '/data/q/file.bin', offset: 4, field: 'version' });
  });
});
