/**
 * The demo: until the queue packages exist, it shows the mechanism they are built on. It maps a
 * file, appends records into it with the commit protocol of DESIGN §3 (payload first, then the
 * length word published with `Atomics.store`), makes them durable, maps the file again as a
 * reader would, reads every record back zero-copy with a CRC32C check, and says how fast each
 * step was.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MappedFile, crc32cJs, hasHardwareCrc32c } from '@annal/native';

/** Each record: u32 length (the commit word) | u32 CRC32C of the payload | payload, 8-byte aligned. */
const RECORD_HEADER_BYTES = 8;
const PAYLOAD_BYTES = 56;
const RECORD_BYTES = RECORD_HEADER_BYTES + PAYLOAD_BYTES;
const RECORD_COUNT = 1_000_000;
const FILE_BYTES = RECORD_COUNT * RECORD_BYTES + 4096;

function formatRate(count: number, milliseconds: number): string {
  const perSecond = (count / milliseconds) * 1000;
  return `${(perSecond / 1e6).toFixed(2)} M records/s, ${((milliseconds * 1e6) / count).toFixed(1)} ns/record`;
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'annal-demo-'));
  const path = join(directory, 'records.bin');
  try {
    console.log(
      `annal demo: ${RECORD_COUNT.toLocaleString('en')} records of ${PAYLOAD_BYTES} B into ${path}\n`,
    );

    let started = performance.now();
    const writer = MappedFile.create(path, { lengthBytes: FILE_BYTES });
    await writer.prefault();
    console.log(
      `reserved and pre-faulted ${(FILE_BYTES / 2 ** 20).toFixed(1)} MiB off the JS thread in ${(performance.now() - started).toFixed(1)} ms`,
    );

    // Append: payload and checksum with plain stores, then publish the length word.
    const bytes = new Uint8Array(writer.buffer);
    const words = new Int32Array(writer.buffer);
    const payload = new Uint8Array(PAYLOAD_BYTES);
    const payloadWords = new Uint32Array(payload.buffer);
    started = performance.now();
    for (let i = 0, offset = 0; i < RECORD_COUNT; i++, offset += RECORD_BYTES) {
      payloadWords[0] = i; // a sequence number, so the reader can check order
      payloadWords[1] = Math.imul(i, 0x9e3779b1);
      bytes.set(payload, offset + RECORD_HEADER_BYTES);
      words[(offset >> 2) + 1] = crc32cJs(bytes, offset + RECORD_HEADER_BYTES, PAYLOAD_BYTES);
      // publish: the payload and checksum above become visible with the length.
      Atomics.store(words, offset >> 2, PAYLOAD_BYTES);
    }
    const appendMs = performance.now() - started;
    console.log(`appended with CRC32C (JS)          ${formatRate(RECORD_COUNT, appendMs)}`);

    started = performance.now();
    await writer.syncAsync();
    console.log(
      `msync (durable against power loss)  ${(performance.now() - started).toFixed(1)} ms for the whole file`,
    );

    // Read: a second, read-only mapping, as another thread or process would have.
    const reader = MappedFile.open(path, { readOnly: true });
    const readBytes = new Uint8Array(reader.buffer);
    const readWords = new Int32Array(reader.buffer);
    const readPayloadWords = new Uint32Array(reader.buffer);
    let verified = 0;
    started = performance.now();
    for (let offset = 0; ; offset += RECORD_BYTES) {
      const length = Atomics.load(readWords, offset >> 2);
      if (length === 0) break; // nothing committed here yet: the end
      const payloadOffset = offset + RECORD_HEADER_BYTES;
      if (
        crc32cJs(readBytes, payloadOffset, length) !==
        (readWords[(offset >> 2) + 1] as number) >>> 0
      ) {
        throw new Error(`checksum mismatch in ${path} at offset ${offset}`);
      }
      if (readPayloadWords[payloadOffset >> 2] !== verified)
        throw new Error(`record ${verified} out of order`);
      verified++;
    }
    const readMs = performance.now() - started;
    console.log(`read back zero-copy, CRC verified   ${formatRate(verified, readMs)}`);

    writer.close();
    reader.close();
    console.log(
      `\n${verified.toLocaleString('en')} of ${RECORD_COUNT.toLocaleString('en')} records verified in order; hardware CRC32C available: ${hasHardwareCrc32c()}`,
    );
    console.log('Benchmarks against the alternatives: pnpm bench native');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
