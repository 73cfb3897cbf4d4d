import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromArray, merge, replay } from '@annal/replay';

const streamOf = (name: string, times: number[]) =>
  fromArray(times, { name, timestamp: (at) => at });

describe('merge', () => {
  it('orders by timestamp, then by the order of the sources, then by index', async () => {
    const order: string[] = [];
    await replay(
      merge([streamOf('in', [1, 2, 2, 5]), streamOf('out', [0, 2, 3]), streamOf('admin', [2])]),
      (record) => void order.push(`${record.stream}:${record.index}@${record.timestamp}`),
    );
    expect(order).toEqual([
      'out:0@0',
      'in:0@1',
      'in:1@2',
      'in:2@2',
      'out:1@2',
      'admin:0@2',
      'out:2@3',
      'in:3@5',
    ]);
  });

  it('is a stable, total order: the same output every time, every record once, sorted', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 30 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (streams) => {
          const sorted = streams.map((times) => [...times].sort((a, b) => a - b));
          const run = () => {
            const source = merge(sorted.map((times, k) => streamOf(`s${k}`, times)));
            const out: [number, number, number][] = [];
            for (let r = source.next(); r !== undefined; r = source.next()) {
              out.push([r.timestamp, Number(r.stream.slice(1)), r.index]);
            }
            return out;
          };
          const first = run();
          expect(run()).toEqual(first);
          const expected = sorted
            .flatMap((times, s) =>
              times.map((at, index) => [at, s, index] as [number, number, number]),
            )
            .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
          expect(first).toEqual(expected);
        },
      ),
    );
  });

  it('orders infinite timestamps too, and goes on past sources that ended', () => {
    const source = merge([
      streamOf('a', [Number.POSITIVE_INFINITY]),
      streamOf('b', [1]),
      streamOf('c', [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY]),
      streamOf('d', []),
    ]);
    const out: string[] = [];
    for (let r = source.next(); r !== undefined; r = source.next()) {
      out.push(`${r.stream}:${r.index}@${r.timestamp}`);
    }
    expect(out).toEqual(['c:0@-Infinity', 'b:0@1', 'a:0@Infinity', 'c:1@Infinity']);
    expect(source.next()).toBeUndefined();
  });

  it('gives identical call logs on two replays of a merge of three sources (by hash)', async () => {
    const hashOf = async () => {
      const hash = createHash('sha256');
      await replay(
        merge([streamOf('a', [0, 3, 3, 9]), streamOf('b', [3, 4]), streamOf('c', [1, 3, 9, 9])]),
        (record, { clock }) => void hash.update(`${record.stream}/${record.index}/${clock.now()};`),
      );
      return hash.digest('hex');
    };
    expect(await hashOf()).toBe(await hashOf());
  });

  it('refuses a record without a timestamp, naming the stream and index', () => {
    const source = merge([streamOf('a', [1]), fromArray(['x'], { name: 'b' })]);
    expect(() => source.next()).toThrow(/"b" at index 0 has no timestamp/);
  });

  it('refuses no sources and two sources of one name', () => {
    expect(() => merge([])).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'sources' }),
    );
    expect(() => merge([streamOf('a', []), streamOf('a', [])])).toThrow(
      /two sources are named "a"/,
    );
  });

  it('closes every source when closed', () => {
    const a = streamOf('a', [1, 2]);
    const b = streamOf('b', [1]);
    const merged = merge([a, b]);
    merged.close();
    expect(a.next()).toBeUndefined();
    expect(b.next()).toBeUndefined();
  });
});
