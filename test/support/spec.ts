import { expect } from 'vitest';
import type { Decider } from '../../src/domain/core/decider.js';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Decider specifications: given past events, when a command, then the new events (or an error).
 * `then` compares events exactly, so a test states everything the decider emits.
 */
export function specFor<C, E, S>(decider: Decider<C, E, S>) {
  return (given: readonly E[]) => ({
    when(command: C) {
      const run = () => decider.decide(command, given.reduce(decider.evolve, decider.initialState()));
      return {
        then(expected: readonly E[]) {
          expect(run()).toEqual(expected);
        },
        thenMatch(expected: readonly unknown[]) {
          expect(run()).toMatchObject(expected);
        },
        thenThrows(errorClass: ErrorClass, message?: RegExp | string) {
          let thrown: unknown;
          try {
            run();
          } catch (error) {
            thrown = error;
          }
          expect(thrown, 'expected the command to be refused').toBeInstanceOf(errorClass);
          if (message) expect((thrown as Error).message).toMatch(message);
        },
        /** The events, for assertions the shorthand above cannot say. */
        events: run,
      };
    },
  });
}
