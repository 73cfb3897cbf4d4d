/** Message ids: `origin:index` and back, and what is not one. */
import { messageId, parseMessageId } from '@annal/bridge-nats';
import { describe, expect, it } from 'vitest';

describe('parseMessageId()', () => {
  it('reads what messageId() writes', () => {
    expect(parseMessageId(messageId('eu-1.orders', 89296665051136))).toEqual({
      origin: 'eu-1.orders',
      index: 89296665051136,
    });
    expect(parseMessageId('a:0')).toEqual({ origin: 'a', index: 0 });
  });

  it.each([
    'a:b:1',
    'a:',
    ':1',
    'a:-1',
    'a:1.5',
    'a:01',
    'a:1e3',
    'a:0x10',
    'a:9007199254740993',
    'a',
  ])('is undefined for %j', (id) => {
    expect(parseMessageId(id)).toBeUndefined();
  });

  it.each([undefined, null, 5, {}])('is undefined for a value that is not a string: %j', (id) => {
    expect(parseMessageId(id as never)).toBeUndefined();
  });
});
