import { InvalidOptionError } from '@annal/native';
import {
  byteSize,
  durationMs,
  parseByteSize,
  parseDurationMs,
  parseOptions,
  powerOfTwo,
} from '@annal/native/internal';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

describe('parseByteSize()', () => {
  it.each([
    ['4096', 4096],
    ['64 KiB', 65536],
    ['64KiB', 65536],
    ['4k', 4096],
    ['1.5 MiB', 1572864],
    ['1 GiB', 1073741824],
    ['2 MB', 2_000_000],
    ['1 kB', 1000],
  ])('%s → %d bytes', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(['', 'lots', '-1', '1 parsec', '0.5 B'])('rejects %j', (text) => {
    expect(parseByteSize(text)).toBeUndefined();
  });
});

describe('parseDurationMs()', () => {
  it.each([
    ['200', 200],
    ['200ms', 200],
    ['5s', 5000],
    ['1.5 min', 90000],
    ['2h', 7_200_000],
  ])('%s → %d ms', (text, milliseconds) => {
    expect(parseDurationMs(text)).toBe(milliseconds);
  });
});

const schema = z.strictObject({
  blockSizeBytes: byteSize({ min: 4096 }).default(65536),
  syncIntervalMs: durationMs({ min: 1 }).default(200),
  indexSpacing: powerOfTwo({ max: 1024 }).default(64),
  nested: z.strictObject({ readOnly: z.boolean().default(false) }).default({ readOnly: false }),
});

describe('parseOptions()', () => {
  it('applies the defaults that live in the schema and freezes the result', () => {
    const options = parseOptions(schema, undefined, 'Queue.open');
    expect(options).toEqual({
      blockSizeBytes: 65536,
      syncIntervalMs: 200,
      indexSpacing: 64,
      nested: { readOnly: false },
    });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('accepts sizes and durations as text', () => {
    expect(
      parseOptions(schema, { blockSizeBytes: '1 MiB', syncIntervalMs: '1s' }, 'Queue.open'),
    ).toMatchObject({
      blockSizeBytes: 1048576,
      syncIntervalMs: 1000,
    });
  });

  it('names the option and the value in a coded error', () => {
    const attempt = (): unknown => parseOptions(schema, { blockSizeBytes: 3000 }, 'Queue.open');
    expect(attempt).toThrow(InvalidOptionError);
    expect(attempt).toThrow(/Queue\.open: blockSizeBytes .*3000/);
    try {
      attempt();
    } catch (error) {
      expect((error as InvalidOptionError).code).toBe('ERR_ANNAL_INVALID_OPTION');
      expect((error as InvalidOptionError).field).toBe('blockSizeBytes');
    }
  });

  it('rejects a power-of-two option that is not one', () => {
    expect(() => parseOptions(schema, { indexSpacing: 48 }, 'Queue.open')).toThrow(
      /indexSpacing.*power of two.*48/,
    );
  });

  it('suggests the right name for a misspelled option', () => {
    expect(() => parseOptions(schema, { blockSizeByte: 4096 }, 'Queue.open')).toThrow(
      /"blockSizeByte" is not an option; did you mean "blockSizeBytes"\?/,
    );
    expect(() => parseOptions(schema, { nested: { readonly: true } }, 'Queue.open')).toThrow(
      /"nested\.readonly" is not an option; did you mean "readOnly"\?/,
    );
  });

  it('says a required option is missing, not that it took a default', () => {
    const required = z
      .object({ url: z.union([z.string(), z.array(z.string())]), stream: z.string() })
      .strict();
    const cases: [unknown, string][] = [
      [{ stream: 'S' }, 'url'],
      [{ url: 'nats://h:1' }, 'stream'],
      [undefined, 'url'],
    ];
    for (const [input, field] of cases) {
      let caught: unknown;
      try {
        parseOptions(required, input, 'BridgeOut.open');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidOptionError);
      expect(caught).toMatchObject({
        code: 'ERR_ANNAL_INVALID_OPTION',
        field,
        message: `BridgeOut.open: ${field} is required and was not given`,
      });
    }
  });

  it('names a cross-option check on one left to its default', () => {
    const crossed = z
      .object({ min: z.number().default(5), max: z.number().default(10) })
      .strict()
      .refine((options) => options.min <= options.max, {
        path: ['min'],
        message: 'must not exceed max',
      });
    expect(() => parseOptions(crossed, { max: 1 }, 'X.open')).toThrow(
      'X.open: min must not exceed max: min not given (its default)',
    );
  });

  it('lists the known options when nothing is close', () => {
    expect(() => parseOptions(schema, { zzzzzzzzzzzz: 1 }, 'Queue.open')).toThrow(
      /known options: blockSizeBytes/,
    );
  });
});
