import { usernameOf, type Account } from '../../domain/account/account.js';
import { UnauthenticatedError } from '../../domain/core/errors.js';
import type { AppliedBatch } from '../../projections/runner.js';
import type { TokenActor, TokenService } from './tokens.js';

/** Who a request speaks for: the token's claims, with the role and name the account has now. */
export type RequestActor = TokenActor;

interface Cached<T> {
  readonly value: T;
  readonly until: number;
}

/**
 * Turns a bearer token into the actor it speaks for, asking the account every time (through a cache of `ttlMs`): the
 * account must exist and be active, the token's version must be the account's (a new password or disabling moves it
 * on), and the role is the account's, whatever the token says. Signatures are checked once per token.
 */
export class ActorResolver {
  private readonly tokens = new Map<string, TokenActor>();
  private readonly accounts = new Map<string, Cached<Account>>();

  constructor(
    private readonly tokenService: TokenService,
    private readonly loadAccount: (username: string) => Promise<Account>,
    private readonly ttlMs = 5_000,
  ) {}

  /** The actor for `token`, null without one; `UnauthenticatedError` for a token that no longer (or never) speaks for anyone. */
  async resolve(token: string | undefined): Promise<RequestActor | null> {
    if (!token) return null;
    const now = Date.now();
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
    if (actor.expiresAt.getTime() <= Date.now()) return false;
    const cached = this.accounts.get(actor.id.toLowerCase());
    return !cached || this.refusal(actor, cached.value) === null;
  }

  /** Drops what is known of `username` (its account changed): the next request reads it again. */
  forget(username: string): void {
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
    if (cached && cached.until > Date.now()) return cached.value;
    const account = await this.loadAccount(username);
    if (this.accounts.size > 20_000) this.accounts.clear();
    this.accounts.set(key, { value: account, until: Date.now() + this.ttlMs });
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
