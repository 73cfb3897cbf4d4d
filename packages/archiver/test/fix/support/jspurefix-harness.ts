/**
 * A real FIX 4.4 session between two jspurefix engines on loopback: jspurefix's own TcpAcceptor
 * and TcpInitiator, with the QuickFIX FIX44 dictionary that ships in node_modules/jspurefix/data
 * (its postinstall, which unzips the FIX repository, did not run).
 *
 * Each side hands its net.Socket to `onSocket` before the session starts on it (the acceptor
 * from its 'transport' event, the initiator when connect() resolves), so a test can tap it
 * before the first byte. The initiator can be pointed at a proxy in between (`connectPort`).
 *
 * The session: logon; a number of heartbeats received by the initiator (HeartBtInt 1 s);
 * NewOrderSingle → ExecutionReport for each order; logout. Everything is driven by events:
 * `run()` resolves when the initiator's session has ended.
 */
import { createRequire } from 'node:module';
import type { AddressInfo, Server, Socket } from 'node:net';
import { dirname, join } from 'node:path';

import type * as Jspurefix from 'jspurefix';

const require = createRequire(import.meta.url);
const jspurefixRoot = dirname(require.resolve('jspurefix/package.json'));
// tsyringe (jspurefix's DI) needs the Reflect metadata polyfill loaded before it.
require(require.resolve('reflect-metadata', { paths: [jspurefixRoot] }));
const fix = require('jspurefix') as typeof Jspurefix;
const tcp = require('jspurefix/dist/transport/tcp') as {
  TcpAcceptor: new (config: Jspurefix.IJsFixConfig) => TcpAcceptorLike;
  TcpInitiator: new (config: Jspurefix.IJsFixConfig) => TcpInitiatorLike;
};

interface TcpAcceptorLike {
  on(event: 'transport', listener: (transport: Jspurefix.MsgTransport) => void): void;
  listen(): void;
  close(callback?: (error?: Error) => void): void;
}

interface TcpInitiatorLike {
  connect(timeoutSeconds: number): Promise<Jspurefix.MsgTransport>;
}

const HEARTBEAT = '0';
const EXECUTION_REPORT = '8';
const NEW_ORDER_SINGLE = 'D';

/** The FIX 4.4 QuickFIX dictionary shipped with jspurefix. */
export const FIX44_DICTIONARY = join(jspurefixRoot, 'data', 'FIX44.xml');

/** What one side of the session saw, as jspurefix reported it. */
export interface SideLog {
  /** MsgType of every message the engine decoded, in order. */
  readonly received: string[];
  /** MsgType of every message the engine encoded and sent, in order. */
  readonly sent: string[];
  /** Errors the session reported (a dropped transport, a parse failure). */
  readonly errors: Error[];
}

function description(type: 'initiator' | 'acceptor', port: number): Jspurefix.ISessionDescription {
  const initiator = type === 'initiator';
  return {
    application: {
      type,
      name: initiator ? 'annal-initiator' : 'annal-acceptor',
      reconnectSeconds: 1,
      tcp: { host: '127.0.0.1', port },
      protocol: 'ascii',
      dictionary: FIX44_DICTIONARY,
    },
    Username: initiator ? 'client' : 'server',
    Password: 'secret',
    EncryptMethod: 0,
    ResetSeqNumFlag: true,
    HeartBtInt: 1,
    SenderCompId: initiator ? 'INIT' : 'ACCEPT',
    TargetCompID: initiator ? 'ACCEPT' : 'INIT',
    TargetSubID: 'fix',
    BeginString: 'FIX.4.4',
  } as unknown as Jspurefix.ISessionDescription;
}

async function makeConfig(
  containers: Jspurefix.SessionContainer,
  type: 'initiator' | 'acceptor',
  port: number,
): Promise<Jspurefix.IJsFixConfig> {
  const container = await containers.makeSystem(description(type, port));
  return container.resolve<Jspurefix.IJsFixConfig>(fix.DITokens.IJsFixConfig);
}

