/**
 * What a result table is headed with: when, on what, and the exact command that
 * reproduces it. Numbers from this 2-vCPU VM only compare within one run, so the header is what
 * tells two runs apart.
 *
 * @module
 */
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { relative } from 'node:path';

/** The machine and command of one run. */
export interface RunEnvironment {
  /** When the run started, ISO 8601 in UTC. */
  readonly dateIso: string;
  /** `process.version`, e.g. `v20.20.2`. */
  readonly nodeVersion: string;
  /** The V8 inside that Node. */
  readonly v8Version: string;
  /** `os.cpus()[0].model × count`. */
  readonly cpu: string;
  /** Platform, kernel release and architecture, e.g. `linux 6.18.44 x64`. */
  readonly system: string;
  /** Installed memory in GiB. */
  readonly memoryGib: number;
  /** The command line that reproduces the run, e.g. `pnpm bench native`. */
  readonly command: string;
}

const SHELL_SAFE = /^[\w@%+=:,./-]+$/;

function quoteArgument(argument: string): string {
  return SHELL_SAFE.test(argument) ? argument : `'${argument.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command line as the user typed it: `pnpm bench …` when pnpm ran the `bench` script
 * (from the root or from apps/bench), otherwise `node <script> …`.
 *
 * @param cliArguments - `process.argv.slice(2)`
 */
export function describeCommand(cliArguments: readonly string[]): string {
  const tail = cliArguments.map(quoteArgument).join(' ');
  const lifecycleEvent = process.env['npm_lifecycle_event'];
  const userAgent = process.env['npm_config_user_agent'] ?? '';
  let head: string;
  if (lifecycleEvent === 'bench' && userAgent.startsWith('pnpm')) head = 'pnpm bench';
  else if (lifecycleEvent === 'bench' && userAgent.startsWith('npm'))
    head = tail === '' ? 'npm run bench' : 'npm run bench --';
  else head = `node ${relative(process.cwd(), process.argv[1] ?? 'cli.js') || 'cli.js'}`;
  return tail === '' ? head : `${head} ${tail}`;
}

/**
 * Describes this machine and process.
 *
 * @param command - from {@link describeCommand}
 * @param startedAt - when the run started
 */
export function describeEnvironment(command: string, startedAt: Date): RunEnvironment {
  const processors = cpus();
  const model = processors[0]?.model.trim() ?? 'unknown CPU';
  return {
    dateIso: startedAt.toISOString(),
    nodeVersion: process.version,
    v8Version: process.versions.v8,
    cpu: `${model} × ${processors.length}`,
    system: `${platform()} ${release()} ${arch()}`,
    memoryGib: Math.round(totalmem() / 2 ** 30),
    command,
  };
}
