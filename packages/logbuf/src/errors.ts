/**
 * Typed errors of @annal/logbuf. logbuf depends on nothing, so it keeps a small copy of the shape of
 * `AnnalError` from @annal/native: a stable `code`, the `field` that was wrong, and a
 * `Symbol.for('annal.error')` marker so `isInstance` works across copies of the package and
 * together with @annal/native's own guard.
 *
 * @module
 */

/** Every code a logbuf error can carry. */
export type LogbufErrorCode =
  | 'ERR_ANNAL_INVALID_ARGUMENT'
  | 'ERR_ANNAL_INVALID_OPTION'
  | 'ERR_ANNAL_CORRUPT'
  | 'ERR_ANNAL_TOO_LARGE'
  | 'ERR_ANNAL_CLOSED'
  | 'ERR_ANNAL_TIMEOUT'
  | 'ERR_ANNAL_ABORTED';

/** Structured facts an error may carry besides its message. */
export interface LogbufErrorDetails {
  /** The error (or abort reason) that led to this one. */
  readonly cause?: unknown;
  /** The argument, option or header field that was wrong, as the caller or layout spells it. */
  readonly field?: string;
  /** Byte offset in the SharedArrayBuffer where the problem is, if any. */
  readonly offset?: number;
}

const ANNAL_ERROR_MARKER = Symbol.for('annal.error');

/**
 * Base class of every error logbuf throws; each subclass has one stable {@link LogbufError.code}.
 *
 * @example
 * ```ts
 * try { SpscRing.attach(sab); }
 * catch (error) { if (CorruptError.isInstance(error)) console.error(error.field); else throw error; }
 * ```
 */
export class LogbufError extends Error {
  /** The code of this class; subclasses override it. */
  static readonly CODE: LogbufErrorCode | undefined = undefined;

  /** Stable, machine-readable code, e.g. `ERR_ANNAL_CORRUPT`. */
  readonly code: LogbufErrorCode;
  /** The argument, option or header field that was wrong, if any. */
  readonly field: string | undefined;
  /** Byte offset in the SharedArrayBuffer, if any. */
  readonly offset: number | undefined;

  /**
   * @param message - what went wrong, naming the field and the value
   * @param details - structured facts; `cause` becomes the standard `Error.cause`
   * @throws TypeError when called on `LogbufError` itself (it is abstract)
   */
  constructor(message: string, details: LogbufErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    const code = (new.target as typeof LogbufError).CODE;
    if (code === undefined)
      throw new TypeError('LogbufError is abstract: throw one of its subclasses');
    this.code = code;
    this.field = details.field;
    this.offset = details.offset;
    Object.defineProperty(this, 'name', { value: new.target.name, enumerable: false });
    Object.defineProperty(this, ANNAL_ERROR_MARKER, { value: true, enumerable: false });
  }

  /**
   * True when `error` is an annal error of this class (by code), from any copy of any annal
   * package. On `LogbufError` itself: true for every annal error.
   *
   * @param error - anything caught
   * @returns whether `error` carries the annal marker and this class's code
   */
  static isInstance<T extends typeof LogbufError>(
    this: T,
    error: unknown,
  ): error is InstanceType<T> {
    if (typeof error !== 'object' || error === null) return false;
    if ((error as Record<symbol, unknown>)[ANNAL_ERROR_MARKER] !== true) return false;
    return this.CODE === undefined || (error as { code?: unknown }).code === this.CODE;
  }
}

/** An argument has the wrong type or range; `field` names it. */
export class InvalidArgumentError extends LogbufError {
  static override readonly CODE = 'ERR_ANNAL_INVALID_ARGUMENT';
}

/** An option has the wrong type or range; `field` names it. */
export class InvalidOptionError extends LogbufError {
  static override readonly CODE = 'ERR_ANNAL_INVALID_OPTION';
}

/** `attach` found a buffer that is not a ring of the expected kind; `field` names the header field. */
export class CorruptError extends LogbufError {
  static override readonly CODE = 'ERR_ANNAL_CORRUPT';
}

/** A record is longer than the ring's maximum payload length. */
export class TooLargeError extends LogbufError {
  static override readonly CODE = 'ERR_ANNAL_TOO_LARGE';
}

/** The object (or, for a sender or receiver, the other side) was closed. */
export class ClosedError extends LogbufError {
  static override readonly CODE = 'ERR_ANNAL_CLOSED';
}

/** A wait ran out of time where a sentinel could not say so. */
export class TimeoutError extends LogbufError {
  static override readonly CODE = 'ERR_ANNAL_TIMEOUT';
}

/** A wait was aborted by its AbortSignal; `cause` is the signal's reason. */
export class AbortedError extends LogbufError {
  static override readonly CODE = 'ERR_ANNAL_ABORTED';
}
