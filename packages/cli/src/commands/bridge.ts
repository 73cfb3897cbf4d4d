/**
 * `annal bridge out PATH URL` and `annal bridge in URL PATH`: run an `@annal/bridge-nats` bridge
 * until Ctrl-C or SIGTERM (then it drains what is in flight and exits 0), or with
 * `--until-caught-up` until everything there is has been shipped or consumed. Credentials come
 * from the URL or from NATS_USER, NATS_PASS and NATS_TOKEN, never from an option (a command line
 * is visible to every user of the machine).
 *
 * @module
 */
import { isArchiveStart } from '@annal/archiver';
import { BridgeIn, BridgeOut, type ConnectionOptions } from '@annal/bridge-nats';
import { Queue } from '@annal/core';
import { InvalidArgumentError, type AnnalError } from '@annal/native';

import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';
import { findStore } from '../store.js';

/** Options of `bridge out`. */
export interface BridgeOutCliOptions {
  readonly stream: string;
  readonly subject: string;
  readonly origin: string;
  readonly topic?: string;
  readonly maxInFlight?: number;
  readonly untilCaughtUp: boolean;
}

/** Options of `bridge in`. */
export interface BridgeInCliOptions {
  readonly stream: string;
  readonly consumer: string;
  readonly subject?: string;
  readonly topic?: string;
  readonly untilCaughtUp: boolean;
}

/** The connection options from the URL and the environment. */
function connection(context: CommandContext, url: string): ConnectionOptions {
  const environment = context.environment;
  const pick = (name: string): string | undefined => {
    const value = environment[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const user = pick('NATS_USER');
  const pass = pick('NATS_PASS');
  const token = pick('NATS_TOKEN');
  return {
    url,
    ...(user === undefined ? {} : { user }),
    ...(pass === undefined ? {} : { pass }),
    ...(token === undefined ? {} : { token }),
  };
}

/** Resolves when the command is to stop (Ctrl-C, SIGTERM) or the bridge stopped on an error. */
function stopped(context: CommandContext, bridge: BridgeOut | BridgeIn): Promise<void> {
  return new Promise((resolve) => {
    if (context.signal.aborted) {
      resolve();
      return;
    }
    context.signal.addEventListener('abort', () => resolve(), { once: true });
    (bridge as BridgeOut).on('error', () => resolve());
  });
}

/**
 * Runs an open bridge until the command is stopped (or, with --until-caught-up, until it caught
 * up), closes it (draining), throws the error that stopped it, else reports its metrics.
 */
async function runBridge<B extends BridgeOut | BridgeIn>(
  context: CommandContext,
  bridge: B,
  untilCaughtUp: boolean | undefined,
  failure: () => AnnalError | undefined,
  summary: (metrics: ReturnType<B['metrics']>) => string,
): Promise<ExitCode> {
  const { output } = context;
  try {
    if (untilCaughtUp === true) await Promise.race([bridge.caughtUp(), stopped(context, bridge)]);
    else await stopped(context, bridge);
  } finally {
    await bridge.close();
  }
  const error = failure();
  if (error !== undefined) throw error;
  const metrics = bridge.metrics() as ReturnType<B['metrics']>;
  if (output.json)
    await output.value({ ...metrics, stopped: context.signal.aborted ? 'signal' : 'caught-up' });
  else await output.line(summary(metrics));
  return ExitCode.OK;
}

/** Whether the queue at `path` is an archive (its first record is an archiver's SESSION). */
function isArchive(path: string): boolean {
  const queue = Queue.open(path, { readOnly: true });
  try {
    const reader = queue.reader();
    const first = reader.next();
    const archive = first !== undefined && isArchiveStart(first.buffer, first.offset, first.length);
    reader.close();
    return archive;
  } finally {
    queue.close();
  }
}

/** Runs `bridge out`. */
export async function bridgeOut(
  context: CommandContext,
  path: string,
  url: string,
  options: BridgeOutCliOptions,
): Promise<ExitCode> {
  const { output, stderr } = context;
  const store = findStore(path);
  if (store.kind === 'channel') {
    throw new InvalidArgumentError(
      `annal: ${store.path} is a channel: bridge out ships a queue, an archive or a wal topic`,
      { field: 'path' },
    );
  }
  if (store.kind === 'wal' && options.topic === undefined) {
    throw new InvalidArgumentError(`annal: ${store.path} is a wal: say which topic with --topic`, {
      field: '--topic',
    });
  }
  if (store.kind === 'queue' && options.topic !== undefined) {
    // Shipping the queue instead of the topic the user named would fill the subject with the
    // wrong log, for good (the origin's indexes are then taken).
    throw new InvalidArgumentError(
      `annal: ${store.path} is a queue, not a wal: --topic ${options.topic} names a wal topic (leave it out to ship the queue)`,
      { field: '--topic' },
    );
  }
  const archive = store.kind === 'queue' && isArchive(store.path);
  const bridge = await BridgeOut.open({
    ...connection(context, url),
    source:
      store.kind === 'wal'
        ? { wal: store.path, topic: options.topic as string }
        : { queue: store.path, archive },
    stream: options.stream,
    subject: options.subject,
    origin: options.origin,
    ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
  });
  let failure: AnnalError | undefined;
  bridge.on('error', (error) => (failure = error));
  bridge.on('resync', (cause) => {
    const reason = cause instanceof Error ? cause.message : String(cause);
    if (!output.json) stderr.write(`annal: re-synchronised with the stream after: ${reason}\n`);
  });
  if (!output.json) {
    await output.line(
      `shipping ${store.kind === 'wal' ? `${store.path} topic ${options.topic ?? ''}` : store.path}${archive ? ' (archive)' : ''} to stream ${options.stream} subject ${options.subject} as origin ${options.origin}`,
    );
    await output.flush();
  }
  return runBridge(
    context,
    bridge,
    options.untilCaughtUp,
    () => failure,
    (metrics) =>
      `${metrics.acknowledged} acknowledged (${metrics.duplicates} duplicates), last index ${metrics.acknowledgedIndex}, ${metrics.resyncs} re-synchronisations`,
  );
}

/** Runs `bridge in`. */
export async function bridgeIn(
  context: CommandContext,
  url: string,
  path: string,
  options: BridgeInCliOptions,
): Promise<ExitCode> {
  const { output } = context;
  const bridge = await BridgeIn.open({
    ...connection(context, url),
    stream: options.stream,
    consumer: options.consumer,
    ...(options.subject === undefined ? {} : { subject: options.subject }),
    target: options.topic === undefined ? { queue: path } : { wal: path, topic: options.topic },
  });
  let failure: AnnalError | undefined;
  bridge.on('error', (error) => (failure = error));
  if (!output.json) {
    await output.line(
      `consuming stream ${options.stream} (consumer ${options.consumer}) into ${options.topic === undefined ? `queue ${path}` : `wal ${path} topic ${options.topic}`}`,
    );
    await output.flush();
  }
  return runBridge(
    context,
    bridge,
    options.untilCaughtUp,
    () => failure,
    (metrics) =>
      `${metrics.appended} appended, ${metrics.skipped} skipped (held already), last stream sequence ${metrics.heldSequence}`,
  );
}
