/**
 * `annal export PATH --to FILE [--format ndjson|binary] [--from I] [--until I]`: the selected records into a file, as
 * NDJSON (one `dump --format json` object per line) or binary frames (export-frame.ts).
 *
 * @module
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

import { AlreadyExistsError } from '@annal/native';
import { fromErrno } from '@annal/native/internal';

import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { withStore } from '../open-store.js';
import type { Selection } from '../opened-store.js';
import { exportLengthPrefix } from '../export-frame.js';
import { recordJson } from '../render.js';

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
  return withStore(path, async (store) => {
    const file = createWriteStream(options.file, { flags: options.force ? 'w' : 'wx' });
    const failed = new Promise<never>((_, reject) => {
      file.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          error.code === 'EEXIST'
            ? new AlreadyExistsError(`annal: ${options.file} exists; remove it or give --force`, {
                path: options.file,
              })
            : fromErrno(error, { path: options.file }),
        );
      });
    });
    const write = async (chunk: string | Uint8Array): Promise<void> => {
      if (!file.write(chunk)) await Promise.race([once(file, 'drain'), failed]);
    };
    const count = await Promise.race([
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
    if (output.json)
      await output.value({
        path: store.store.path,
        to: options.file,
        format: options.format,
        records: count,
      });
    else await output.line(`exported ${count} records to ${options.file} (${options.format})`);
    return ExitCode.OK;
  });
}
