/**
 * A hand-written SVG bar chart of the results, for people who would rather look: one group per
 * scenario, one horizontal bar per implementation, bar length = median time per operation on a
 * log scale (the rows span nanoseconds to milliseconds), a thin line out to the p99. No chart
 * library: the file is plain text that diffs and renders on GitHub.
 *
 * @module
 */
import { isFailedRow, type ResultRow } from '../result-row.js';
import type { ImplementationRole } from '../suite.js';
import { formatBandwidth, formatDuration, formatRate } from './format-units.js';
import type { ReportInput } from './report-input.js';

const WIDTH = 1000;
const LABEL_RIGHT = 250;
const PLOT_LEFT = 260;
const PLOT_RIGHT = 800;
const HEADER_HEIGHT = 100;
const GROUP_TITLE_HEIGHT = 20;
const BAR_HEIGHT = 14;
const BAR_PITCH = 20;
const GROUP_GAP = 12;
const FOOTER_HEIGHT = 56;
const ROLE_COLORS: Readonly<Record<ImplementationRole, string>> = {
  annal: '#2b6cb0',
  peer: '#dd6b20',
  limit: '#718096',
};
const ROLE_LEGEND: readonly (readonly [ImplementationRole, string])[] = [
  ['annal', 'annal'],
  ['peer', 'what a user would do instead'],
  ['limit', 'physical limit (no JS)'],
];
const FAILED_COLOR = '#c53030';
const DURATION_UNITS: readonly (readonly [number, string])[] = [
  [1e9, 's'],
  [1e6, 'ms'],
  [1e3, 'µs'],
  [1, 'ns'],
];

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

function formatTick(durationNs: number): string {
  for (const [scale, unit] of DURATION_UNITS) {
    if (durationNs >= scale) return `${Math.round(durationNs / scale)} ${unit}`;
  }
  return `${durationNs} ns`;
}

/** Log-scale axis bounds: whole decades around every median and p99. */
function computeDecades(rows: readonly ResultRow[]): { lowExponent: number; highExponent: number } {
  const values = rows
    .flatMap((row) => [row.medianNs, row.p99Ns])
    .filter((value): value is number => value !== null && value > 0);
  if (values.length === 0) return { lowExponent: 0, highExponent: 1 };
  const lowExponent = Math.floor(Math.log10(Math.min(...values)));
  const highExponent = Math.max(lowExponent + 1, Math.ceil(Math.log10(Math.max(...values))));
  return { lowExponent, highExponent };
}

