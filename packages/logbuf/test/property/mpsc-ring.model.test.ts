import fc from 'fast-check';
import { describe, it } from 'vitest';
import { MpscRing } from '@annal/logbuf';
import { RingModel, ringCommands } from './ring-model.js';

describe('MpscRing (model-based)', () => {
  it.each([64, 256, 1024])('behaves like a FIFO of byte arrays with capacity %i', (capacity) => {
    const maxPayloadBytes = capacity / 2 - 8;
    fc.assert(
      fc.property(ringCommands(maxPayloadBytes), (commands) => {
        const buffer = MpscRing.allocate(capacity);
        fc.modelRun(
          () => ({
            model: new RingModel(capacity, false),
            real: { producer: MpscRing.attach(buffer), consumer: MpscRing.attach(buffer) },
          }),
          commands,
        );
      }),
      { numRuns: 200 },
    );
  });
});
