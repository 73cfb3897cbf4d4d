/**
 * What every command gets: its output, the error stream and environment, and the signal that
 * Ctrl-C aborts.
 *
 * @module
 */
import type { Writable } from 'node:stream';

import type { Output } from './output.js';

/** A command's surroundings. */
export interface CommandContext {
  readonly output: Output;
  readonly stderr: Writable & { isTTY?: boolean };
  readonly environment: NodeJS.ProcessEnv;
  /** Aborted by SIGINT (Ctrl-C). */
  readonly signal: AbortSignal;
}
