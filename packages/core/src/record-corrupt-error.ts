/**
 * `RecordCorruptError` is `CorruptError` of @annal/native, which carries `index` itself. Not
 * exported by @annal/core; kept only until channel-reader.ts, which another change is reworking,
 * names `CorruptError` directly. Delete this file then.
 *
 * @module
 */
import { CorruptError } from '@annal/native';

/** The same class as `CorruptError`: new code throws that (see the module comment). */
export const RecordCorruptError = CorruptError;
