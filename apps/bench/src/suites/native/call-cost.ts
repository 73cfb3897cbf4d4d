/**
 * What crossing the N-API boundary costs, and where a pure-JS CRC32C stops being cheaper than
 * the addon's hardware one. Every operation here takes nanoseconds, so each tinybench sample
 * runs a batch and the table reports the batch mean's median and p99.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto';

import {
  getBinding,
  crc32cJsInt32,
  crc32cJsWordsInt32,
  crc32cNative,
} from '@annal/native/internal';

import { computeJsCrc32c, CRC32C_CHECK_VALUE } from '../../peers/js-crc32c.js';
import type { Implementation, Scenario, Suite, TimedMeasurement } from '../../suite.js';

/** Calls per sample for the call-cost scenario: about 20 µs of N-API calls per sample. */
const CALLS_PER_SAMPLE = 1_000;
/** Bytes checksummed per sample, so that a sample lasts tens of microseconds at any size. */
const CRC_BYTES_PER_SAMPLE = 64 * 1024;
const CRC_CHECK_INPUT = new TextEncoder().encode('123456789');

function checkSink(sink: number, what: string): void {
  // Reading the sink after the run keeps the timed results live, so the optimizing compiler
  // cannot drop the work as dead code.
  if (!Number.isFinite(sink)) throw new Error(`${what}: the results folded to ${sink}`);
}

const napiNoop: Implementation = {
  id: 'annal',
  role: 'annal',
  description: 'getBinding().noop(): one N-API call that does nothing',
  create(): TimedMeasurement {
    const binding = getBinding();
    return {
      kind: 'timed',
      callsPerSample: CALLS_PER_SAMPLE,
      operation: () => binding.noop(),
      notes: `batch of ${CALLS_PER_SAMPLE} calls per sample`,
    };
  },
};

const jsFunction: Implementation = {
  id: 'js-function',
  role: 'peer',
  description: 'a plain JS function call that V8 cannot inline (megamorphic call site)',
  create(): TimedMeasurement {
    // Eight distinct function literals called from one site: after four targets V8 marks the
    // site megamorphic and never inlines it, so each iteration pays for a real call without any
    // %NeverOptimizeFunction. The cost includes one array load and an add (about 1 ns).
    const targets: readonly ((value: number) => number)[] = [
      (value) => value + 1,
      (value) => value + 2,
      (value) => value + 3,
      (value) => value + 4,
      (value) => value + 5,
      (value) => value + 6,
      (value) => value + 7,
      (value) => value + 8,
    ];
    const fallback = (value: number): number => value;
    let index = 0;
    let sink = 0;
    return {
      kind: 'timed',
      callsPerSample: CALLS_PER_SAMPLE * 10,
      operation: () => {
        sink = (targets[index & 7] ?? fallback)(sink) & 0xffff;
        index++;
      },
      teardown: () => checkSink(sink, 'js-function'),
      notes: `batch of ${CALLS_PER_SAMPLE * 10} calls per sample; 8-target function table keeps the call site megamorphic (not inlined)`,
    };
  },
};

function createCrcInput(lengthBytes: number): Uint8Array {
  const bytes = new Uint8Array(lengthBytes);
  randomFillSync(bytes);
  return bytes;
}

function nativeCrc(lengthBytes: number): Implementation {
  return {
    id: 'annal',
    role: 'annal',
    description: `getBinding().crc32c over ${lengthBytes} B (SSE4.2 when available) through N-API`,
    create(): TimedMeasurement {
      const binding = getBinding();
      const check = binding.crc32c(CRC_CHECK_INPUT, 0, CRC_CHECK_INPUT.length, 0);
      if (check !== CRC32C_CHECK_VALUE)
        throw new Error(`addon crc32c("123456789") = ${check}, want ${CRC32C_CHECK_VALUE}`);
      const bytes = createCrcInput(lengthBytes);
      const callsPerSample = Math.max(16, Math.floor(CRC_BYTES_PER_SAMPLE / lengthBytes));
      let sink = 0;
      return {
        kind: 'timed',
        callsPerSample,
        operation: () => {
          sink ^= binding.crc32c(bytes, 0, lengthBytes, 0);
        },
        teardown: () => checkSink(sink, 'crc32c'),
        notes:
          `batch of ${callsPerSample} per sample; ` +
          (binding.hasHardwareCrc32c
            ? 'hardware crc32 instruction'
            : 'software tables (no SSE4.2)'),
      };
    },
  };
}

function jsCrc(lengthBytes: number): Implementation {
  return {
    id: 'js-table',
    role: 'peer',
    description: `pure-JS slice-by-8 table CRC32C over ${lengthBytes} B`,
    create(): TimedMeasurement {
      const check = computeJsCrc32c(CRC_CHECK_INPUT, 0, CRC_CHECK_INPUT.length, 0);
      if (check !== CRC32C_CHECK_VALUE)
        throw new Error(`JS crc32c("123456789") = ${check}, want ${CRC32C_CHECK_VALUE}`);
      const bytes = createCrcInput(lengthBytes);
      const callsPerSample = Math.max(16, Math.floor(CRC_BYTES_PER_SAMPLE / lengthBytes));
      let sink = 0;
      return {
        kind: 'timed',
        callsPerSample,
        operation: () => {
          sink ^= computeJsCrc32c(bytes, 0, lengthBytes, 0);
        },
        teardown: () => checkSink(sink, 'js crc32c'),
        notes: `batch of ${callsPerSample} per sample; slice-by-8, 8 KiB of tables`,
      };
    },
  };
}

