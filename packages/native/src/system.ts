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

/** True when io_uring can be set up in this process (else batches use pwrite + fdatasync). */
export function ioUringAvailable(): boolean {
  return getBinding().ioUringAvailable();
}
