// Type-checked with `tsc --noEmit` against the installed declarations (strict, NodeNext).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Queue, type QueueRecord } from '@annal/core';
import { AnnalError } from '@annal/native';
import { Wal } from '@annal/wal';

const directory = mkdtempSync(join(tmpdir(), 'annal-app-'));
const queue: Queue = Queue.open(join(directory, 'queue'), { blockBytes: '1 MiB' });
const index: number = queue.appender().appendString('typed');
const record: QueueRecord | undefined = queue.reader().next();
const text: string | undefined = record?.text();
queue.close();

const wal: Wal = Wal.open(join(directory, 'wal'), { sync: 'manual' });
const walIndex: number = wal.appendSync('orders', new TextEncoder().encode('one'));
wal.closeSync();

try {
  Queue.open(join(directory, 'queue'), { blockBytes: 'lots' });
} catch (error) {
  if (error instanceof AnnalError) console.log(error.code satisfies string);
}
console.log(index, text, walIndex);
