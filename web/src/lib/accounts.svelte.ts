import type { Client } from '@urql/core';
import { auth } from './auth.svelte.js';
import { ApiError, request } from './client.js';

export interface AccountView {
  username: string;
  role: string;
  displayName: string;
  faceReference: { photoId: string; setAt: string } | null;
}

const ACCOUNTS = `query Accounts { accounts { username role displayName faceReference { photoId setAt } } }`;
const CLEAR = `mutation Clear($u: String!, $r: String!) { clearFaceReference(username: $u, reason: $r) }`;

/** The accounts page: who has which role, and each profile's reference face, which an administrator may set or clear. */
export class AccountsState {
  accounts = $state<AccountView[]>([]);
  error = $state<string | null>(null);
  /** Per username: what the last action on it answered (an error, or what was done). */
  notes = $state<Record<string, { ok: boolean; text: string }>>({});
  busy = $state<string | null>(null);

  constructor(private readonly client: Client) {}

  async load(): Promise<void> {
    try {
      this.accounts = (await request<{ accounts: AccountView[] }, Record<string, never>>(this.client, ACCOUNTS, {})).accounts;
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
