/**
 * Rebuilding a read model from a recorded stream, resumable and exactly once: the model's state
 * and the index of the last record folded into it are checkpointed together, in one file
 * replaced atomically, so a restart (after a crash or a `kill -9`) folds every record exactly
 * once.
 *
 * Why not a named reader's stored index: it is stored apart from the model, so a crash between
 * the two either skips a record or folds it twice. Kept in the same file as the state, the
 * index moves with it.
 *
 * @module
 */
import { InvalidArgumentError } from '@annal/native';

import { readCheckpoint, writeCheckpoint } from './checkpoint-file.js';
import type { ReplayOptions } from './options.js';
import type { ReplayRecord } from './record.js';
import { replay, type ReplaySummary } from './replay.js';
import { checkSource, type Source } from './source.js';

/** Options of {@link project}. */
export interface ProjectOptions<State, R extends ReplayRecord> {
  /** The checkpoint file (created on the first checkpoint; its directory must exist). */
  readonly checkpoint: string;
  /** The state before the first record. */
  readonly initialState: () => State;
  /** Folds one record into the state: return the new state (or the same one, changed). */
  readonly evolve: (state: State, record: R) => State;
  /** Records between checkpoints: an integer from 1. Default 10,000. */
  readonly checkpointEvery?: number;
  /** The state as JSON-compatible data, for the checkpoint. Default the state itself. */
  readonly serialize?: (state: State) => unknown;
  /** The state back from {@link ProjectOptions.serialize}'s output. Default the data itself. */
  readonly deserialize?: (data: unknown) => State;
  /** Stops the rebuild after a checkpoint of what was folded so far (ERR_ANNAL_ABORTED). */
  readonly signal?: AbortSignal;
  /** As {@link ReplayOptions.onProgress}. */
  readonly onProgress?: ReplayOptions<R>['onProgress'];
}

/** What {@link project} ends with. */
export interface ProjectResult<State> {
  /** The state after every record of the source. */
  readonly state: State;
  /** The index of the last record folded in (-1 when none ever was). */
  readonly index: number;
  /** Where this run started: the checkpoint's index, or undefined for a rebuild from scratch. */
  readonly resumedAfter: number | undefined;
  /** Records folded in by this run. */
  readonly folded: number;
  /** The replay's summary. */
  readonly summary: ReplaySummary;
}

/**
 * Folds the records of a source into a state, resuming from the checkpoint file when there is
 * one. `open(after)` opens the source: `after` is the index of the last record already folded
 * (undefined: from the start). Records at or before `after` are passed over (so an adapter's
 * inclusive `from: after` is fine). The state and index are checkpointed every
 * `checkpointEvery` records and at the end. On abort, or an error of the source, what was folded
 * up to then is checkpointed first and the error thrown; when `evolve` throws, the last
 * checkpoint stays as it was (the state may be half-changed) and the error is thrown.
 *
 * A single stream only: the indexes of a merge are not one sequence.
 *
 * Durability: a checkpoint survives a crash of the process and a power loss once `project` has
 * written it (fsync of the file and its directory). After a crash, a restart folds again, exactly
 * once, the records after the last checkpoint.
 *
 * @example
 * ```ts
 * const { state } = await project((after) => fromQueue(queue, { from: after }), {
 *   checkpoint: './balances.checkpoint.json',
 *   initialState: () => ({ total: 0 }),
 *   evolve: (state, record) => ({ total: state.total + record.length }),
 * });
 * ```
 * @throws ERR_ANNAL_CORRUPT when the checkpoint file is damaged; ERR_ANNAL_INVALID_ARGUMENT for
 *   a bad `open` or option; what `open`, `evolve` or the source throws
 */
export async function project<State, R extends ReplayRecord>(
  open: (after: number | undefined) => Source<R>,
  options: ProjectOptions<State, R>,
): Promise<ProjectResult<State>> {
  if (typeof open !== 'function') {
    throw new InvalidArgumentError('project: open must be a function (after) => Source', {
      field: 'open',
    });
  }
  const {
    checkpoint: path,
    initialState,
    evolve,
    checkpointEvery = 10_000,
    serialize = (state: State): unknown => state,
    deserialize = (data: unknown): State => data as State,
    signal,
    onProgress,
  } = options;
  if (typeof path !== 'string' || path === '') {
    throw new InvalidArgumentError('project: checkpoint must be a file path', {
      field: 'checkpoint',
    });
  }
  for (const [field, value] of [
    ['initialState', initialState],
    ['evolve', evolve],
    ['serialize', serialize],
    ['deserialize', deserialize],
  ] as const) {
    if (typeof value !== 'function') {
      throw new InvalidArgumentError(`project: ${field} must be a function`, { field });
    }
  }
  if (!(Number.isSafeInteger(checkpointEvery) && checkpointEvery >= 1)) {
    throw new InvalidArgumentError(
      `project: checkpointEvery must be an integer from 1: ${String(checkpointEvery)}`,
      { field: 'checkpointEvery' },
    );
  }

  const stored = readCheckpoint(path);
  const resumedAfter = stored?.index;
  let state = stored === undefined ? initialState() : deserialize(stored.state);
  let index = stored === undefined ? -1 : stored.index;
  let folded = 0;
  let sinceCheckpoint = 0;
  let evolveFailed = false;
  const save = (): void => {
    writeCheckpoint(path, { index, state: serialize(state) });
    sinceCheckpoint = 0;
  };

  const source = open(resumedAfter);
  checkSource(source, 'project', 'open(after)');
  let summary: ReplaySummary;
  try {
    summary = await replay(
      source,
      (record) => {
        if (record.index <= index) return;
        try {
          state = evolve(state, record);
        } catch (error) {
          // evolve may have changed the state before it threw: the last checkpoint stays.
          evolveFailed = true;
          throw error;
        }
        index = record.index;
        folded++;
        if (++sinceCheckpoint >= checkpointEvery) save();
      },
      {
        ...(signal === undefined ? {} : { signal }),
        ...(onProgress === undefined ? {} : { onProgress }),
      },
    );
  } catch (error) {
    if (sinceCheckpoint > 0 && !evolveFailed) save();
    throw error;
  }
  if (sinceCheckpoint > 0 || stored === undefined) save();
  return { state, index, resumedAfter, folded, summary };
}
