/**
 * `annal dump PATH`: records with their index (and time, for events), in index order; for an
 * archive, its messages with time, stream and direction (`--stream`, `--direction` filter them).
 *
 * @module
 */
import type { MessageSelection } from '../archive-store.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { archiveOnly, withStore } from '../open-store.js';
import { checkRange } from '../opened-store.js';
import { writeMessage, writeRecord, type RecordFormat } from '../render.js';

/** Options of `dump`. */
export interface DumpOptions extends MessageSelection {
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
    const { archive } = store;
    if (archive !== undefined) {
      await archive.messages(options, (message) => writeMessage(output, message, options.format));
      return;
    }
    archiveOnly(store, options);
    await store.read(options, (record) => writeRecord(output, record, options.format));
  });
  return ExitCode.OK;
}
