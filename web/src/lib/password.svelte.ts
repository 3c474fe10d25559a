import type { Client } from '@urql/core';
import { request } from './client.js';
import { CHANGE_PASSWORD } from './documents.js';
import { signIn, type User } from './auth.svelte.js';

/** Changing one's own password: the two new ones must agree before the server is asked. */
export class PasswordChange {
  current = $state('');
  next = $state('');
  repeated = $state('');
  busy = $state(false);
  result = $state<{ ok: boolean; text: string } | null>(null);

  constructor(private readonly client: Client) {}

  async submit(): Promise<void> {
    if (this.next !== this.repeated) {
      this.result = { ok: false, text: 'The new password and its repetition differ' };
      return;
    }
    this.busy = true;
    try {
      // Every earlier sign-in of this account stops working; this tab goes on with the new one.
      const { changePassword } = await request(this.client, CHANGE_PASSWORD, { c: this.current, n: this.next }, 'mutation');
      signIn(changePassword.token, changePassword.user);
      this.result = { ok: true, text: 'Password changed: sign in with the new one from now on' };
      this.current = this.next = this.repeated = '';
    } catch (e) {
      this.result = { ok: false, text: (e as Error).message };
    } finally {
      this.busy = false;
    }
  }
}
