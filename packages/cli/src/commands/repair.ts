/**
 * `annal repair PATH [--yes] [--backup DIR]`: cuts a damaged queue at its first damage
 * (`Queue.repair`), after showing where and asking (or `--yes`), keeping a copy of every file it
 * changes or removes in the backup directory. Refused while an appender holds the queue.
 *
 * @module
 */
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Readable } from 'node:stream';

import { Queue } from '@annal/core';
import { InvalidArgumentError } from '@annal/native';

import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { withStore } from '../open-store.js';
import { findStore } from '../store.js';

/** Options of `repair`. */
export interface RepairOptions {
  readonly yes: boolean;
  readonly backup?: string | undefined;
}

/** Runs `repair`; `stdin` answers the question unless `--yes`. */
export async function repair(
  context: CommandContext,
  stdin: Readable & { isTTY?: boolean },
  path: string,
  options: RepairOptions,
): Promise<ExitCode> {
  const { output } = context;
  const store = findStore(path);
  if (store.kind !== 'queue') {
    throw new InvalidArgumentError(
      store.kind === 'wal'
        ? `annal: ${store.path} is a wal: its owner cuts a torn tail when it opens it, and reads go on past damage elsewhere; annal repair cuts queues`
        : `annal: ${store.path} is a channel: a channel is written once and is not repaired; annal dump reads what is before the damage`,
      { field: 'path' },
    );
  }
  const report = await withStore(path, (opened) => Promise.resolve(opened.verify(() => undefined)));
  if (report.ok) {
    if (output.json) await output.value({ path: store.path, repaired: false, reason: 'clean' });
    else await output.line(`${store.path} is clean: nothing to repair`);
    return ExitCode.OK;
  }
  const first = report.problems[0];
  const backupDirectory = resolve(
    options.backup ??
      join(
        dirname(store.path),
        `${basename(store.path)}.backup-${new Date().toISOString().replaceAll(':', '')}`,
      ),
  );
  if (!options.yes) {
    if (stdin.isTTY !== true) {
      throw new InvalidArgumentError(
        'annal: repair changes the queue: give --yes to repair without a terminal to confirm on',
        { field: 'yes' },
      );
    }
    const where =
      first === undefined ? 'its first damage' : `${first.path} at byte ${first.offset}`;
    const question = `${store.path}: ${report.problemCount} problem${report.problemCount === 1 ? '' : 's'}. Cut the queue at ${where}? Every record from there on is removed, and every file changed or removed is first copied to ${backupDirectory}. [y/N] `;
    const prompt = createInterface({ input: stdin, output: context.stderr });
    const answer = await prompt.question(question).finally(() => {
      prompt.close();
    });
    if (!/^y(es)?$/i.test(answer.trim())) {
      await output.line('not repaired');
      return ExitCode.DAMAGED;
    }
  }
  const repaired = Queue.repair(store.path, { backupDirectory });
  if (output.json) {
    await output.value({ path: store.path, repaired: true, backupDirectory, ...repaired });
  } else {
    await output.line(
      repaired.cut === undefined
        ? `${store.path}: no record had to go (damaged index entries cleared)`
        : `${store.path}: cut at ${repaired.cut.path} byte ${repaired.cut.offset}${repaired.cut.index === undefined ? '' : ` (record ${repaired.cut.index} and after)`}`,
    );
    for (const file of repaired.changed) await output.line(`  changed  ${file}`);
    for (const file of repaired.removed) await output.line(`  removed  ${file}`);
    await output.line(
      `  backups in ${backupDirectory} (${repaired.backups.length} file${repaired.backups.length === 1 ? '' : 's'})`,
    );
    await output.line(
      repaired.after.ok
        ? '  verify: ok'
        : `  verify: still ${repaired.after.problemCount} problem(s)`,
    );
  }
  return repaired.after.ok ? ExitCode.OK : ExitCode.DAMAGED;
}
