/**
 * `annal verify PATH`: walks every frame and checksum; exit 0 when clean, 1 with the first bad
 * file and offset and a count of every problem found. A progress bar on stderr when it is a
 * terminal (never under `--json`).
 *
 * @module
 */
import { SingleBar } from 'cli-progress';

import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { withStore } from '../open-store.js';
import type { VerifyProblem } from '@annal/native';
import { counted, bytes as formatBytes } from '../units.js';

/** Runs `verify`. */
export async function verify(context: CommandContext, path: string): Promise<ExitCode> {
  const { output, stderr } = context;
  return withStore(path, async (store) => {
    const bar =
      stderr.isTTY === true && !output.json
        ? new SingleBar({
            stream: stderr,
            format: 'verifying [{bar}] {percentage}% | {value}/{total} bytes',
            hideCursor: true,
            clearOnComplete: true,
          })
        : undefined;
    let started = false;
    const report = (() => {
      try {
        return store.verify((done, total) => {
          if (bar === undefined) return;
          if (!started) {
            bar.start(total, 0);
            started = true;
          }
          bar.update(done);
        });
      } finally {
        if (started) bar?.stop();
      }
    })();
    if (output.json) {
      // Every key is there (null when unknown), as the README lists them.
      await output.value({
        path: store.store.path,
        kind: store.store.kind,
        ...report,
        problems: report.problems.map((problem) => ({
          ...problem,
          index: problem.index ?? null,
          field: problem.field ?? null,
        })),
      });
    } else {
      const { green, red, bold } = output.colors;
      const summary = `${counted(report.files, 'file')}, ${counted(report.records, 'record')}, ${formatBytes(report.bytes)} checked`;
      if (report.ok) {
        await output.line(`${green('ok')}  ${store.store.path}: ${summary}`);
      } else {
        await output.line(
          `${red(bold('damaged'))}  ${store.store.path}: ${report.problemCount} problem${report.problemCount === 1 ? '' : 's'}; ${summary}`,
        );
        for (const [k, problem] of report.problems.entries()) {
          await output.line(`  ${k === 0 ? 'first:' : 'then: '} ${describeProblem(problem)}`);
        }
        if (report.problemCount > report.problems.length) {
          await output.line(`  … and ${report.problemCount - report.problems.length} more`);
        }
      }
    }
    return report.ok ? ExitCode.OK : ExitCode.DAMAGED;
  });
}

/** A problem on one line: its message, which names the file and offset (else they are added). */
function describeProblem(problem: VerifyProblem): string {
  const where = `${problem.path} at byte ${problem.offset}${problem.index === undefined ? '' : ` (record ${problem.index})`}`;
  return problem.message.includes(problem.path) ? problem.message : `${where}: ${problem.message}`;
}
