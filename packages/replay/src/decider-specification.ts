/**
 * Given / when / then specifications of a decider, in the shape event-sourcing users know from
 * Emmett's `DeciderSpecification`: given past events, when a command, then the new events (or
 * an error). Plain assertions (node:assert), so it runs under vitest, node:test or anything else
 * with no plugin.
 *
 * @module
 */
import { AssertionError, deepStrictEqual } from 'node:assert';

import { InvalidArgumentError } from '@annal/native';

import type { ReplayRecord } from './record.js';
import { takeSource, type Source } from './source.js';

/**
 * A decider: the pure core of an event-sourced model. `decide` turns a command and the state into
 * new events (or throws to refuse the command); `evolve` folds an event into the state.
 */
export interface Decider<State, Command, Event> {
  /**
   * Decides what `command` does given `state`: the new events (one, or an array, possibly
   * empty). Throws to refuse the command.
   */
  decide(command: Command, state: State): Event | readonly Event[];
  /** Returns the state after `event`, folded into `state`. */
  evolve(state: State, event: Event): State;
  /** The state before any event; called once per `given`. */
  initialState(): State;
}

/** What `given(…).when(…)` offers: the expectations. */
export interface DeciderThen<State, Event> {
  /**
   * The command must succeed and produce exactly `expected` (deep, strict equality; one event
   * or an array). Returns the state after the new events, for further checks.
   * @throws AssertionError with a readable diff otherwise
   */
  then(expected: Event | readonly Event[]): State;
  /**
   * The command must be refused: `decide` throws. With an error class, the error must be an
   * instance of it; with a predicate, the predicate must return true (or not throw).
   * @throws AssertionError when the command succeeds or the error does not match
   */
  thenThrows(
    expected?: (abstract new (...args: never[]) => unknown) | ((error: unknown) => unknown),
  ): void;
  /** The command must succeed and produce no event. */
  thenNothingHappened(): State;
}

/** What `given(…)` offers. */
export interface DeciderWhen<State, Command, Event> {
  /** The command to decide on, in the state the given events led to; then the expectation. */
  when(command: Command): DeciderThen<State, Event>;
}

/** The `given` of one decider. */
export type DeciderGiven<State, Command, Event> = (
  events: Iterable<Event>,
) => DeciderWhen<State, Command, Event>;

/**
 * Specifications of `decider`.
 *
 * @example
 * ```ts
 * const given = DeciderSpecification.for(account);
 * given([{ type: 'opened', balance: 0 }])
 *   .when({ type: 'deposit', amount: 10 })
 *   .then([{ type: 'deposited', amount: 10 }]);
 * given([]).when({ type: 'withdraw', amount: 5 }).thenThrows(AccountClosedError);
 * ```
 */
export const DeciderSpecification = {
  /**
   * The `given` of `decider`: call it with past events to fold them into the state, then
   * `.when(command)` and an expectation.
   * @throws ERR_ANNAL_INVALID_ARGUMENT when `decider` lacks `decide`, `evolve` or `initialState`
   */
  for<State, Command, Event>(
    decider: Decider<State, Command, Event>,
  ): DeciderGiven<State, Command, Event> {
    checkDecider(decider);
    return (events) => {
      if (typeof (events as Partial<Iterable<Event>> | null)?.[Symbol.iterator] !== 'function') {
        throw new InvalidArgumentError('given: events must be iterable (an array of past events)', {
          field: 'events',
        });
      }
      // The past is folded now: a given that cannot be evolved fails where it is written.
      let state = decider.initialState();
      for (const event of events) state = decider.evolve(state, event);
      return {
        when(command) {
          return expectations(decider, state, command);
        },
      };
    };
  },
};

function expectations<State, Command, Event>(
  decider: Decider<State, Command, Event>,
  state: State,
  command: Command,
): DeciderThen<State, Event> {
  const run = (): { events: Event[] } | { error: unknown } => {
    try {
      const decided = decider.decide(command, state);
      return { events: Array.isArray(decided) ? [...(decided as Event[])] : [decided as Event] };
    } catch (error) {
      return { error };
    }
  };
  const succeeded = (): Event[] => {
    const outcome = run();
    if ('error' in outcome) {
      throw new AssertionError({
        message: `expected the command to succeed, but decide threw: ${describe(outcome.error)}`,
        actual: outcome.error,
      });
    }
    return outcome.events;
  };
  const fold = (events: readonly Event[]): State =>
    events.reduce((current, event) => decider.evolve(current, event), state);
  return {
    then(expected) {
      const events = succeeded();
      const wanted = Array.isArray(expected) ? [...(expected as Event[])] : [expected as Event];
      deepStrictEqual(events, wanted, 'the events decided are not the events expected');
      return fold(events);
    },
    thenNothingHappened() {
      const events = succeeded();
      deepStrictEqual(events, [], 'expected no event');
      return state;
    },
    thenThrows(expected) {
      const outcome = run();
      if (!('error' in outcome)) {
        throw new AssertionError({
          message: `expected the command to be refused, but it produced ${outcome.events.length} event(s)`,
          actual: outcome.events,
        });
      }
      if (expected === undefined) return;
      const error = outcome.error;
      if (isClass(expected)) {
        if (!(error instanceof expected)) {
          throw new AssertionError({
            message: `expected an error of class ${expected.name}, got ${describe(error)}`,
            actual: error,
          });
        }
        return;
      }
      const verdict = (expected as (error: unknown) => unknown)(error);
      if (verdict === false) {
        throw new AssertionError({
          message: `the error did not match the predicate: ${describe(error)}`,
          actual: error,
        });
      }
    },
  };
}

/**
 * Every record of `source` mapped through `map`, as an array: a recorded stream as the `given`
 * of a specification (`given(eventsOf(fromEventLog(log), (record) => toEvent(record.value)))`).
 * Closes the source.
 */
export function eventsOf<R extends ReplayRecord, Event>(
  source: Source<R>,
  map: (record: R) => Event,
): Event[] {
  takeSource(source, 'eventsOf', 'source');
  if (typeof map !== 'function') {
    throw new InvalidArgumentError('eventsOf: map must be a function (record) => event', {
      field: 'map',
    });
  }
  const events: Event[] = [];
  try {
    for (let record = source.next(); record !== undefined; record = source.next()) {
      events.push(map(record));
    }
  } finally {
    source.close();
  }
  return events;
}

function checkDecider(decider: unknown): void {
  const candidate = decider as Partial<Decider<unknown, unknown, unknown>> | null | undefined;
  for (const method of ['decide', 'evolve', 'initialState'] as const) {
    if (typeof candidate?.[method] !== 'function') {
      throw new InvalidArgumentError(
        `DeciderSpecification.for: the decider has no ${method}() (it needs decide, evolve and initialState)`,
        { field: method },
      );
    }
  }
}

function isClass(value: unknown): value is abstract new (...args: never[]) => unknown {
  return (
    typeof value === 'function' &&
    (/^class\s/.test(Function.prototype.toString.call(value)) ||
      value === Error ||
      (value as { prototype?: unknown }).prototype instanceof Error)
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
