/**
 * The zero-copy claim an appender hands out: space at the end of the queue, written in place.
 *
 * @module
 */
import { InvalidArgumentError } from '@annal/native';

/** What a claim needs from its appender. */
export interface ClaimOwner {
  commitClaim(): number;
  commitClaimDeferred(): number;
  abortClaim(): void;
}

/**
 * Space claimed at the end of the queue for one record: fill `buffer[offset .. offset + length)`
 * and `commit()` (or `abort()`). One object per appender, reused by every claim. Its `buffer`,
 * `offset` and `length` are read-only: commit publishes exactly the space that was reserved.
 *
 * A shared appender holds the queue's append lock from `claim` until `commit`/`abort`: other
 * appenders wait meanwhile, so fill a claim at once (and abort it in a `finally`, or with
 * `using`, if the encoder may throw).
 */
export class AppendClaim {
  #buffer: Uint8Array = new Uint8Array(0);
  #offset = 0;
  #length = 0;
  readonly #appender: ClaimOwner;
  #active = false;

  /** @internal */
  constructor(appender: ClaimOwner) {
    this.#appender = appender;
  }

  /** Uint8Array over the mapped block holding the claim (changes between claims). */
  get buffer(): Uint8Array {
    return this.#buffer;
  }

  /** Byte offset of the payload in {@link AppendClaim.buffer}. */
  get offset(): number {
    return this.#offset;
  }

  /** Payload length in bytes, as claimed. */
  get length(): number {
    return this.#length;
  }

  /** True between `claim` and `commit`/`abort`. */
  get active(): boolean {
    return this.#active;
  }

  /** @internal */
  activate(buffer: Uint8Array, offset: number, length: number): void {
    this.#buffer = buffer;
    this.#offset = offset;
    this.#length = length;
    this.#active = true;
  }

  /**
   * Publishes the record (checksumming it first when the queue has checksums).
   *
   * @returns the record's queue index
   * @throws ERR_ANNAL_INVALID_ARGUMENT when the claim is not active
   */
  commit(): number {
    if (!this.#active) throw inactiveClaim('commit');
    this.#active = false;
    return this.#appender.commitClaim();
  }

  /**
   * Completes the record without publishing it yet: readers see it, together with every record
   * committed before it, at the appender's next `flush()`, `commit()`, `appendSync()`, `sync()`
   * or `close()`, or when the appender moves to a new block, index page or cycle (and at the
   * latest after 256 deferred records). Its checksum is computed then too, in one addon call for
   * all the records waiting: a writer that appends bursts of short records pays the call once per
   * burst instead of once per record. The record counts as appended (its index is taken); a
   * crash of the process before the publish loses it.
   *
   * On a shared appender this is `commit()`: each record is published under the append lock.
   *
   * @returns the record's queue index
   * @throws ERR_ANNAL_INVALID_ARGUMENT when the claim is not active
   */
  commitDeferred(): number {
    if (!this.#active) throw inactiveClaim('commitDeferred');
    this.#active = false;
    return this.#appender.commitClaimDeferred();
  }

  /** Turns the claimed space into padding that readers skip. Does nothing when not active. */
  abort(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#appender.abortClaim();
  }

  /** Aborts the claim if it is still active (`using claim = appender.claim(n)`). */
  [Symbol.dispose](): void {
    this.abort();
  }
}

function inactiveClaim(operation: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${operation}() on a claim that is not active: it was committed or aborted already`,
    { field: 'claim' },
  );
}
