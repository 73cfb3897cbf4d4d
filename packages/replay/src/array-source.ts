/**
 * A source over values in memory: for tests written by hand, and for recordings already loaded.
 *
 * @module
 */
import { z } from 'zod';

import { InvalidArgumentError } from '@annal/native';
import { parseOptions } from '@annal/native/internal';

import { MutableValueRecord, type ReplayRecord } from './record.js';
import type { Source } from './source.js';

/** Options of {@link fromArray}. */
export interface ArraySourceOptions<V> {
  /** The stream's name. Default `'array'`. */
  readonly name?: string;
  /** Each value's timestamp, Unix ms. Default none (`NaN`: the virtual clock does not move). */
  readonly timestamp?: (value: V, index: number) => number;
  /** Each value's type, for `types` filters. Default `''`. */
  readonly type?: (value: V, index: number) => string;
}

const arraySourceOptions = z
  .object({
    name: z.string().min(1).default('array'),
    timestamp: z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function').optional(),
    type: z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function').optional(),
  })
  .strict();

/**
 * A {@link Source} over `values`, in order: record `k` holds `values[k]` at index `k`.
 *
 * @example
 * ```ts
 * const source = fromArray([{ at: 1000, kind: 'deposit' }, { at: 2000, kind: 'withdraw' }], {
 *   timestamp: (event) => event.at,
 *   type: (event) => event.kind,
 * });
 * ```
 * @throws ERR_ANNAL_INVALID_OPTION for an unknown or ill-typed option
 */
export function fromArray<V>(
  values: readonly V[],
  options?: ArraySourceOptions<V>,
): Source<ReplayRecord<V>> {
  if (!Array.isArray(values)) {
    throw new InvalidArgumentError(`fromArray: values must be an array, not ${typeof values}`, {
      field: 'values',
    });
  }
  const parsed = parseOptions(arraySourceOptions, options, 'fromArray');
  const timestampOf = parsed.timestamp as ArraySourceOptions<V>['timestamp'];
  const typeOf = parsed.type as ArraySourceOptions<V>['type'];
  const record = new MutableValueRecord<V>(parsed.name, undefined as V);
  let next = 0;
  return {
    name: parsed.name,
    next() {
      if (next >= values.length) return undefined;
      const index = next++;
      const value = values[index] as V;
      record.index = index;
      record.value = value;
      record.timestamp = timestampOf === undefined ? Number.NaN : timestampOf(value, index);
      record.type = typeOf === undefined ? '' : typeOf(value, index);
      return record;
    },
    close() {
      next = values.length;
    },
  };
}
