/**
 * `@annal/replay`: deterministic replay of recorded streams into handlers, on a virtual clock.
 * Sources for `@annal/core` queues are in `@annal/replay/core`, for `@annal/wal` topics and event
 * logs in `@annal/replay/wal`.
 *
 * @module
 */
export type { ReplayRecord, BytesRecord } from './record.js';
export type { Source, RecordOf } from './source.js';
export { fromArray } from './array-source.js';
export type { ArraySourceOptions } from './array-source.js';
export { merge } from './merge.js';
export { replay, startReplay, ReplaySession } from './replay.js';
export type { ReplayContext, ReplayHandler, ReplaySummary } from './replay.js';
export type { ReplayOptions, ReplayProgress } from './options.js';
export { VirtualClock } from './virtual-clock.js';
export type { VirtualClockOptions, VirtualTimer } from './virtual-clock.js';
export { DeciderSpecification, eventsOf } from './decider-specification.js';
export type { Decider, DeciderGiven, DeciderThen, DeciderWhen } from './decider-specification.js';
export { project } from './projection.js';
export type { ProjectOptions, ProjectResult } from './projection.js';
export { replayFixture, UPDATE_VARIABLE } from './fixture.js';
export type { FixtureCall, FixtureContext, FixtureOptions, FixtureResult } from './fixture.js';
