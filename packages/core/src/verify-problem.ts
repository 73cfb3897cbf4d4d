/**
 * One piece of damage found while inspecting a queue (`queue.verify()`, `queue.describe()`), as
 * plain data: where it is and what failed, the facts a thrown `AnnalError` would carry.
 *
 * @module
 */
import type { AnnalError } from '@annal/native';

/** One problem found in a queue's files. */
export interface VerifyProblem {
  /** The file it is in. */
  readonly path: string;
  /** Byte offset in that file (0 for a file that cannot be used at all). */
  readonly offset: number;
  /** Queue index of the record at (or expected at) the damage, when one is known. */
  readonly index: number | undefined;
  /** The code of the error a reader would get there, e.g. `ERR_ANNAL_CORRUPT`. */
  readonly code: string;
  /**
   * Which check failed, as the error names it: `checksum`, `lengthWord`, `checkWord`, `index`,
   * `magic`, `version`, `length`, `cycle`, … (undefined when the error names none).
   */
  readonly field: string | undefined;
  /** What failed, naming the file and offset. */
  readonly message: string;
}

/** The problem an `AnnalError` describes, in `path` unless the error names its own file. */
export function problemOf(error: AnnalError, path: string): VerifyProblem {
  const index = (error as { index?: unknown }).index;
  return {
    path: error.path ?? path,
    offset: error.offset ?? 0,
    index: typeof index === 'number' ? index : undefined,
    code: error.code,
    field: error.field,
    message: error.message,
  };
}
