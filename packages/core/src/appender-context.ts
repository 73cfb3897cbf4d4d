/**
 * What a queue hands the appender it opens.
 *
 * @module
 */
import type { SyncPolicy } from '@annal/native';

import type { CycleFiles } from './cycle-files.js';

/** What an {@link Appender} needs from its queue. */
export interface AppenderContext {
  readonly files: CycleFiles;
  /** `'truncate'`: a corrupt frame met while recovering the end is dropped with all after it. */
  readonly onCorrupt: 'stop' | 'skip' | 'truncate';
  /** The clock: a function, or the coarse clock's Float64Array (read inline, element 0). */
  readonly clock: (() => number) | Float64Array;
  readonly sync: SyncPolicy;
  /** Append alongside other shared appenders (append lock word) instead of exclusively. */
  readonly shared: boolean;
  /** Shared: how long to wait for an append lock held by a live appender (ms). */
  readonly lockTimeoutMs: number;
}
