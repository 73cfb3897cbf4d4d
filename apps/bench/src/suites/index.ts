/**
 * Every suite the CLI knows, in the order it runs and reports them, each loaded from its own
 * module when asked for. A new suite is one file under `suites/<package>/` and one line here.
 *
 * Why lazily: the suites import their peers (lmdb, better-sqlite3, ws, pino, nats, jspurefix…),
 * and all of them together take ~0.6 s to import. The CLI needs every suite (to match the words
 * against), but each child process measures one cell of one suite and imports only that suite's
 * module: a third to a half of that time, saved once per child (a smoke run starts ~190).
 *
 * @module
 */
import type { Suite } from '../suite.js';

/** Each suite's id and its module's loader, in run order. */
const SUITE_LOADERS: readonly (readonly [id: string, load: () => Promise<Suite>])[] = [
  ['native/call-cost', async () => (await import('./native/call-cost.js')).callCostSuite],
  ['native/sync-latency', async () => (await import('./native/sync-latency.js')).syncLatencySuite],
  ['native/mapped-write', async () => (await import('./native/mapped-write.js')).mappedWriteSuite],
  ['logbuf/spsc', async () => (await import('./logbuf/spsc.js')).logbufSpscSuite],
  ['logbuf/mpsc', async () => (await import('./logbuf/mpsc.js')).logbufMpscSuite],
  ['core/append', async () => (await import('./core/append.js')).coreAppendSuite],
  ['core/read', async () => (await import('./core/read.js')).coreReadSuite],
  ['core/shared', async () => (await import('./core/shared-appenders.js')).coreSharedSuite],
  ['core/tail', async () => (await import('./core/tail.js')).coreTailSuite],
  ['wal/append', async () => (await import('./wal/append.js')).walAppendSuite],
  ['wal/durable', async () => (await import('./wal/durable.js')).walDurableSuite],
  ['wal/batch', async () => (await import('./wal/batch.js')).walBatchSuite],
  ['wal/read', async () => (await import('./wal/read.js')).walReadSuite],
  ['replay/replay', async () => (await import('./replay/replay.js')).replaySuite],
  ['archiver/archive', async () => (await import('./archiver/archiver.js')).archiverSuite],
  ['bridge/nats', async () => (await import('./bridge/bridge.js')).bridgeSuite],
];

/**
 * The suite with id `id`, loading only its module; undefined for an unknown id.
 *
 * @throws Error when the module's suite has another id than its line here says
 */
export async function loadSuite(id: string): Promise<Suite | undefined> {
  const entry = SUITE_LOADERS.find(([known]) => known === id);
  if (entry === undefined) return undefined;
  const suite = await entry[1]();
  if (suite.id !== id) {
    throw new Error(`suites/index.ts lists "${id}" for a module whose suite is "${suite.id}"`);
  }
  return suite;
}

/**
 * All suites, in run order.
 *
 * @throws Error when a module's suite has another id than its line here says
 */
export async function loadAllSuites(): Promise<readonly Suite[]> {
  const suites: Suite[] = [];
  for (const [id] of SUITE_LOADERS) suites.push((await loadSuite(id)) as Suite);
  return suites;
}
