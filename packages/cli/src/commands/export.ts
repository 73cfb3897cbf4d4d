/**
 * `annal export PATH --to FILE [--format ndjson|binary] [--from I] [--until I]`: the selected records into a file, as
 * NDJSON (one `dump --format json` object per line) or binary frames (export-frame.ts).
 *
 * @module
 */
import { createWriteStream, existsSync, linkSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { once } from 'node:events';

import { AlreadyExistsError, InvalidArgumentError } from '@annal/native';
import { fromErrno } from '@annal/native/internal';

import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { withStore } from '../open-store.js';
import { checkRange, type Selection } from '../opened-store.js';
import { exportLengthPrefix } from '../export-frame.js';
import { recordJson } from '../render.js';
import { counted } from '../units.js';

/** The formats of `export`. */
export const EXPORT_FORMATS = ['ndjson', 'binary'] as const;

/** Options of `export`. */
export interface ExportOptions extends Selection {
  /** The file to write. */
  readonly file: string;
  readonly format: (typeof EXPORT_FORMATS)[number];
  readonly force: boolean;
}

/** Runs `export`. */
export async function exportRecords(
  context: CommandContext,
  path: string,
  options: ExportOptions,
): Promise<ExitCode> {
  const { output } = context;
  checkRange(options, '--until');
  return withStore(path, async (store) => {
    const target = resolve(options.file);
    const inside = relative(store.store.path, target);
    if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside))) {
      throw new InvalidArgumentError(
        `annal: --to ${target} is inside the store ${store.store.path}; export writes elsewhere`,
        { field: 'to', path: target },
      );
    }
    if (!options.force && existsSync(target)) throw exists(target);
    // Written beside the target and moved there only when complete: a failed export (a damaged
    // store, a full disk, a wrong --topic) leaves the target as it was.
    const partial = join(dirname(target), `.${basename(target)}.annal-export-${process.pid}`);
    const file = createWriteStream(partial, { flags: 'wx' });
    const failed = new Promise<never>((_, reject) => {
      file.once('error', (error: NodeJS.ErrnoException) => {
        reject(fromErrno(error, { path: target }));
      });
    });
    failed.catch(() => undefined); // raced below; never unhandled
    const write = async (chunk: string | Uint8Array): Promise<void> => {
      if (!file.write(chunk)) await Promise.race([once(file, 'drain'), failed]);
    };
    let count: number;
    try {
      // Opened before anything is read, so that a failure below finds the file to remove.
      await Promise.race([once(file, 'open'), failed]);
      count = await Promise.race([
        failed,
        store.read(options, async (record) => {
          if (options.format === 'ndjson') {
            await write(`${JSON.stringify(recordJson(record))}\n`);
            return;
          }
          const bytes =
            record.event === undefined
              ? record.payload
              : new TextEncoder().encode(JSON.stringify(recordJson(record)));
          await write(exportLengthPrefix(bytes.length));
          await write(Uint8Array.from(bytes));
        }),
      ]);
      file.end();
      await Promise.race([once(file, 'finish'), failed]);
      if (options.force) {
        renameSync(partial, target);
      } else {
        // A link fails if the target appeared meanwhile: never over a file without --force.
        try {
          linkSync(partial, target);
        } catch (error) {
          throw (error as NodeJS.ErrnoException).code === 'EEXIST'
            ? exists(target)
            : fromErrno(error, { path: target });
        }
        unlinkSync(partial);
      }
    } catch (error) {
      file.destroy();
      rmSync(partial, { force: true });
      throw error;
    }
    if (output.json) {
      await output.value({
        path: store.store.path,
        to: target,
        format: options.format,
        records: count,
      });
    } else {
      await output.line(`exported ${counted(count, 'record')} to ${target} (${options.format})`);
    }
    return ExitCode.OK;
  });
}

function exists(target: string): AlreadyExistsError {
  return new AlreadyExistsError(`annal: ${target} exists; remove it or give --force`, {
    path: target,
  });
}
