/**
 * Issue target 1: what one `record()` of a 128 B message costs the traffic thread, while the
 * consumer thread drains concurrently. Self-timed, on this (the traffic) thread, in three phases
 * after a warm-up that runs the same loops:
 *
 * 1. **Single calls** (the row's samples): `performance.now()` before and after each call, 4,096
 *    calls per event-loop turn; each sample is one call's time less the median time of an empty
 *    pair of clock reads, measured in the same turns (64 empty pairs per turn).
 * 2. **Batches of 64** calls between two clock reads, 64 batches per turn; the notes give p50/p99
 *    of the batch means (the clock's cost spread over 64 calls, so no subtraction).
 * 3. **Allocation**: windows of 65,536 calls (1,048,576 in all; 2 windows under `--smoke`), each a
 *    synchronous loop begun with the consumer caught up (so the ring never fills inside it),
 *    counted by `countHeapAllocation` (heap growth + what collections freed, GCProfiler), less
 *    the same window around a no-op; the notes give the median window (the first windows can
 *    still carry the optimizing compiler's own allocations) and the mean. V8 heap bytes only.
 *
 * Between turns the producer sleeps, untimed, while the recorder says its consumer is far behind:
 * the phases time the hand-off, not a full ring. Every recorder checks at close that its consumer
 * took every message.
 *
 * @module
 */
import { countHeapAllocation } from '../../fixtures/heap-allocation.js';
import { loadavg } from 'node:os';

import type { MeasureBudget } from '../../measure-budget.js';
import type { SelfTimedMeasurement } from '../../suite.js';
import { disposeRecorder, nextTurn, sleep, type TrafficRecorder } from './traffic-recorder.js';

/** Calls per turn in the single-call phase. */
const SINGLE_CALLS_PER_TURN = 4096;
/** Empty clock pairs per turn, for the calibration. */
const EMPTY_PAIRS_PER_TURN = 64;
/** Calls per timed batch, and batches per turn, in the batch phase. */
const BATCH = 64;
/** Calls per allocation window: 9.4 MB of ring records, well inside the 16 MiB ring. */
const WINDOW_CALLS = 65_536;
const WINDOWS = { full: 16, smoke: 2 } as const;
/** Single-call samples kept at most (the phase stops early when full). */
const MAX_SINGLE_SAMPLES = 1 << 23;
/** Budgets shorter than this are smoke runs. */
const SMOKE_THRESHOLD_MS = 1000;

const NS_PER_MS = 1e6;

function sortedCopy(values: Float64Array): Float64Array {
  return Float64Array.from(values).sort();
}

/** The `fraction` quantile of ascending `sorted` (nearest rank below, as the logbuf notes). */
function computeQuantile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * fraction))] ?? 0;
}

function mean(values: Float64Array): number {
  let total = 0;
  for (const value of values) total += value;
  return total / Math.max(1, values.length);
}

function formatBytes(bytes: number): string {
  return `${bytes.toFixed(3)} B`;
}

function formatNs(ns: number): string {
  return `${ns < 10 ? ns.toFixed(1) : ns.toFixed(0)} ns`;
}

/** A turn boundary, waiting (untimed) while the consumer is far behind. */
async function pace(recorder: TrafficRecorder): Promise<void> {
  await nextTurn();
  while (recorder.isBehind()) await sleep(1);
}

/** The single-call phase for `durationMs`: net per-call ns (clamped at 0) and the clock pairs. */
async function timeSingleCalls(
  recorder: TrafficRecorder,
  message: Buffer,
  durationMs: number,
): Promise<{ calls: Float64Array; pairs: Float64Array }> {
  const record = recorder.record;
  const calls = new Float64Array(MAX_SINGLE_SAMPLES);
  const pairs = new Float64Array(
    Math.ceil(MAX_SINGLE_SAMPLES / SINGLE_CALLS_PER_TURN) * EMPTY_PAIRS_PER_TURN,
  );
  let callCount = 0;
  let pairCount = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs && callCount < MAX_SINGLE_SAMPLES) {
    for (let index = 0; index < EMPTY_PAIRS_PER_TURN; index++) {
      const before = performance.now();
      const after = performance.now();
      pairs[pairCount++] = (after - before) * NS_PER_MS;
    }
    const end = Math.min(callCount + SINGLE_CALLS_PER_TURN, MAX_SINGLE_SAMPLES);
    while (callCount < end) {
      const before = performance.now();
      record(message);
      const after = performance.now();
      calls[callCount++] = (after - before) * NS_PER_MS;
    }
    await pace(recorder);
  }
  return { calls: calls.subarray(0, callCount), pairs: pairs.subarray(0, pairCount) };
}

/** The batch phase for `durationMs`: mean ns per call of each batch of 64. */
async function timeBatches(
  recorder: TrafficRecorder,
  message: Buffer,
  durationMs: number,
): Promise<number[]> {
  const record = recorder.record;
  const means: number[] = [];
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    for (let batch = 0; batch < BATCH; batch++) {
      const before = performance.now();
      for (let call = 0; call < BATCH; call++) record(message);
      means.push(((performance.now() - before) * NS_PER_MS) / BATCH);
    }
    await pace(recorder);
  }
  return means;
}

