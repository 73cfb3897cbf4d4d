/**
 * Not public API, no semver. Helpers that the sibling annal packages (core, wal, bench) share.
 * Anything here may change in any release.
 *
 * @internal
 * @module
 */
export { getBinding } from './native.js';
