/**
 * What of one topic is written but not yet durable, and the syncs that make it so: segments
 * written since the last sync, segment files installed from spares whose header and directory
 * entry still need an fsync, and the syncs running in the libuv pool (retention waits for them
 * before it closes a segment they cover).
 *
 * @module
 */
import type { ReaderTable } from './reader-table.js';
import type { Segment } from './segment.js';
import { syncInstalled, syncInstalledSync } from './spare-segment.js';

export class TopicSync {
  readonly #directory: string;
  /** Segments written since the last sync (they and the readers table are synced together). */
  readonly #dirty = new Set<Segment>();
  /** Segments made from spares whose header and directory entry the next sync must fsync. */
  readonly #installed: string[] = [];
  /** Those a sync running in the pool is fsyncing now. */
  readonly #installing: string[] = [];
  /** Syncs running in the pool. */
  readonly #syncing = new Set<Promise<unknown>>();
  /** The segments those syncs cover. */
  readonly #syncingSegments = new Set<Segment>();

  constructor(directory: string) {
    this.#directory = directory;
  }

  /** `segment` was written to. */
  written(segment: Segment): void {
    this.#dirty.add(segment);
  }

  /** The segment file at `path` was made from a spare (its fsyncs join the next sync). */
  installed(path: string): void {
    this.#installed.push(path);
  }

  /** `segment`, at `path`, is being deleted: nothing of it needs syncing any more. */
  forget(segment: Segment | undefined, path: string): void {
    if (segment !== undefined) this.#dirty.delete(segment);
    const at = this.#installed.indexOf(path);
    if (at >= 0) this.#installed.splice(at, 1);
  }

  /** Syncs what was written since the last call (segments and reader indexes), off the JS thread. */
  async sync(readers: ReaderTable | undefined): Promise<void> {
    const segments = [...this.#dirty];
    this.#dirty.clear();
    const installed = this.#installed.splice(0);
    this.#installing.push(...installed);
    const syncing = Promise.all([
      ...segments.map((segment) => segment.sync()),
      readers?.sync(),
      installed.length === 0 ? undefined : syncInstalled(this.#directory, installed),
    ]);
    this.#syncing.add(syncing);
    for (const segment of segments) this.#syncingSegments.add(segment);
    try {
      await syncing;
    } finally {
      this.#syncing.delete(syncing);
      for (const segment of segments) this.#syncingSegments.delete(segment);
      for (const path of installed) this.#installing.splice(this.#installing.indexOf(path), 1);
    }
  }

  /** {@link sync} on the calling thread. @throws ERR_ANNAL_IO when a sync fails */
  syncSync(readers: ReaderTable | undefined): void {
    const segments = [...this.#dirty];
    this.#dirty.clear();
    // What a sync still running in the pool covers is not durable yet, and a record is only as
    // durable as everything before it: new segments it is installing are fsynced here too (the
    // segments redo their own ranges in flight).
    const installed = [...this.#installing, ...this.#installed.splice(0)];
    for (const segment of new Set([...segments, ...this.#syncingSegments])) segment.syncSync();
    readers?.syncSync();
    if (installed.length > 0) syncInstalledSync(this.#directory, installed);
  }

  /** Resolves when no sync runs in the pool (failed ones included). */
  async idle(): Promise<void> {
    while (this.#syncing.size > 0) await Promise.allSettled([...this.#syncing]);
  }
}
