/**
 * What a {@link Wal} lends the objects it hands out (readers, event partitions): its topics, its
 * durability, and its checks. They hold this, not the Wal, so no module imports wal.ts back.
 *
 * @module
 */
import type { Durability } from './durability.js';
import type { TopicRegistry } from './topic-registry.js';

/** @internal */
export interface WalHost {
  readonly topics: TopicRegistry;
  readonly durability: Durability;
  /** The wal's directory (for messages). */
  readonly directory: string;
  /** The options' `maxPayloadBytes`. */
  readonly maxPayloadBytes: number;
  /** @throws ERR_ANNAL_CLOSED after the wal closed */
  checkOpen(): void;
  /** {@link checkOpen}, then the failure of an earlier sync if there was one. */
  checkWritable(): void;
  /** True after the wal closed. */
  isClosed(): boolean;
  /** Opened with `readOnly: true`: nothing is written, and appends come from another process. */
  readonly readOnly: boolean;
}
