/**
 * Every suite the CLI knows, in the order it runs and reports them. A new suite is one file
 * under `suites/<package>/` and one line here.
 *
 * @module
 */
import type { Suite } from '../suite.js';
import { archiverSuite } from './archiver/archiver.js';
import { bridgeSuite } from './bridge/bridge.js';
import { coreAppendSuite } from './core/append.js';
import { coreReadSuite } from './core/read.js';
import { coreSharedSuite } from './core/shared-appenders.js';
import { coreTailSuite } from './core/tail.js';
import { logbufMpscSuite } from './logbuf/mpsc.js';
import { logbufSpscSuite } from './logbuf/spsc.js';
import { callCostSuite } from './native/call-cost.js';
import { mappedWriteSuite } from './native/mapped-write.js';
import { syncLatencySuite } from './native/sync-latency.js';
import { walAppendSuite } from './wal/append.js';
import { walBatchSuite } from './wal/batch.js';
import { walDurableSuite } from './wal/durable.js';
import { walReadSuite } from './wal/read.js';
import { replaySuite } from './replay/replay.js';

/** All suites, in run order. */
export const SUITES: readonly Suite[] = [
  callCostSuite,
  syncLatencySuite,
  mappedWriteSuite,
  logbufSpscSuite,
  logbufMpscSuite,
  coreAppendSuite,
  coreReadSuite,
  coreSharedSuite,
  coreTailSuite,
  walAppendSuite,
  walDurableSuite,
  walBatchSuite,
  walReadSuite,
  replaySuite,
  archiverSuite,
  bridgeSuite,
];
