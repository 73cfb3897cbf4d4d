/**
 * One flipped bit anywhere in a closed channel file (on a fresh copy per trial), then a reader
 * opens it and reads it through in this process (reading is read-only and bounded: no trial can
 * hang or grow a file). Allowed: the same records and status 'closed', or a coded AnnalError.
 * Anything else (other records, another status, a raw TypeError/RangeError) fails the test.
 * By default every byte up to the end frame gets two of its eight bits and 64 bytes of the free
 * area one bit each (seeded); ANNAL_SOAK=1 flips every bit of every byte of the file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Channel } from '@annal/core';
import { AnnalError } from '@annal/native';
import { temporaryDirectory } from '@annal/test-utils';

import { CHANNEL_HEADER_BYTES } from '../../src/layout.js';

const SOAK = process.env['ANNAL_SOAK'] === '1';
const HEADER_BYTES = CHANNEL_HEADER_BYTES;

type Outcome =
  'identical' | 'coded error' | 'DIFFERENT RECORDS' | 'DIFFERENT STATUS' | 'RAW ERROR' | 'HANG';

interface Read {
  readonly records: string[];
  readonly status: string;
}

function readThrough(path: string): Read | 'HANG' {
  using reader = Channel.open(path);
  const records: string[] = [];
  for (let polls = 0; polls < 1000; polls++) {
    const record = reader.next();
    if (record === undefined) return { records, status: reader.status() };
    records.push(Buffer.from(record.payload).toString('hex'));
  }
  return 'HANG';
}

/** Seeded xorshift32, so a failure names a reproducible byte and bit. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

describe('Channel: one flipped bit in a closed channel', () => {
  it(`reads back the same records or throws a coded error${SOAK ? ' (every bit of every byte)' : ' (sampled)'}`, () => {
    const directory = temporaryDirectory();
    const original = join(directory, 'original.channel');
    const next = random(0xc4a77e1);
    let endOffset: number;
    {
      using writer = Channel.create(original, { capacity: '64 KiB' });
      for (let n = 0; n < 36; n++) {
        // Every fourth record is empty; the others 1..47 bytes, crossing 8-byte boundaries.
        const length = n % 4 === 0 ? 0 : 1 + Math.floor(next() * 47);
        writer.write(Uint8Array.from({ length }, () => Math.floor(next() * 256)));
      }
      endOffset = HEADER_BYTES + 65536 - writer.available - 8;
    }
    const bytes = readFileSync(original);
    const expected = readThrough(original);
    expect(expected).not.toBe('HANG');
    if (expected === 'HANG') return;
    expect(expected.records).toHaveLength(36);
    expect(expected.status).toBe('closed');

    const positions: { byte: number; bits: number[] }[] = [];
    if (SOAK) {
      for (let byte = 0; byte < bytes.length; byte++) {
        positions.push({ byte, bits: [0, 1, 2, 3, 4, 5, 6, 7] });
      }
    } else {
      for (let byte = 0; byte < endOffset + 8; byte++) {
        positions.push({ byte, bits: [Math.floor(next() * 8), Math.floor(next() * 8)] });
      }
      for (let i = 0; i < 64; i++) {
        const byte = endOffset + 8 + Math.floor(next() * (bytes.length - endOffset - 8));
        positions.push({ byte, bits: [Math.floor(next() * 8)] });
      }
    }

    const trialPath = join(directory, 'trial.channel');
    const counts: Record<string, number> = {};
    const failures: string[] = [];
    for (const { byte, bits } of positions) {
      for (const bit of bits) {
        const copy = Buffer.from(bytes);
        copy[byte] = (copy[byte] as number) ^ (1 << bit);
        writeFileSync(trialPath, copy);
        let outcome: Outcome;
        try {
          const read = readThrough(trialPath);
          if (read === 'HANG') outcome = 'HANG';
          else if (JSON.stringify(read.records) !== JSON.stringify(expected.records)) {
            outcome = 'DIFFERENT RECORDS';
          } else outcome = read.status === expected.status ? 'identical' : 'DIFFERENT STATUS';
        } catch (error) {
          outcome =
            AnnalError.isInstance(error) && error.code.startsWith('ERR_ANNAL_')
              ? 'coded error'
              : 'RAW ERROR';
          if (outcome === 'RAW ERROR') failures.push(`byte ${byte} bit ${bit}: ${String(error)}`);
        }
        counts[outcome] = (counts[outcome] ?? 0) + 1;
        if (outcome !== 'identical' && outcome !== 'coded error' && outcome !== 'RAW ERROR') {
          failures.push(`byte ${byte} bit ${bit}: ${outcome}`);
        }
      }
    }
    console.info(`channel bit flips (end frame at ${endOffset}): ${JSON.stringify(counts)}`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(counts['coded error'] ?? 0).toBeGreaterThan(0);
  });
});
