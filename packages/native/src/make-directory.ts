/**
 * `mkdir -p` that says why it failed, and always returns.
 *
 * Node's recursive mkdir is not used: on Node 20 it loops for ever where mkdir fails with ENOENT
 * under a parent that exists (anywhere under `/proc`), and it reports ENOENT on a read-only file
 * system or in a directory the process may not write, which sends a user looking for a missing
 * path. Creating each missing level alone makes the first one that cannot be made throw its own
 * errno (EROFS, EACCES, ENOTDIR, ENOENT…).
 *
 * @module
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates `path` and its missing parents; an existing directory is left alone.
 * @throws the `node:fs` error of the first directory that could not be created; EEXIST when
 *   `path` (or a level made meanwhile by someone else) is something other than a directory
 */
export function makeDirectorySync(path: string): void {
  const missing: string[] = [];
  for (let at = resolve(path); !existsSync(at); at = dirname(at)) {
    missing.push(at);
    if (dirname(at) === at) break;
  }
  // Already there: a mkdir of a file in the way throws EEXIST, as `mkdir -p` does.
  if (missing.length === 0 && !statSync(path).isDirectory()) mkdirSync(path);
  for (let level = missing.length - 1; level >= 0; level--) {
    const at = missing[level] ?? '';
    try {
      mkdirSync(at);
    } catch (error) {
      // Another process made the directory meanwhile: that is what was wanted.
      if ((error as { code?: unknown }).code !== 'EEXIST' || !statSync(at).isDirectory())
        throw error;
    }
  }
}
