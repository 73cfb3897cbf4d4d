/**
 * The end of a topic, where appends go: the active segment, the position in it, the next index,
 * and the roll to a new segment when it is full (with a spare segment file made ahead, off the
 * append path, so that a roll rarely creates a file itself).
 *
 * Separate from topic.ts so that the topic holds its API and the per-record paths; the roll and
 * the spare run once per segment. The fields the append path reads are plain properties (one
 * object, no getter in between).
 *
 * @module
 */
import { rmSync } from 'node:fs';

import { SEGMENT_HEADER_BYTES, frameBytes } from './layout.js';
import type { ResolvedWalOptions } from './options.js';
import { Segment, type ScanEnd } from './segment.js';
import type { SegmentChain } from './segment-chain.js';
import type { SegmentHeader } from './segment-header.js';
import { installSpare, prepareSpare } from './spare-segment.js';
import type { TopicSync } from './topic-sync.js';

/** Room always kept at a segment's end for its end frame. */
const END_FRAME_BYTES = frameBytes(0);

/** Where a topic's appends go (see the module description). */
export class TopicEnd {
  readonly #name: string;
  readonly #directory: string;
  readonly #options: ResolvedWalOptions;
  readonly #chain: SegmentChain;
  readonly #sync: TopicSync;
  /** Called after a roll that left more than one segment: retention may have work. */
  readonly #onRolled: () => void;
  /** The last segment, where appends go (undefined before the first append). */
  active: Segment | undefined;
  position = SEGMENT_HEADER_BYTES;
  nextIndex = 0;
  /** The active segment was written since the last sync: an append then skips the Set. */
  activeDirty = false;
  /** The active segment ends with an end frame: the next append starts a new one. */
  #sealed = false;
  /** A spare segment file ready for the next roll, and the job making one. */
  #spare: string | undefined;
  #spareJob: Promise<void> | undefined;
  /** Past this position of the active segment, a spare is made for the next roll. */
  #spareAt = Number.POSITIVE_INFINITY;

  constructor(
    name: string,
    directory: string,
    options: ResolvedWalOptions,
    chain: SegmentChain,
    sync: TopicSync,
    onRolled: () => void,
  ) {
    this.#name = name;
    this.#directory = directory;
    this.#options = options;
    this.#chain = chain;
    this.#sync = sync;
    this.#onRolled = onRolled;
  }

  /** The job making a spare segment file, while one runs (close waits for it). */
  get spareJob(): Promise<void> | undefined {
    return this.#spareJob;
  }

  /** The active segment with room for `needed` bytes, rolling to a new one if it has none. */
  room(needed: number): Segment {
    const active = this.active;
    if (
      active !== undefined &&
      !this.#sealed &&
      this.position + needed + END_FRAME_BYTES <= active.lengthBytes
    ) {
      if (this.position > this.#spareAt) this.#makeSpare();
      return active;
    }
    return this.#roll();
  }

  /** Appends go on in `segment` (the last one), where recovery found (and cleared) its end. */
  resume(segment: Segment, end: ScanEnd): void {
    this.#chain.add(segment);
    segment.appendFrom(end.position);
    this.#spareAt = end.sealed ? 0 : segment.lengthBytes / 2;
    this.active = segment;
    this.position = end.position;
    this.nextIndex = end.index;
    this.#sealed = end.sealed;
  }

  /** Removes the spare segment file, if one is ready. */
  close(): void {
    if (this.#spare !== undefined) rmSync(this.#spare, { force: true });
    this.#spare = undefined;
  }

  /** Seals the active segment (if not yet) and creates the next. @throws ERR_ANNAL_FULL */
  #roll(): Segment {
    const active = this.active;
    if (active !== undefined && !this.#sealed) {
      active.writeEnd(this.position, this.nextIndex);
      this.position += END_FRAME_BYTES;
      this.#sealed = true;
      this.#sync.written(active);
    }
    // The old segment's last records and its end frame reach the kernel before the next segment
    // exists: a crash of the process between the two would otherwise leave a new segment after
    // an old one cut short — a hole no reopening could close (the fd backend stages writes).
    active?.flush();
    const first = this.nextIndex;
    const header: SegmentHeader = {
      segmentBytes: this.#options.segmentBytes,
      firstIndex: first,
      createdMs: Date.now(),
      // The new segment says where the old one's end frame is: opening checks it is there.
      previousEnd: active === undefined ? 0 : this.position - END_FRAME_BYTES,
    };
    const path = this.#chain.pathOf(first);
    const spare = this.#spare;
    if (spare !== undefined) {
      this.#spare = undefined;
      installSpare(spare, path, this.#name, header);
      this.#sync.installed(path);
    } else {
      Segment.createFile(path, this.#name, header);
    }
    let segment: Segment;
    try {
      segment = this.#chain.openFile(first);
    } catch (error) {
      // Nothing is in it yet: remove it, so the next roll can make it again.
      rmSync(path, { force: true });
      throw error;
    }
    segment.appendFrom(SEGMENT_HEADER_BYTES);
    this.#spareAt = segment.lengthBytes / 2;
    segment.prefault();
    this.#chain.add(segment);
    this.active = segment;
    this.activeDirty = false;
    this.position = SEGMENT_HEADER_BYTES;
    this.#sealed = false;
    if (this.#chain.firstIndexes.length > 1) this.#onRolled();
    return segment;
  }

  /**
   * Starts making a spare segment file (reserved and fsynced off the append path), unless one is
   * ready or on its way. A failure (a full disk) only means the roll creates its file itself.
   */
  #makeSpare(): void {
    this.#spareAt = Number.POSITIVE_INFINITY;
    if (this.#spare !== undefined || this.#spareJob !== undefined) return;
    this.#spareJob = prepareSpare(this.#directory, this.#options.segmentBytes).then(
      (path) => {
        this.#spareJob = undefined;
        this.#spare = path;
      },
      () => {
        this.#spareJob = undefined;
      },
    );
  }
}
