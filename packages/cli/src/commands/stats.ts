/**
 * `annal stats PATH`: records and bytes over time, with rates: per cycle file for a queue, per
 * hour or day (`--by`) of event time for a wal event log.
 *
 * @module
 */
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { withStore } from '../open-store.js';
import type { Selection } from '../opened-store.js';
import { counted, bytes as formatBytes, rate, time } from '../units.js';

/** Options of `stats`. */
export interface StatsOptions extends Selection {
  readonly by: 'hour' | 'day';
}

/** Runs `stats`. */
export async function stats(
  context: CommandContext,
  path: string,
  options: StatsOptions,
): Promise<ExitCode> {
  const { output } = context;
  await withStore(path, async (store) => {
    const statistics = await store.statistics(options, options.by);
    const now = Date.now();
    const rows = statistics.periods.map((period) => {
      // The current period has lasted only until now.
      const elapsedMs = Math.max(1, Math.min(period.lengthMs, now - period.start));
      return { ...period, perSecond: (period.records * 1000) / elapsedMs };
    });
    if (output.json) {
      await output.value({
        path: store.store.path,
        stream: statistics.stream,
        unit: statistics.unit,
        periods: rows,
      });
      return;
    }
    const { dim } = output.colors;
    await output.line(
      `${store.store.path}${statistics.stream === undefined ? '' : ` ${statistics.stream}`}: per ${statistics.unit}`,
    );
    for (const row of rows) {
      await output.line(
        `  ${time(row.start)}  ${String(row.records).padStart(10)} records  ${formatBytes(row.bytes).padStart(10)}  ${dim(rate(row.perSecond))}`,
      );
    }
    const total = rows.reduce((sum, row) => sum + row.records, 0);
    const bytes = rows.reduce((sum, row) => sum + row.bytes, 0);
    await output.line(`  total ${counted(total, 'record')}, ${formatBytes(bytes)}`);
  });
  return ExitCode.OK;
}
