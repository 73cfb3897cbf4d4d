/**
 * Queue indices: one JS number per record, `cycle × 2^sequenceBits + sequence`, exact below
 * 2^53. Helpers to split, compose and convert them to BigInt for users who store 64-bit values.
 *
 * @module
 */
import { InvalidArgumentError, TooLargeError } from '@annal/native';

import { describeValue } from './describe-value.js';

/**
 * Index arithmetic for one queue (its sequence bits come from the roll cycle and index shape).
 * Plain arithmetic: multiplication and division by a power of two are exact on doubles below
 * 2^53, and `%` of non-negative integers is exact, so no BigInt and no bit operators (which
 * would truncate to 32 bits).
 */
export class IndexCodec {
  /** Bits of the sequence. */
  readonly sequenceBits: number;
  /** Records one cycle can hold: 2^sequenceBits. */
  readonly sequencesPerCycle: number;
  /** Largest cycle whose indices stay exact numbers. */
  readonly maxCycle: number;

  /** @param sequenceBits - from the roll cycle's index shape (20 to 32) */
  constructor(sequenceBits: number) {
    if (!(Number.isInteger(sequenceBits) && sequenceBits >= 1 && sequenceBits <= 32)) {
      throw new InvalidArgumentError(
        `sequenceBits must be an integer from 1 to 32: sequenceBits=${describeValue(sequenceBits)}`,
        { field: 'sequenceBits' },
      );
    }
    this.sequenceBits = sequenceBits;
    this.sequencesPerCycle = 2 ** sequenceBits;
    this.maxCycle = 2 ** (53 - sequenceBits) - 1;
  }

  /**
   * Composes an index.
   *
   * @throws ERR_ANNAL_TOO_LARGE when the sequence does not fit the cycle (the cycle is full) or
   *   the cycle exceeds {@link IndexCodec.maxCycle}
   */
  compose(cycle: number, sequence: number): number {
    checkInteger(cycle, 'cycle');
    checkInteger(sequence, 'sequence');
    if (!(sequence >= 0 && sequence < this.sequencesPerCycle)) {
      throw new TooLargeError(
        `sequence ${sequence} does not fit a cycle of 2^${this.sequenceBits} records: the cycle is full; use a shorter roll cycle or a larger index shape`,
        { field: 'sequence' },
      );
    }
    if (!(cycle >= 0 && cycle <= this.maxCycle)) {
      throw new TooLargeError(`cycle ${cycle} is beyond the last cycle ${this.maxCycle}`, {
        field: 'cycle',
      });
    }
    return cycle * this.sequencesPerCycle + sequence;
  }

  /**
   * The cycle of an index.
   *
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `index` is not a non-negative safe integer
   */
  cycleOf(index: number): number {
    this.check(index);
    return Math.floor(index / this.sequencesPerCycle);
  }

  /**
   * The sequence within its cycle of an index.
   *
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `index` is not a non-negative safe integer
   */
  sequenceOf(index: number): number {
    this.check(index);
    return index % this.sequencesPerCycle;
  }

  /**
   * Checks that `index` is an index of this queue's shape.
   *
   * @throws ERR_ANNAL_INVALID_ARGUMENT naming `field` otherwise
   */
  check(index: number, field = 'index'): void {
    if (!Number.isSafeInteger(index) || index < 0) {
      throw new InvalidArgumentError(
        `${field} must be a non-negative safe integer: ${field}=${describeValue(index)}`,
        { field },
      );
    }
  }
}

/** Converts an index to a BigInt (for storing as a 64-bit integer). */
export function indexToBigInt(index: number): bigint {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new InvalidArgumentError(
      `index must be a non-negative safe integer: index=${describeValue(index)}`,
      { field: 'index' },
    );
  }
  return BigInt(index);
}

/**
 * Converts a BigInt back to an index.
 *
 * @throws ERR_ANNAL_INVALID_ARGUMENT when it is negative or not below 2^53
 */
export function indexFromBigInt(value: bigint): number {
  if (typeof value !== 'bigint') {
    throw new InvalidArgumentError(`value must be a BigInt: value=${describeValue(value)}`, {
      field: 'value',
    });
  }
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidArgumentError(`value must be from 0n to 2n ** 53n - 1n: value=${value}n`, {
      field: 'value',
    });
  }
  return Number(value);
}

/** Throws unless `value` is a non-negative safe integer (a cycle or a sequence). */
function checkInteger(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(
      `${field} must be a non-negative safe integer: ${field}=${describeValue(value)}`,
      { field },
    );
  }
}
