/**
 * Facts about this machine that callers size things by.
 *
 * @module
 */
import { getBinding } from './native.js';

/** The memory page size in bytes (mapping offsets and prefault granularity). */
export function pageSize(): number {
  return getBinding().pageSize;
}
