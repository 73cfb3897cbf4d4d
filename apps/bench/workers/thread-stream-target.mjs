/**
 * thread-stream destination (runs in thread-stream's own worker): a Writable that splits the
 * decoded text into lines and checks each line's length and its 10-digit sequence number,
 * which runs on from 0 across rounds. Counts go to the shared Int32Array (received, errors).
 */
import { Writable } from 'node:stream';

const SEQUENCE_DIGITS = 10;

export default function createTarget({ counters, payloadBytes }) {
  let pending = '';
  let expected = 0;
  let received = 0;
  let errors = 0;
  return new Writable({
    decodeStrings: false,
    autoDestroy: true,
    write(chunk, _encoding, callback) {
      const text = pending + String(chunk);
      let start = 0;
      for (let end = text.indexOf('\n', start); end !== -1; end = text.indexOf('\n', start)) {
        const sequence = Number(text.slice(start, start + SEQUENCE_DIGITS));
        if (end - start !== payloadBytes - 1 || sequence !== expected) errors++;
        expected = sequence + 1;
        received++;
        start = end + 1;
      }
      pending = text.slice(start);
      Atomics.store(counters, 1, errors);
      Atomics.store(counters, 0, received);
      callback();
    },
  });
}
