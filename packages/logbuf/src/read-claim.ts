/**
 * The consumer's record flyweight.
 *
 * @module
 */
import { InvalidArgumentError } from './errors.js';
import type { RingViews } from './storage.js';

/** What a ReadClaim calls back into to free its record. @internal */
export interface ReadClaimOwner {
  /** Zeroes the current record, advances and publishes the head. */
  releaseClaim(): void;
}

// Set by the class's static block, which alone can reach the private fields.
let wrap: (claim: ReadClaim, offset: number, length: number) => void;
let deactivate: (claim: ReadClaim) => void;

/**
 * One committed record, read in place (zero-copy). A ring returns the same ReadClaim object
 * from every `tryRead` and passes it to every `poll` handler, so copy what you need to keep
 * before releasing it.
 *
 * Threading: consumer thread only.
 *
 * The payload lives at `buffer[offset .. offset + length)`; reading through the cached `buffer`
 * allocates nothing. {@link ReadClaim.bytes} creates a view per call.
 */
export class ReadClaim {
  /** Uint8Array over the whole SharedArrayBuffer of the ring (the same object for every record). */
  readonly buffer: Uint8Array;
  #offset = 0;
  /** Byte offset of the payload in {@link ReadClaim.buffer}. */
  get offset(): number {
    return this.#offset;
  }
  /** Payload length in bytes (may be 0). */
  get length(): number {
    return this.#length;
  }
  /** True between `tryRead` returning this claim and `release()`. */
  get active(): boolean {
    return this.#active;
  }

  /** Payload length in bytes (may be 0). */
  #length = 0;
  /** True between `tryRead` returning this claim and `release()`. */
  #active = false;

  readonly #owner: ReadClaimOwner;

  /** @internal */
  constructor(views: RingViews, owner: ReadClaimOwner) {
    this.buffer = views.bytes;
    this.#owner = owner;
  }

  static {
    // The consumer's side of the flyweight, kept off the object (see wrapReadClaim).
    wrap = (claim, offset, length) => {
      claim.#offset = offset;
      claim.#length = length;
      claim.#active = true;
    };
    deactivate = (claim) => {
      claim.#active = false;
    };
  }

  /**
   * A new Uint8Array view of exactly the payload. Allocates a view object per call; in a hot loop
   * read {@link ReadClaim.buffer} from {@link ReadClaim.offset}.
   *
   * @returns a view valid until `release()` (after it the bytes read as zeros, then as a later record)
   * @throws ERR_ANNAL_INVALID_ARGUMENT when the record was released (its space may hold another)
   */
  get bytes(): Uint8Array {
    if (!this.#active) throw released('bytes');
    return this.buffer.subarray(this.#offset, this.#offset + this.#length);
  }

  /**
   * Copies the payload into a new Uint8Array (allocates; for records you keep).
   *
   * @returns a copy of the payload
   * @throws ERR_ANNAL_INVALID_ARGUMENT when the record was released (its space may hold another)
   */
  copy(): Uint8Array {
    if (!this.#active) throw released('copy()');
    return this.buffer.slice(this.#offset, this.#offset + this.#length);
  }

  /**
   * Zeroes the record and frees its space for the producer (publishes the consumer position).
   *
   * @throws ERR_ANNAL_INVALID_ARGUMENT when the claim is not active, or inside a `poll` handler
   *   (poll releases each record itself)
   */
  release(): void {
    this.#owner.releaseClaim();
  }

  /** Releases the record if it is still active (`using record = ring.tryRead()`). */
  [Symbol.dispose](): void {
    if (this.#active) this.#owner.releaseClaim();
  }
}

/**
 * Points `claim` at the record whose payload is `length` bytes at `offset`. For the consumer
 * only: not a method, so a user cannot re-aim a record through it.
 */
export function wrapReadClaim(claim: ReadClaim, offset: number, length: number): void {
  wrap(claim, offset, length);
}

/** Marks the record of `claim` as released. For the consumer only. */
export function deactivateReadClaim(claim: ReadClaim): void {
  deactivate(claim);
}

function released(what: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${what} of a record that was released: its space may already hold a later record`,
    { field: 'claim' },
  );
}
