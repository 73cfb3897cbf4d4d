/**
 * The errors the archiver adds to annal's codes (both defined in `@annal/native`, re-exported
 * here so users can match them without a second import).
 *
 * @module
 */
export { BackPressuredError, WorkerFailedError } from '@annal/native';
