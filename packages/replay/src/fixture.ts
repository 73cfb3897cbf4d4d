/**
 * Recordings as test fixtures, in the manner of snapshot tests: the first run writes what a
 * handler received and emitted into a fixture directory the test commits; later runs replay and
 * compare, and fail at the first call that differs, with a readable diff. `ANNAL_REPLAY_UPDATE=1`
 * writes the fixture again.
 *
 * Fixture directory layout (version 1):
 *
 *   <directory>/fixture.json   { "format": "annal-replay-fixture", "version": 1, "calls": <n> }
 *   <directory>/calls.jsonl    one JSON object per delivered record, in delivery order:
 *                              { "call", "stream", "index", "timestamp", "type", "received",
 *                                "emitted": [ … ] }
 *
 * Values are stored as JSON; bytes (a `Uint8Array`) as `{ "$text": "…" }` when they are UTF-8
 * text without control characters, else `{ "$base64": "…" }`; `NaN` timestamps as `null`.
 *
 * @module
 */
import { AssertionError, deepStrictEqual } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { CorruptError, InvalidArgumentError, InvalidOptionError } from '@annal/native';
import { fromErrno } from '@annal/native/internal';

import type { ReplayOptions } from './options.js';
import type { ReplayRecord } from './record.js';
import { replay, type ReplayContext, type ReplaySummary } from './replay.js';
import type { Source } from './source.js';

const FORMAT = 'annal-replay-fixture';
const VERSION = 1;
/** The environment variable that makes every fixture be written again. */
export const UPDATE_VARIABLE = 'ANNAL_REPLAY_UPDATE';

/** What a fixture handler gets besides the record: the replay's context and `emit`. */
export interface FixtureContext extends ReplayContext {
  /** Records an output of the current call (a timer's output goes with the call before it). */
  readonly emit: (output: unknown) => void;
}

/** One call as a fixture stores it. */
export interface FixtureCall {
  /** Number of the call, from 0 (records delivered before it). */
  readonly call: number;
  /** Stream of the record delivered. */
  readonly stream: string;
  /** Index of the record in its stream. */
  readonly index: number;
  /** The record's timestamp, Unix ms; `null` when it had none. */
  readonly timestamp: number | null;
  /** The record's type (`''` where the source has no types). */
  readonly type: string;
  /**
   * The record's value as stored (bytes as `{ $text }` or `{ $base64 }`); `null` under
   * `received: false`.
   */
  readonly received: unknown;
  /**
   * What was emitted for this record, in the order it came: each `emit` while it was the
   * current record (a timer's included) and a value the handler returned.
   */
  readonly emitted: unknown[];
}

/** Options of {@link replayFixture}: those of `replay`, and what to store. */
export interface FixtureOptions<R extends ReplayRecord> extends ReplayOptions<R> {
  /** Store each record's value (`received`), not only what was emitted. Default true. */
  readonly received?: boolean;
  /**
   * Write the fixture instead of comparing with it, even under `CI=true`. Default: whether the
   * environment variable `ANNAL_REPLAY_UPDATE` is `1`.
   */
  readonly update?: boolean;
}

/** How {@link replayFixture} ended. */
export interface FixtureResult {
  /** `'recorded'`: the fixture was written (first run, or ANNAL_REPLAY_UPDATE=1); `'matched'`: compared equal. */
  readonly outcome: 'recorded' | 'matched';
  /** Number of handler calls (records delivered) in this run. */
  readonly calls: number;
  /** The replay's summary, as {@link replay} returns it. */
  readonly summary: ReplaySummary;
}

/**
 * Replays `source` into `handler` and checks the calls against the fixture in `directory`: each
 * record received (stream, index, timestamp, type and, unless `received: false`, its value)
 * and what the handler emitted for it, through `context.emit(output)` or by returning a value.
 * When the directory has no fixture, or `ANNAL_REPLAY_UPDATE=1` is set (or `update: true`), the
 * calls are written instead (under `CI=true` a missing fixture fails rather than being written,
 * unless `update` is true, so a CI run never passes by recording).
 *
 * @example
 * ```ts
 * it('routes orders as last week', async () => {
 *   await replayFixture('test/fixtures/routing', fromEventLog(log), (record, { emit }) => {
 *     emit(router.route(record.value));
 *   });
 * });
 * ```
 * @throws (as a rejection) AssertionError at the first call that differs, naming the call, the
 *   stream, index and timestamp, with expected and actual as a diff; AssertionError when the
 *   replay has fewer or more calls than the fixture; ERR_ANNAL_CORRUPT for a fixture that does
 *   not parse; what `replay` throws
 */
