// What a user's ESM app does first: open a queue and a wal from the installed tarballs, append,
// read back. Prints one line per package and exits non-zero on any mismatch.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Queue } from '@annal/core';
import { Wal } from '@annal/wal';
import { BACK_PRESSURED, SpscRing } from '@annal/logbuf';
import { crc32c } from '@annal/native';
import { replay } from '@annal/replay';
import { fromQueue } from '@annal/replay/core';
import { Archiver, openRecording } from '@annal/archiver';
import { BridgeOut, messageId, parseMessageId } from '@annal/bridge-nats';

const directory = mkdtempSync(join(tmpdir(), 'annal-app-'));
const encoder = new TextEncoder();
try {
  const queue = Queue.open(join(directory, 'queue'), { blockBytes: '1 MiB' });
  const appender = queue.appender();
  for (let n = 0; n < 3; n++) appender.appendString(`record ${n}`);
  const reader = queue.reader();
  const texts = [];
  for (let record = reader.next(); record !== undefined; record = reader.next()) {
    texts.push(record.text());
  }
  reader.close();
  const replayed = await replay(fromQueue(queue), () => undefined);
  queue.close();
  if (texts.join() !== 'record 0,record 1,record 2') throw new Error(`queue read ${texts}`);
  if (replayed.delivered !== 3) throw new Error(`replayed ${replayed.delivered}`);

  const wal = Wal.open(join(directory, 'wal'), { sync: 'each' });
  await wal.append('orders', encoder.encode('one'));
  await wal.appendBatch('orders', [encoder.encode('two'), encoder.encode('three')]);
  const page = wal
    .readFrom('orders', 0, { maxRecords: 10 })
    .map((record) => new TextDecoder().decode(record.payload));
  await wal.close();
  if (page.join() !== 'one,two,three') throw new Error(`wal read ${page}`);

  const buffer = SpscRing.allocate(4096);
  const producer = SpscRing.attach(buffer);
  const consumer = SpscRing.attach(buffer);
  if (producer.trySend(encoder.encode('hi')) === BACK_PRESSURED) throw new Error('ring full');
  let received = '';
  consumer.poll((record) => (received = new TextDecoder().decode(record.copy())));
  if (received !== 'hi') throw new Error(`logbuf read ${received}`);
  if (crc32c(encoder.encode('123456789')) !== 0xe3069283) throw new Error('crc32c');

  // The archiver's worker is a file of the installed package: it must load from node_modules.
  const archiver = await Archiver.open(join(directory, 'archive'), { ringBytes: '64 KiB' });
  archiver.stream('feed').recordIn(encoder.encode('tick'), true);
  await archiver.close();
  const recording = openRecording(join(directory, 'archive'));
  const archived = Array.from(recording.messages(), (message) => message.decode());
  recording.close();
  if (archived.join() !== 'tick') throw new Error(`archive read ${archived}`);

  // The bridge and its NATS client load from node_modules (no server here: its options are checked first).
  if (parseMessageId(messageId('app', 7))?.index !== 7) throw new Error('bridge message ids');
  const refused = await BridgeOut.open({ url: 'http://nowhere' }).catch((error) => error);
  if (refused?.code !== 'ERR_ANNAL_INVALID_OPTION') throw new Error(`bridge options: ${refused}`);

  console.log(`esm ok: node ${process.version} (ABI ${process.versions.modules})`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
