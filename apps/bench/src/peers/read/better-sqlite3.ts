/**
 * Peer: better-sqlite3 12.11.1 (SQLite 3.53.2) read in key order, as RESULTS.md's read-back:
 * `SELECT id, payload FROM log ORDER BY id` as a prepared statement with `.raw()` (rows as
 * `[id, payload]` arrays) and `.iterate()` (one row at a time, the payload a fresh Buffer). The
 * `log` table of `peers/append/better-sqlite3.ts`, filled in setup (untimed) with `synchronous=OFF`
 * in transactions of 65,536 `INSERT`s and read from the page cache (hot).
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
import { stampSequence } from '../records.js';
import { badRecordError, type ReadSource } from './read-source.js';

/** INSERTs per transaction while filling (setup only). */
const FILL_RECORDS_PER_TRANSACTION = 65_536;

function fillDatabase(db: Database.Database, count: number, template: Buffer): void {
  const insert = db.prepare<[number, Buffer]>('INSERT INTO log (id, payload) VALUES (?, ?)');
  const fill = db.transaction((first: number, end: number) => {
    const record = Buffer.from(template);
    for (let sequence = first; sequence < end; sequence++) {
      stampSequence(record, sequence);
      insert.run(sequence, record);
    }
  });
  for (let first = 0; first < count; first += FILL_RECORDS_PER_TRANSACTION) {
    fill(first, Math.min(count, first + FILL_RECORDS_PER_TRANSACTION));
  }
}

/** Fills a WAL-mode SQLite database in a fresh directory with `count` records. */
export async function createBetterSqlite3Source(
  count: number,
  template: Buffer,
): Promise<ReadSource> {
  const directory = createTemporaryDirectory();
  let db: Database.Database | undefined;
  try {
    db = await openDatabase(join(directory, 'log.db'), 'OFF');
    fillDatabase(db, count, template);
    verifyDatabase(db, count, template);
  } catch (error) {
    db?.close();
    removeTemporaryDirectory(directory);
    throw error;
  }
  const opened = db;
  const select = opened
    .prepare<[], [number, Buffer]>('SELECT id, payload FROM log ORDER BY id')
    .raw(true);
  const payloadBytes = template.length;
  return {
    readAll(): number {
      let expected = 0;
      for (const [id, payload] of select.iterate()) {
        const sequence = payload.readUInt32LE(0);
        if (id !== expected || payload.length !== payloadBytes || sequence !== expected)
          throw badRecordError(expected, payload.length, sequence);
        expected++;
      }
      return expected;
    },
    close(): void {
      if (opened.open) opened.close();
      removeTemporaryDirectory(directory);
    },
  };
}
