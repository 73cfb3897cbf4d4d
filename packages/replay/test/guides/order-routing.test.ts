import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Wal } from '@annal/wal';
import { replayFixture } from '@annal/replay';
import { fromEventLog } from '@annal/replay/wal';
import { temporaryDirectory } from '@annal/test-utils';

// The code under test: routes an order to automatic execution or to a human.
function route(order: { qty: number; price: number }): 'auto' | 'review' {
  return order.qty * order.price > 10_000 ? 'review' : 'auto';
}

// What the service recorded: here written by the test; in real use, a copy of production's
// event log (`wal.events('orders')`), committed beside the test or fetched by it.
function recordOrders(directory: string): Wal {
  const wal = Wal.open(directory, { sync: 'manual' });
  const orders = wal.events('orders');
  const placed = [
    { qty: 10, price: 99.5 },
    { qty: 200, price: 51 },
    { qty: 1, price: 12_000 },
  ];
  placed.forEach((order, k) =>
    orders.appendSync({
      type: 'order.placed',
      data: { json: order },
      // Fixed ids and times, so the fixture is the same on every run.
      id: `0190f6c4-0000-7000-8000-00000000000${k}`,
      timestamp: Date.UTC(2026, 11, 1, 9, 30, k),
    }),
  );
  return wal;
}

describe('order routing, against last week’s traffic', () => {
  it('makes the same decisions as when the fixture was recorded', async () => {
    const wal = recordOrders(join(temporaryDirectory(), 'wal'));
    try {
      const fixture = join(import.meta.dirname, '__fixtures__', 'order-routing');
      const result = await replayFixture(
        fixture,
        fromEventLog(wal.events('orders')),
        (record, { emit }) => {
          const { json } = record.value.data as { json: { qty: number; price: number } };
          emit(route(json));
        },
        { types: ['order.placed'] },
      );
      expect(result.calls).toBe(3);
    } finally {
      wal.closeSync();
    }
  });
});
