import { join } from 'node:path';

import { Archiver, isArchiveStart, openRecording, readRecordHeader } from '@annal/archiver';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

describe('misuse gets a coded error naming what was wrong', () => {
  it('refuses bad options at open, naming the option', async () => {
    const directory = join(temporaryDirectory(), 'archive');
    await expect(Archiver.open(directory, { ringBytes: 100_000 })).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      field: 'ringBytes',
    });
    await expect(Archiver.open(directory, { ringBytes: '1 KiB' })).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      field: 'ringBytes',
    });
    await expect(Archiver.open(directory, { whenFull: 'block' } as never)).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      field: 'whenFull',
    });
    await expect(Archiver.open(directory, { ringByte: 65536 } as never)).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      message: expect.stringContaining('did you mean "ringBytes"'),
    });
    await expect(Archiver.open(directory, { sync: { everyMs: 0 } })).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      field: 'sync',
    });
    await expect(Archiver.open(directory, { rollCycle: 'DAILY' as never })).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_OPTION',
      field: 'rollCycle',
      message: expect.stringContaining('Archiver.open'),
    });
    await expect(Archiver.open('')).rejects.toMatchObject({
      code: 'ERR_ANNAL_INVALID_ARGUMENT',
      field: 'directory',
    });
  });

  it('reports a queue it cannot open (another appender holds it) by rejecting open', async () => {
    const directory = join(temporaryDirectory(), 'archive');
    const archiver = await Archiver.open(directory);
    await expect(Archiver.open(directory)).rejects.toMatchObject({ code: 'ERR_ANNAL_LOCKED' });
    await archiver.close();
  });

  it('refuses what record() cannot take, without recording anything', async () => {
    const directory = join(temporaryDirectory(), 'archive');
    const archiver = await Archiver.open(directory);
    const stream = archiver.stream('s');
    expect(() => stream.recordIn('text' as never)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'bytes' }),
    );
    expect(() => archiver.record(new Uint8Array(1), { stream: 2, direction: 'in' })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'meta.stream' }),
    );
    expect(() =>
      archiver.record(new Uint8Array(1), { stream: stream.id, direction: 'IN' as never }),
    ).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'meta.direction' }),
    );
    expect(() => archiver.record(new Uint8Array(1), undefined as never)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'meta' }),
    );
    expect(() => archiver.stream('')).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'name' }),
    );
    expect(() => archiver.stream('x', { protocol: 7 } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'info.protocol' }),
    );
    expect(() => archiver.stream('x', { protocl: 'ws' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'info.protocl' }),
    );
    expect(archiver.record(new Uint8Array([1]), { stream: stream.id, direction: 'out' })).toBe(
      true,
    );
    const stats = await archiver.close();
    expect(stats.recorded).toBe(1);
  });

  it('is closed after close(): record and stream throw ERR_ANNAL_CLOSED; close is idempotent', async () => {
    const archiver = await Archiver.open(join(temporaryDirectory(), 'archive'));
    const stream = archiver.stream('s');
    const closing = archiver.close();
    expect(archiver.close()).toBe(closing);
    await closing;
    expect(() => stream.recordIn(new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CLOSED' }),
    );
    expect(() => archiver.stream('t')).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_CLOSED' }),
    );
  });

  it('opening a recording: no queue there is ERR_ANNAL_NOT_FOUND; a queue of other records is ERR_ANNAL_CORRUPT, naming the record', () => {
    const root = temporaryDirectory();
    expect(() => openRecording(join(root, 'missing'))).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_NOT_FOUND' }),
    );
    // A directory that exists but holds no queue is a mistyped path, not an empty archive.
    expect(() => openRecording(root)).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_NOT_FOUND', path: root }),
    );
    const plain = join(root, 'plain');
    {
      using queue = Queue.open(plain);
      queue.appender().appendString('not an archive record');
    }
    using recording = openRecording(plain);
    expect(() => recording.summary()).toThrow(
      expect.objectContaining({
        code: 'ERR_ANNAL_CORRUPT',
        path: plain,
        message: expect.stringMatching(/record \d+ is not a valid archive record/),
      }),
    );
    expect(() => recording.messages({ direction: 'both' } as never).next()).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_OPTION', field: 'direction' }),
    );
  });

  it('reading a record header refuses what is not a range of bytes, naming the argument', () => {
    const bytes = new Uint8Array(32);
    const cases: [() => unknown, string][] = [
      [() => readRecordHeader('header' as never, 0, 16), 'bytes'],
      [() => readRecordHeader(bytes, -1, 16), 'offset'],
      [() => readRecordHeader(bytes, 1.5, 16), 'offset'],
      [() => readRecordHeader(bytes, 33, 0), 'offset'],
      [() => readRecordHeader(bytes, 20, 16), 'length'],
      [() => readRecordHeader(bytes, 0, Number.NaN), 'length'],
      [() => isArchiveStart(undefined as never, 0, 16), 'bytes'],
      [() => isArchiveStart(bytes, 0, 64), 'length'],
    ];
    for (const [call, field] of cases) {
      expect(call).toThrow(expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field }));
    }
    expect(readRecordHeader(bytes, 16, 16)).toBeUndefined();
  });
});
