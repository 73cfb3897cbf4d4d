/**
 * The results table in markdown: a header naming the date, Node, CPU and exact command, one row
 * per (scenario, implementation), then what each row runs and how to read it.
 *
 * @module
 */
import { isFailedRow, type ResultRow } from '../result-row.js';
import { formatBandwidth, formatCount, formatDuration, formatRate } from './format-units.js';
import type { ReportInput } from './report-input.js';

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function renderRow(row: ResultRow): string {
  const figures =
    isFailedRow(row) || row.medianNs === null
      ? ['**FAILED**', '—', '—', '—', '—']
      : [
          formatDuration(row.medianNs),
          row.p99Ns === null ? '—' : formatDuration(row.p99Ns),
          row.opsPerSec === null ? '—' : formatRate(row.opsPerSec),
          row.mbPerSec === null ? '—' : formatBandwidth(row.mbPerSec),
          formatCount(row.samples),
        ];
  const cells = [row.suite, row.scenario, row.implementation, ...figures, escapeCell(row.notes)];
  return `| ${cells.join(' | ')} |`;
}

function renderDescriptions(input: ReportInput): string[] {
  const lines: string[] = [];
  let lastScenarioKey = '';
  for (const { suite, scenario, implementation } of input.cells) {
    const scenarioKey = `${suite.id} ${scenario.id}`;
    if (scenarioKey !== lastScenarioKey) {
      lines.push(`- **${suite.id} › ${scenario.id}**: ${scenario.description}.`);
      lastScenarioKey = scenarioKey;
    }
    lines.push(`  - \`${implementation.id}\`: ${implementation.description}.`);
  }
  return lines;
}

/**
 * Renders the whole latest.md.
 *
 * @param input - the run
 * @returns markdown text ending in a newline
 */
export function renderMarkdown(input: ReportInput): string {
  const { environment, budget, repetitions } = input;
  const lines = [
    '# annal benchmarks',
    '',
    ...(input.smoke
      ? [
          '> **Smoke run**: a budget of about 100 ms per row. It proves the suites work; do not read the numbers.',
          '',
        ]
      : []),
    `- **Date**: ${environment.dateIso}`,
    `- **Node**: ${environment.nodeVersion} (V8 ${environment.v8Version})`,
    `- **CPU**: ${environment.cpu}; ${environment.memoryGib} GiB`,
    `- **System**: ${environment.system}`,
    `- **Command**: \`${environment.command}\``,
    `- **Method**: each row is ${repetitions === 1 ? 'one run' : `the median of ${repetitions} runs, interleaved (run 1 of every row, then run 2, …)`}; ` +
      `every run is a fresh \`node\` process: tinybench warms up for ${budget.warmupMs} ms, then samples for ` +
      `${budget.timeMs} ms (at least ${budget.minimumSamples} samples).`,
    '',
    '| suite | scenario | implementation | median | p99 | ops/s | MB/s | samples | notes |',
    '|---|---|---|---:|---:|---:|---:|---:|---|',
    ...input.rows.map(renderRow),
    '',
    '## How to read this',
    '',
    '- **median** and **p99** are the time of one operation. Where the notes say "batch of N", one sample timed N',
    '  operations back to back and counts as their mean, so p99 is the p99 of batch means, not of single calls.',
    '- **ops/s** is 10⁹ / median; **MB/s** is payload bytes × ops/s / 10⁶ (— when the operation moves no bytes).',
    '- `c-syscall` and `buffer-copy` rows are physical limits: what the kernel, disk or memory allow with no JS at all.',
    "- This is a 2-vCPU VM with a shared virtio disk: compare rows of one run only, never with another day's file.",
    '',
    '## What each row runs',
    '',
    ...renderDescriptions(input),
    '',
  ];
  return lines.join('\n');
}
