// The same first steps from CommonJS: require() of our ESM packages (Node ≥ 20.19 and ≥ 22.12
// load ES modules through require).
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const { Queue } = require('@annal/core');
const { Wal } = require('@annal/wal');
const { SpscRing } = require('@annal/logbuf');

const directory = mkdtempSync(join(tmpdir(), 'annal-app-'));
try {
  const queue = Queue.open(join(directory, 'queue'), { blockBytes: '1 MiB' });
  const index = queue.appender().appendString('from require');
  const record = queue.reader().next();
  if (record?.index !== index || record.text() !== 'from require') throw new Error('queue');
  queue.close();

  const wal = Wal.open(join(directory, 'wal'), { sync: 'manual' });
  wal.appendSync('orders', new TextEncoder().encode('one'));
  const [first] = wal.readFrom('orders', 0);
  if (first === undefined || new TextDecoder().decode(first.payload) !== 'one')
    throw new Error('wal');
  wal.closeSync();

  if (typeof SpscRing.allocate !== 'function') throw new Error('logbuf');
  console.log(`cjs ok: node ${process.version}`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
