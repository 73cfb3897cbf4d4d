/**
 * `annal dump PATH`: records with their index (and time, for events), in index order.
 *
 * @module
 */
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { withStore } from '../open-store.js';
import { checkRange, type Selection } from '../opened-store.js';
import { writeRecord, type RecordFormat } from '../render.js';

/** Options of `dump`. */
export interface DumpOptions extends Selection {
  readonly format: RecordFormat;
}

/** Runs `dump`. */
export async function dump(
  context: CommandContext,
  path: string,
  options: DumpOptions,
): Promise<ExitCode> {
  const { output } = context;
  checkRange(options, '--to');
  await withStore(path, async (store) => {
    await store.read(options, (record) => writeRecord(output, record, options.format));
  });
  return ExitCode.OK;
}
