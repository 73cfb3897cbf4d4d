/**
 * Peer: better-sqlite3 12.11.1 (SQLite 3.53.2) with durable commits, as RESULTS.md's
 * `sqlite-wal-full` row: `journal_mode=WAL`, `synchronous=FULL` (the WAL is synced at every
 * commit), the `log` table of `peers/append/better-sqlite3.ts`. One record is one autocommit
 * `INSERT` (a transaction of its own, synced before `run()` returns); a batch is `BEGIN`, one
 * prepared `INSERT` per record, `COMMIT` (one sync). Needs its binding compiled once (see that
 * module and the README).
 *
 * @module
 */
import { join } from 'node:path';

import type Database from 'better-sqlite3';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { openDatabase, verifyDatabase } from '../append/better-sqlite3.js';
import type { DurableTarget } from './durable-target.js';

/** Opens an empty WAL-mode SQLite database with synchronous=FULL in a fresh directory. */
export async function createBetterSqlite3DurableTarget(): Promise<DurableTarget> {
  const directory = createTemporaryDirectory();
  let db: Database.Database;
  try {
    db = await openDatabase(join(directory, 'log.db'), 'FULL');
  } catch (error) {
    removeTemporaryDirectory(directory);
    throw error;
  }
  const insert = db.prepare<[number, Buffer]>('INSERT INTO log (id, payload) VALUES (?, ?)');
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  let nextId = 0;
  return {
    append(record: Buffer): void {
      // Autocommit: SQLite commits (and, under FULL, syncs the WAL) before run() returns.
      insert.run(nextId++, record);
    },
    appendBatch(records: readonly Buffer[]): void {
      begin.run();
      // SQLite copies each bound BLOB (SQLITE_TRANSIENT), so the caller may reuse the records.
      for (const record of records) insert.run(nextId++, record);
      commit.run();
    },
    verify: (count, template) => {
      verifyDatabase(db, count, template);
    },
    close(): void {
      if (db.open) db.close();
      removeTemporaryDirectory(directory);
    },
  };
}
