/**
 * The storage backends of `@annal/wal` that the wal suites measure. Every annal row of
 * `wal/append`, `wal/durable`, `wal/batch` and `wal/read` is built once per entry here, with the
 * backend in its id (`annal-mmap`, `annal-mmap-every-200ms`, …) and in its description, so a new
 * backend is measured against the same peers by adding its name to this list.
 *
 * @module
 */
import type { WalBackend } from '../../peers/annal-wal.js';

/** Backends whose annal rows the wal suites list, in that order. */
export const WAL_BACKENDS = ['mmap', 'fd'] as const satisfies readonly WalBackend[];
