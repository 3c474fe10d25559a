import type { Client } from '@urql/core';
import { auth } from './auth.svelte.js';
import { ApiError, request } from './client.js';
import { ACCOUNTS, CLEAR_FACE_REFERENCE, DISABLE_ACCOUNT, ENABLE_ACCOUNT, ERASE_PERSON, REGISTER_ACCOUNT, RESET_PASSWORD } from './documents.js';
import type { AccountsData } from './graphql.generated.js';
import { actOnRow } from './row-actions.js';

export type AccountView = AccountsData['accounts'][number];

/** What an administrator fills in to create an account. */
export interface NewAccount {
  username: string;
  displayName: string;
  role: string;
  password: string;
}

export const ROLES = ['student', 'proctor', 'auditor', 'admin', 'integrator', 'committee'] as const;

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
      this.accounts = (await request(this.client, ACCOUNTS, { d: this.admin })).accounts;
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
      const { clearFaceReference } = await request(this.client, CLEAR_FACE_REFERENCE, { u: username, r: reason }, 'mutation');
      return clearFaceReference ? 'Reference face cleared' : 'There was no reference face';
    });
  }

  /** Creates an account; true when it was (the form can be emptied). */
  async create(account: NewAccount): Promise<boolean> {
    this.createError = null;
    try {
      const vars = { u: account.username.trim(), n: account.displayName.trim() || null, r: account.role, p: account.password };
      await request(this.client, REGISTER_ACCOUNT, vars, 'mutation');
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
      await request(this.client, RESET_PASSWORD, { u: username, p: password }, 'mutation');
      return 'Password reset: tell its owner the new one';
    });
  }

  async disable(username: string, reason: string): Promise<void> {
    await this.act(username, async () => {
      await request(this.client, DISABLE_ACCOUNT, { u: username, r: reason }, 'mutation');
      return 'Disabled: it cannot sign in';
    });
  }

  async enable(username: string): Promise<void> {
    await this.act(username, async () => {
      await request(this.client, ENABLE_ACCOUNT, { u: username }, 'mutation');
      return 'Enabled again';
    });
  }

  /** Erases the person (GDPR Art. 17): for good, so the page asks for the username typed out first. */
  async erase(username: string, reason: string): Promise<void> {
    await this.act(username, async () => {
      const { erasePerson } = await request(this.client, ERASE_PERSON, { u: username, r: reason }, 'mutation');
      await this.load();
      return `Erased: ${erasePerson.sessions.length} session(s) without their personal data, ${erasePerson.objectsRemoved} media file(s) destroyed`;
    });
  }

  /** Downloads everything held about the person as a ZIP (GDPR Art. 15; the server records the export). */
  async exportData(username: string): Promise<void> {
    await this.act(username, async () => {
      const res = await fetch(`/privacy/people/${encodeURIComponent(username)}/data.zip`, { headers: auth.token ? { authorization: `Bearer ${auth.token}` } : {} });
      if (!res.ok) {
        const body = await res.json().catch(() => ({}));
        throw new ApiError(body.error ?? `the export was refused (${res.status})`, body.code);
      }
      const link = document.createElement('a');
      link.href = URL.createObjectURL(await res.blob());
      link.download = `person-${username}.zip`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      return 'Data exported';
    });
  }

  private act(username: string, action: () => Promise<string>): Promise<void> {
    return actOnRow(this, username, action);
  }
}
