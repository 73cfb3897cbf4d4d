import {
  AnnalError,
  ClosedError,
  CorruptError,
  ErrorCode,
  FullError,
  InvalidArgumentError,
  IoError,
  LockedError,
  NotFoundError,
  TooLargeError,
} from '@annal/native';
import { fromErrno } from '@annal/native/internal';
import { describe, expect, it } from 'vitest';

function systemError(code: string, errno: number, syscall: string): Error {
  return Object.assign(new Error(`${syscall} failed: message (${code})`), { code, errno, syscall });
}

describe('fromErrno()', () => {
  it.each([
    ['ENOSPC', 28, FullError, ErrorCode.FULL],
    ['EDQUOT', 122, FullError, ErrorCode.FULL],
    ['EFBIG', 27, TooLargeError, ErrorCode.TOO_LARGE],
    ['ENOENT', 2, NotFoundError, ErrorCode.NOT_FOUND],
    ['EIO', 5, IoError, ErrorCode.IO],
    ['EBADF', 9, InvalidArgumentError, ErrorCode.INVALID_ARGUMENT],
    ['EIO', 5, IoError, ErrorCode.IO],
    ['EWHATEVER', 999, IoError, ErrorCode.IO],
  ])('maps %s to its class and code', (code, errno, ErrorClass, annalCode) => {
    const error = fromErrno(systemError(code, errno, 'fallocate'), {
      path: '/data/x.cq4',
      offset: 4096,
    });
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.code).toBe(annalCode);
    expect(error.errno).toBe(errno);
    expect(error.syscall).toBe('fallocate');
    expect(error.path).toBe('/data/x.cq4');
    expect(error.message).toContain('/data/x.cq4');
    expect(error.message).toContain('4096');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('maps EAGAIN to ERR_ANNAL_LOCKED only for a lock, and to ERR_ANNAL_IO elsewhere', () => {
    expect(fromErrno(systemError('EAGAIN', 11, 'fcntl'))).toBeInstanceOf(LockedError);
    expect(fromErrno(systemError('EAGAIN', 11, 'mmap'))).toBeInstanceOf(IoError);
  });

  it.each(['ERR_INVALID_ARG_TYPE', 'ERR_OUT_OF_RANGE'])(
    "maps the addon's backstop argument error %s to ERR_ANNAL_INVALID_ARGUMENT",
    (code) => {
      const error = fromErrno(Object.assign(new RangeError('offset out of range'), { code }), {
        field: 'offset',
      });
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error.field).toBe('offset');
    },
  );

  it('returns an AnnalError unchanged', () => {
    const original = new ClosedError('closed');
    expect(fromErrno(original)).toBe(original);
  });
});

describe('AnnalError.isInstance()', () => {
  it('recognises errors by marker and code, not by prototype', () => {
    const error = new FullError('disk full', { path: '/d' });
    // A copy from another installed version of the package has another prototype but the same marker.
    const lookalike = Object.assign(Object.create(Error.prototype) as object, {
      code: ErrorCode.FULL,
    });
    Object.defineProperty(lookalike, Symbol.for('annal.error'), { value: true });
    expect(FullError.isInstance(error)).toBe(true);
    expect(FullError.isInstance(lookalike)).toBe(true);
    expect(AnnalError.isInstance(lookalike)).toBe(true);
    expect(TooLargeError.isInstance(error)).toBe(false);
    expect(AnnalError.isInstance(new Error('plain'))).toBe(false);
    expect(AnnalError.isInstance(null)).toBe(false);
  });

  it('gives every subclass a readable name and a stable code', () => {
    const error = new InvalidArgumentError('bad', { field: 'offset' });
    expect(error.name).toBe('InvalidArgumentError');
    expect(error.code).toBe('ERR_ANNAL_INVALID_ARGUMENT');
    expect(error.field).toBe('offset');
    expect(error).toBeInstanceOf(Error);
  });
});

describe('CorruptError', () => {
  it('names the record besides the file and the byte offset', () => {
    const error = new CorruptError('/d/x.annalq: checksum mismatch in record 7 at offset 96', {
      path: '/d/x.annalq',
      offset: 96,
      index: 7,
      field: 'checksum',
    });
    expect(error).toMatchObject({
      code: 'ERR_ANNAL_CORRUPT',
      path: '/d/x.annalq',
      offset: 96,
      index: 7,
      field: 'checksum',
    });
    expect(new CorruptError('bad header', { path: '/d/x' }).index).toBeUndefined();
  });
});

describe('AnnalError is abstract', () => {
  it('refuses construction with a TypeError that names the subclasses, also for a subclass without a CODE', () => {
    // Only a JavaScript caller can get here: TypeScript refuses `new` of an abstract class.
    const Constructor = AnnalError as unknown as new (message: string) => Error;
    expect(() => new Constructor('oops')).toThrow(TypeError);
    expect(() => new Constructor('oops')).toThrow(/abstract, construct one of its subclasses/);
    class Uncoded extends AnnalError {}
    expect(() => new Uncoded('oops')).toThrow(/Uncoded has no static CODE/);
  });

  it('lets a caller catch, wrap in a subclass and rethrow, keeping the cause', () => {
    const original = new FullError('disk full', { path: '/d' });
    let rethrown: unknown;
    try {
      try {
        throw original;
      } catch (error) {
        if (!AnnalError.isInstance(error)) throw error;
        throw new IoError(`saving the snapshot failed: ${error.message}`, { cause: error });
      }
    } catch (error) {
      rethrown = error;
    }
    expect(IoError.isInstance(rethrown)).toBe(true);
    expect(AnnalError.isInstance(rethrown)).toBe(true);
    expect((rethrown as IoError).cause).toBe(original);
  });
});
