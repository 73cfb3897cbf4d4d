#!/usr/bin/env node
/**
 * The `annal` executable: runs {@link main} on the process's arguments and streams, with Ctrl-C
 * aborting what runs (a `tail -f` ends with exit code 130).
 *
 * @module
 */
import { main } from './main.js';

const controller = new AbortController();
process.once('SIGINT', () => {
  controller.abort();
});
// A service manager stops `annal bridge` with SIGTERM: it drains, as on Ctrl-C.
process.once('SIGTERM', () => {
  controller.abort();
});
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  environment: process.env,
  signal: controller.signal,
});
