/**
 * Several recorded streams as one, in timestamp order: the inbound and outbound traffic of one FIX
 * session, the topics of one service.
 *
 * @module
 */
import { InvalidArgumentError } from '@annal/native';

import type { ReplayRecord } from './record.js';
import { checkSource, takeSource, type RecordOf, type Source } from './source.js';

/**
 * One {@link Source} that interleaves `sources` by timestamp. The order is total and the same on
 * every run and machine:
 * 1. the smaller `timestamp` first;
 * 2. on equal timestamps, the source listed first in `sources` first;
 * 3. within one source, its own order (index).
 *
 * Each source is read in its own order and the merge always takes the smallest of the sources'
 * next records: a source whose timestamps go backwards is merged as it comes, never reordered.
 * Every record must carry a timestamp: one with `NaN` is refused with ERR_ANNAL_INVALID_ARGUMENT
 * naming the stream and index. Closing the merge closes every source.
 *
 * @example
 * ```ts
 * const session = merge([fromTopic(wal, 'fix.in'), fromTopic(wal, 'fix.out')]);
 * await replay(session, (record) => console.log(record.stream, record.index));
 * ```
 * @throws ERR_ANNAL_INVALID_ARGUMENT for no sources, or two with the same name
 */
export function merge<const S extends readonly Source[]>(
  sources: S,
  options: { readonly name?: string } = {},
): Source<RecordOf<S[number]>> {
  if (!Array.isArray(sources) || sources.length === 0) {
    throw new InvalidArgumentError('merge: give at least one source', { field: 'sources' });
  }
  const list: readonly Source[] = sources;
  list.forEach((source, k) => {
    checkSource(source, 'merge', `sources[${k}]`);
  });
  const names = new Set<string>();
  for (const source of list) {
    if (names.has(source.name)) {
      throw new InvalidArgumentError(
        `merge: two sources are named "${source.name}"; give each a name of its own (the tie-break and records name them)`,
        { field: 'sources' },
      );
    }
    names.add(source.name);
  }
  list.forEach((source, k) => {
    takeSource(source, 'merge', `sources[${k}]`);
  });
  return new MergeSource(
    list,
    options.name ?? list.map((source) => source.name).join('+'),
  ) as unknown as Source<RecordOf<S[number]>>;
}

/**
 * The source {@link merge} returns. A class with its state in fields and the step to the next
 * head written into `next()`: it is on a replay's per-record path.
 */
class MergeSource implements Source {
  readonly name: string;
  readonly #sources: readonly Source[];
  readonly #heads: (ReplayRecord | undefined)[];
  /** Each head's timestamp (+Infinity once its source has ended): one typed load per compare. */
  readonly #times: Float64Array;
  #started = false;
  /** The source whose record was returned last: it advances on the next call. */
  #taken = -1;

  constructor(sources: readonly Source[], name: string) {
    this.name = name;
    this.#sources = sources;
    this.#heads = new Array<ReplayRecord | undefined>(sources.length).fill(undefined);
    this.#times = new Float64Array(sources.length).fill(Number.POSITIVE_INFINITY);
  }

  next(): ReplayRecord | undefined {
    const taken = this.#taken;
    if (taken >= 0) {
      this.#advance(taken);
    } else if (!this.#started) {
      for (let k = 0; k < this.#sources.length; k++) this.#advance(k);
      this.#started = true;
    }
    this.#taken = -1;
    const heads = this.#heads;
    const times = this.#times;
    const count = heads.length;
    // The first live source, then any with a strictly smaller time: on a tie the earlier
    // source keeps its place. (An ended source's time is +Infinity, never smaller; a live
    // source at +Infinity is found by `heads`.)
    let best = 0;
    while (best < count && heads[best] === undefined) best++;
    if (best === count) return undefined;
    let bestTime = times[best] as number;
    for (let k = best + 1; k < count; k++) {
      const time = times[k] as number;
      if (time < bestTime) {
        best = k;
        bestTime = time;
      }
    }
    this.#taken = best;
    return heads[best];
  }

  /** Reads the next record of source `k` into the heads. */
  #advance(k: number): void {
    const record = (this.#sources[k] as Source).next();
    if (record === undefined) {
      this.#heads[k] = undefined;
      this.#times[k] = Number.POSITIVE_INFINITY;
      return;
    }
    const timestamp = record.timestamp;
    if (timestamp !== timestamp) {
      throw new InvalidArgumentError(
        `merge: "${record.stream}" at index ${record.index} has no timestamp; a merge orders by time`,
        { field: 'timestamp' },
      );
    }
    this.#heads[k] = record;
    this.#times[k] = timestamp;
  }

  close(): void {
    for (const source of this.#sources) source.close();
    this.#heads.fill(undefined);
    this.#times.fill(Number.POSITIVE_INFINITY);
    this.#taken = -1;
    this.#started = true;
  }
}
