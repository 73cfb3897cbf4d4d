/**
 * The `annal` command line: commands, options, help text (commander), and how a run ends (an exit
 * code from the error's stable code, a message on stderr, JSON under `--json`).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

import { InvalidArgumentError } from '@annal/native';
import {
  Command,
  CommanderError,
  InvalidArgumentError as OptionValueError,
  Option,
} from 'commander';

import {
  bridgeIn,
  bridgeOut,
  type BridgeInCliOptions,
  type BridgeOutCliOptions,
} from './commands/bridge.js';
import { dump } from './commands/dump.js';
import { EXPORT_FORMATS, exportRecords } from './commands/export.js';
import { ls } from './commands/ls.js';
import { repair } from './commands/repair.js';
import { stats } from './commands/stats.js';
import { tail } from './commands/tail.js';
import { verify } from './commands/verify.js';
import type { CommandContext } from './context.js';
import { ExitCode, exitCodeOf } from './exit-codes.js';
import { Output, OutputClosed } from './output.js';
import { RECORD_FORMATS, type RecordFormat } from './render.js';

/** Where a run reads and writes (the process's own streams, or a test's). */
export interface Io {
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  readonly stdin: Readable & { isTTY?: boolean };
  readonly environment: NodeJS.ProcessEnv;
  /** Aborted by Ctrl-C. */
  readonly signal: AbortSignal;
}

const { version } = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

/** An integer option value from `min` on. */
function integer(name: string, min: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min) {
      throw new OptionValueError(`${name} must be an integer from ${min}: ${value}`);
    }
    return number;
  };
}

const selectionOptions = (command: Command, last = '--to'): Command =>
  command
    .addOption(new Option('--from <index>', 'first index').argParser(integer('--from', 0)))
    .addOption(new Option(`${last} <index>`, 'last index (inclusive)').argParser(integer(last, 0)))
    .addOption(new Option('--topic <name>', 'wal: the topic (needed when it has several)'))
    .addOption(
      new Option('--partition <n>', 'wal: the event-log partition of --topic').argParser(
        integer('--partition', 0),
      ),
    );

/** `--stream` and `--direction`, for archives only. */
const messageOptions = (command: Command): Command =>
  command
    .addOption(new Option('--stream <name>', 'archive: only the messages of this stream'))
    .addOption(
      new Option(
        '--direction <direction>',
        'archive: only received (in) or sent (out) messages',
      ).choices(['in', 'out']),
    );

const formatOption = (): Option =>
  new Option('--format <format>', 'how records are shown').choices(RECORD_FORMATS).default('text');

