/**
 * The topics (and event partitions) of one {@link Wal}, by directory name: opened on first use,
 * created on first append, found again by the name users give without encoding it twice.
 *
 * @module
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';

import { directoryName } from './names.js';
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

  /** The plain topic `topic`, opened or created. @throws ERR_ANNAL_INVALID_ARGUMENT (`topic`) */
  writable(topic: string): Topic {
    return this.#byName.get(topic) ?? this.writableAt(this.key(topic), topic);
  }

  /** The log under directory `key`, opened or created. */
  writableAt(key: string, name: string): Topic {
    return this.#byKey.get(key) ?? this.#open(key, name);
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
