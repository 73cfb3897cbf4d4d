/**
 * `wal.topics()`: what each topic and event partition of a wal holds — its indexes, its segment
 * files, its named readers and how far behind they are — read from the files, so a read-only
 * wal describes what another process writes.
 *
 * @module
 */
import { statSync } from 'node:fs';

import type { VerifyProblem } from '@annal/native';
import { problemOf } from '@annal/native/internal';

import type { Topic } from './topic.js';
import type { TopicRegistry } from './topic-registry.js';

/** One segment file of a topic, as {@link TopicInfo.segments} lists it. */
export interface SegmentInfo {
  /** The file, absolute. */
  readonly path: string;
  /** Its size on disk (segments are preallocated: the `segmentBytes` they were made with). */
  readonly bytes: number;
  /** Index of its first record (its file name). */
  readonly firstIndex: number;
  /** Index of its last record; undefined when it holds none yet. */
  readonly lastIndex: number | undefined;
}

/** A named reader of a topic, as {@link TopicInfo.readers} lists it. */
export interface NamedReaderInfo {
  /** The reader's name, as given to `wal.reader(topic, { name })`. */
  readonly name: string;
  /** The stored index: the next record it reads. */
  readonly index: number;
  /** Records behind the newest: `lastIndex + 1 − index` (0 when it has read everything). */
  readonly lag: number;
}

/** One topic, or one event-log partition, of a wal: what `wal.topics()` returns. */
export interface TopicInfo {
  /** The user's topic name (decoded from its directory name). */
  readonly topic: string;
  /** The event-log partition (`wal.events(topic, partition)`); undefined for a plain topic. */
  readonly partition: number | undefined;
  /** Index of the oldest record kept; undefined when it holds none. */
  readonly firstIndex: number | undefined;
  /** Index of the newest record; undefined when it holds none. */
  readonly lastIndex: number | undefined;
  /** Records kept: `lastIndex − firstIndex + 1`, or 0. */
  readonly records: number;
  /** Bytes on disk of its segment files. */
  readonly bytes: number;
  /** Its segment files, oldest first. */
  readonly segments: readonly SegmentInfo[];
  /** Its named readers, in the order they were first used. */
  readonly readers: readonly NamedReaderInfo[];
  /**
   * Read-only wal: a bad frame where its readable records end (a read that gets there throws it
   * as ERR_ANNAL_CORRUPT; records after it are not counted above); `verify()` says more.
   * Undefined when there is none.
   */
  readonly damage: VerifyProblem | undefined;
}

/**
 * Every topic and partition in the wal's directory, sorted by topic, then partition (a plain
 * topic before its partitions). A log deleted while it was listed is left out.
 * @throws ERR_ANNAL_CORRUPT at a damaged segment header or readers table
 */
export function describeTopics(topics: TopicRegistry): TopicInfo[] {
  const infos: TopicInfo[] = [];
  for (const { key, topic, partition } of topics.listed()) {
    const log = topics.openedAt(key, topic, partition);
    if (log === undefined) continue;
    log.refresh();
    infos.push(describe(log, topic, partition));
  }
  return infos.sort(
    (a, b) =>
      (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0) ||
      (a.partition ?? -1) - (b.partition ?? -1),
  );
}

function describe(log: Topic, topic: string, partition: number | undefined): TopicInfo {
  const next = log.nextIndex;
  const first = log.firstIndex;
  const empty = next <= first;
  const files = log.segmentFiles();
  const segments: SegmentInfo[] = [];
  files.forEach(({ first: segmentFirst, path }, k) => {
    // Retention (of another process) may delete it as it is listed.
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats === undefined) return;
    const end = files[k + 1]?.first ?? next;
    segments.push({
      path,
      bytes: stats.size,
      firstIndex: segmentFirst,
      lastIndex: end > segmentFirst ? end - 1 : undefined,
    });
  });
  return {
    topic,
    partition,
    firstIndex: empty ? undefined : first,
    lastIndex: empty ? undefined : next - 1,
    records: empty ? 0 : next - first,
    bytes: segments.reduce((sum, segment) => sum + segment.bytes, 0),
    segments,
    readers: log
      .readerIndexes()
      .map(({ name, index }) => ({ name, index, lag: Math.max(0, next - index) })),
    damage: log.damage === undefined ? undefined : problemOf(log.damage, log.directory),
  };
}
