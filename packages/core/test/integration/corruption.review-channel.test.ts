import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Channel } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';

import { CHANNEL_HEADER_BYTES } from '../../src/layout.js';

it("channel checksums 'off': a flipped length bit must not hand out bytes that are not the record's", () => {
  const path = join(temporaryDirectory(), 'c.annalc');
  const writer = Channel.create(path, { capacity: '64 KiB', checksums: 'off' });
  for (let n = 0; n < 3; n++) writer.write(new Uint8Array(16).fill(n + 1));
  writer.close();
  const bytes = readFileSync(path);
  const record0 = CHANNEL_HEADER_BYTES;
  bytes.writeInt32LE(bytes.readInt32LE(record0) ^ 8, record0); // record 0: length 16 -> 24
  writeFileSync(path, bytes);
  const reader = Channel.open(path);
  const got: number[][] = [];
  try {
    for (let r = reader.next(); r !== undefined; r = reader.next()) got.push([...r.copy()]);
  } catch (error) {
    expect((error as { code?: string }).code).toBe('ERR_ANNAL_CORRUPT');
  }
  for (const [n, record] of got.entries()) expect(record).toEqual(new Array(16).fill(n + 1));
  reader.close();
});
