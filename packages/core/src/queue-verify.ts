/**
 * `queue.verify()`: every cycle file's header, frames, check words, payload checksums and index
 * entries checked (cycle-verify.ts), and the directory's metadata file and named-reader
 * positions table, reporting every problem instead of throwing at the first. Maps each file
 * read-only apart from the queue's own mappings and unmaps it when done, so it can run beside a
 * live appender in another process without disturbing it.
 *
 * @module
 */
import { statSync } from 'node:fs';

import { AnnalError, CorruptError } from '@annal/native';

import { checkCount, checkKnownKeys, checkOptionsObject, notAFunction } from './argument-checks.js';
import type { CycleFile } from './cycle-file.js';
import type { CycleFiles } from './cycle-files.js';
import { verifyCycleFile } from './cycle-verify.js';
import { MetadataFile } from './metadata-file.js';
import { openReaderPositions } from './reader-positions.js';
import {
  DEFAULT_MAX_PROBLEMS,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
} from '@annal/native';
import { problemOf } from '@annal/native/internal';

/** Verifies the queue of `files` (see {@link VerifyReport}). */
export function verifyQueue(files: CycleFiles, options: VerifyOptions = {}): VerifyReport {
  const { maxProblems, onProgress } = checkVerifyOptions(options);
  const problems: VerifyProblem[] = [];
  let problemCount = 0;
  const report = (problem: VerifyProblem): void => {
    problemCount++;
    if (problems.length < maxProblems) problems.push(problem);
  };
  const listed = files
    .listCycles()
    .map((cycle) => ({ cycle, path: files.pathOf(cycle), bytes: sizeOf(files.pathOf(cycle)) }))
    .filter(
      (entry): entry is { cycle: number; path: string; bytes: number } => entry.bytes !== undefined,
    );
  const totalBytes = listed.reduce((total, entry) => total + entry.bytes, 0);
  const progress = new Progress(totalBytes, onProgress);
  let done = 0;
  let verified = 0;
  let records = 0;
  let bytes = 0;
  for (const { cycle, path, bytes: size } of listed) {
    let file: CycleFile;
    try {
      file = files.openForInspection(cycle);
    } catch (error) {
      if (AnnalError.isInstance(error) && error.code === 'ERR_ANNAL_NOT_FOUND') continue;
      if (!AnnalError.isInstance(error)) throw error;
      report(problemOf(error, path));
      verified++;
      bytes += size;
      done += size;
      progress.at(done);
      continue;
    }
    try {
      const result = verifyCycleFile(file, {
        problem: (error) => {
          report(problemOf(error, path));
        },
        progress: (offset) => {
          progress.at(done + Math.min(offset, size));
        },
      });
      records += result.records;
    } catch (error) {
      // A file cut under the walk (deleted or truncated by another process) and the like.
      if (!AnnalError.isInstance(error)) throw error;
      report(problemOf(error, path));
    } finally {
      file.close();
    }
    verified++;
    bytes += size;
    done += size;
    progress.at(done);
  }
  verifyDirectoryFiles(files.directory, report);
  progress.at(totalBytes, true);
  return { ok: problemCount === 0, files: verified, records, bytes, problems, problemCount };
}

/** The metadata file and the named readers' positions table, where they exist. */
function verifyDirectoryFiles(directory: string, report: (problem: VerifyProblem) => void): void {
  try {
    MetadataFile.open(directory, true)?.close();
  } catch (error) {
    if (!CorruptError.isInstance(error)) throw error;
    report(problemOf(error, error.path ?? directory));
  }
  try {
    const table = openReaderPositions(directory, true);
    if (table === undefined) return;
    try {
      for (const { slot } of table.entries(false)) {
        try {
          table.position(slot);
        } catch (error) {
          if (!CorruptError.isInstance(error)) throw error;
          report(problemOf(error, table.path));
        }
      }
    } finally {
      table.close();
    }
  } catch (error) {
    // The table itself, or a damaged name (after which its slots cannot be told apart).
    if (!CorruptError.isInstance(error)) throw error;
    report(problemOf(error, error.path ?? directory));
  }
}

/** Calls `onProgress` when done bytes cross the next hundredth of the total, and at the end. */
class Progress {
  readonly #total: number;
  readonly #step: number;
  readonly #onProgress: ((doneBytes: number, totalBytes: number) => void) | undefined;
  #next: number;
  #last = -1;

  constructor(total: number, onProgress?: (doneBytes: number, totalBytes: number) => void) {
    this.#total = total;
    this.#step = Math.max(1, Math.ceil(total / 100));
    this.#next = this.#step;
    this.#onProgress = onProgress;
  }

  at(done: number, last = false): void {
    if (this.#onProgress === undefined) return;
    if (done < this.#next && !last) return;
    const doneBytes = Math.min(done, this.#total);
    if (doneBytes <= this.#last) return;
    this.#last = doneBytes;
    this.#next = (Math.floor(doneBytes / this.#step) + 1) * this.#step;
    this.#onProgress(doneBytes, this.#total);
  }
}

function checkVerifyOptions(options: unknown): {
  maxProblems: number;
  onProgress: ((doneBytes: number, totalBytes: number) => void) | undefined;
} {
  const checked = checkOptionsObject(options);
  checkKnownKeys(checked, ['maxProblems', 'onProgress'], 'queue.verify');
  const { maxProblems = DEFAULT_MAX_PROBLEMS, onProgress } = checked as VerifyOptions;
  if (maxProblems !== Infinity) checkCount(maxProblems, 'maxProblems');
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw notAFunction('onProgress', onProgress);
  }
  return { maxProblems, onProgress };
}

/** Size of the file at `path`, or undefined when it is gone. */
function sizeOf(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.size;
}
