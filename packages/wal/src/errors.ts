/**
 * `WalCorruptError` is `CorruptError` of @annal/native, which carries `index` itself. Not
 * exported by @annal/wal; kept only until segment-header.ts and reader-table.ts, which another
 * change is reworking, name `CorruptError` directly. Delete this file then.
 *
 * @module
 */
import { CorruptError } from '@annal/native';

/** The same class as `CorruptError`: new code throws that (see the module comment). */
export const WalCorruptError = CorruptError;
