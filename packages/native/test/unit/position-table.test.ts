import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptError, LockedError, crc32c } from '@annal/native';
import { PositionTable, type PositionTableFormat } from '@annal/native/internal';
import { spawnNode, temporaryDirectory } from '@annal/test-utils';
import { fixturePath } from '../fixture-path.js';

class TestCorruptError extends CorruptError {}

/** The format of the claim-positions.mjs fixture: 64-byte slots (24-byte names), 63 of them. */
const FORMAT: PositionTableFormat = {
  kind: 'test positions table',
  magic: 0x544c4e41,
  version: 1,
  slotBytes: 64,
  slots: 63,
  slotName: 'slot',
  corrupt: (message, details) => new TestCorruptError(message, details),
  full: (message, details) => new LockedError(message, details),
};
const FILE_BYTES = 64 * 64;
const encoder = new TextEncoder();

function open(path: string): PositionTable {
  return PositionTable.open(path, FORMAT) as PositionTable;
}

function patch(path: string, offset: number, edit: (bytes: Uint8Array) => void): void {
  const bytes = new Uint8Array(readFileSync(path));
  edit(bytes.subarray(offset));
  writeFileSync(path, bytes);
}

/** Writes a whole copy (sequence, checksum, position) at byte `at`. */
function writeCopy(path: string, at: number, sequence: number, position: number): void {
  const checked = new DataView(new ArrayBuffer(12));
  checked.setUint32(0, sequence, true);
  checked.setFloat64(4, position, true);
  patch(path, at, (bytes) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setUint32(0, sequence, true);
    view.setUint32(4, crc32c(new Uint8Array(checked.buffer)), true);
    view.setFloat64(8, position, true);
  });
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('PositionTable', () => {
  it('creates a whole file with its header, claims names once, and keeps positions across opens', () => {
    const path = join(temporaryDirectory(), 'positions');
    {
      const table = open(path);
      expect(table.claim(encoder.encode('alpha'), 7)).toEqual({
        slot: 0,
        position: 7,
        created: true,
      });
      expect(table.claim(encoder.encode('beta'), 0)).toEqual({
        slot: 1,
        position: 0,
        created: true,
      });
      expect(table.claim(encoder.encode('alpha'), 99)).toEqual({
        slot: 0,
        position: 7,
        created: false,
      });
      table.store(0, 12);
      table.store(0, 13);
      table.store(1, 2 ** 53 - 1);
      table.syncSync();
      table.close();
    }
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(FILE_BYTES);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect([0, 4, 8, 12].map((offset) => view.getUint32(offset, true))).toEqual([
      0x544c4e41, 1, 64, 63,
    ]);
    // Slot 0 at 64: name length, the name at 40.
    expect(view.getUint32(64, true)).toBe(5);
    expect(new TextDecoder().decode(bytes.subarray(64 + 40, 64 + 45))).toBe('alpha');
    const table = open(path);
    expect(table.names()).toEqual(['alpha', 'beta']);
    expect(table.entries()).toEqual([
      { name: 'alpha', slot: 0, position: 13 },
      { name: 'beta', slot: 1, position: 2 ** 53 - 1 },
    ]);
    expect(table.claim(encoder.encode('alpha'), 0)).toEqual({
      slot: 0,
      position: 13,
      created: false,
    });
    table.close();
  });

  it('reads the previous position when a crash left the newest copy marked as being written', () => {
    const path = join(temporaryDirectory(), 'positions');
    const table = open(path);
    const { slot } = table.claim(encoder.encode('r'), 0);
    table.store(slot, 5);
    table.store(slot, 6); // copy B then copy A after the claim's two stores: 6 is in copy B
    table.close();
    // Mark whichever copy holds 6 as being written, as a kill mid-update would leave it.
    const bytes = new DataView(readFileSync(path).buffer);
    const copyOf6 = bytes.getFloat64(64 + 8 + 8, true) === 6 ? 8 : 24;
    patch(path, 64 + copyOf6, (b) => b.set([0xff, 0xff, 0xff, 0xff]));
    const reopened = open(path);
    expect(reopened.position(slot)).toBe(5);
    // The next store overwrites the marked copy, and is then the newest.
    reopened.store(slot, 8);
    expect(reopened.position(slot)).toBe(8);
    reopened.close();
    expect(open(path).position(slot)).toBe(8);
  });

  it('reports every flipped bit in a taken slot as damage, never as another position or name', () => {
    const path = join(temporaryDirectory(), 'positions');
    {
      const table = open(path);
      const { slot } = table.claim(encoder.encode('reader'), 0);
      table.store(slot, 1234);
      table.store(slot, 1235);
      table.close();
    }
    const original = readFileSync(path);
    for (let byte = 0; byte < 40 + 'reader'.length; byte++) {
      for (const bit of [0, 3, 7]) {
        const damaged = new Uint8Array(original);
        damaged[64 + byte]! ^= 1 << bit;
        writeFileSync(path, damaged);
        const table = open(path);
        const error = thrown(() => table.claim(encoder.encode('reader'), 0));
        expect(error, `byte ${byte} bit ${bit}`).toBeInstanceOf(TestCorruptError);
        expect(error).toMatchObject({ code: 'ERR_ANNAL_CORRUPT', path });
        table.close();
      }
    }
  });

  it('keeps the newer copy the newer one when the sequence wraps past the mark', () => {
    const path = join(temporaryDirectory(), 'positions');
    const table = open(path);
    const { slot } = table.claim(encoder.encode('w'), 0);
    table.close();
    // Copy A: sequence 2^32 − 2 (the last before the mark), position 40; copy B one older.
    writeCopy(path, 64 + 8, 0xfffffffe, 40);
    writeCopy(path, 64 + 24, 0xfffffffd, 39);
    const reopened = open(path);
    expect(reopened.position(slot)).toBe(40);
    reopened.store(slot, 41); // sequence 0 (the mark is skipped), in copy B
    reopened.close();
    expect(new DataView(readFileSync(path).buffer).getUint32(64 + 24, true)).toBe(0);
    expect(open(path).position(slot)).toBe(41);
  });

  it('reports a file of another size, magic or slot size as ERR_ANNAL_CORRUPT naming the field', () => {
    const path = join(temporaryDirectory(), 'positions');
    open(path).close();
    const original = readFileSync(path);
    writeFileSync(path, original.subarray(0, 100));
    expect(thrown(() => open(path))).toMatchObject({ path, offset: 0, field: 'length' });
    writeFileSync(path, original);
    patch(path, 0, (bytes) => bytes.set([0x41, 0x4e, 0x4c, 0x52])); // "ANLR": wal's magic
    const magic = thrown(() => open(path)) as Error;
    expect(magic).toBeInstanceOf(TestCorruptError);
    expect(magic).toMatchObject({ path, offset: 0, field: 'magic' });
    expect(magic.message).toContain('a wal readers table');
    writeFileSync(path, original);
    patch(path, 8, (bytes) => bytes.set([128]));
    expect(thrown(() => open(path))).toMatchObject({ path, offset: 8, field: 'slotBytes' });
    // A zero length over a slot that is not empty is damage, not a free slot.
    writeFileSync(path, original);
    patch(path, 64 + 30, (bytes) => bytes.set([1]));
    expect(thrown(() => open(path).names())).toMatchObject({
      path,
      offset: 64,
      field: 'nameLength',
    });
  });

  it('says so when every slot is taken, and refuses names that do not fit', () => {
    const table = open(join(temporaryDirectory(), 'positions'));
    for (let n = 0; n < FORMAT.slots; n++) table.claim(encoder.encode(`n${n}`), n);
    expect(thrown(() => table.claim(encoder.encode('one more'), 0))).toBeInstanceOf(LockedError);
    expect(thrown(() => table.claim(encoder.encode('x'.repeat(25)), 0))).toMatchObject({
      code: 'ERR_ANNAL_INVALID_ARGUMENT',
      field: 'name',
    });
    expect(table.entries().map((entry) => entry.position)).toEqual(
      Array.from({ length: FORMAT.slots }, (_, n) => n),
    );
    table.close();
  });

  it('gives processes claiming different names at once different slots', async () => {
    const path = join(temporaryDirectory(), 'positions');
    open(path).close();
    const children = ['a', 'b', 'c'].map((prefix) =>
      spawnNode(fixturePath('claim-positions.mjs'), [path, prefix, '20']),
    );
    for (const child of children) {
      await child.waitForLine((line) => line === 'claimed');
      expect((await child.exited).code).toBe(0);
    }
    const entries = open(path).entries();
    expect(entries).toHaveLength(60);
    for (const prefix of ['a', 'b', 'c']) {
      for (let n = 0; n < 20; n++) {
        expect(entries.find((entry) => entry.name === `${prefix}${n}`)?.position).toBe(n);
      }
    }
  });
});