function nativeCheckedCrc(lengthBytes: number): Implementation {
  return {
    id: 'annal-native-checked',
    role: 'annal',
    description: `crc32cNative(bytes, 0, ${lengthBytes}) | 0: the addon behind the public, checked wrapper that payloadChecksumWords calls at or above the threshold`,
    create(): TimedMeasurement {
      const check = crc32cNative(CRC_CHECK_INPUT, 0, CRC_CHECK_INPUT.length);
      if (check !== CRC32C_CHECK_VALUE)
        throw new Error(`crc32cNative("123456789") = ${check}, want ${CRC32C_CHECK_VALUE}`);
      const bytes = createCrcInput(lengthBytes);
      const callsPerSample = Math.max(16, Math.floor(CRC_BYTES_PER_SAMPLE / lengthBytes));
      let sink = 0;
      return {
        kind: 'timed',
        callsPerSample,
        operation: () => {
          sink ^= crc32cNative(bytes, 0, lengthBytes, 0) | 0;
        },
        teardown: () => checkSink(sink, 'crc32cNative'),
        notes: `batch of ${callsPerSample} per sample; argument checks + N-API call`,
      };
    },
  };
}

function jsBytesCrc(lengthBytes: number): Implementation {
  return {
    id: 'annal-js-bytes',
    role: 'annal',
    description: `crc32cJsInt32 over ${lengthBytes} B: slice-by-8, eight Uint8Array loads per 8 bytes`,
    create(): TimedMeasurement {
      const check = crc32cJsInt32(CRC_CHECK_INPUT, 0, CRC_CHECK_INPUT.length);
      if (check !== (CRC32C_CHECK_VALUE | 0))
        throw new Error(`crc32cJsInt32("123456789") = ${check}, want ${CRC32C_CHECK_VALUE | 0}`);
      const bytes = createCrcInput(lengthBytes);
      const callsPerSample = Math.max(16, Math.floor(CRC_BYTES_PER_SAMPLE / lengthBytes));
      let sink = 0;
      return {
        kind: 'timed',
        callsPerSample,
        operation: () => {
          sink ^= crc32cJsInt32(bytes, 0, lengthBytes);
        },
        teardown: () => checkSink(sink, 'crc32cJsInt32'),
        notes: `batch of ${callsPerSample} per sample; signed result, no boxing`,
      };
    },
  };
}

function jsWordsCrc(lengthBytes: number): Implementation {
  return {
    id: 'annal-js-words',
    role: 'annal',
    description: `crc32cJsWordsInt32 over ${lengthBytes} B at an 8-aligned offset: slice-by-8, two Int32Array loads per 8 bytes`,
    create(): TimedMeasurement {
      const checkBytes = new Uint8Array(16);
      checkBytes.set(CRC_CHECK_INPUT);
      const checkWords = new Int32Array(checkBytes.buffer);
      const check = crc32cJsWordsInt32(checkWords, checkBytes, 0, CRC_CHECK_INPUT.length);
      if (check !== (CRC32C_CHECK_VALUE | 0))
        throw new Error(
          `crc32cJsWordsInt32("123456789") = ${check}, want ${CRC32C_CHECK_VALUE | 0}`,
        );
      const bytes = createCrcInput(lengthBytes);
      // Both views over one buffer from byte 0, as the queue holds them over a mapped block.
      const words = new Int32Array(bytes.buffer, 0, Math.floor(lengthBytes / 4));
      const callsPerSample = Math.max(16, Math.floor(CRC_BYTES_PER_SAMPLE / lengthBytes));
      let sink = 0;
      return {
        kind: 'timed',
        callsPerSample,
        operation: () => {
          sink ^= crc32cJsWordsInt32(words, bytes, 0, lengthBytes);
        },
        teardown: () => checkSink(sink, 'crc32cJsWordsInt32'),
        notes: `batch of ${callsPerSample} per sample; signed result, no boxing`,
      };
    },
  };
}

function crcScenario(lengthBytes: number, label: string): Scenario {
  return {
    id: `crc32c-${label}`,
    description: `CRC32C of a ${label} buffer`,
    payloadBytes: lengthBytes,
    implementations: [
      nativeCrc(lengthBytes),
      nativeCheckedCrc(lengthBytes),
      jsBytesCrc(lengthBytes),
      jsWordsCrc(lengthBytes),
      jsCrc(lengthBytes),
    ],
  };
}

/**
 * N-API call cost, and native vs pure-JS CRC32C (byte-at-a-time and word-at-a-time) from 16 B to
 * 4 KiB: the figures behind CRC32C_NATIVE_THRESHOLD_BYTES.
 */
export const callCostSuite: Suite = {
  id: 'native/call-cost',
  title: 'N-API call cost and CRC32C across the boundary',
  tags: ['native', 'napi'],
  scenarios: [
    {
      id: 'noop',
      description: 'one function call that does nothing',
      payloadBytes: 0,
      implementations: [napiNoop, jsFunction],
    },
    crcScenario(16, '16B'),
    crcScenario(64, '64B'),
    crcScenario(128, '128B'),
    crcScenario(256, '256B'),
    crcScenario(1024, '1KiB'),
    crcScenario(4096, '4KiB'),
  ],
};
