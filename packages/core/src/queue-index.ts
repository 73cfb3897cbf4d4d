/**
 * Queue indices: one JS number per record, `cycle × 2^sequenceBits + sequence`, exact below
 * 2^53. Helpers to split, compose and convert them to BigInt for users who store 64-bit values.
 *
 * @module
 */
import { InvalidArgumentError, TooLargeError } from '@annal/native';

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

  /** The cycle of an index. */
  cycleOf(index: number): number {
    return Math.floor(index / this.sequencesPerCycle);
  }

  /** The sequence within its cycle of an index. */
  sequenceOf(index: number): number {
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
        `${field} must be a non-negative safe integer: ${field}=${String(index)}`,
        { field },
      );
    }
  }
}

/** Converts an index to a BigInt (for storing as a 64-bit integer). */
export function indexToBigInt(index: number): bigint {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new InvalidArgumentError(`index must be a non-negative safe integer: index=${index}`, {
      field: 'index',
    });
  }
  return BigInt(index);
}

/**
 * Converts a BigInt back to an index.
 *
 * @throws ERR_ANNAL_INVALID_ARGUMENT when it is negative or not below 2^53
 */
export function indexFromBigInt(value: bigint): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new InvalidArgumentError(`index out of range: ${value}`, { field: 'index' });
  }
  return Number(value);
}
