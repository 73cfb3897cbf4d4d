import { parseWalOptions } from '@annal/wal';
import { describe, expect, it } from 'vitest';

const MIB = 1024 * 1024;
const quiet = {} as NodeJS.ProcessEnv;

describe('parseWalOptions', () => {
  it('fills the documented defaults', () => {
    expect(parseWalOptions(undefined, quiet)).toMatchObject({
      sync: { everyMs: 200 },
      consistency: 'strictly-once',
      backend: 'mmap',
      segmentBytes: 32 * MIB,
      maxPayloadBytes: 4 * MIB,
      maxBatchRecords: 2000,
      maxBatchBytes: 8 * MIB,
      onCorrupt: 'stop',
      quiet: false,
    });
  });

  it('derives the limits the user did not set from a small segmentBytes', () => {
    const options = parseWalOptions({ segmentBytes: '1 MiB' }, quiet);
    const room = MIB - 4096;
    expect(options.maxPayloadBytes).toBeLessThanOrEqual(room / 4);
    expect(options.maxPayloadBytes).toBeGreaterThan(room / 4 - 64);
    expect(options.maxBatchRecords).toBe(2000);
    expect(options.maxBatchBytes + 16 * options.maxBatchRecords).toBeLessThanOrEqual(room / 2);
  });

  it('refuses a limit the user set that cannot fit, naming that option and what would fit', () => {
    expect(() =>
      parseWalOptions({ segmentBytes: '1 MiB', maxPayloadBytes: '1 MiB' }, quiet),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_ANNAL_INVALID_OPTION',
        field: 'maxPayloadBytes',
        message: expect.stringMatching(
          /maxPayloadBytes.*segmentBytes=1048576.*at most \d+/,
        ) as unknown,
      }),
    );
    expect(() => parseWalOptions({ segmentBytes: '1 MiB', maxBatchBytes: '1 MiB' }, quiet)).toThrow(
      expect.objectContaining({ field: 'maxBatchBytes' }),
    );
    expect(() =>
      parseWalOptions({ segmentBytes: '1 MiB', maxBatchRecords: 1_000_000 }, quiet),
    ).toThrow(expect.objectContaining({ field: 'maxBatchRecords' }));
  });

  it('lists the allowed values of a wrong sync, consistency, backend or onCorrupt', () => {
    const cases = [
      [{ sync: 'always' }, 'sync', /'none', 'manual', 'each' or \{ everyMs: n \}/],
      [{ consistency: 'exactly-once' }, 'consistency', /'strictly-once' or \{ atLeastOnce/],
      [{ backend: 'io_uring' }, 'backend', /'mmap' or 'fd'/],
      [{ onCorrupt: 'skip' }, 'onCorrupt', /'stop' or 'truncate'.*no 'skip'/],
    ] as const;
    for (const [options, field, allowed] of cases) {
      expect(() => parseWalOptions(options as never, quiet)).toThrow(
        expect.objectContaining({
          code: 'ERR_ANNAL_INVALID_OPTION',
          field,
          message: expect.stringMatching(allowed) as unknown,
        }),
      );
    }
  });

  it('explains MiB against MB when a size is out of range', () => {
    expect(() => parseWalOptions({ segmentBytes: '1 MB' }, quiet)).toThrow(
      expect.objectContaining({
        field: 'segmentBytes',
        message: expect.stringMatching(
          /1 MiB = 1,048,576 bytes.*1 MB = 1,000,000 bytes/,
        ) as unknown,
      }),
    );
  });

  it('reads ANNAL_QUIET as documented and refuses values it does not know', () => {
    for (const value of ['1', 'true', 'yes', 'on', 'YES']) {
      expect(parseWalOptions({}, { ANNAL_QUIET: value }).quiet).toBe(true);
    }
    for (const value of ['0', 'false', 'no', 'off', '']) {
      expect(parseWalOptions({}, { ANNAL_QUIET: value }).quiet).toBe(false);
    }
    expect(parseWalOptions({ quiet: false }, { ANNAL_QUIET: '1' }).quiet).toBe(false);
    expect(() => parseWalOptions({}, { ANNAL_QUIET: 'sure' })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'ANNAL_QUIET' }),
    );
    expect(() => parseWalOptions({}, { ANNAL_QUIET: 'constructor' })).toThrow(
      expect.objectContaining({ field: 'ANNAL_QUIET' }),
    );
  });

  it('refuses options that are not options, with a suggestion', () => {
    expect(() => parseWalOptions({ fsync: 'each' } as never, quiet)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'fsync' }),
    );
    expect(() => parseWalOptions('fast' as never, quiet)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'options' }),
    );
  });
});