/** An AsciiSession that logs what it sees and plays its part of the scripted session. */
class ScriptedSession extends fix.AsciiSession {
  readonly log: SideLog = { received: [], sent: [], errors: [] };
  readonly #script: { orders: number; heartbeats: number } | undefined;
  #ordersSent = false;
  #executions = 0;
  #heartbeats = 0;
  #execId = 0;

  constructor(config: Jspurefix.IJsFixConfig, script?: { orders: number; heartbeats: number }) {
    super(config);
    this.#script = script;
    this.on('error', (error: Error) => this.log.errors.push(error));
  }

  protected override onDecoded(msgType: string): void {
    this.log.received.push(msgType);
  }

  protected override onEncoded(msgType: string): void {
    this.log.sent.push(msgType);
  }

  protected override onApplicationMsg(msgType: string, view: Jspurefix.MsgView): void {
    if (this.#script === undefined) {
      if (msgType === NEW_ORDER_SINGLE) this.#execute(view);
      return;
    }
    if (msgType === EXECUTION_REPORT) {
      this.#executions++;
      if (this.#executions === this.#script.orders) this.done();
    }
  }

  protected override onSessionMsg(msgType: string, view: Jspurefix.MsgView): void {
    super.onSessionMsg(msgType, view);
    if (msgType !== HEARTBEAT || this.#script === undefined) return;
    this.#heartbeats++;
    if (this.#heartbeats >= this.#script.heartbeats) this.#sendOrders();
  }

  protected override onReady(): void {
    if (this.#script !== undefined && this.#script.heartbeats === 0) this.#sendOrders();
  }

  protected override onLogon(): boolean {
    return true;
  }

  protected override onStopped(error?: Error): void {
    if (error !== undefined) this.log.errors.push(error);
  }

  #sendOrders(): void {
    if (this.#ordersSent || this.#script === undefined) return;
    this.#ordersSent = true;
    for (let order = 1; order <= this.#script.orders; order++) {
      this.send(fix.MsgType.NewOrderSingle, {
        ClOrdID: `order-${order}`,
        Account: 'ACC-1',
        HandlInst: '1',
        Instrument: { Symbol: order % 2 === 0 ? 'MSFT' : 'AAPL' },
        Side: order % 2 === 0 ? '2' : '1',
        TransactTime: new Date(Date.UTC(2026, 11, 4, 12, 0, order)),
        OrderQtyData: { OrderQty: 100 * order },
        OrdType: '2',
        Price: 100 + order / 4,
        TimeInForce: '0',
      });
    }
  }

  #execute(view: Jspurefix.MsgView): void {
    const order = view.toObject() as {
      ClOrdID: string;
      Side: string;
      Instrument: { Symbol: string };
      OrderQtyData: { OrderQty: number };
      Price: number;
    };
    this.#execId++;
    this.send(fix.MsgType.ExecutionReport, {
      OrderID: `ord-${this.#execId}`,
      ClOrdID: order.ClOrdID,
      ExecID: `exec-${this.#execId}`,
      ExecType: 'F',
      OrdStatus: '2',
      Instrument: { Symbol: order.Instrument.Symbol },
      Side: order.Side,
      OrderQtyData: { OrderQty: order.OrderQtyData.OrderQty },
      LastQty: order.OrderQtyData.OrderQty,
      LastPx: order.Price,
      LeavesQty: 0,
      CumQty: order.OrderQtyData.OrderQty,
      AvgPx: order.Price,
      TransactTime: new Date(Date.UTC(2026, 11, 4, 12, 1, this.#execId)),
    });
  }
}

/** Options of {@link runFixSession}. */
export interface FixSessionOptions {
  /** NewOrderSingle messages the initiator sends (each answered by an ExecutionReport). */
  readonly orders: number;
  /** Heartbeats the initiator waits to receive before it sends its orders. */
  readonly heartbeats: number;
  /** Called with each side's socket before its session starts. */
  readonly onSocket: (side: 'initiator' | 'acceptor', socket: Socket) => void;
  /**
   * Where the initiator connects, given the acceptor's port (return it, or a proxy's port).
   * Default: the acceptor itself.
   */
  readonly connectPort?: (acceptorPort: number) => Promise<number> | number;
}

/** The outcome of {@link runFixSession}: what each engine says it sent and received. */
export interface FixSessionResult {
  readonly initiator: SideLog;
  readonly acceptor: SideLog;
}

/**
 * Runs one scripted session between a jspurefix acceptor and initiator on 127.0.0.1 and
 * resolves when the initiator's session has ended (after logout) and the acceptor has closed.
 */
export async function runFixSession(options: FixSessionOptions): Promise<FixSessionResult> {
  const containers = new fix.SessionContainer();
  containers.registerGlobal(new fix.EmptyLogFactory());
  // The transports linger 5 s after a graceful end before destroying the socket; a peer that
  // closes promptly makes that moot, and a test must not wait on it.
  fix.MsgTransport.lingerMs = 0;

  const acceptorConfig = await makeConfig(containers, 'acceptor', 0);
  const acceptor = new tcp.TcpAcceptor(acceptorConfig);
  let acceptorSession: ScriptedSession | undefined;
  let acceptorEnded!: Promise<unknown>;
  const accepted = new Promise<void>((resolve) => {
    acceptor.on('transport', (transport) => {
      const socket = (transport.duplex as unknown as { socket: Socket }).socket;
      options.onSocket('acceptor', socket);
      acceptorSession = new ScriptedSession(transport.config);
      acceptorEnded = Promise.all([
        acceptorSession.run(transport).catch(() => undefined),
        new Promise((closed) => socket.once('close', closed)),
      ]);
      resolve();
    });
  });
  acceptor.listen();
  const server = (acceptor as unknown as { server: Server }).server;
  const port = (server.address() as AddressInfo).port;

  try {
    const target = (await options.connectPort?.(port)) ?? port;
    const initiatorConfig = await makeConfig(containers, 'initiator', target);
    const initiator = new tcp.TcpInitiator(initiatorConfig);
    const transport = await initiator.connect(10);
    const socket = (transport.duplex as unknown as { socket: Socket }).socket;
    options.onSocket('initiator', socket);
    const session = new ScriptedSession(initiatorConfig, {
      orders: options.orders,
      heartbeats: options.heartbeats,
    });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await session.run(transport).catch(() => undefined);
    await closed;
    await accepted;
    await acceptorEnded;
    return { initiator: session.log, acceptor: acceptorSession?.log ?? emptyLog() };
  } finally {
    await new Promise<void>((resolve) => {
      acceptor.close(() => resolve());
    });
  }
}

/**
 * Runs a jspurefix initiator against `port` (a served recording): it logs on, sends no orders,
 * and answers what comes until its session ends. Resolves with what it saw. `onSocket` gets its
 * socket before the session starts.
 */
export async function runPassiveInitiator(
  port: number,
  onSocket: (socket: Socket) => void = () => undefined,
): Promise<SideLog> {
  const containers = new fix.SessionContainer();
  containers.registerGlobal(new fix.EmptyLogFactory());
  fix.MsgTransport.lingerMs = 0;
  const config = await makeConfig(containers, 'initiator', port);
  const transport = await new tcp.TcpInitiator(config).connect(10);
  const socket = (transport.duplex as unknown as { socket: Socket }).socket;
  onSocket(socket);
  const session = new ScriptedSession(config, { orders: 0, heartbeats: 0 });
  const closed = new Promise((resolve) => socket.once('close', resolve));
  await session.run(transport).catch(() => undefined);
  await closed;
  return session.log;
}

function emptyLog(): SideLog {
  return { received: [], sent: [], errors: [] };
}
