/**
 * The shape of a new queue's cycle files (roll cycle, index shape, block and payload sizes),
 * from `Queue.open`'s options, with the checks across options.
 *
 * @module
 */
import { InvalidOptionError } from '@annal/native';
import type { CycleShape } from './cycle-files.js';
import { computeHeaderBytes } from './layout.js';
import {
  maxPayloadForBlock,
  minBlockBytesFor,
  type QueueOptions,
  type ResolvedQueueOptions,
} from './options.js';
import { ROLL_CYCLES, maxCycle, sequenceBitsFor } from './roll-cycle.js';

/**
 * The shape of a new queue's files, from the options. A check across options blames the option
 * the user set (`given`), not one left to its default.
 */
export function shapeOf(options: ResolvedQueueOptions, given: QueueOptions): CycleShape {
  const cycle = ROLL_CYCLES[options.rollCycle];
  const indexCount = options.indexCount ?? cycle.indexCount;
  const indexSpacing = options.indexSpacing ?? cycle.indexSpacing;
  const shapeField = given.indexSpacing !== undefined ? 'indexSpacing' : 'indexCount';
  const sequenceBits = sequenceBitsFor(indexCount, indexSpacing);
  if (sequenceBits > 32) {
    throw new InvalidOptionError(
      `Queue.open: indexCount² × indexSpacing must not exceed 2^32 records per cycle: indexCount=${indexCount}, indexSpacing=${indexSpacing} give 2^${sequenceBits}`,
      { field: shapeField },
    );
  }
  const lastCycle = maxCycle(sequenceBits);
  const yearsMs = 150 * 365.25 * 24 * 3600_000;
  if (lastCycle * cycle.lengthMs < yearsMs) {
    throw new InvalidOptionError(
      `Queue.open: with 2^${sequenceBits} records per ${options.rollCycle} cycle (indexCount=${indexCount}, indexSpacing=${indexSpacing}), indices would pass 2^53 within 150 years; lower indexCount or indexSpacing`,
      { field: given.indexSpacing !== undefined ? 'indexSpacing' : 'indexCount' },
    );
  }
  const minimumBlock = minBlockBytesFor(indexCount);
  if (options.blockBytes < minimumBlock) {
    const ownIndex = given.indexCount !== undefined;
    const reason = ownIndex
      ? `indexCount=${indexCount}`
      : `the ${options.rollCycle} roll cycle's indexCount (${indexCount})`;
    throw new InvalidOptionError(
      `Queue.open: blockBytes=${options.blockBytes} is too small for ${reason}: a block must hold 4 index pages (blockBytes ≥ 16 × indexCount + 32 = ${minimumBlock}); use blockBytes ≥ ${nextPowerOfTwo(minimumBlock)}${ownIndex ? ' or a smaller indexCount' : ', or set a smaller indexCount'}`,
      { field: ownIndex && given.blockBytes === undefined ? 'indexCount' : 'blockBytes' },
    );
  }
  const maxPayload = maxPayloadForBlock(options.blockBytes);
  const maxPayloadBytes = options.maxPayloadBytes ?? maxPayload;
  if (maxPayloadBytes > maxPayload) {
    throw new InvalidOptionError(
      `Queue.open: maxPayloadBytes must be at most a quarter of blockBytes minus 8 (${maxPayload} for blockBytes=${options.blockBytes}): maxPayloadBytes=${maxPayloadBytes}`,
      { field: 'maxPayloadBytes' },
    );
  }
  return {
    cycleLengthMs: cycle.lengthMs,
    epochMs: options.epochMs,
    blockBytes: options.blockBytes,
    indexCount,
    indexSpacing,
    sequenceBits,
    checksums: options.checksums === 'crc32c',
    maxPayloadBytes,
    headerBytes: computeHeaderBytes(indexCount),
  };
}

function nextPowerOfTwo(value: number): number {
  return 2 ** Math.ceil(Math.log2(value));
}
