/**
 * `Queue.repair()`: cuts a damaged queue at its first damaged frame (or file), as an appender's
 * `onCorrupt: 'truncate'` recovery cuts the end of a file (truncate.ts), after copying every
 * file it changes or removes into a backup directory. Holds the exclusive appender lock
 * throughout, so no appender, exclusive or shared, writes meanwhile.
 *
 * @module
 */
import { copyFileSync, constants, readdirSync, unlinkSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

import {
  AnnalError,
  CorruptError,
  InvalidArgumentError,
  NativeFile,
  fsyncDirectorySync,
} from '@annal/native';
import { fromErrno, makeDirectorySync } from '@annal/native/internal';

import { checkKnownKeys, checkOptionsObject } from './argument-checks.js';
import { acquireExclusive } from './appender-membership.js';
import { CycleFile } from './cycle-file.js';
import { CycleFiles, shapeOfNewestFile, type CycleShape } from './cycle-files.js';
import { verifyCycleFile, type ProblemPlace } from './cycle-verify.js';
import { describeValue } from './describe-value.js';
import {
  CYCLE_FILE_EXTENSION,
  METADATA_FILE_NAME,
  clearSealed,
  setAppendEnd,
  storeFirstLevelEntry,
  storeIndexPageEntry,
} from './layout.js';
import { MetadataFile } from './metadata-file.js';
import { openDirectory } from './queue-directory.js';
import type { VerifyReport } from '@annal/native';
import { verifyQueue } from './queue-verify.js';
import { truncateAt } from './truncate.js';
import type { VerifyProblem } from '@annal/native';
import { problemOf } from '@annal/native/internal';

/** What `Queue.repair` accepts. */
export interface RepairOptions {
  /**
   * Where to copy every file before it is changed or removed (created if needed; outside the
   * queue directory). A file of the same name there is never overwritten: the repair then fails
   * with ERR_ANNAL_ALREADY_EXISTS before changing anything more.
   */
  readonly backupDirectory: string;
}

/** What `Queue.repair` did. */
export interface RepairReport {
  /** The problems found before repairing (as `queue.verify()` lists them, uncapped). */
  readonly found: readonly VerifyProblem[];
  /**
   * Where the queue was cut: the first damaged frame (its file and offset, and the index of the
   * record expected there), or offset 0 of the first file that could not be used at all;
   * undefined when no record had to go (nothing was damaged, or only index entries).
   */
  readonly cut:
    | {
        /** The cycle file that was cut. */
        readonly path: string;
        /** Byte offset in that file where the cut starts (0 when the whole file was unusable). */
        readonly offset: number;
        /** Index of the record expected at the cut, when one is known. */
        readonly index: number | undefined;
      }
    | undefined;
  /** Files changed in place: cut, or damaged index entries cleared. */
  readonly changed: readonly string[];
  /** Files removed: every cycle file after the cut, and a damaged metadata file. */
  readonly removed: readonly string[];
  /** The copies made in the backup directory, one per changed or removed file. */
  readonly backups: readonly string[];
  /** `verify()` of the queue after the repair (ok unless the named readers' table is damaged). */
  readonly after: VerifyReport;
}

/** Repairs the queue in `directory` (see {@link RepairReport}). */
export function repairQueue(directory: string, options: RepairOptions): RepairReport {
  const backupDirectory = checkRepairOptions(directory, options);
  openDirectory(directory, true); // never creates it
  const lock = acquireExclusive(directory);
  try {
    return new Repair(directory, backupDirectory).run();
  } finally {
    lock.release();
  }
}

class Repair {
  readonly #directory: string;
  readonly #backupDirectory: string;
  readonly #changed: string[] = [];
  readonly #removed: string[] = [];
  readonly #backups: string[] = [];
  readonly #backedUp = new Set<string>();

  constructor(directory: string, backupDirectory: string) {
    this.#directory = directory;
    this.#backupDirectory = backupDirectory;
  }

  run(): RepairReport {
    const shape = shapeOfNewestFile(this.#directory);
    const names = cycleFileNames(this.#directory);
    const found: VerifyProblem[] = [];
    let cut: RepairReport['cut'];
    if (shape === undefined) {
      // No cycle file whose header checks out: the queue is cut before its first file.
      const first = names[0];
      if (first !== undefined) {
        cut = { path: join(this.#directory, first), offset: 0, index: undefined };
        for (const name of names) {
          found.push({
            path: join(this.#directory, name),
            offset: 0,
            index: undefined,
            code: 'ERR_ANNAL_CORRUPT',
            field: undefined,
            message: `${join(this.#directory, name)}: no cycle file header of this queue checks out`,
          });
        }
        this.#cutFrom(names.map((name) => join(this.#directory, name)));
      }
    } else {
      const files = new CycleFiles(this.#directory, shape, true, false);
      try {
        const cycles = files.listCycles();
        for (let k = 0; k < cycles.length && cut === undefined; k++) {
          const later = cycles.slice(k + 1).map((cycle) => files.pathOf(cycle));
          cut = this.#repairCycle(files, cycles[k] as number, later, found);
        }
      } finally {
        files.close();
      }
    }
    this.#repairMetadata(found);
    if (this.#removed.length > 0) fsyncDirectorySync(this.#directory);
    const after = this.#verifyAfter();
    return {
      found,
      cut,
      changed: this.#changed,
      removed: this.#removed,
      backups: this.#backups,
      after,
    };
  }

  /**
   * Verifies one cycle and repairs it; the cut if it was cut, and then the `later` cycle files
   * are removed too. Every file it will change or remove is backed up before the first change,
   * and the later files go before this one is cut: a backup that fails changes nothing, and a
   * repair stopped half-way leaves damage that verify still reports (never a clean-looking
   * queue whose reader stops at a cut and never reaches the files after it).
   */
  #repairCycle(
    files: CycleFiles,
    cycle: number,
    later: readonly string[],
    found: VerifyProblem[],
  ): RepairReport['cut'] | undefined {
    const path = files.pathOf(cycle);
    let inspected: CycleFile;
    try {
      inspected = files.openForInspection(cycle);
    } catch (error) {
      if (!AnnalError.isInstance(error) || error.code !== 'ERR_ANNAL_CORRUPT') throw error;
      found.push(problemOf(error, path));
      this.#cutFrom([path, ...later]);
      return { path, offset: 0, index: undefined };
    }
    const problems: { problem: VerifyProblem; place: ProblemPlace }[] = [];
    try {
      verifyCycleFile(inspected, {
        problem: (error, place) => problems.push({ problem: problemOf(error, path), place }),
        progress: () => undefined,
      });
    } finally {
      inspected.close();
    }
    found.push(...problems.map(({ problem }) => problem));
    if (problems.length === 0) return undefined;
    const frame = problems.find(({ place }) => place.kind === 'frame');
    const framePlace = frame?.place.kind === 'frame' ? frame.place : undefined;
    this.#backUp(path);
    if (framePlace !== undefined) this.#cutFrom(later);
    this.#changed.push(path);
    const file = CycleFile.open(path, false);
    try {
      for (const { place } of problems) {
        if (place.kind === 'firstLevelEntry') storeFirstLevelEntry(file.header, place.page, 0);
        if (place.kind === 'pageEntry') {
          const { blockBytes } = file.configuration;
          const block = file.block(Math.floor(place.pagePosition / blockBytes));
          if (block !== undefined) {
            storeIndexPageEntry(block.words, place.pagePosition - block.start, place.entry, 0);
          }
        }
      }
      if (framePlace !== undefined) {
        // The records from the damage on go (the backup keeps them); the header then says
        // the data ends here, unsealed, so the next appender goes on from here.
        truncateAt(file, framePlace.position);
        setAppendEnd(file.header, framePlace.position, framePlace.sequence);
        clearSealed(file.header);
      }
      file.syncSync();
    } finally {
      file.close();
    }
    if (frame === undefined) return undefined;
    return { path, offset: frame.problem.offset, index: frame.problem.index };
  }

  /** A damaged metadata file is only a hint: removed (the next appender makes a new one). */
  #repairMetadata(found: VerifyProblem[]): void {
    try {
      MetadataFile.open(this.#directory, true)?.close();
    } catch (error) {
      if (!CorruptError.isInstance(error)) throw error;
      const path = join(this.#directory, METADATA_FILE_NAME);
      found.push(problemOf(error, path));
      this.#remove(path);
    }
  }

  #verifyAfter(): VerifyReport {
    const shape = shapeOfNewestFile(this.#directory) ?? placeholderShape();
    const files = new CycleFiles(this.#directory, shape, true, true);
    try {
      return verifyQueue(files, { maxProblems: Infinity });
    } finally {
      files.close();
    }
  }

  /** Backs up every file of `paths`, then removes them, newest first. */
  #cutFrom(paths: readonly string[]): void {
    for (const path of paths) this.#backUp(path);
    for (const path of [...paths].reverse()) this.#remove(path);
  }

  #remove(path: string): void {
    this.#backUp(path);
    try {
      unlinkSync(path);
    } catch (error) {
      throw fromErrno(error, { path });
    }
    this.#removed.push(path);
  }

  /**
   * Copies `path` into the backup directory (never over a file there) and fsyncs the copy;
   * once per file.
   */
  #backUp(path: string): void {
    if (this.#backedUp.has(path)) return;
    // Made only now: a repair that is refused (locked) or finds nothing to do leaves no trace.
    if (this.#backedUp.size === 0) createBackupDirectory(this.#backupDirectory);
    this.#backedUp.add(path);
    const copy = join(this.#backupDirectory, basename(path));
    try {
      copyFileSync(path, copy, constants.COPYFILE_EXCL);
    } catch (error) {
      throw fromErrno(error, { path: copy, field: 'backupDirectory' });
    }
    const file = NativeFile.open(copy);
    try {
      file.fsyncSync();
    } finally {
      file.close();
    }
    fsyncDirectorySync(this.#backupDirectory);
    this.#backups.push(copy);
  }
}

/** Names of the cycle files of `directory`, oldest first. */
function cycleFileNames(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith(CYCLE_FILE_EXTENSION) && !name.startsWith('.'))
    .sort();
}

/**
 * A shape for looking at a directory without cycle files that check out (only the metadata and
 * positions files, or none): nothing is created with it.
 */
function placeholderShape(): CycleShape {
  return {
    cycleLengthMs: 86_400_000,
    epochMs: 0,
    blockBytes: 65_536,
    indexCount: 8,
    indexSpacing: 1,
    sequenceBits: 6,
    checksums: false,
    maxPayloadBytes: 0,
    headerBytes: 4096,
  };
}

/** The backup directory, validated and resolved (created by the first backup). */
function checkRepairOptions(directory: string, options: unknown): string {
  if (typeof directory !== 'string' || directory.length === 0 || directory.includes('\0')) {
    throw new InvalidArgumentError(
      `Queue.repair: directory must be a non-empty path string: directory=${describeValue(directory)}`,
      { field: 'directory' },
    );
  }
  const checked = checkOptionsObject(options);
  checkKnownKeys(checked, ['backupDirectory'], 'Queue.repair');
  const backup = checked['backupDirectory'];
  if (typeof backup !== 'string' || backup.length === 0 || backup.includes('\0')) {
    throw new InvalidArgumentError(
      `Queue.repair: backupDirectory must be a non-empty path string: backupDirectory=${describeValue(backup)}`,
      { field: 'backupDirectory' },
    );
  }
  const absolute = resolve(backup);
  if (absolute === resolve(directory)) {
    throw new InvalidArgumentError(
      `Queue.repair: backupDirectory must not be the queue directory itself: ${absolute}`,
      { field: 'backupDirectory', path: absolute },
    );
  }
  return absolute;
}

/** Creates the backup directory (when the first backup is about to be made). */
function createBackupDirectory(absolute: string): void {
  try {
    makeDirectorySync(absolute);
  } catch (error) {
    if (AnnalError.isInstance(error)) throw error;
    throw fromErrno(error, { path: absolute, field: 'backupDirectory' });
  }
}
