/**
 * Read-only views of a ring's state for monitoring, shared by both rings. Every answer can be
 * stale the moment it returns: the other side keeps moving.
 *
 * @module
 */
import {
  isSkipFrame,
  isRecord,
  loadBackPressureCount,
  loadHead,
  loadLateCommitCount,
  loadLengthWord,
  loadTail,
  loadUnblockedCount,
  computeFrameLength,
  unpackLength,
  unpackRecordLength,
} from './layout.js';
import type { RingViews } from './storage.js';

/**
 * Turns 32-bit words into free-running positions (JS numbers, exact below 2^53). The words wrap
 * at 2^32; each observer remembers the last position it saw and adds the signed 32-bit
 * difference, which is exact as long as it looks at least once per 2^31 bytes of traffic.
 * @internal
 */
export class RingObserver {
  readonly #views: RingViews;
  #tailPosition: number;
  #headPosition: number;

  constructor(views: RingViews) {
    this.#views = views;
    this.#tailPosition = loadTail(views.words) >>> 0;
    this.#headPosition = loadHead(views.words) >>> 0;
  }

  /** Tail as a position, extended from the 32-bit word. */
  producerPosition(): number {
    const word = loadTail(this.#views.words);
    this.#tailPosition += (word - (this.#tailPosition | 0)) | 0;
    return this.#tailPosition;
  }

  /** Head as a position, extended from the 32-bit word. */
  consumerPosition(): number {
    const word = loadHead(this.#views.words);
    this.#headPosition += (word - (this.#headPosition | 0)) | 0;
    return this.#headPosition;
  }

  /** Claimed but not yet consumed bytes (includes uncommitted claims and padding). */
  bytesAvailable(): number {
    const words = this.#views.words;
    const head = loadHead(words);
    const distance = (loadTail(words) - head) | 0;
    return distance < 0 ? 0 : distance;
  }

  /**
   * Committed records from the head up to the first frame that is not committed. Scans the
   * length words (O(records)); from a thread other than the consumer's it is a lower bound, as
   * the consumer may zero records during the scan.
   */
  recordsAvailable(): number {
    const { words, mask } = this.#views;
    let position = loadHead(words);
    const tail = loadTail(words);
    let count = 0;
    while (((tail - position) | 0) > 0) {
      const word = loadLengthWord(words, position & mask);
      if (word === 0) break;
      if (isRecord(word)) {
        count++;
        position = (position + computeFrameLength(unpackRecordLength(word))) | 0;
      } else if (isSkipFrame(word) && unpackLength(word) >= 8) {
        position = (position + unpackLength(word)) | 0;
      } else {
        break; // a claim not yet committed: nothing after it is readable yet
      }
    }
    return count;
  }

  /** Claims refused with BACK_PRESSURED so far (mod 2^32). */
  backPressureCount(): number {
    return loadBackPressureCount(this.#views.words);
  }

  /** Stuck MPSC claims the consumer turned into padding (mod 2^32). */
  unblockedCount(): number {
    return loadUnblockedCount(this.#views.words);
  }

  /** MPSC commits that failed because their claim had been unblocked (mod 2^32). */
  lateCommitCount(): number {
    return loadLateCommitCount(this.#views.words);
  }
}
