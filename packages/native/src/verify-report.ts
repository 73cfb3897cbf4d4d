/**
 * What a store's `verify()` reports (a `@annal/core` queue's, a `@annal/wal` wal's): one shape,
 * so a tool reads every store's report the same way (the `annal` command does).
 *
 * @module
 */
import { AnnalError } from './errors/annal-error.js';
import { fromErrno } from './errors/from-errno.js';

/** One piece of damage a `verify()` found: where it is and what failed, as plain data. */
export interface VerifyProblem {
  /** The file it is in. */
  readonly path: string;
  /** Byte offset in that file (0 for a file that cannot be used at all, or its header). */
  readonly offset: number;
  /** Index of the record at (or expected at) the damage, when one is known. */
  readonly index: number | undefined;
  /** The code of the error a reader would get there, e.g. `ERR_ANNAL_CORRUPT`. */
  readonly code: string;
  /**
   * Which check failed, as the error names it (`checksum`, `lengthWord`, `magic`, …), when it
   * names one.
   */
  readonly field: string | undefined;
  /** What failed, naming the file and offset. */
  readonly message: string;
}

/** What a `verify()` found. */
export interface VerifyReport {
  /** True when no problem was found. */
  readonly ok: boolean;
  /** Files verified. */
  readonly files: number;
  /** Records that checked out. */
  readonly records: number;
  /** Bytes of the files verified. */
  readonly bytes: number;
  /** The problems, in file order, at most `maxProblems` of them. */
  readonly problems: readonly VerifyProblem[];
  /** How many problems were found in all (more than `problems.length` when capped). */
  readonly problemCount: number;
}

/** What every `verify()` accepts (a store may add its own); every field is optional. */
export interface VerifyOptions {
  /** Most problems to list in the report (a positive integer or Infinity); all are counted. [100] */
  readonly maxProblems?: number | undefined;
  /**
   * Called as the walk advances, at most about 100 times, with the bytes done and the total,
   * `doneBytes` never decreasing; the last call has `doneBytes === totalBytes`.
   */
  readonly onProgress?: ((doneBytes: number, totalBytes: number) => void) | undefined;
}

/** Problems a {@link VerifyReport} lists unless `maxProblems` says otherwise. */
export const DEFAULT_MAX_PROBLEMS = 100;

/**
 * The problem `error` describes (anything thrown: an AnnalError, or a Node error mapped to one).
 * `offset` and `index`, when given, say where the walk was; otherwise the error's own are used.
 * The file is the error's own, else `path`. (Exported through `@annal/native/internal`, for
 * the stores' verify walks.)
 */
export function problemOf(
  error: unknown,
  path: string,
  offset?: number,
  index?: number,
): VerifyProblem {
  const coded = AnnalError.isInstance(error)
    ? error
    : fromErrno(error, offset === undefined ? { path } : { path, offset });
  const own = (coded as { index?: unknown }).index;
  return {
    path: coded.path ?? path,
    offset: offset ?? coded.offset ?? 0,
    index: index ?? (typeof own === 'number' ? own : undefined),
    code: coded.code,
    field: coded.field,
    message: coded.message,
  };
}