/** Runs the command line `argv` (without `node` and the script) and resolves with its exit code. */
export async function main(argv: readonly string[], io: Io): Promise<ExitCode> {
  let json = argv.includes('--json');
  const output = (): Output => new Output(io.stdout, json, io.environment);
  let code: ExitCode = ExitCode.OK;
  const run =
    <A extends unknown[]>(command: (context: CommandContext, ...args: A) => Promise<ExitCode>) =>
    async (...args: A): Promise<void> => {
      const out = output();
      try {
        code = await command(
          { output: out, stderr: io.stderr, environment: io.environment, signal: io.signal },
          ...args,
        );
        await out.flush();
      } catch (error) {
        if (error instanceof OutputClosed) return; // `annal dump … | head`: the reader had enough
        // What was read before the failure (records before damage) is shown, then the error.
        await out.flush().catch(() => undefined);
        throw error;
      }
    };

  const program = new Command('annal')
    .description(
      "See, dump, follow and verify what annal queues, write-ahead logs and channels hold on disk. Reads never take a writer's lock: safe while the writer runs.",
    )
    .version(version, '-V, --version')
    .option('--json', 'results as JSON (one value per line) for scripts')
    .showHelpAfterError('(annal --help lists the commands)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      // Under --json a usage error is one JSON line (below), not commander's text.
      writeErr: (text) => json || io.stderr.write(text),
      outputError: (text, write) => json || write(text),
    });

  program
    .command('ls')
    .description(
      'what is there: files, sizes, record counts, first and last index, named readers and their lag; the streams of an archive',
    )
    .argument('<path>', 'a queue, wal or archive directory, or a channel file')
    .action(run((context, path: string) => ls(context, path)));

  messageOptions(
    selectionOptions(
      program
        .command('dump')
        .description(
          'records in index order, with index, time (events, archive messages) and payload',
        )
        .argument('<path>', 'a queue, wal or archive directory, or a channel file'),
    ),
  )
    .addOption(
      new Option('--limit <count>', 'at most this many records').argParser(integer('--limit', 1)),
    )
    .addOption(formatOption())
    .action(run((context, path: string, options: DumpCliOptions) => dump(context, path, options)));

  messageOptions(program.command('tail'))
    .description('the last records; with -f, then every record appended, until Ctrl-C')
    .argument('<path>', 'a queue, wal or archive directory, or a channel file')
    .addOption(
      new Option('-n, --lines <count>', 'how many of the last records')
        .argParser(integer('--lines', 0))
        .default(10),
    )
    .option('-f, --follow', 'keep showing records as another process appends them', false)
    .addOption(new Option('--topic <name>', 'wal: the topic (needed when it has several)'))
    .addOption(
      new Option('--partition <n>', 'wal: the event-log partition of --topic').argParser(
        integer('--partition', 0),
      ),
    )
    .addOption(formatOption())
    .action(run((context, path: string, options: TailCliOptions) => tail(context, path, options)));

  program
    .command('verify')
    .description(
      'walk every frame and checksum: exit 0 when clean, 1 with the first bad file and offset',
    )
    .argument('<path>', 'a queue or wal directory, or a channel file')
    .action(run((context, path: string) => verify(context, path)));

  selectionOptions(
    program
      .command('export')
      .description('the records into a file, as NDJSON or binary length-prefixed frames')
      .argument('<path>', 'a queue or wal directory, or a channel file'),
    '--until',
  )
    .requiredOption('--to <file>', 'the file to write (refused if it exists, unless --force)')
    .addOption(
      new Option('--format <format>', 'file format').choices(EXPORT_FORMATS).default('ndjson'),
    )
    .option('--force', 'overwrite --to if it exists', false)
    .action(
      run((context, path: string, { to, until, ...options }: ExportCliOptions) =>
        exportRecords(context, path, { ...options, to: until, file: to }),
      ),
    );

  program
    .command('repair')
    .description(
      'cut a damaged queue at its first damage, after asking (or --yes), keeping a backup of what changes',
    )
    .argument('<path>', 'a queue directory (no appender may hold it)')
    .option('-y, --yes', 'repair without asking', false)
    .option(
      '--backup <directory>',
      'where the copies of changed and removed files go (default: <path>.backup-<time> beside it)',
    )
    .action(
      run((context, path: string, options: RepairCliOptions) =>
        repair(context, io.stdin, path, options),
      ),
    );

  program
    .command('stats')
    .description(
      'records and bytes over time: per cycle file of a queue, per hour or day of a wal event log',
    )
    .argument('<path>', 'a queue or wal directory')
    .addOption(
      new Option('--by <period>', 'wal event logs: hour or day')
        .choices(['hour', 'day'])
        .default('hour'),
    )
    .addOption(new Option('--topic <name>', "wal: the event log's topic"))
    .addOption(
      new Option('--partition <n>', 'wal: the event-log partition of --topic').argParser(
        integer('--partition', 0),
      ),
    )
    .action(
      run((context, path: string, options: StatsCliOptions) => stats(context, path, options)),
    );

  const bridge = program
    .command('bridge')
    .description(
      'ship a log to NATS JetStream exactly once (out), or consume a stream into a log (in)',
    );
  bridge
    .command('out')
    .description(
      'ship every record of a queue, archive or wal topic to a JetStream subject, until Ctrl-C or SIGTERM (credentials: the URL, or NATS_USER, NATS_PASS, NATS_TOKEN)',
    )
    .argument('<path>', 'a queue, archive or wal directory')
    .argument('<url>', 'the NATS server, e.g. nats://127.0.0.1:4222')
    .requiredOption('--stream <name>', 'the JetStream stream (it must exist)')
    .requiredOption('--subject <subject>', 'the subject to publish on (one bridge per subject)')
    .requiredOption('--origin <name>', "the log's name in the stream: message ids are origin:index")
    .addOption(new Option('--topic <name>', 'wal: the topic to ship'))
    .addOption(
      new Option(
        '--max-in-flight <count>',
        'most messages not yet acknowledged (default 256)',
      ).argParser(integer('--max-in-flight', 1)),
    )
    .option('--until-caught-up', 'stop once every record there is has been acknowledged', false)
    .action(
      run((context, path: string, url: string, options: BridgeOutCliOptions) =>
        bridgeOut(context, path, url, options),
      ),
    );
  bridge
    .command('in')
    .description(
      'consume a JetStream stream through a durable consumer into a queue (or a wal topic), appending no message twice, until Ctrl-C or SIGTERM',
    )
    .argument('<url>', 'the NATS server, e.g. nats://127.0.0.1:4222')
    .argument('<path>', 'the queue (or wal, with --topic) to append to; created if missing')
    .requiredOption('--stream <name>', 'the JetStream stream')
    .requiredOption('--consumer <name>', 'the durable consumer (created if missing)')
    .addOption(new Option('--subject <subject>', 'only this subject, for a consumer created here'))
    .addOption(new Option('--topic <name>', 'append to this topic of a wal at <path>'))
    .option('--until-caught-up', 'stop once the consumer has nothing more to deliver', false)
    .action(
      run((context, url: string, path: string, options: BridgeInCliOptions) =>
        bridgeIn(context, url, path, options),
      ),
    );

  try {
    await program.parseAsync([...argv], { from: 'user' });
    json = program.opts<{ json?: boolean }>().json === true;
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version print and succeed; anything else commander refused is a usage error.
      if (error.exitCode === 0) return ExitCode.OK;
      if (json) {
        return report(
          io,
          json,
          new InvalidArgumentError(`annal: ${error.message.replace(/^error: /, '')}`),
        );
      }
      return ExitCode.USAGE;
    }
    return report(io, json, error);
  }
}

