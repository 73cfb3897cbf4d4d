/**
 * Not public API, no semver. Helpers that the sibling annal packages (core, wal, bench) share.
 * Anything here may change in any release. (Deliberately not tagged internal: that would strip it from the
 * declarations, and sibling packages need its types.)
 *
 * @module
 */
export { getBinding } from './native.js';
export { describeHolder } from './file-lock.js';
