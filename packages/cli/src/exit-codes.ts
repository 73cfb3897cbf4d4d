/**
 * The `annal` command's exit codes: stable, documented in the README, for scripts. Every failure
 * maps to one of them from the error's stable `code` (an `AnnalError`), never from its message.
 *
 * @module
 */
import { ErrorCode } from '@annal/native';

/** Exit codes, by meaning. */
export const ExitCode = {
  /** Done; for `verify`, the store is clean. */
  OK: 0,
  /** `verify` found damage (the report says where); `repair` was declined. */
  DAMAGED: 1,
  /** The command line is wrong: an unknown command or option, a bad value. */
  USAGE: 2,
  /** The path does not exist, or holds nothing annal wrote. */
  NOT_FOUND: 3,
  /** The operating system refused access to the path. */
  PERMISSION: 4,
  /** Another process holds what the command must own (`repair` while a writer runs). */
  LOCKED: 5,
  /** A store that cannot be read as it is: a damaged header, an unknown format version. */
  UNREADABLE: 6,
  /** Anything else (an I/O error; the message says what). */
  FAILED: 10,
  /** Interrupted (Ctrl-C) before the command finished; `tail -f` ends this way by design. */
  INTERRUPTED: 130,
} as const;

/** One of {@link ExitCode}'s values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code for an error thrown while a command ran. */
export function exitCodeOf(error: unknown): ExitCode {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case ErrorCode.INVALID_ARGUMENT:
    case ErrorCode.INVALID_OPTION:
      return ExitCode.USAGE;
    case ErrorCode.NOT_FOUND:
      return ExitCode.NOT_FOUND;
    case ErrorCode.PERMISSION:
      return ExitCode.PERMISSION;
    case ErrorCode.LOCKED:
      return ExitCode.LOCKED;
    case ErrorCode.CORRUPT:
    case ErrorCode.UNSUPPORTED:
      return ExitCode.UNREADABLE;
    case ErrorCode.ABORTED:
      return ExitCode.INTERRUPTED;
    default:
      return ExitCode.FAILED;
  }
}
