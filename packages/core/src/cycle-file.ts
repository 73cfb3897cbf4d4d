/**
 * One cycle file: creating it so that it appears whole or not at all, validating its header,
 * and mapping its data blocks on demand.
 *
 * @module
 */
import { CorruptError, MappedFile, NativeFile, crc32c } from '@annal/native';
import { checkFileHeader, createFileAtomically } from '@annal/native/internal';

import {
  CONFIGURATION_BYTES,
  CYCLE_FILE_MAGIC,
  FORMAT_VERSION,
  HEADER_CHECKSUM_OFFSET,
  HEADER_PAGE_BYTES,
  type CycleFileConfiguration,
  computeHeaderBytes,
  getHeaderChecksum,
  getMagic,
  getVersion,
  readConfiguration,
  setHeaderChecksum,
  writeConfiguration,
} from './layout.js';

/** One mapped data block. */
export interface Block {
  /** Block number within the cycle file. */
  readonly number: number;
  /** Data position of the block's first byte. */
  readonly start: number;
  readonly mapping: MappedFile;
  /** Int32Array over the block: length words, checksum words, index entries. */
  readonly words: Int32Array;
  /** Uint8Array over the block: payloads. */
  readonly bytes: Uint8Array;
}

/**
 * A cycle file of a queue, shared by the appender and readers of one `Queue` object. Blocks are
 * mapped when first used and stay mapped until the file is closed, so a zero-copy view handed
 * out earlier never points at unmapped memory while the queue is open.
 */
export class CycleFile {
  readonly path: string;
  readonly configuration: CycleFileConfiguration;
  readonly readOnly: boolean;
  /** Int32Array over the header region. */
  readonly header: Int32Array;
  readonly #headerMapping: MappedFile;
  readonly #blocks: (Block | undefined)[] = [];
  #closed = false;

  private constructor(path: string, headerMapping: MappedFile, readOnly: boolean) {
    this.path = path;
    this.readOnly = readOnly;
    this.#headerMapping = headerMapping;
    this.header = new Int32Array(headerMapping.buffer);
    this.configuration = readConfiguration(this.header, new Float64Array(headerMapping.buffer));
  }

  /** The cycle number. */
  get cycle(): number {
    return this.configuration.cycle;
  }

  /**
   * Creates the file for a cycle, or opens it if another appender created it first. The header
   * is written and fsync'd in a temporary file, which is then linked into place (link fails if
   * the name exists, so a file is never replaced) and the directory fsync'd: a reader either
   * sees no file or a complete header.
   *
   * @throws ERR_ANNAL_FULL when the first block cannot be reserved
   */
  static create(path: string, configuration: CycleFileConfiguration): CycleFile {
    createFileAtomically(path, configuration.headerBytes + configuration.blockBytes, (buffer) => {
      const header = new Int32Array(buffer, 0, configuration.headerBytes / 4);
      writeConfiguration(header, new Float64Array(buffer, 0, 8), configuration);
      setHeaderChecksum(header, crc32c(new Uint8Array(buffer, 0, CONFIGURATION_BYTES)));
    });
    // false: another appender created this cycle first; its file is as good as ours.
    return CycleFile.open(path, false);
  }

  /**
   * Opens and validates an existing cycle file.
   *
   * @throws ERR_ANNAL_CORRUPT naming the file and field when the header is not a valid version-1
   *   header (wrong magic, version, checksum, or sizes that do not add up)
   */
  static open(path: string, readOnly: boolean): CycleFile {
    const length = fileLengthOf(path);
    if (length < HEADER_PAGE_BYTES) {
      throw new CorruptError(
        `${path} is truncated: ${length} bytes, shorter than a cycle file header (${HEADER_PAGE_BYTES})`,
        { path, offset: length, field: 'length' },
      );
    }
    const probe = MappedFile.open(path, { readOnly: true, lengthBytes: HEADER_PAGE_BYTES });
    let headerBytes: number;
    try {
      const words = new Int32Array(probe.buffer);
      validateFixedHeader(path, words, new Uint8Array(probe.buffer));
      headerBytes = readConfiguration(words, new Float64Array(probe.buffer)).headerBytes;
    } finally {
      probe.close();
    }
    const mapping = MappedFile.open(path, { readOnly, lengthBytes: headerBytes });
    const file = new CycleFile(path, mapping, readOnly);
    try {
      validateConfiguration(path, file.configuration, mapping.file.lengthBytes());
    } catch (error) {
      file.close();
      throw error;
    }
    return file;
  }

  /** Bytes of the file on disk now (a syscall). */
  fileLength(): number {
    return this.#headerMapping.file.lengthBytes();
  }