/** Heap bytes per call of each allocation window, less its no-op window. */
async function measureAllocation(
  recorder: TrafficRecorder,
  message: Buffer,
  windows: number,
): Promise<{ perCall: Float64Array; collections: number; calls: number }> {
  const record = recorder.record;
  const perCall = new Float64Array(windows);
  let collections = 0;
  let checksum = 0;
  for (let window = 0; window < windows; window++) {
    await recorder.caughtUp();
    const recorded = countHeapAllocation(() => {
      for (let call = 0; call < WINDOW_CALLS; call++) record(message);
    });
    const baseline = countHeapAllocation(() => {
      for (let call = 0; call < WINDOW_CALLS; call++) checksum = (checksum + message.length) | 0;
    });
    perCall[window] = (recorded.bytes - baseline.bytes) / WINDOW_CALLS;
    collections += recorded.collections;
  }
  if (checksum === -1) throw new Error('unreachable');
  return { perCall, collections, calls: windows * WINDOW_CALLS };
}

/**
 * The self-timed measurement of one recorder's per-call cost (see the module comment).
 * @param createRecorder - starts the recorder and its consumer thread (untimed)
 * @param messageBytes - payload bytes of every message (the same message each call)
 */
export function measureRecordCost(
  createRecorder: () => Promise<TrafficRecorder>,
  messageBytes: number,
  baseNotes: string,
): SelfTimedMeasurement {
  let recorder: TrafficRecorder | undefined;
  let resultNotes = 'not measured';
  return {
    kind: 'self-timed',
    async measure(budget: MeasureBudget): Promise<readonly number[]> {
      recorder = await createRecorder();
      const message = Buffer.alloc(messageBytes, 0x5a);
      const smoke = budget.timeMs < SMOKE_THRESHOLD_MS;
      const warmupMs = Math.max(budget.warmupMs, 10);
      await timeSingleCalls(recorder, message, warmupMs / 2);
      await timeBatches(recorder, message, warmupMs / 2);

      const { calls, pairs } = await timeSingleCalls(recorder, message, budget.timeMs / 2);
      const batchMeans = await timeBatches(recorder, message, budget.timeMs / 2);
      const allocation = await measureAllocation(
        recorder,
        message,
        smoke ? WINDOWS.smoke : WINDOWS.full,
      );
      await recorder.close();
      const closing = recorder.verify();
      recorder = undefined;

      const sortedPairs = sortedCopy(pairs);
      const pairMedian = computeQuantile(sortedPairs, 0.5);
      const net = new Float64Array(calls.length);
      for (let index = 0; index < calls.length; index++)
        net[index] = Math.max(0, (calls[index] as number) - pairMedian);
      const sortedNet = sortedCopy(net);
      const sortedRaw = sortedCopy(calls);
      const sortedBatches = Float64Array.from(batchMeans).sort();
      resultNotes = [
        `load average ${(loadavg()[0] ?? 0).toFixed(1)} (1 min, this run included) at the end`,
        `single calls (the samples): p50 ${formatNs(computeQuantile(sortedNet, 0.5))}, p99 ${formatNs(computeQuantile(sortedNet, 0.99))}, p99.9 ${formatNs(computeQuantile(sortedNet, 0.999))}, max ${formatNs(sortedNet[sortedNet.length - 1] ?? 0)} over ${calls.length} calls, each timed with performance.now() before and after, less ${formatNs(pairMedian)} (the median of ${pairs.length} empty clock pairs, whose p99 is ${formatNs(computeQuantile(sortedPairs, 0.99))}; raw call+clock p50 ${formatNs(computeQuantile(sortedRaw, 0.5))}, p99 ${formatNs(computeQuantile(sortedRaw, 0.99))})`,
        `batches of ${BATCH} calls between two clock reads: p50 ${formatNs(computeQuantile(sortedBatches, 0.5))}, p99 ${formatNs(computeQuantile(sortedBatches, 0.99))} per call (${batchMeans.length} batches)`,
        `allocation: ${computeQuantile(sortedCopy(allocation.perCall), 0.5).toFixed(3)} B per call of V8 heap in the median window, ${mean(allocation.perCall).toFixed(3)} B over all (windows from ${formatBytes(Math.min(...allocation.perCall))} to ${formatBytes(Math.max(...allocation.perCall))} per call; ${allocation.calls} calls in synchronous windows of ${WINDOW_CALLS}, each begun with the consumer caught up; heap growth + bytes freed by the ${allocation.collections} collection(s) inside the windows, from v8.GCProfiler, less the same windows around a no-op)`,
        closing,
      ].join('; ');
      return Array.from(net);
    },
    teardown: () => disposeRecorder(recorder),
    get notes(): string {
      return `${baseNotes}; ${resultNotes}`;
    },
  };
}
