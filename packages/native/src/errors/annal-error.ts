import type { ErrorCode } from './codes.js';

/** Structured facts an error may carry besides its message. */
export interface AnnalErrorDetails {
  /** The error that led to this one. */
  readonly cause?: unknown;
  /** The file or directory involved. */
  readonly path?: string;
  /** Byte offset inside `path` (or inside a buffer) where the problem is. */
  readonly offset?: number;
  /** The argument or option that was wrong, as the caller spelled it. */
  readonly field?: string;
  /** The errno number, when the error came from a syscall. */
  readonly errno?: number;
  /** The syscall that failed. */
  readonly syscall?: string;
}

const ANNAL_ERROR_MARKER = Symbol.for('annal.error');

/**
 * Base class of every error annal throws. Each subclass has one stable {@link AnnalError.code};
 * `isInstance` works across two installed copies of the package (it checks a `Symbol.for`
 * marker and the code, not the prototype chain).
 *
 * Abstract: catch it, test with `AnnalError.isInstance(error)`, rethrow the error as it is, but
 * construct one of its subclasses (`new IoError(message, { cause: error })`), each of which has
 * its code. Constructing `AnnalError` itself, or a subclass without a static `CODE`, throws a
 * TypeError (a JavaScript caller gets no compile-time check).
 *
 * @example
 * ```ts
 * try { file.allocate(0, 1 << 30); }
 * catch (error) { if (FullError.isInstance(error)) freeSomeSpace(); else throw error; }
 * ```
 */
export abstract class AnnalError extends Error {
  /** The code of this class; subclasses override it. */
  static readonly CODE: ErrorCode | undefined = undefined;

  /** Stable, machine-readable code, e.g. `ERR_ANNAL_FULL`. */
  readonly code: ErrorCode;
  /** The file or directory involved, if any. */
  readonly path: string | undefined;
  /** Byte offset where the problem is, if any. */
  readonly offset: number | undefined;
  /** The argument or option that was wrong, if any. */
  readonly field: string | undefined;
  /** errno number, for errors from a syscall. */
  readonly errno: number | undefined;
  /** The failed syscall, for errors from a syscall. */
  readonly syscall: string | undefined;

  /**
   * @param message - what went wrong, naming the file, offset or field and the value
   * @param details - structured facts; `cause` becomes the standard `Error.cause`
   */
  constructor(message: string, details: AnnalErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    const code = (new.target as typeof AnnalError).CODE;
    if (code === undefined)
      throw new TypeError(
        `${new.target.name} has no static CODE: AnnalError is abstract, construct one of its subclasses (e.g. new IoError(message, details))`,
      );
    this.code = code;
    this.path = details.path;
    this.offset = details.offset;
    this.field = details.field;
    this.errno = details.errno;
    this.syscall = details.syscall;
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false });
    Object.defineProperty(this, ANNAL_ERROR_MARKER, { value: true, enumerable: false });
  }

  /**
   * True when `error` is an annal error of this class (by code), from any copy of the package.
   * On `AnnalError` itself: true for every annal error.
   */
  static isInstance<T extends typeof AnnalError>(
    this: T,
    error: unknown,
  ): error is InstanceType<T> {
    if (typeof error !== 'object' || error === null) return false;
    if ((error as Record<symbol, unknown>)[ANNAL_ERROR_MARKER] !== true) return false;
    return this.CODE === undefined || (error as { code?: unknown }).code === this.CODE;
  }
}
