/**
 * Connecting to the server with coded errors (unreachable, refused credentials, no JetStream),
 * and the reconnection policy: the client reconnects for ever, `reconnectWaitMs` apart with
 * jitter, and the bridge re-synchronises once it is back.
 *
 * @module
 */
import { BridgeConnectError, BridgeNoStreamError } from '@annal/native';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

import { toBridgeError } from './nats-errors.js';
import type { ResolvedConnectionOptions } from './options.js';

/** A connection and its JetStream manager. */
export interface Connected {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
}

/** `user` and `pass` of a `nats://user:pass@host` URL (URL-decoded), when it has them. */
function credentialsIn(url: string): { user?: string; pass?: string } {
  const match = /^[a-z]+:\/\/([^@/]*)@/i.exec(url);
  if (match === null) return {};
  const [user = '', pass] = (match[1] ?? '').split(':');
  return {
    ...(user === '' ? {} : { user: decodeURIComponent(user) }),
    ...(pass === undefined ? {} : { pass: decodeURIComponent(pass) }),
  };
}

/** The servers, for messages: credentials in a URL are not repeated. */
export function describeServers(url: string | readonly string[]): string {
  const list = typeof url === 'string' ? [url] : url;
  return list.map((entry) => entry.replace(/\/\/[^@/]*@/, '//')).join(', ');
}

/**
 * Connects; rejects with ERR_ANNAL_BRIDGE_CONNECT (unreachable), ERR_ANNAL_BRIDGE_AUTH
 * (credentials refused) or ERR_ANNAL_BRIDGE_NO_STREAM (JetStream not enabled on the server).
 */
export async function connectTo(
  options: ResolvedConnectionOptions,
  name: string,
): Promise<Connected> {
  const where = `NATS server ${describeServers(options.url)}`;
  const list = typeof options.url === 'string' ? [options.url] : [...options.url];
  // The client does not read credentials from a URL: take them out (the first URL's count).
  const inUrl = credentialsIn(list[0] ?? '');
  const user = options.user ?? inUrl.user;
  const pass = options.pass ?? inUrl.pass;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: list.map((entry) => entry.replace(/\/\/[^@/]*@/, '//')),
      name,
      ...(user === undefined ? {} : { user }),
      ...(pass === undefined ? {} : { pass }),
      ...(options.token === undefined ? {} : { token: options.token }),
      timeout: options.connectTimeoutMs,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: options.reconnectWaitMs,
      pingInterval: 10_000,
    });
  } catch (error) {
    const coded = toBridgeError(error, where);
    throw coded.code === 'ERR_ANNAL_BRIDGE_REJECTED'
      ? new BridgeConnectError(`${where}: cannot connect: ${coded.message}`, { cause: error })
      : coded;
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout: options.ackTimeoutMs });
    return { nc, jsm };
  } catch (error) {
    await nc.close().catch(() => undefined);
    if (error instanceof Error && /not enabled/i.test(error.message)) {
      throw new BridgeNoStreamError(
        `${where}: JetStream is not enabled on the server (start nats-server with -js)`,
        { cause: error },
      );
    }
    throw toBridgeError(error, where);
  }
}