function describeRate(row: ResultRow): string {
  if (row.mbPerSec !== null) return `${formatBandwidth(row.mbPerSec)} MB/s`;
  return row.opsPerSec === null ? '' : `${formatRate(row.opsPerSec)} ops/s`;
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attributes === '' ? '' : ` ${attributes}`}>${escapeXml(content)}</text>`;
}

function renderLegend(): string[] {
  const parts: string[] = [];
  let x = 560;
  for (const [role, label] of ROLE_LEGEND) {
    parts.push(
      `<rect x="${x}" y="53" width="10" height="10" fill="${ROLE_COLORS[role]}"/>`,
      text(x + 14, 62, label, 'class="note"'),
    );
    x += 24 + label.length * 6;
  }
  return parts;
}

/**
 * Renders latest.svg.
 *
 * @param input - the run
 * @returns a standalone SVG document ending in a newline
 */
export function renderSvg(input: ReportInput): string {
  const { rows, environment } = input;
  const { lowExponent, highExponent } = computeDecades(rows);
  const toX = (durationNs: number): number => {
    const exponent = Math.log10(Math.max(durationNs, 10 ** lowExponent));
    return (
      PLOT_LEFT +
      ((exponent - lowExponent) / (highExponent - lowExponent)) * (PLOT_RIGHT - PLOT_LEFT)
    );
  };

  const roles = new Map(
    input.cells.map(({ suite, scenario, implementation }) => [
      `${suite.id} ${scenario.id} ${implementation.id}`,
      implementation.role,
    ]),
  );
  const colorOf = (row: ResultRow): string =>
    ROLE_COLORS[roles.get(`${row.suite} ${row.scenario} ${row.implementation}`) ?? 'peer'];

  const body: string[] = [];
  let y = HEADER_HEIGHT;
  let lastGroup = '';
  for (const row of rows) {
    const group = `${row.suite} › ${row.scenario}`;
    if (group !== lastGroup) {
      if (lastGroup !== '') y += GROUP_GAP;
      body.push(text(12, y + 14, group, 'class="group"'));
      y += GROUP_TITLE_HEIGHT;
      lastGroup = group;
    }
    const middle = y + BAR_HEIGHT / 2;
    body.push(text(LABEL_RIGHT, middle + 4, row.implementation, 'class="label" text-anchor="end"'));
    if (isFailedRow(row) || row.medianNs === null) {
      body.push(
        text(
          PLOT_LEFT + 4,
          middle + 4,
          'FAILED',
          `class="value" fill="${FAILED_COLOR}" font-weight="bold"`,
        ),
      );
    } else {
      const end = toX(row.medianNs);
      const color = colorOf(row);
      body.push(
        `<rect x="${PLOT_LEFT}" y="${y}" width="${Math.max(1, end - PLOT_LEFT).toFixed(1)}" height="${BAR_HEIGHT}" fill="${color}"/>`,
      );
      const whiskerEnd = row.p99Ns === null ? end : toX(row.p99Ns);
      if (whiskerEnd > end + 1) {
        body.push(
          `<line x1="${end.toFixed(1)}" y1="${middle}" x2="${whiskerEnd.toFixed(1)}" y2="${middle}" stroke="${color}" stroke-width="1.5"/>`,
          `<line x1="${whiskerEnd.toFixed(1)}" y1="${middle - 4}" x2="${whiskerEnd.toFixed(1)}" y2="${middle + 4}" stroke="${color}" stroke-width="1.5"/>`,
        );
      }
      const label = [formatDuration(row.medianNs), describeRate(row)]
        .filter((part) => part !== '')
        .join(' · ');
      body.push(text(Math.max(end, whiskerEnd) + 6, middle + 4, label, 'class="value"'));
    }
    y += BAR_PITCH;
  }
  const plotBottom = y + 4;

  const axis: string[] = [];
  for (let exponent = lowExponent; exponent <= highExponent; exponent++) {
    const x = toX(10 ** exponent);
    axis.push(
      `<line x1="${x.toFixed(1)}" y1="${HEADER_HEIGHT - 8}" x2="${x.toFixed(1)}" y2="${plotBottom}" class="grid"/>`,
      text(x, HEADER_HEIGHT - 12, formatTick(10 ** exponent), 'class="tick" text-anchor="middle"'),
      text(x, plotBottom + 14, formatTick(10 ** exponent), 'class="tick" text-anchor="middle"'),
    );
  }

  const height = plotBottom + FOOTER_HEIGHT;
  const title = `annal benchmarks${input.smoke ? ' (smoke run: numbers not meaningful)' : ''}`;
  const subtitle = `${environment.dateIso} · Node ${environment.nodeVersion} · ${environment.cpu} · ${environment.system}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">`,
    `<title>${escapeXml(`${title}: median time per operation`)}</title>`,
    '<style>.group{font-size:12px;font-weight:600;fill:#1a202c}.label{font-size:11px;fill:#2d3748}.value{font-size:11px;fill:#2d3748}.tick{font-size:10px;fill:#718096}.grid{stroke:#e2e8f0;stroke-width:1}.note{font-size:11px;fill:#4a5568}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    text(12, 26, title, 'font-size="18" font-weight="700" fill="#1a202c"'),
    text(12, 46, subtitle, 'class="note"'),
    text(
      12,
      62,
      'Median time per operation, log scale; the thin line reaches the p99. Shorter is faster.',
      'class="note"',
    ),
    ...renderLegend(),
    ...axis,
    ...body,
    text(12, plotBottom + 36, `Command: ${environment.command}`, 'class="note"'),
    text(
      12,
      plotBottom + 50,
      'Compare rows of this run only: the 2-vCPU VM and its disk are shared and noisy.',
      'class="note"',
    ),
    '</svg>',
    '',
  ].join('\n');
}
