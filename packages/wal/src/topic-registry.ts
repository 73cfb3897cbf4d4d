/**
 * The topics (and event partitions) of one {@link Wal}, by directory name: opened on first use,
 * created on first append, found again by the name users give without encoding it twice.
 *
 * @module
 */
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { decodePathSegment, fromErrno } from '@annal/native/internal';

import { readOnlyError } from './directories.js';
import { directoryName } from './names.js';
import { MAX_PARTITION } from './sub-log.js';
import type { ResolvedWalOptions } from './options.js';
import { Topic, type WarningCode } from './topic.js';

/** Directory of a wal's topics. */
export const TOPICS_DIRECTORY = 'topics';

export class TopicRegistry {
  readonly #directory: string;
  readonly #options: ResolvedWalOptions;
  /** Every open log (topics and partitions) by directory name. */
  readonly #byKey = new Map<string, Topic>();
  /** Plain topics by the name users give. */
  readonly #byName = new Map<string, Topic>();
  /** Called once when a log is opened or created (followers waiting for a topic to appear). */
  #openWaiters: (() => void)[] = [];

  /** @param directory - the wal's topics directory */
  constructor(directory: string, options: ResolvedWalOptions) {
    this.#directory = directory;
    this.#options = options;
  }

  /** Every open log. */
  values(): IterableIterator<Topic> {
    return this.#byKey.values();
  }

  /** A plain topic's directory name (validated and %XX-encoded: it never leaves the directory). */
  key(topic: unknown): string {
    return directoryName('topic', topic);
  }

  /**
   * The plain topic `topic`, opened or created.
   * @throws ERR_ANNAL_INVALID_ARGUMENT (`topic`); ERR_ANNAL_READ_ONLY when the wal was opened
   *   read-only (its segments are mapped without write access: a store would kill the process)
   */
  writable(topic: string): Topic {
    if (this.#options.readOnly) throw readOnlyError(dirname(this.#directory), 'appending');
    return this.#byName.get(topic) ?? this.writableAt(this.key(topic), topic);
  }

  /**
   * The log under directory `key`, opened or created.
   * @throws ERR_ANNAL_READ_ONLY when the wal was opened read-only (nothing is ever written)
   */
  writableAt(key: string, name: string): Topic {
    if (this.#options.readOnly) throw readOnlyError(dirname(this.#directory), 'appending');
    return this.#byKey.get(key) ?? this.#open(key, name);
  }

  /**
   * Every log in the directory (opened, not created): plain topics and event partitions, by
   * directory name, as [key, name the user gave, partition or undefined].
   */
  listed(): { key: string; topic: string; partition: number | undefined }[] {
    let entries: string[];
    try {
      entries = readdirSync(this.#directory);
    } catch (error) {
      throw fromErrno(error, { path: this.#directory });
    }
    const found: { key: string; topic: string; partition: number | undefined }[] = [];
    for (const key of entries) {
      const parsed = parseKey(key);
      if (parsed !== undefined && isDirectory(join(this.#directory, key))) {
        found.push({ key, ...parsed });
      }
    }
    return found;
  }

  /** The log under directory `key` (listed by {@link listed}), opened if not yet. */
  openedAt(key: string, topic: string, partition: number | undefined): Topic | undefined {
    return this.existingAt(key, partition === undefined ? topic : `${topic}#${partition}`);
  }

  /** The plain topic `topic` if it exists (in memory or on disk), without creating it. */
  existing(topic: string): Topic | undefined {
    return this.#byName.get(topic) ?? this.existingAt(this.key(topic), topic);
  }

  /** The log under directory `key` if it exists, without creating it. */
  existingAt(key: string, name: string): Topic | undefined {
    const log = this.#byKey.get(key);
    if (log !== undefined) return log;
    if (!isDirectory(join(this.#directory, key))) return undefined;
    return this.#open(key, name);
  }

  /** Calls `wake` once, when the next log is opened or created. */
  onOpen(wake: () => void): void {
    this.#openWaiters.push(wake);
  }

  /** Forgets `wake`. */
  offOpen(wake: () => void): void {
    const at = this.#openWaiters.indexOf(wake);
    if (at >= 0) this.#openWaiters.splice(at, 1);
  }

  /** Closes every log (after the wal's last sync) and wakes whoever waits. */
  close(): void {
    for (const topic of this.#byKey.values()) topic.close();
    this.#byKey.clear();
    this.#byName.clear();
    this.#wake();
  }

  #open(key: string, name: string): Topic {
    const log = new Topic(name, join(this.#directory, key), this.#options, (code, message) => {
      if (!this.#options.quiet) emitWarningNow(code, message);
    });
    this.#byKey.set(key, log);
    // Plain topics are also found by name: the append path then never encodes it again. A
    // partition's key has a '~', which an encoded topic name never has (names.ts).
    if (!key.includes('~')) this.#byName.set(name, log);
    this.#wake();
    return log;
  }

  #wake(): void {
    const waiters = this.#openWaiters;
    this.#openWaiters = [];
    for (const wake of waiters) wake();
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Emits a process warning now, not on the next tick as `process.emitWarning` does: what
 * recovery cut is said before the call that opened the topic returns, so a `process.exit()`
 * right after it cannot swallow it. `--no-warnings` still silences it, and
 * `process.on('warning')` listeners get it.
 */
function emitWarningNow(code: WarningCode, message: string): void {
  const warning = Object.assign(new Error(message), { name: 'Warning', code });
  process.emit('warning', warning);
}

/**
 * The user's topic name and partition of directory `key` (`<topic>` or `<topic>~<partition>`,
 * the topic %XX-encoded), or undefined for a name no topic has.
 */
function parseKey(key: string): { topic: string; partition: number | undefined } | undefined {
  const tilde = key.indexOf('~');
  const encoded = tilde < 0 ? key : key.slice(0, tilde);
  let partition: number | undefined;
  if (tilde >= 0) {
    const digits = key.slice(tilde + 1);
    if (!/^(0|[1-9][0-9]{0,4})$/.test(digits)) return undefined;
    partition = Number(digits);
    if (partition > MAX_PARTITION) return undefined;
  }
  try {
    const topic = decodePathSegment(encoded);
    // Only names this log could have made: anything else is not a topic of its.
    return directoryName('topic', topic) === encoded ? { topic, partition } : undefined;
  } catch {
    return undefined;
  }
}