  /** Number of data blocks allocated on disk now (a syscall). */
  allocatedBlocks(): number {
    const { headerBytes, blockBytes } = this.configuration;
    return Math.floor((this.fileLength() - headerBytes) / blockBytes);
  }

  /**
   * Reserves disk for blocks `[0, count)` (posix_fallocate; never sparse).
   *
   * @throws ERR_ANNAL_FULL when the disk is full (nothing already written is affected)
   */
  allocateBlocks(count: number): void {
    const { headerBytes, blockBytes } = this.configuration;
    const end = headerBytes + count * blockBytes;
    const length = this.fileLength();
    if (length < end) this.#headerMapping.file.allocate(length, end - length);
  }

  /**
   * The mapping of block `number`, mapping it now if needed; undefined when the file does not
   * reach that far yet.
   */
  block(number: number): Block | undefined {
    const existing = this.#blocks[number];
    if (existing !== undefined) return existing;
    if (this.#closed) return undefined;
    const { headerBytes, blockBytes } = this.configuration;
    const offset = headerBytes + number * blockBytes;
    if (this.fileLength() < offset + blockBytes) return undefined;
    // No descriptor per block: a long queue of small blocks would run out of them.
    const mapping = MappedFile.open(this.path, {
      readOnly: this.readOnly,
      offsetBytes: offset,
      lengthBytes: blockBytes,
      closeDescriptor: true,
    });
    const block: Block = {
      number,
      start: number * blockBytes,
      mapping,
      words: new Int32Array(mapping.buffer),
      bytes: new Uint8Array(mapping.buffer),
    };
    this.#blocks[number] = block;
    return block;
  }

  /**
   * Starts faulting in block `number` from byte `from` off the JS thread (Chronicle's
   * pretoucher): a first touch of a fresh page costs microseconds here, which an appender must
   * not pay per page.
   */
  prefault(number: number, from = 0): void {
    const block = this.block(number);
    if (block !== undefined && !this.readOnly) {
      const start = from - (from % 4096);
      block.mapping.prefault(start, block.mapping.lengthBytes - start).catch(() => {
        // Prefaulting is an optimisation: a failure shows up again, typed, on the real access.
      });
    }
  }

  /** msync of every mapped block and the header (blocking). */
  syncSync(): void {
    this.#headerMapping.msyncSync();
    for (const block of this.#blocks) block?.mapping.msyncSync();
  }

  /** msync off the JS thread. */
  async sync(): Promise<void> {
    await this.#headerMapping.msync();
    for (const block of this.#blocks) if (block !== undefined) await block.mapping.msync();
  }

  /** Unmaps everything; views over the blocks then read as empty instead of crashing. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const block of this.#blocks) block?.mapping.close();
    this.#blocks.length = 0;
    this.#headerMapping.close();
  }

  /** True after {@link CycleFile.close}. */
  get closed(): boolean {
    return this.#closed;
  }
}

function fileLengthOf(path: string): number {
  const file = NativeFile.open(path, { readOnly: true });
  try {
    return file.lengthBytes();
  } finally {
    file.close();
  }
}

function validateFixedHeader(path: string, words: Int32Array, bytes: Uint8Array): void {
  checkFileHeader({
    path,
    kind: 'core cycle file',
    magic: { found: getMagic(words), expected: CYCLE_FILE_MAGIC },
    version: { found: getVersion(words), expected: FORMAT_VERSION },
    checksum: {
      stored: getHeaderChecksum(words),
      computed: crc32c(bytes.subarray(0, CONFIGURATION_BYTES)),
      offset: HEADER_CHECKSUM_OFFSET,
    },
  });
}

function validateConfiguration(
  path: string,
  configuration: CycleFileConfiguration,
  fileLength: number,
): void {
  const { headerBytes, blockBytes, indexCount, indexSpacing, maxPayloadBytes } = configuration;
  const isPowerOfTwo = (value: number): boolean => value > 0 && (value & (value - 1)) === 0;
  const problem =
    !isPowerOfTwo(blockBytes) || blockBytes < 65536
      ? `blockBytes=${blockBytes}`
      : !isPowerOfTwo(indexCount) || !isPowerOfTwo(indexSpacing)
        ? `indexCount=${indexCount}, indexSpacing=${indexSpacing}`
        : headerBytes !== computeHeaderBytes(indexCount)
          ? `headerBytes=${headerBytes} for indexCount=${indexCount}`
          : maxPayloadBytes > blockBytes / 4
            ? `maxPayloadBytes=${maxPayloadBytes} for blockBytes=${blockBytes}`
            : fileLength < headerBytes + blockBytes
              ? `file length ${fileLength} < header + one block (${headerBytes + blockBytes})`
              : undefined;
  if (problem !== undefined) {
    throw new CorruptError(`${path}: inconsistent header: ${problem}`, { path, offset: 0 });
  }
}
