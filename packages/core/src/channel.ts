/**
 * Fixed-capacity, single-use channels (the kekbit seed): one file, one writer, any number of
 * readers in any process; a heartbeat and a close marker let readers tell a closed channel from
 * an abandoned one, a full one, and one with no data yet.
 *
 * @module
 */
import { statSync, type Stats } from 'node:fs';
import {
  AlreadyExistsError,
  InvalidArgumentError,
  InvalidOptionError,
  MappedFile,
  crc32c,
} from '@annal/native';
import {
  durationMs,
  fromErrno,
  parseOptions,
  byteSize,
  createFileAtomically,
} from '@annal/native/internal';
import { z } from 'zod';
import { describeValue } from './describe-value.js';
import {
  CHANNEL_CHECKED_BYTES,
  CHANNEL_HEADER_BYTES,
  FRAME_HEADER_BYTES,
  LENGTH_MASK,
  type ChannelConfiguration,
  computeFrameLength,
  setChannelChecksum,
  writeChannelHeader,
} from './layout.js';
import { explainSizeUnits, rejectRenamedOptions } from './options.js';
import { ChannelReader, checkChannelSize } from './channel-reader.js';
import { ChannelWriter } from './channel-writer.js';

export { ChannelReader } from './channel-reader.js';
export type { ChannelFollowOptions, ChannelStatus } from './channel-reader.js';
export { ChannelWriter } from './channel-writer.js';

/** Options of {@link Channel.create}. */
export interface ChannelCreateOptions {
  /** Bytes of records the channel holds, 64 KiB to 1 GiB (a number or e.g. `'16 MiB'`). */
  readonly capacity: number | string;
  /** Largest payload in bytes. [capacity / 16 − 8] */
  readonly maxPayloadBytes?: number | string | undefined;
  /** Milliseconds without a sign of life after which readers call the writer abandoned. [10 000] */
  readonly writerTimeoutMs?: number | string | undefined;
  /**
   * `'crc32c'`: each record carries a CRC32C of its payload seeded with its sequence, and readers
   * verify it before returning the record (a flipped bit or a record copied elsewhere is
   * ERR_ANNAL_CORRUPT, never data). `'off'`: no record checksum (a little faster for large
   * records; a damaged payload is then returned as it is). Stored in the header, so readers
   * need no option. ['crc32c']
   */
  readonly checksums?: 'off' | 'crc32c' | undefined;
}

const createSchema = z.strictObject({
  capacity: byteSize({ min: 64 * 1024, max: 1024 * 1024 * 1024 }),
  maxPayloadBytes: byteSize({ min: 0, max: LENGTH_MASK }).optional(),
  writerTimeoutMs: durationMs({ min: 1 }).default(10_000),
  checksums: z.enum(['off', 'crc32c']).default('crc32c'),
});

/** Entry points: create (the writer) or open (a reader) a channel file. */
export const Channel = {
  /**
   * Creates a channel file and returns its only writer. The file appears complete or not at all
   * (written and fsync'd in a temporary file, then linked into place).
   *
   * @param path - the channel file to create
   * @param options - see {@link ChannelCreateOptions}
   * @returns the channel's only writer
   * @throws ERR_ANNAL_ALREADY_EXISTS when the file exists (a channel is never written twice);
   *   ERR_ANNAL_INVALID_OPTION naming a bad (or misspelled) option; ERR_ANNAL_FULL when the disk
   *   is full
   */
  create(path: string, options: ChannelCreateOptions): ChannelWriter {
    checkPathArgument(path);
    rejectRenamedOptions(options, 'Channel.create');
    let parsed: z.output<typeof createSchema>;
    try {
      parsed = parseOptions(createSchema, options, 'Channel.create');
    } catch (error) {
      throw explainSizeUnits(error, options);
    }
    const capacity = Math.ceil(parsed.capacity / 8) * 8;
    const maxPayloadBytes = parsed.maxPayloadBytes ?? capacity / 16 - FRAME_HEADER_BYTES;
    if (computeFrameLength(maxPayloadBytes) + FRAME_HEADER_BYTES > capacity) {
      throw new InvalidOptionError(
        `Channel.create: maxPayloadBytes=${maxPayloadBytes} does not fit capacity=${capacity}`,
        { field: 'maxPayloadBytes' },
      );
    }
    const configuration: ChannelConfiguration = {
      capacity,
      maxPayloadBytes,
      writerTimeoutMs: parsed.writerTimeoutMs,
      createdAtMs: Date.now(),
      checksums: parsed.checksums === 'crc32c',
    };
    const created = createFileAtomically(path, CHANNEL_HEADER_BYTES + capacity, (buffer) => {
      const words = new Int32Array(buffer);
      writeChannelHeader(words, new Float64Array(buffer, 0, 16), configuration);
      setChannelChecksum(words, crc32c(new Uint8Array(buffer, 0, CHANNEL_CHECKED_BYTES)));
    });
    if (!created) {
      throw new AlreadyExistsError(`${path} already exists: a channel is written once`, {
        path,
        field: 'path',
      });
    }
    const mapping = MappedFile.open(path);
    return new ChannelWriter(path, mapping, configuration);
  },

  /**
   * Opens a channel for reading (read-only mapping), from its first record.
   *
   * @param path - a channel file made by {@link Channel.create}
   * @returns a reader positioned at the first record
   * @throws ERR_ANNAL_NOT_FOUND when there is no such file; ERR_ANNAL_INVALID_ARGUMENT when
   *   `path` is not a string or not a regular file (a FIFO, a directory, a device: refused before
   *   it is opened, since opening a FIFO blocks); ERR_ANNAL_CORRUPT (with `path`) when the file
   *   is too short for a channel header, its header is not a valid version-2 channel header, or
   *   its size disagrees with the capacity in its header
   */
  open(path: string): ChannelReader {
    checkChannelFile(path);
    const mapping = MappedFile.open(path, { readOnly: true });
    try {
      return new ChannelReader(path, mapping);
    } catch (error) {
      mapping.close();
      throw error;
    }
  },
};

/** Refuses a path that is not a regular file, and files too short for a channel, before opening. */
function checkChannelFile(path: string): void {
  checkPathArgument(path);
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw fromErrno(error, { path, field: 'path' });
  }
  if (!stats.isFile()) {
    throw new InvalidArgumentError(
      `${path} is not a regular file (${describeFileType(stats)}): a channel is a file made by Channel.create`,
      { path, field: 'path' },
    );
  }
  checkChannelSize(path, stats.size);
}

/** Refuses a `path` argument that is not a non-empty string. */
function checkPathArgument(path: unknown): void {
  if (typeof path !== 'string' || path.length === 0 || path.includes('\0')) {
    throw new InvalidArgumentError(
      `path must be a non-empty path string: path=${describeValue(path)}`,
      {
        field: 'path',
      },
    );
  }
}

function describeFileType(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a file';
}
