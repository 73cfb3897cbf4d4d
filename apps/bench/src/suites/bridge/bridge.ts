/**
 * `@annal/bridge-nats` against what a user would write instead: the application publishing each
 * message to JetStream itself, with the same client and the same window of unacknowledged
 * messages. The target, which nothing asserts: the bridge ships at ≥ 0.9× the direct
 * publisher's rate while giving the local, crash-safe copy and exactly-once that the direct path
 * does not. Every row starts its own nats-server (JetStream, file store) on loopback; on a
 * 2-vCPU machine the server and the Node process share the two cores.
 *
 * @module
 */
import type { Suite } from '../../suite.js';
import { WINDOW, measureLag, measureShipping, type Way } from './shipping.js';

const SHIP_COUNTS = { full: 40_000, smoke: 2_000 } as const;
const LAG_COUNTS = { full: 4_000, smoke: 400 } as const;

const BRIDGE_NOTES = `BridgeOut.open({ source: { queue }, maxInFlight: ${WINDOW} }) over an @annal/core queue (defaults), ids origin:index, chained Nats-Expected-Last-Msg-Id`;
const DIRECT_NOTES = `js.publish(subject, copy of the message, { msgID }) per message, at most ${WINDOW} unacknowledged, the same client (@nats-io/jetstream 3.3.1)`;

function shipping(bytes: number, label: string): Suite['scenarios'][number] {
  const implementation = (way: Way) => ({
    id: way,
    role: way === 'bridge' ? ('annal' as const) : ('peer' as const),
    description:
      way === 'bridge'
        ? 'records appended to a local queue, shipped by BridgeOut until every one is acknowledged'
        : 'the application publishes each record to JetStream itself, until every one is acknowledged',
    create: () =>
      measureShipping(way, bytes, SHIP_COUNTS, way === 'bridge' ? BRIDGE_NOTES : DIRECT_NOTES),
  });
  return {
    id: `ship-${label}`,
    description: `records of ${label} into a JetStream stream on a local nats-server`,
    payloadBytes: bytes,
    implementations: [implementation('bridge'), implementation('direct')],
  };
}

/** The bridge suite. */
export const bridgeSuite: Suite = {
  id: 'bridge/nats',
  title: 'Shipping records to NATS JetStream',
  tags: ['bridge', 'nats'],
  scenarios: [
    shipping(128, '128B'),
    shipping(1024, '1KiB'),
    {
      id: 'lag-128B',
      description:
        'time from append (or publish) to JetStream acknowledgement at a steady rate, 128 B',
      payloadBytes: 128,
      implementations: (['bridge', 'direct'] as const).map((way) => ({
        id: way,
        role: way === 'bridge' ? ('annal' as const) : ('peer' as const),
        description:
          way === 'bridge'
            ? 'appendSync to a local queue → BridgeOut → acknowledged'
            : 'js.publish → acknowledged (no local copy)',
        create: () =>
          measureLag(way, 128, LAG_COUNTS, way === 'bridge' ? BRIDGE_NOTES : DIRECT_NOTES),
      })),
    },
  ],
};
