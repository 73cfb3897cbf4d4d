/**
 * zod building blocks for annal's option schemas, and the one function that parses options at
 * an API edge: defaults live in the schemas, parsing happens once, and every failure
 * is an {@link InvalidOptionError} naming the option, with a suggestion for a misspelled key.
 *
 * @module
 */
import { z } from 'zod';
import { InvalidOptionError } from './errors/invalid-option-error.js';

const BYTE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

const QUANTITY = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/;

/**
 * Parses `"64 KiB"`, `"1.5GiB"`, `"4k"` or a number of bytes. Binary units (KiB, MiB, GiB, TiB
 * and the bare K, M, G, T) are powers of 1024; decimal units (kB, MB, GB, TB) powers of 1000.
 *
 * @returns the whole number of bytes, or undefined when the text is not a byte size
 */
export function parseByteSize(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (match === null) return undefined;
  const unit = BYTE_UNITS[(match[2] ?? '').toLowerCase() || 'b'];
  if (unit === undefined) return undefined;
  const bytes = Number(match[1]) * unit;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/**
 * Parses `"200ms"`, `"5s"`, `"1.5 min"`, `"2h"` or a number of milliseconds.
 *
 * @returns the duration in milliseconds, or undefined when the text is not a duration
 */
export function parseDurationMs(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (match === null) return undefined;
  const unit = DURATION_UNITS[(match[2] ?? '').toLowerCase() || 'ms'];
  if (unit === undefined) return undefined;
  return Number(match[1]) * unit;
}

/**
 * A schema for a size in bytes: a safe integer ≥ `min`, or a string such as `"64 KiB"`.
 * The parsed value is always a number of bytes.
 */
export function byteSize(options: { min?: number; max?: number } = {}) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = options;
  return z.union([z.number(), z.string()]).transform((value, context) => {
    const bytes = typeof value === 'number' ? value : parseByteSize(value);
    if (bytes === undefined || !Number.isSafeInteger(bytes)) {
      context.addIssue({
        code: 'custom',
        message: `must be a whole number of bytes or a size such as "64 KiB" (got ${JSON.stringify(value)})`,
      });
      return z.NEVER;
    }
    if (bytes < min || bytes > max) {
      context.addIssue({
        code: 'custom',
        message: `must be between ${min} and ${max} bytes (got ${bytes})`,
      });
      return z.NEVER;
    }
    return bytes;
  });
}

/**
 * A schema for a duration in milliseconds: a finite number ≥ `min`, or a string such as `"200ms"`
 * or `"5s"`. The parsed value is always milliseconds.
 */
export function durationMs(options: { min?: number; max?: number } = {}) {
  const { min = 0, max = 2 ** 31 - 1 } = options;
  return z.union([z.number(), z.string()]).transform((value, context) => {
    const milliseconds = typeof value === 'number' ? value : parseDurationMs(value);
    if (milliseconds === undefined || !Number.isFinite(milliseconds)) {
      context.addIssue({
        code: 'custom',
        message: `must be milliseconds or a duration such as "200ms" or "5s" (got ${JSON.stringify(value)})`,
      });
      return z.NEVER;
    }
    if (milliseconds < min || milliseconds > max) {
      context.addIssue({
        code: 'custom',
        message: `must be between ${min} and ${max} ms (got ${milliseconds})`,
      });
      return z.NEVER;
    }
    return milliseconds;
  });
}

/** A schema for a power of two within [min, max] (e.g. a capacity or an index spacing). */
export function powerOfTwo(options: { min?: number; max?: number } = {}) {
  const { min = 1, max = 2 ** 52 } = options;
  return z
    .number()
    .int()
    .refine((value) => value >= min && value <= max && Number.isInteger(Math.log2(value)), {
      message: `must be a power of two between ${min} and ${max}`,
    });
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      row[j] = Math.min(
        above + 1,
        (row[j - 1] ?? 0) + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

/** The known key closest to `unknownKey`, if it is plausibly a misspelling. */
function closestKey(unknownKey: string, knownKeys: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const key of knownKeys) {
    const distance = editDistance(unknownKey.toLowerCase(), key.toLowerCase());
    if (distance < bestDistance) {
      best = key;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(unknownKey.length / 3)) ? best : undefined;
}

/**
 * Parses `input` with `schema` once, at an API edge. Use strict object schemas so unknown keys are
 * caught. The result is frozen.
 *
 * @param schema - the zod schema holding every default
 * @param input - what the user passed
 * @param where - the API that took the options, named in messages (e.g. `'MappedFile.create'`)
 * @throws {@link InvalidOptionError} ERR_ANNAL_INVALID_OPTION naming the first bad option
 */
export function parseOptions<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  where: string,
): Readonly<z.output<Schema>> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return Object.freeze(result.data);
  const issue = result.error.issues[0];
  if (issue === undefined) throw new InvalidOptionError(`${where}: invalid options`);
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysOf(schema, issue.path);
    const key = issue.keys[0] ?? '';
    const field = path === '' ? key : `${path}.${key}`;
    const suggestion = closestKey(key, known);
    const hint =
      suggestion === undefined
        ? ` (known options: ${known.join(', ')})`
        : `; did you mean "${suggestion}"?`;
    throw new InvalidOptionError(`${where}: "${field}" is not an option${hint}`, { field });
  }
  const value = valueAt(input, issue.path);
  if (value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    // No default and nothing given: the option is required.
    throw new InvalidOptionError(`${where}: ${path} is required and was not given`, {
      field: path,
    });
  }
  // A check across options can fail on one that was left to its default: say so, not "=undefined".
  const given =
    value === undefined ? `${path} not given (its default)` : `${path}=${describe(value)}`;
  throw new InvalidOptionError(
    `${where}: ${path === '' ? 'options' : path} ${issue.message}: ${given}`,
    {
      field: path,
    },
  );
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function knownKeysOf(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  for (const key of path) {
    const shape = shapeOf(current);
    current = shape?.[String(key)];
  }
  return Object.keys(shapeOf(current) ?? {});
}

function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  let current = schema as
    | { shape?: Record<string, unknown>; unwrap?: () => unknown; def?: { innerType?: unknown } }
    | undefined;
  for (let depth = 0; depth < 8 && current !== undefined; depth++) {
    if (current.shape !== undefined) return current.shape;
    const inner = current.def?.innerType;
    current = inner as typeof current;
  }
  return undefined;
}
