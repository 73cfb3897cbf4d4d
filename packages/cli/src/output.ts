/**
 * Where a command's results go: stdout, as text for people or as JSON for scripts (`--json`), in
 * colour only for a terminal that wants it (not under `NO_COLOR`, not when piped). Writes wait
 * for a slow reader (a pager, a pipe) instead of buffering a whole store in memory, and a reader
 * that went away (`annal dump … | head`) ends the command quietly.
 *
 * @module
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

import pc from 'picocolors';

/** The colour functions text output uses (identity functions when colour is off). */
export type Colors = Pick<typeof pc, 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan'>;

/** Text is gathered up to this many characters before a write (one write per record is slow). */
const FLUSH_CHARACTERS = 64 * 1024;

/** Thrown (and caught by the command runner) when stdout's reader closed the pipe. */
export class OutputClosed extends Error {}

/** A command's output. */
export class Output {
  /** True under `--json`: results are JSON, one value per line. */
  readonly json: boolean;
  readonly colors: Colors;
  readonly #stream: Writable;
  #pending = '';
  #closed = false;

  constructor(stream: Writable & { isTTY?: boolean }, json: boolean, environment = process.env) {
    this.json = json;
    this.#stream = stream;
    const colorful =
      !json &&
      stream.isTTY === true &&
      (environment['NO_COLOR'] ?? '') === '' &&
      environment['TERM'] !== 'dumb';
    this.colors = pc.createColors(colorful);
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.#closed = true;
    });
  }

  /** Writes a line of text (text mode). */
  async line(text = ''): Promise<void> {
    this.#pending += `${text}\n`;
    if (this.#pending.length >= FLUSH_CHARACTERS) await this.flush();
  }

  /** Writes one JSON value on a line (`--json`, NDJSON). */
  async value(value: unknown): Promise<void> {
    await this.line(JSON.stringify(value));
  }

  /** Writes what is gathered, waiting while the reader is behind. */
  async flush(): Promise<void> {
    if (this.#closed) throw new OutputClosed();
    if (this.#pending === '') return;
    const text = this.#pending;
    this.#pending = '';
    try {
      // once() rejects with the stream's error (EPIPE when the reader went away).
      if (!this.#stream.write(text)) await once(this.#stream, 'drain');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') this.#closed = true;
      else throw error;
    }
    if (this.#closed) throw new OutputClosed();
  }
}
