import { join } from 'node:path';

import { openRecording } from '@annal/archiver';
import { Queue } from '@annal/core';
import { spawnNode, temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

import { fixturePath } from '../fixture-path.js';

const SOAK = process.env['ANNAL_SOAK'] === '1';

describe('a process killed while it archives', () => {
  it('leaves a prefix of what it recorded, every message intact (kill -9 mid-stream)', async () => {
    const directory = join(temporaryDirectory(), 'archive');
    const rounds = SOAK ? 20 : 3;
    let expected = 0;
    for (let round = 0; round < rounds; round++) {
      const child = spawnNode(fixturePath('record-forever.mjs'), [directory]);
      // Kill once the worker has put some messages of this run in the queue file.
      await child.waitForLine(
        (line) => line.startsWith('recorded ') && Number(line.split(' ')[1]) >= 20_000,
      );
      child.child.kill('SIGKILL');
      const result = await child.exited;
      expect(result.signal, result.stderr).toBe('SIGKILL');

      // Every run's messages are 0, 1, 2, … with no hole and no torn or altered record.
      using recording = openRecording(directory);
      const sessions = new Map<number, number>();
      for (const message of recording.messages()) {
        const view = new DataView(
          message.buffer.buffer,
          message.buffer.byteOffset + message.offset,
        );
        const n = view.getUint32(0, true);
        const next = sessions.get(message.session) ?? 0;
        expect(n).toBe(next);
        expect(message.length).toBe(8 + (n % 200));
        for (let i = 4; i < message.length; i++) {
          if (message.buffer[message.offset + i] !== (n & 0xff)) {
            throw new Error(`message ${n} of session ${message.session} is altered at byte ${i}`);
          }
        }
        sessions.set(message.session, n + 1);
      }
      expect(sessions.size).toBe(round + 1);
      expect(sessions.get(round + 1)).toBeGreaterThanOrEqual(20_000);
      expected += sessions.get(round + 1) ?? 0;
    }
    using queue = Queue.open(directory, { readOnly: true });
    expect(queue.verify().problems).toEqual([]);
    expect(expected).toBeGreaterThan(0);
  });
});

describe('a process that ends without close()', () => {
  it('exits (the worker does not keep it alive) and leaves a prefix of what it recorded', async () => {
    const directory = join(temporaryDirectory(), 'archive');
    const child = spawnNode(fixturePath('no-close.mjs'), [directory, '1000']);
    const result = await child.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('accepted 1000\n');
    using recording = openRecording(directory);
    const texts = Array.from(recording.messages(), (message) => message.decode());
    expect(texts).toEqual(texts.map((_, n) => `message ${n}`));
  });
});
