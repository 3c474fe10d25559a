import { describe, expect, it } from 'vitest';
import type { Account } from '../../domain/account/state.js';
import { UnauthenticatedError } from '../../domain/core/errors.js';
import { ActorResolver } from './actors.js';
import { TokenService } from './tokens.js';

const tokens = new TokenService('a secret for the actor resolver tests');
const active: Account = {
  status: 'active', username: 'student1', role: 'student', displayName: 'S', passwordHash: 'x', integrationSecret: null,
  integrationSecretSetAt: null, passwordLink: null, registeredBy: 'admin', tokenVersion: 0,
};
const disabled: Account = { ...active, status: 'disabled', tokenVersion: 1 };

/** A resolver on a clock the test moves, whose account reads are counted (and answer what `stored` holds then). */
function given(following: boolean) {
  const world = { now: Date.parse('2026-12-02T10:00:00Z'), following, stored: active, loads: 0, hold: null as Promise<void> | null };
  const resolver = new ActorResolver(tokens, async () => {
    world.loads += 1;
    const answer = world.stored;
    if (world.hold) await world.hold;
    return answer;
  }, { following: () => world.following, now: () => world.now });
  return { world, resolver };
}

describe('the account behind a token, cached', () => {
  it('is read once while the node follows the events, however often its tokens come, and again once its change is applied', async () => {
    const { world, resolver } = given(true);
    const { token } = await tokens.issue({ id: 'student1', role: 'student' });
    await resolver.resolve(token);
    world.now += 60_000;
    await resolver.resolve(token);
    world.now += 60_000;
    expect((await resolver.resolve(token))?.id).toBe('student1');
    expect(world.loads).toBe(1);

    world.stored = disabled;
    resolver.forget('Student1'); // the runner applied AccountDisabled
    await expect(resolver.resolve(token)).rejects.toThrow(UnauthenticatedError);
    expect(world.loads).toBe(2);
  });

  it('is read again after 5 s while the node does not follow the events (its runner stalled), so a change takes effect within that', async () => {
    const { world, resolver } = given(false);
    const { token } = await tokens.issue({ id: 'student1', role: 'student' });
    await resolver.resolve(token);
    world.now += 4_000;
    await resolver.resolve(token);
    expect(world.loads).toBe(1);
    world.stored = disabled; // changed, and this node has not heard
    world.now += 1_500;
    await expect(resolver.resolve(token)).rejects.toThrow('this account is disabled');
    expect(world.loads).toBe(2);
  });

  it('is trusted 30 minutes at most, even while the node follows', async () => {
    const { world, resolver } = given(true);
    const { token } = await tokens.issue({ id: 'student1', role: 'student' });
    await resolver.resolve(token);
    world.now += 30 * 60_000 - 1;
    await resolver.resolve(token);
    expect(world.loads).toBe(1);
    world.now += 1;
    await resolver.resolve(token);
    expect(world.loads).toBe(2);
  });

  it('keeps no read that a change overtook: the account read before the change is not trusted after it', async () => {
    const { world, resolver } = given(true);
    const { token } = await tokens.issue({ id: 'student1', role: 'student' });
    let release!: () => void;
    world.hold = new Promise((resolve) => (release = resolve));
    const first = resolver.resolve(token); // reads the active account, and is slow to answer
    while (world.loads === 0) await new Promise((resolve) => setImmediate(resolve));
    world.stored = disabled;
    resolver.forget('student1'); // the change is applied while that read is on its way
    release();
    world.hold = null;
    expect((await first)?.id).toBe('student1'); // it answers what it read
    await expect(resolver.resolve(token)).rejects.toThrow('this account is disabled'); // but did not keep it
    expect(world.loads).toBe(2);
  });
});
