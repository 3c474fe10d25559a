import { usernameOf, type Account } from '../../domain/account/account.js';
import { UnauthenticatedError } from '../../domain/core/errors.js';
import type { AppliedBatch } from '../../projections/runner.js';
import type { TokenActor, TokenService } from './tokens.js';

/** Who a request speaks for: the token's claims, with the role and name the account has now. */
export type RequestActor = TokenActor;

interface Cached<T> {
  readonly value: T;
  readonly loadedAt: number;
}

export interface ActorResolverOptions {
  /** How long a loaded account is trusted on its own (default 5 s). */
  readonly ttlMs?: number;
  /**
   * How long it is trusted while `following()` (default 30 min): while this node's projection runner delivers, every
   * account change reaches `forget` as soon as it is applied, so the load is not what keeps the account current.
   */
  readonly followedTtlMs?: number;
  /** Whether account changes reach `forget` on this node now (its runner is running and not stalled). */
  readonly following?: () => boolean;
  readonly now?: () => number;
}

/**
 * Turns a bearer token into the actor it speaks for, asking the account every time (through a cache): the account
 * must exist and be active, the token's version must be the account's (a new password or disabling moves it on), and
 * the role is the account's, whatever the token says. Signatures are checked once per token. An account is read again
 * after `ttlMs`, or after `followedTtlMs` while the node follows the events (`forget` keeps it current meanwhile): a
 * test-taker asks about once a minute, so with 5 s nearly every request read the account's stream again.
 */
export class ActorResolver {
  private readonly tokens = new Map<string, TokenActor>();
  private readonly accounts = new Map<string, Cached<Account>>();
  /** Moved on by every `forget`: a load that a forget overtook is not kept (it may predate the change). */
  private forgets = 0;
  private readonly ttlMs: number;
  private readonly followedTtlMs: number;
  private readonly following: () => boolean;
  private readonly now: () => number;

  constructor(
    private readonly tokenService: TokenService,
    private readonly loadAccount: (username: string) => Promise<Account>,
    options: ActorResolverOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 5_000;
    this.followedTtlMs = options.followedTtlMs ?? 30 * 60_000;
    this.following = options.following ?? (() => false);
    this.now = options.now ?? Date.now;
  }

  /** The actor for `token`, null without one; `UnauthenticatedError` for a token that no longer (or never) speaks for anyone. */
  async resolve(token: string | undefined): Promise<RequestActor | null> {
    if (!token) return null;
    const now = this.now();
    // A token's signature and claims never change, so they are checked once for its life; what can change (the
    // account's role, status and token version) is the account's, read through the `ttlMs` cache below.
    let claims = this.tokens.get(token);
    if (!claims) {
      claims = await this.tokenService.verify(token);
      if (this.tokens.size >= 20_000) this.tokens.delete(this.tokens.keys().next().value!);
      this.tokens.set(token, claims);
    }
    if (claims.expiresAt.getTime() <= now) {
      this.tokens.delete(token);
      throw new UnauthenticatedError('the sign-in has expired; sign in again');
    }
    const account = await this.account(claims.id);
    const refusal = this.refusal(claims, account);
    if (refusal) throw new UnauthenticatedError(refusal);
    if (account.status === 'none') throw new UnauthenticatedError('no such account');
    return { ...claims, id: account.username, role: account.role };
  }

  /**
   * Whether what this node knows now still admits `actor` (checked at every subscription delivery, without I/O): an
   * account event seen here, or the cache's next load, ends it.
   */
  stillValid(actor: Pick<RequestActor, 'id' | 'version' | 'expiresAt'>): boolean {
    if (actor.expiresAt.getTime() <= this.now()) return false;
    const cached = this.accounts.get(actor.id.toLowerCase());
    return !cached || this.refusal(actor, cached.value) === null;
  }

  /** Drops what is known of `username` (its account changed): the next request reads it again. */
  forget(username: string): void {
    this.forgets += 1;
    this.accounts.delete(username.toLowerCase());
  }

  private refusal(actor: Pick<RequestActor, 'version'>, account: Account): string | null {
    if (account.status === 'none') return 'the account this sign-in was for does not exist';
    if (account.status === 'disabled') return 'this account is disabled';
    if (account.tokenVersion !== actor.version) return 'this sign-in is no longer valid (the password was changed); sign in again';
    return null;
  }

  private async account(username: string): Promise<Account> {
    const key = username.toLowerCase();
    const cached = this.accounts.get(key);
    if (cached) {
      const age = this.now() - cached.loadedAt;
      if (age < this.ttlMs || (age < this.followedTtlMs && this.following())) return cached.value;
    }
    const forgets = this.forgets;
    const loadedAt = this.now();
    const account = await this.loadAccount(username);
    if (forgets === this.forgets) {
      if (this.accounts.size > 20_000) this.accounts.clear();
      this.accounts.set(key, { value: account, loadedAt });
    }
    return account;
  }
}

/**
 * Calls `changed` with the username of each committed account event that can change who a token speaks for (so the
 * cache above forgets it, and open sockets are checked again); returns what stops it.
 */
export function onAccountChanged(
  runner: { onApplied(listener: (batch: AppliedBatch) => void): () => void },
  changed: (username: string) => void,
): () => void {
  return runner.onApplied(({ events }) => {
    for (const e of events) {
      if (e.type !== 'AccountDisabled' && e.type !== 'PasswordChanged' && e.type !== 'AccountEnabled' && e.type !== 'AccountRegistered' && e.type !== 'PersonErased') continue;
      changed(usernameOf(e));
    }
  });
}
