import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Wal } from '@annal/wal';
import { DeciderSpecification, eventsOf, fromArray, type Decider } from '@annal/replay';
import { fromEventLog } from '@annal/replay/wal';
import { temporaryDirectory } from '@annal/test-utils';

// A small bank account: the example decider of the README.
type AccountEvent =
  | { type: 'opened'; owner: string }
  | { type: 'deposited'; amount: number }
  | { type: 'withdrawn'; amount: number };
type AccountCommand =
  | { type: 'open'; owner: string }
  | { type: 'deposit'; amount: number }
  | { type: 'withdraw'; amount: number };
interface Account {
  open: boolean;
  balance: number;
}

class AccountClosedError extends Error {}
class InsufficientFundsError extends Error {}

const account: Decider<Account, AccountCommand, AccountEvent> = {
  initialState: () => ({ open: false, balance: 0 }),
  decide(command, state) {
    if (command.type === 'open') return [{ type: 'opened', owner: command.owner }];
    if (!state.open) throw new AccountClosedError('the account is not open');
    if (command.type === 'deposit') return { type: 'deposited', amount: command.amount };
    if (command.amount > state.balance)
      throw new InsufficientFundsError(`balance ${state.balance}`);
    return [{ type: 'withdrawn', amount: command.amount }];
  },
  evolve(state, event) {
    switch (event.type) {
      case 'opened':
        return { open: true, balance: 0 };
      case 'deposited':
        return { ...state, balance: state.balance + event.amount };
      case 'withdrawn':
        return { ...state, balance: state.balance - event.amount };
    }
  },
};

const given = DeciderSpecification.for(account);
const opened: AccountEvent = { type: 'opened', owner: 'ada' };

describe('DeciderSpecification', () => {
  it('given events, when a command, then the new events (and the state after them)', () => {
    const state = given([opened, { type: 'deposited', amount: 10 }])
      .when({ type: 'withdraw', amount: 4 })
      .then([{ type: 'withdrawn', amount: 4 }]);
    expect(state).toEqual({ open: true, balance: 6 });
    given([]).when({ type: 'open', owner: 'ada' }).then(opened);
  });

  it('then fails with an AssertionError whose diff shows expected and actual', () => {
    let failure: unknown;
    try {
      given([opened])
        .when({ type: 'deposit', amount: 5 })
        .then([{ type: 'deposited', amount: 50 }]);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(AssertionError);
    expect((failure as AssertionError).message).toMatch(/amount: 50/);
    expect((failure as AssertionError).message).toMatch(/amount: 5\b/);
  });

  it('thenThrows checks the class or a predicate, and fails when the command succeeds', () => {
    given([]).when({ type: 'deposit', amount: 1 }).thenThrows(AccountClosedError);
    given([opened])
      .when({ type: 'withdraw', amount: 1 })
      .thenThrows((error) => error instanceof InsufficientFundsError);
    given([opened]).when({ type: 'withdraw', amount: 1 }).thenThrows();
    expect(() => given([opened]).when({ type: 'deposit', amount: 1 }).thenThrows()).toThrow(
      AssertionError,
    );
    expect(() =>
      given([]).when({ type: 'deposit', amount: 1 }).thenThrows(InsufficientFundsError),
    ).toThrow(
      /expected an error of class InsufficientFundsError, got Error: the account is not open/,
    );
    expect(() => given([]).when({ type: 'deposit', amount: 1 }).then([])).toThrow(
      /expected the command to succeed, but decide threw/,
    );
  });

  it('thenNothingHappened expects no event', () => {
    const idle: Decider<number, 'noop', never> = {
      initialState: () => 0,
      decide: () => [],
      evolve: (state) => state,
    };
    expect(DeciderSpecification.for(idle)([]).when('noop').thenNothingHappened()).toBe(0);
  });

  it('takes a recorded source as its given, through eventsOf', () => {
    const recorded = fromArray<AccountEvent>([opened, { type: 'deposited', amount: 7 }]);
    given(eventsOf(recorded, (record) => record.value))
      .when({ type: 'withdraw', amount: 8 })
      .thenThrows(InsufficientFundsError);
  });

  it('runs against events recorded in a wal event log', () => {
    const wal = Wal.open(join(temporaryDirectory(), 'wal'), { sync: 'manual' });
    try {
      const log = wal.events('account-42');
      for (const event of [
        opened,
        { type: 'deposited', amount: 30 },
        { type: 'withdrawn', amount: 12 },
      ]) {
        log.appendSync({ type: event.type, data: { json: event } });
      }
      const recorded = eventsOf(fromEventLog(log), (record) => {
        const { json } = record.value.data as { json: AccountEvent };
        return json;
      });
      given(recorded)
        .when({ type: 'withdraw', amount: 18 })
        .then([{ type: 'withdrawn', amount: 18 }]);
      given(recorded).when({ type: 'withdraw', amount: 19 }).thenThrows(InsufficientFundsError);
    } finally {
      wal.closeSync();
    }
  });

  it('refuses a decider without decide, evolve or initialState', () => {
    // @ts-expect-error -- wrong on purpose
    expect(() => DeciderSpecification.for({ decide: () => [] })).toThrow(
      expect.objectContaining({ code: 'ERR_ANNAL_INVALID_ARGUMENT', field: 'evolve' }),
    );
  });
});
