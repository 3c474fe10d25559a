import type { Client } from '@urql/core';
import { auth } from './auth.svelte.js';
import { ApiError, request } from './client.js';

export interface AccountView {
  username: string;
  role: string;
  displayName: string;
  disabled: boolean;
  faceReference: { photoId: string; setAt: string } | null;
}

/** What an administrator fills in to create an account. */
export interface NewAccount {
  username: string;
  displayName: string;
  role: string;
  password: string;
}

export const ROLES = ['student', 'proctor', 'auditor', 'admin', 'integrator'] as const;

const ACCOUNTS = `query Accounts($d: Boolean) { accounts(includeDisabled: $d) { username role displayName disabled faceReference { photoId setAt } } }`;
const CLEAR = `mutation Clear($u: String!, $r: String!) { clearFaceReference(username: $u, reason: $r) }`;
const REGISTER = `mutation Register($u: String!, $n: String, $r: String!, $p: String!) { registerAccount(username: $u, displayName: $n, role: $r, password: $p) { username } }`;
const RESET = `mutation Reset($u: String!, $p: String!) { resetPassword(username: $u, password: $p) { username } }`;
const DISABLE = `mutation Disable($u: String!, $r: String!) { disableAccount(username: $u, reason: $r) { username } }`;
const ENABLE = `mutation Enable($u: String!) { enableAccount(username: $u) { username } }`;

/**
 * The accounts page: who has which role, and each profile's reference face. An administrator also sees disabled
 * accounts, creates accounts, resets passwords, disables and enables, and sets or clears reference faces.
 */
export class AccountsState {
  accounts = $state<AccountView[]>([]);
  error = $state<string | null>(null);
  /** What the last "create" answered: the error to show by the form, or null. */
  createError = $state<string | null>(null);
  /** Per username: what the last action on it answered (an error, or what was done). */
  notes = $state<Record<string, { ok: boolean; text: string }>>({});
  busy = $state<string | null>(null);

  constructor(private readonly client: Client, private readonly admin: boolean) {}

  async load(): Promise<void> {
    try {
      this.accounts = (await request<{ accounts: AccountView[] }, { d: boolean }>(this.client, ACCOUNTS, { d: this.admin })).accounts;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  /** Sets `username`'s reference face from an image with exactly one face (the server says so otherwise). */
  async upload(username: string, image: Blob): Promise<void> {
    await this.act(username, async () => {
      const res = await fetch(`/profiles/reference?${new URLSearchParams({ username })}`, {
        method: 'POST', headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {}, body: image,
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw new ApiError(body.error ?? `upload failed (${res.status})`, body.code);
      return 'Reference face set';
    });
  }

  async clear(username: string, reason: string): Promise<void> {
    await this.act(username, async () => {
      const { clearFaceReference } = await request<{ clearFaceReference: boolean }, { u: string; r: string }>(this.client, CLEAR, { u: username, r: reason }, 'mutation');
      return clearFaceReference ? 'Reference face cleared' : 'There was no reference face';
    });
  }

  /** Creates an account; true when it was (the form can be emptied). */
  async create(account: NewAccount): Promise<boolean> {
    this.createError = null;
    try {
      const vars = { u: account.username.trim(), n: account.displayName.trim() || null, r: account.role, p: account.password };
      await request<{ registerAccount: { username: string } }, typeof vars>(this.client, REGISTER, vars, 'mutation');
      this.notes = { ...this.notes, [vars.u]: { ok: true, text: 'Account created' } };
      await this.load();
      return true;
    } catch (e) {
      this.createError = (e as Error).message;
      return false;
    }
  }

  async resetPassword(username: string, password: string): Promise<void> {
    await this.act(username, async () => {
      await request(this.client, RESET, { u: username, p: password }, 'mutation');
      return 'Password reset: tell its owner the new one';
    });
  }

  async disable(username: string, reason: string): Promise<void> {
    await this.act(username, async () => {
      await request(this.client, DISABLE, { u: username, r: reason }, 'mutation');
      return 'Disabled: it cannot sign in';
    });
  }

  async enable(username: string): Promise<void> {
    await this.act(username, async () => {
      await request(this.client, ENABLE, { u: username }, 'mutation');
      return 'Enabled again';
    });
  }

  private async act(username: string, action: () => Promise<string>): Promise<void> {
    this.busy = username;
    try {
      this.notes = { ...this.notes, [username]: { ok: true, text: await action() } };
      await this.load();
    } catch (e) {
      this.notes = { ...this.notes, [username]: { ok: false, text: (e as Error).message } };
    } finally {
      this.busy = null;
    }
  }
}
