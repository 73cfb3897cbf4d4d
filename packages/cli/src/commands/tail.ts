/**
 * `annal tail PATH [-n N] [-f]`: the last records, and with `-f` every record appended after them
 * by another process, until Ctrl-C (exit code 130, as `tail -f` ends).
 *
 * @module
 */
import type { MessageSelection } from '../archive-store.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { archiveOnly, withStore } from '../open-store.js';
import type { OpenedStore, Selection, StoreRecord } from '../opened-store.js';
import { writeMessage, writeRecord, type RecordFormat } from '../render.js';

/** Options of `tail`. */
export interface TailOptions extends MessageSelection {
  readonly lines: number;
  readonly follow: boolean;
  readonly format: RecordFormat;
}

/** Runs `tail`. */
export async function tail(
  context: CommandContext,
  path: string,
  options: TailOptions,
): Promise<ExitCode> {
  const { output, signal } = context;
  return withStore(path, async (store) => {
    const { archive } = store;
    if (archive !== undefined) {
      await archive.tail(
        options,
        options.lines,
        options.follow ? signal : undefined,
        async (message) => {
          await writeMessage(output, message, options.format);
          if (options.follow) await output.flush();
        },
      );
      return options.follow ? ExitCode.INTERRUPTED : ExitCode.OK;
    }
    archiveOnly(store, options);
    let last = -1;
    const show = async (record: StoreRecord): Promise<void> => {
      await writeRecord(output, record, options.format);
      last = record.index;
    };
    const from = options.lines === 0 ? undefined : store.startOfLast(options.lines, options);
    if (from !== undefined) await store.read({ ...options, from, limit: options.lines }, show);
    if (!options.follow) return ExitCode.OK;
    if (last < 0 && options.lines === 0) last = lastIndexBefore(store, options);
    await output.flush();
    // Shown as they come: flush after each record so a terminal or a pipe sees it at once.
    await store.follow(options, last, signal, async (record) => {
      await show(record);
      await output.flush();
    });
    return ExitCode.INTERRUPTED;
  });
}

/** With `-n 0 -f`: the newest index now, so following starts after it. */
function lastIndexBefore(store: OpenedStore, selection: Selection): number {
  return store.startOfLast(1, selection) ?? -1;
}
