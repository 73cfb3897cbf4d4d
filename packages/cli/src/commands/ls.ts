/**
 * `annal ls PATH`: what is there, and for each part its files, sizes, record counts, first and
 * last index (and time), and named readers with their positions and lag.
 *
 * @module
 */
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { withStore } from '../open-store.js';

/** Runs `ls`. */
export async function ls(context: CommandContext, path: string): Promise<ExitCode> {
  const { output } = context;
  await withStore(path, async (store) => {
    const listing = store.list();
    if (output.json) await output.value(listing.json);
    else for (const line of listing.lines) await output.line(line);
  });
  return ExitCode.OK;
}
