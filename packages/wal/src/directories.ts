/**
 * Creating a directory with its parents, reporting the real reason when it cannot be: Node's
 * recursive mkdir says ENOENT when the file system is read-only (it retries the parent and
 * reports that), which would send a user looking for a missing path.
 *
 * @module
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Creates `path` and its missing parents. @throws the Node error of the first directory that
 * could not be created (EROFS, EACCES, ENOTDIR, …), never a misleading ENOENT
 */
export function makeDirectory(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
    // The first missing directory, created alone, fails with the true errno.
    let missing = path;
    while (!existsSync(dirname(missing)) && dirname(missing) !== missing)
      missing = dirname(missing);
    mkdirSync(missing);
    throw error;
  }
}
