/**
 * {@link ArchiveStream}: one declared stream of an archiver, whose `recordIn` / `recordOut` are
 * the archiver's hot path with the stream id and direction already known; and the words a
 * record's metadata is given in.
 *
 * @module
 */
import type { Archiver } from './archiver.js';
import { FLAG_OUT, FLAG_TEXT } from './layout.js';

/** Which way a message went: `'in'` received by this service, `'out'` sent by it. */
export type Direction = 'in' | 'out';

/** What {@link Archiver.record} needs to know besides the bytes. Reuse one object per stream. */
export interface RecordMeta {
  /** The id of a stream from {@link Archiver.stream}. */
  readonly stream: number;
  /** `'in'` (received) or `'out'` (sent). */
  readonly direction: Direction;
  /** A text message (a WebSocket text frame, a FIX message); default false (binary). */
  readonly text?: boolean;
}

/** Puts a MESSAGE record of `stream` with `flags` (Archiver's hot path). */
type PutMessage = (archiver: Archiver, bytes: Uint8Array, stream: number, flags: number) => boolean;
/** Puts the END record of `stream`. */
type PutEnd = (archiver: Archiver, stream: number) => void;

// Given by Archiver's static block, which alone reaches its private members.
let putMessage: PutMessage;
let putEnd: PutEnd;

/**
 * How a stream reaches its archiver's private put paths; called once, by Archiver's static
 * block, before any stream exists.
 * @internal
 */
export function bindArchiveStreams(message: PutMessage, end: PutEnd): void {
  putMessage = message;
  putEnd = end;
}

/**
 * One stream of messages (a socket, a FIX session, a feed) declared in an {@link Archiver}.
 * Its records carry its id; its name and description are in a STREAM record written before them.
 */
export class ArchiveStream {
  readonly #archiver: Archiver;
  #ended = false;

  /** @internal */
  constructor(
    archiver: Archiver,
    /** Its id in this archiver's records (1, 2, …; unique while the archiver is open). */
    readonly id: number,
    /** Its name, as given. */
    readonly name: string,
    /** What it carries (`'ws'`, `'fix'`, or your own word); `''` when not given. */
    readonly protocol: string,
  ) {
    this.#archiver = archiver;
  }

  /**
   * Records a message this service received. Copies `bytes` (reuse them at once).
   * @returns true when recorded, false when dropped (`whenFull: 'drop'`, counted)
   * @throws ERR_ANNAL_BACK_PRESSURED under `whenFull: 'fail'` when the ring is full;
   *   ERR_ANNAL_CLOSED after the archiver closed; ERR_ANNAL_INVALID_ARGUMENT for non-bytes
   */
  recordIn(bytes: Uint8Array, text = false): boolean {
    return putMessage(this.#archiver, bytes, this.id, text ? FLAG_TEXT : 0);
  }

  /** Records a message this service sent; as {@link ArchiveStream.recordIn}. */
  recordOut(bytes: Uint8Array, text = false): boolean {
    return putMessage(this.#archiver, bytes, this.id, text ? FLAG_OUT | FLAG_TEXT : FLAG_OUT);
  }

  /**
   * Records that the stream ended (its socket closed). Idempotent; recording after it is allowed;
   * after the archiver's close() it does nothing.
   */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    putEnd(this.#archiver, this.id);
  }
}