interface DumpCliOptions {
  from?: number;
  to?: number;
  limit?: number;
  topic?: string;
  partition?: number;
  stream?: string;
  direction?: 'in' | 'out';
  format: RecordFormat;
}

interface TailCliOptions {
  lines: number;
  follow: boolean;
  topic?: string;
  partition?: number;
  stream?: string;
  direction?: 'in' | 'out';
  format: RecordFormat;
}

interface ExportCliOptions {
  from?: number;
  until?: number;
  to: string;
  topic?: string;
  partition?: number;
  format: (typeof EXPORT_FORMATS)[number];
  force: boolean;
}

interface RepairCliOptions {
  yes: boolean;
  backup?: string;
}

interface StatsCliOptions {
  by: 'hour' | 'day';
  topic?: string;
  partition?: number;
}

/** Reports a failure on stderr and returns its exit code. */
function report(io: Io, json: boolean, error: unknown): ExitCode {
  const code = exitCodeOf(error);
  const failure = error as { code?: unknown; message?: unknown; path?: unknown; offset?: unknown };
  const message = typeof failure.message === 'string' ? failure.message : String(error);
  if (json) {
    io.stderr.write(
      `${JSON.stringify({
        error: {
          code: typeof failure.code === 'string' ? failure.code : 'ERR_ANNAL_IO',
          message,
          ...(typeof failure.path === 'string' ? { path: failure.path } : {}),
          ...(typeof failure.offset === 'number' ? { offset: failure.offset } : {}),
        },
        exitCode: code,
      })}\n`,
    );
  } else {
    io.stderr.write(`${message.startsWith('annal: ') ? message : `annal: ${message}`}\n`);
  }
  return code;
}
