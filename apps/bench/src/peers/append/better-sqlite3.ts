/**
 * Peer: better-sqlite3 12.11.1 (SQLite 3.53.2), the common "durable queue" answer, set up as
 * RESULTS.md's `sqlite-wal-txn1000` row: `journal_mode=WAL`, `synchronous=OFF` (SQLite never
 * syncs; committed pages sit in the WAL file in the page cache), a table of
 * `id INTEGER PRIMARY KEY` (the sequence number) + `payload BLOB`, and one prepared `INSERT`
 * per record inside explicit transactions of 1,000 records. SQLite's automatic checkpoint (WAL
 * pages copied into the database file every 1,000 pages) runs inside the timed rounds, as it
 * would for a user.
 *
 * `wal/append` also measures it with `synchronous=NORMAL` (in WAL mode: no sync per commit, the
 * WAL synced at each checkpoint), through {@link betterSqlite3TargetFactory}; the durable rows of
 * `wal/durable` and `wal/batch` open it with `synchronous=FULL` (`peers/durable/better-sqlite3.ts`).
 *
 * Install note: better-sqlite3 has no prebuilt binary reachable here, so its install script
 * compiles SQLite with node-gyp (~1 min on 2 cores), and pnpm 10 runs dependency build scripts
 * only when allowed. Without the compiled binding this row fails with "Could not locate the
 * bindings file"; build it once with
 * `cd apps/bench && pnpm rebuild --config.dangerously-allow-all-builds=true better-sqlite3`
 * (see the README).
 *
 * @module
 */
import { join } from 'node:path';

import type Database from 'better-sqlite3';

import {
  createTemporaryDirectory,
  removeTemporaryDirectory,
} from '../../fixtures/temporary-directory.js';
import { checkStoredRecord, spotCheckSequences } from '../records.js';
import type { AppendTarget, AppendTargetFactory } from './append-target.js';

/** INSERTs per transaction (RESULTS.md: 1000 INSERTs/txn). */
export const SQLITE_RECORDS_PER_TRANSACTION = 1000;

interface CountRow {
  readonly count: number;
  readonly lowest: number | null;
  readonly highest: number | null;
}

/**
 * SQLite's `synchronous` settings the rows use, and the number `PRAGMA synchronous` answers with
 * for each. In WAL mode OFF never syncs, NORMAL syncs the WAL only at checkpoints, FULL syncs
 * the WAL at every commit.
 */
export const SQLITE_SYNCHRONOUS = { OFF: 0, NORMAL: 1, FULL: 2 } as const;

/** A `synchronous` setting of {@link SQLITE_SYNCHRONOUS}. */
export type SqliteSynchronous = keyof typeof SQLITE_SYNCHRONOUS;

/**
 * Loads better-sqlite3 (here, not at module load, like every peer library) and opens `path` in
 * WAL mode with `synchronous` (default OFF), creating the `log` table.
 */
export async function openDatabase(
  path: string,
  synchronous: SqliteSynchronous = 'OFF',
): Promise<Database.Database> {
  const { default: Sqlite } = await import('better-sqlite3');
  const db = new Sqlite(path);
  try {
    // Check that the settings took: journal_mode answers with the mode it ended up in.
    const journalMode: unknown = db.pragma('journal_mode = WAL', { simple: true });
    if (journalMode !== 'wal')
      throw new Error(`SQLite refused WAL mode (got ${String(journalMode)})`);
    db.pragma(`synchronous = ${synchronous}`);
    const answer: unknown = db.pragma('synchronous', { simple: true });
    if (answer !== SQLITE_SYNCHRONOUS[synchronous])
      throw new Error(`SQLite synchronous is ${String(answer)}, not ${synchronous}`);
    db.exec('CREATE TABLE log (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Throws unless the `log` table holds exactly `count` rows, ids 0…count-1, whose payloads are the
 * records made from `template` (a spread of them compared byte for byte).
 */
export function verifyDatabase(db: Database.Database, count: number, template: Buffer): void {
  const row = db
    .prepare<[], CountRow>(
      'SELECT count(*) AS count, min(id) AS lowest, max(id) AS highest FROM log',
    )
    .get();
  const expectedHighest = count === 0 ? null : count - 1;
  if (
    row?.count !== count ||
    row.lowest !== (count === 0 ? null : 0) ||
    row.highest !== expectedHighest
  )
    throw new Error(
      `SQLite holds ${row?.count ?? 0} rows, ids ${row?.lowest ?? '-'}…${row?.highest ?? '-'}; expected ${count} rows, ids 0…${count - 1}`,
    );
  const select = db.prepare<[number], { readonly payload: Buffer }>(
    'SELECT payload FROM log WHERE id = ?',
  );
  for (const sequence of spotCheckSequences(count)) {
    const payload = select.get(sequence)?.payload;
    if (payload === undefined) throw new Error(`SQLite has no row ${sequence}`);
    checkStoredRecord(payload, 0, payload.length, sequence, template);
  }
}

/** Opens an empty WAL-mode SQLite database (synchronous=OFF) in a fresh directory. */
export function createBetterSqlite3Target(): Promise<AppendTarget> {
  return openBetterSqlite3Target('OFF');
}

/** The factory of a better-sqlite3 row with `synchronous` instead of OFF (`wal/append`). */
export function betterSqlite3TargetFactory(synchronous: SqliteSynchronous): AppendTargetFactory {
  return () => openBetterSqlite3Target(synchronous);
}

async function openBetterSqlite3Target(synchronous: SqliteSynchronous): Promise<AppendTarget> {
  const directory = createTemporaryDirectory();
  let db: Database.Database;
  try {
    db = await openDatabase(join(directory, 'log.db'), synchronous);
  } catch (error) {
    removeTemporaryDirectory(directory);
    throw error;
  }
  const insert = db.prepare<[number, Buffer]>('INSERT INTO log (id, payload) VALUES (?, ?)');
  const begin = db.prepare('BEGIN');
  const commit = db.prepare('COMMIT');
  let nextId = 0;
  let inTransaction = 0;
  return {
    append(record: Buffer): boolean {
      if (inTransaction === 0) begin.run();
      // SQLite copies the bound BLOB (SQLITE_TRANSIENT), so the caller may reuse `record`.
      insert.run(nextId++, record);
      if (++inTransaction === SQLITE_RECORDS_PER_TRANSACTION) {
        commit.run();
        inTransaction = 0;
      }
      return true;
    },
    drain: () => Promise.resolve(),
    // A round's last, partial transaction is committed too.
    settle: () => {
      if (inTransaction > 0) {
        commit.run();
        inTransaction = 0;
      }
    },
    verify: (count, template) => {
      verifyDatabase(db, count, template);
    },
    directory,
    close(): void {
      if (db.open) db.close();
      removeTemporaryDirectory(directory);
    },
  };
}
