/**
 * The options of {@link MappedFile.create} and {@link MappedFile.open}, their schemas (defaults
 * live here), and the madvise words of {@link MappedFile.advise}.
 *
 * @module
 */
import { z } from 'zod';
import type { NativeBinding } from './binding.js';
import { fileModeSchema } from './native-file.js';

/** The memory a mapping is handed out as. */
export type MappedBuffer = ArrayBuffer | SharedArrayBuffer;

/** Access-pattern hints for {@link MappedFile.advise} (madvise). */
export type MappingAdvice = 'normal' | 'random' | 'sequential' | 'willneed' | 'dontneed';

/** Options of {@link MappedFile.create}. */
export interface CreateMappedFileOptions {
  /** Bytes to reserve on disk (posix_fallocate) and map. A longer existing file is mapped whole. */
  readonly lengthBytes: number;
  /** Fail with ERR_ANNAL_ALREADY_EXISTS if the file exists. Default `false`. */
  readonly exclusive?: boolean;
  /** Permission bits for a new file, before the umask. Default `0o644`. */
  readonly mode?: number;
  /**
   * Hand the mapping out as a SharedArrayBuffer, which can be posted to workers (they then share
   * this very mapping, so `Atomics.wait`/`notify` pair up across them). Default `false`: an
   * external ArrayBuffer, which is pure Node-API and faster for `TypedArray.set`. See
   * docs/decisions for the trade-off.
   */
  readonly shared?: boolean;
  /** Fault every page in before returning (MAP_POPULATE). Default `false`; see {@link MappedFile.prefault}. */
  readonly prefault?: boolean;
}

/** Options of {@link MappedFile.open}. */
export interface OpenMappedFileOptions {
  /**
   * Map PROT_READ. Writing through a read-only mapping is a hardware fault that kills the process,
   * so the API refuses every write first with ERR_ANNAL_READ_ONLY, and the views you derive from
   * {@link MappedFile.buffer} must be treated as read-only. Default `false`.
   */
  readonly readOnly?: boolean;
  /** As {@link CreateMappedFileOptions.shared}. Default `false`. */
  readonly shared?: boolean;
  /** As {@link CreateMappedFileOptions.prefault}. Default `false`. */
  readonly prefault?: boolean;
  /**
   * Map the file from this byte offset, a multiple of the page size ({@link pageSize}).
   * Default `0`.
   */
  readonly offsetBytes?: number;
  /** Map this many bytes from `offsetBytes`. Default: up to the end of the file. */
  readonly lengthBytes?: number;
  /**
   * Close the file descriptor as soon as the file is mapped (the mapping keeps the file alive):
   * for many fixed windows of one file, which would otherwise hold a descriptor each. Such a
   * MappedFile can still be read, written, synced (msync), prefaulted and closed, but has no
   * {@link MappedFile.file} and cannot {@link MappedFile.grow} or {@link MappedFile.remap}.
   * Default `false`.
   */
  readonly closeDescriptor?: boolean;
}

const safeInteger = (min: number) => z.number().int().min(min);

/** @internal */
export const createOptionsSchema = z.strictObject({
  lengthBytes: safeInteger(1),
  exclusive: z.boolean().default(false),
  mode: fileModeSchema.default(0o644),
  shared: z.boolean().default(false),
  prefault: z.boolean().default(false),
});

/** @internal */
export const openOptionsSchema = z.strictObject({
  readOnly: z.boolean().default(false),
  shared: z.boolean().default(false),
  prefault: z.boolean().default(false),
  offsetBytes: safeInteger(0).default(0),
  lengthBytes: safeInteger(1).optional(),
  closeDescriptor: z.boolean().default(false),
});

/** @internal */
export const ADVICE_CONSTANT: Readonly<Record<MappingAdvice, keyof NativeBinding['constants']>> = {
  normal: 'MADV_NORMAL',
  random: 'MADV_RANDOM',
  sequential: 'MADV_SEQUENTIAL',
  willneed: 'MADV_WILLNEED',
  dontneed: 'MADV_DONTNEED',
};
