/**
 * The retention policy of a topic: which of its oldest segments may go, and the run that deletes
 * them off the caller's path (one at a time per topic; a request during a run starts another
 * after it).
 *
 * @module
 */
import type { ResolvedWalOptions } from './options.js';

/** What a topic tells the policy about itself. */
export interface RetentionFacts {
  /** First indexes of the segments, oldest first (the last is where appends go). */
  readonly firstIndexes: readonly number[];
  /** The lowest index stored for a named reader; undefined when the topic has none. */
  consumedIndex(): number | undefined;
  /** When segment `k` of the list was created (Unix ms). */
  createdMs(k: number): number;
}

/** True when `retention` can ever delete anything. */
export function retains(retention: ResolvedWalOptions['retention']): boolean {
  return (
    retention.consumed === 'delete' ||
    retention.maxBytes !== undefined ||
    retention.maxAgeMs !== undefined
  );
}

/**
 * How many of the oldest segments the policy lets go now (never the last one): those every named
 * reader has consumed (by the indexes stored for them, so a crash never sends a reader back into
 * a deleted segment), beyond `maxBytes`, or older than `maxAgeMs`.
 */
export function deletableSegments(options: ResolvedWalOptions, facts: RetentionFacts): number {
  const retention = options.retention;
  const firsts = facts.firstIndexes;
  const sealed = firsts.length - 1;
  let count = 0;
  const consumed = retention.consumed === 'delete' ? facts.consumedIndex() : undefined;
  if (consumed !== undefined) {
    while (count < sealed && (firsts[count + 1] as number) <= consumed) count++;
  }
  if (retention.maxBytes !== undefined) {
    const segmentBytes = options.segmentBytes;
    while (count < sealed && (firsts.length - count) * segmentBytes > retention.maxBytes) count++;
  }
  if (retention.maxAgeMs !== undefined) {
    const cutoff = Date.now() - retention.maxAgeMs;
    // Every record of a segment is older than its successor's creation.
    while (count < sealed && facts.createdMs(count + 1) < cutoff) count++;
  }
  return count;
}

/** Runs a topic's deletions one at a time, never on the caller's path. */
export class RetentionRun {
  readonly #run: () => Promise<void>;
  readonly #warn: (message: string) => void;
  #running: Promise<void> | undefined;
  #again = false;

  /**
   * @param run - deletes what the policy lets go now
   * @param warn - told when a run fails (the log goes on; the next run tries again)
   */
  constructor(run: () => Promise<void>, warn: (message: string) => void) {
    this.#run = run;
    this.#warn = warn;
  }

  /** The run in progress, if any. */
  get running(): Promise<void> | undefined {
    return this.#running;
  }

  /** Starts a run soon, or another after the one in progress. */
  soon(): void {
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop();
  }

  async #loop(): Promise<void> {
    try {
      do {
        this.#again = false;
        // Let the caller's synchronous work finish first: retention is never on its path.
        await new Promise<void>((resolve) => setImmediate(resolve));
        await this.#run();
      } while (this.#again);
    } catch (error) {
      this.#warn(`retention could not delete a segment: ${(error as Error).message}`);
    } finally {
      this.#running = undefined;
    }
  }
}