export async function replayFixture<R extends ReplayRecord>(
  directory: string,
  source: Source<R>,
  handler: (record: R, context: FixtureContext) => unknown,
  options: FixtureOptions<R> = {},
): Promise<FixtureResult> {
  if (typeof directory !== 'string' || directory === '') {
    throw new InvalidArgumentError('replayFixture: directory must be a path', {
      field: 'directory',
    });
  }
  if (typeof handler !== 'function') {
    throw new InvalidArgumentError(
      `replayFixture: handler must be a function, not ${typeof handler}`,
      {
        field: 'handler',
      },
    );
  }
  const {
    received: storeReceived = true,
    update = process.env[UPDATE_VARIABLE] === '1',
    ...replayOptions
  } = options;
  for (const [field, value] of [
    ['update', update],
    ['received', storeReceived],
  ] as const) {
    if (typeof value !== 'boolean') {
      throw new InvalidOptionError(
        `replayFixture: ${field} must be a boolean, not ${typeof value}`,
        {
          field,
        },
      );
    }
  }
  const expected = update ? undefined : readFixture(directory);
  if (expected === undefined && !update && process.env['CI'] === 'true') {
    throw new AssertionError({
      message: `replay fixture ${directory} is missing; record it with ${UPDATE_VARIABLE}=1 and commit it`,
    });
  }
  const calls: FixtureCall[] = [];
  let current: FixtureCall | undefined;
  const context = {
    clock: undefined as unknown as ReplayContext['clock'],
    delivered: 0,
    emit(output: unknown): void {
      if (current === undefined) {
        throw new InvalidArgumentError(
          'emit: nothing has been delivered yet to attach an output to',
          {
            field: 'output',
          },
        );
      }
      current.emitted.push(toFixtureValue(output));
    },
  };
  const summary = await replay(
    source,
    async (record, base) => {
      if (current !== undefined && expected !== undefined) compare(directory, expected, current);
      current = {
        call: base.delivered,
        stream: record.stream,
        index: record.index,
        timestamp: Number.isNaN(record.timestamp) ? null : record.timestamp,
        type: record.type,
        received: storeReceived ? toFixtureValue(record.value) : null,
        emitted: [],
      };
      calls.push(current);
      context.clock = base.clock;
      context.delivered = base.delivered;
      const returned = await handler(record, context);
      if (returned !== undefined) current.emitted.push(toFixtureValue(returned));
    },
    replayOptions,
  );
  if (expected === undefined) {
    writeFixture(directory, calls);
    return { outcome: 'recorded', calls: calls.length, summary };
  }
  if (current !== undefined) compare(directory, expected, current);
  if (calls.length !== expected.length) {
    throw new AssertionError({
      message: `replay fixture ${directory}: the replay made ${calls.length} calls, the fixture has ${expected.length}`,
      actual: calls.length,
      expected: expected.length,
      operator: 'strictEqual',
    });
  }
  return { outcome: 'matched', calls: calls.length, summary };
}

function compare(directory: string, expected: readonly FixtureCall[], actual: FixtureCall): void {
  const wanted = expected[actual.call];
  if (wanted === undefined) {
    throw new AssertionError({
      message: `replay fixture ${directory}: call ${actual.call} (${describeCall(actual)}) is past the fixture's ${expected.length} calls`,
    });
  }
  try {
    deepStrictEqual(actual, wanted);
  } catch (error) {
    const diff =
      error instanceof AssertionError ? error.message.split('\n').slice(1).join('\n') : '';
    throw new AssertionError({
      message: `replay diverged from fixture ${directory} at call ${actual.call}: ${describeCall(wanted)}\n${diff}`,
      actual,
      expected: wanted,
      operator: 'deepStrictEqual',
    });
  }
}

function describeCall(call: FixtureCall): string {
  const time =
    call.timestamp === null
      ? 'no timestamp'
      : `timestamp ${call.timestamp} (${new Date(call.timestamp).toISOString()})`;
  return `stream "${call.stream}" index ${call.index}, ${time}`;
}

function readFixture(directory: string): FixtureCall[] | undefined {
  const header = join(directory, 'fixture.json');
  if (!existsSync(header)) return undefined;
  const callsPath = join(directory, 'calls.jsonl');
  try {
    const meta = JSON.parse(readFileSync(header, 'utf8')) as {
      format?: unknown;
      version?: unknown;
      calls?: unknown;
    };
    if (meta.format !== FORMAT || meta.version !== VERSION) {
      throw new CorruptError(`${header} is not a version-${VERSION} replay fixture`, {
        path: header,
        field: 'format',
      });
    }
    const text = readFileSync(callsPath, 'utf8');
    const calls =
      text === ''
        ? []
        : text
            .trimEnd()
            .split('\n')
            .map((line) => JSON.parse(line) as FixtureCall);
    if (calls.length !== meta.calls) {
      throw new CorruptError(
        `${callsPath} has ${calls.length} calls, ${header} says ${String(meta.calls)}`,
        {
          path: callsPath,
          field: 'calls',
        },
      );
    }
    return calls;
  } catch (error) {
    if (error instanceof CorruptError) throw error;
    if (error instanceof SyntaxError) {
      throw new CorruptError(`replay fixture ${directory} does not parse: ${error.message}`, {
        path: directory,
        cause: error,
      });
    }
    throw fromErrno(error, { path: directory });
  }
}

function writeFixture(directory: string, calls: readonly FixtureCall[]): void {
  try {
    mkdirSync(directory, { recursive: true });
    writeFileSync(
      join(directory, 'calls.jsonl'),
      calls.map((call) => `${JSON.stringify(call)}\n`).join(''),
    );
    writeFileSync(
      join(directory, 'fixture.json'),
      `${JSON.stringify({ format: FORMAT, version: VERSION, calls: calls.length }, null, 2)}\n`,
    );
  } catch (error) {
    throw fromErrno(error, { path: directory });
  }
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** `value` as fixture JSON: bytes as text or base64, the rest through JSON. */
export function toFixtureValue(value: unknown): unknown {
  if (value instanceof Uint8Array) {
    try {
      const text = strictDecoder.decode(value);
      // eslint-disable-next-line no-control-regex -- control characters make unreadable fixtures
      if (!/[\u0000-\u0008\u000e-\u001f\u007f]/.test(text)) return { $text: text };
    } catch {
      // not UTF-8: base64 below
    }
    return {
      $base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
    };
  }
  if (value === undefined) return null;
  return JSON.parse(
    JSON.stringify(value, (_, inner: unknown) =>
      inner instanceof Uint8Array ? toFixtureValue(inner) : inner,
    ),
  ) as unknown;
}
