import { join } from 'node:path';

import {
  Archiver,
  RECORD_FORMAT,
  RECORD_HEADER_BYTES,
  isArchiveStart,
  openRecording,
  readRecordHeader,
  type RecordHeader,
} from '@annal/archiver';
import { Queue } from '@annal/core';
import { temporaryDirectory } from '@annal/test-utils';
import { describe, expect, it } from 'vitest';

describe('readRecordHeader: an archive read with @annal/core directly', () => {
  it('gives each record its kind, and each message the direction, text flag, stream and time openRecording gives', async () => {
    const directory = join(temporaryDirectory(), 'archive');
    const archiver = await Archiver.open(directory, { whenFull: 'fail' });
    const feed = archiver.stream('feed', { protocol: 'ws' });
    const orders = archiver.stream('orders', { protocol: 'fix' });
    for (let i = 0; i < 40; i++) {
      const bytes = new Uint8Array(i % 9).fill(i);
      if (i % 2 === 0) feed.recordIn(bytes, i % 3 === 0);
      else orders.recordOut(bytes, i % 3 === 0);
    }
    feed.end();
    await archiver.close();

    using recording = openRecording(directory);
    // One reused ArchivedMessage: take its fields as it goes by.
    const expected: {
      direction: string;
      text: boolean;
      stream: number;
      seconds: number;
      nanos: number;
      length: number;
    }[] = [];
    for (const message of recording.messages()) {
      expected.push({
        direction: message.direction,
        text: message.text,
        stream: message.streamId,
        seconds: message.seconds,
        nanos: message.nanos,
        length: message.length,
      });
    }

    const kinds: string[] = [];
    const messages: (typeof expected)[number][] = [];
    const header: RecordHeader = {
      kind: 'message',
      direction: 'in',
      text: false,
      stream: 0,
      seconds: 0,
      nanos: 0,
    };
    const queue = Queue.open(directory, { readOnly: true });
    const reader = queue.reader();
    let first = true;
    for (let record = reader.next(); record !== undefined; record = reader.next()) {
      if (first) expect(isArchiveStart(record.buffer, record.offset, record.length)).toBe(true);
      first = false;
      const read = readRecordHeader(record.buffer, record.offset, record.length, header);
      expect(read).toBe(header);
      kinds.push(header.kind);
      if (header.kind === 'message') {
        const { direction, text, stream, seconds, nanos } = header;
        messages.push({
          direction,
          text,
          stream,
          seconds,
          nanos,
          length: record.length - RECORD_HEADER_BYTES,
        });
      }
    }
    reader.close();
    queue.close();
    expect(kinds).toEqual(['session', 'stream', 'stream', ...Array(40).fill('message'), 'end']);
    expect(messages).toEqual(expected);
  });

  it('returns a new header when given none, and undefined for what is no archive record', () => {
    const bytes = new Uint8Array(RECORD_HEADER_BYTES + 3);
    bytes[0] = 1; // MESSAGE
    bytes[1] = 3; // out, text
    bytes[2] = RECORD_FORMAT;
    bytes[4] = 7; // stream 7
    expect(readRecordHeader(bytes, 0, bytes.length)).toEqual({
      kind: 'message',
      direction: 'out',
      text: true,
      stream: 7,
      seconds: 0,
      nanos: 0,
    });
    expect(readRecordHeader(bytes, 0, RECORD_HEADER_BYTES - 1)).toBeUndefined();
    bytes[2] = RECORD_FORMAT + 1;
    expect(readRecordHeader(bytes, 0, bytes.length)).toBeUndefined();
    bytes[2] = RECORD_FORMAT;
    bytes[0] = 9;
    expect(readRecordHeader(bytes, 0, bytes.length)).toBeUndefined();
  });
});
