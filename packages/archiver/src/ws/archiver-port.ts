/**
 * What the ws adapter uses of an `Archiver`: declaring a stream and recording into it.
 *
 * @module
 */

/** A declared archiver stream, as the adapter records into it. */
export interface ArchivedStream {
  /** The stream's id, unique among its archiver's streams. */
  readonly id: number;
  /** Records a message received; false when the archiver dropped it (ring full). */
  recordIn(bytes: Uint8Array, text?: boolean): boolean;
  /** Records a message sent; false when the archiver dropped it (ring full). */
  recordOut(bytes: Uint8Array, text?: boolean): boolean;
}

/** The part of an `Archiver` the adapter needs. */
export interface StreamArchiver {
  /** Declares a stream; throws when the name is taken or the archiver is closed. */
  stream(name: string, options: { protocol: string; description?: string }): ArchivedStream;
}

/** A recorded message, as the adapter reads it back. */
export interface RecordedMessage {
  /** Whether it was a text message. */
  readonly text: boolean;
  /** When it was recorded, Unix ms (fractional). */
  readonly timestamp: number;
  /** Its bytes, valid until the iteration moves on. */
  readonly bytes: Uint8Array;
}

/** A declared stream of a recording. */
export interface RecordedStream {
  /** The stream's name. */
  readonly name: string;
  /** The protocol it was declared with (`'ws'` for this adapter's streams). */
  readonly protocol: string;
}

/** The part of a `Recording` the adapter reads. */
export interface MessageRecording {
  /** The streams declared in the recording. */
  streams(): readonly RecordedStream[];
  /** The recorded messages of one stream in one direction, in order. */
  messages(options: { stream: string; direction: 'in' | 'out' }): Iterable<RecordedMessage>;
}
