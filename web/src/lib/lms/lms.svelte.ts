import type { Client } from '@urql/core';
import { request } from '../client.js';
import type { LtiAdminData } from '../graphql.generated.js';
import { CREATE_LTI_REGISTRATION_LINK, LTI_ADMIN, REGISTER_LTI_PLATFORM, REMOVE_LTI_PLATFORM, ROTATE_LTI_KEY, UPDATE_LTI_PLATFORM } from './documents.js';

export type LtiPlatformView = LtiAdminData['ltiPlatforms'][number];
export type LtiToolView = LtiAdminData['ltiTool'];

/** What the platform form holds: deployments as typed, one per line or comma-separated. */
export interface PlatformDraft {
  name: string;
  issuer: string;
  clientId: string;
  deployments: string;
  authUrl: string;
  tokenUrl: string;
  jwksUrl: string;
}

export const EMPTY_DRAFT: PlatformDraft = { name: '', issuer: '', clientId: '', deployments: '', authUrl: '', tokenUrl: '', jwksUrl: '' };

/** The deployment ids of a draft: split on commas and line breaks, blanks dropped. */
export function deploymentIds(text: string): string[] {
  return text.split(/[\n,]/).map((d) => d.trim()).filter(Boolean);
}

export function draftOf(p: LtiPlatformView): PlatformDraft {
  return { name: p.name, issuer: p.issuer, clientId: p.clientId, deployments: p.deploymentIds.join('\n'), authUrl: p.authUrl, tokenUrl: p.tokenUrl, jwksUrl: p.jwksUrl };
}

/** How long until `expiresAt`, in words ("24 hours", "35 minutes"). */
export function validFor(expiresAt: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((Date.parse(expiresAt) - now) / 60_000));
  if (minutes >= 90) return `${Math.round(minutes / 60)} hours`;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/**
 * The LMS page: our tool's URLs and keys, the registered platforms, registering one by hand, editing and removing
 * one, and making dynamic-registration links. Each action answers in `error` or `note`.
 */
export class LmsState {
  platforms = $state<LtiPlatformView[]>([]);
  tool = $state<LtiToolView | null>(null);
  link = $state<{ url: string; expiresAt: string } | null>(null);
  error = $state<string | null>(null);
  /** The form's error, shown beside it. */
  formError = $state<string | null>(null);
  note = $state<string | null>(null);
  busy = $state(false);
  /** The platform being edited, or null when the form registers a new one. */
  editing = $state<string | null>(null);

  /** Counts the changes made here, so a list read before one of them never overwrites it. */
  private changes = 0;

  constructor(private readonly client: Client) {}

  async load(): Promise<void> {
    const changes = this.changes;
    try {
      const data = await request(this.client, LTI_ADMIN, {});
      // Changed while this was read: read again, so what shows is never older than the change.
      if (changes !== this.changes) return await this.load();
      this.platforms = data.ltiPlatforms;
      this.tool = data.ltiTool;
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  /** Registers the draft, or saves it into the platform being edited; true when done (the form can be emptied). */
  async save(draft: PlatformDraft): Promise<boolean> {
    this.formError = null;
    const settings = { name: draft.name, deploymentIds: deploymentIds(draft.deployments), authUrl: draft.authUrl.trim(), tokenUrl: draft.tokenUrl.trim(), jwksUrl: draft.jwksUrl.trim() };
    try {
      if (this.editing) {
        const { updateLtiPlatform } = await request(this.client, UPDATE_LTI_PLATFORM, { id: this.editing, input: settings }, 'mutation');
        this.show(updateLtiPlatform);
        this.note = `${updateLtiPlatform.name} saved`;
      } else {
        const input = { ...settings, issuer: draft.issuer.trim(), clientId: draft.clientId.trim() };
        const { registerLtiPlatform } = await request(this.client, REGISTER_LTI_PLATFORM, { input }, 'mutation');
        this.show(registerLtiPlatform);
        this.note = `${registerLtiPlatform.name} registered`;
      }
      this.editing = null;
      return true;
    } catch (e) {
      this.formError = (e as Error).message;
      return false;
    }
  }

  async remove(platform: LtiPlatformView): Promise<void> {
    await this.act(async () => {
      this.show((await request(this.client, REMOVE_LTI_PLATFORM, { id: platform.id }, 'mutation')).removeLtiPlatform);
      if (this.editing === platform.id) this.editing = null;
      return `${platform.name} removed: its launches are refused from now on`;
    });
  }

  async rotateKey(): Promise<void> {
    await this.act(async () => {
      this.tool = (await request(this.client, ROTATE_LTI_KEY, {}, 'mutation')).rotateLtiKey;
      this.changes++;
      return 'A new key signs from now on; the previous one stays published for a week';
    });
  }

  async createLink(): Promise<void> {
    await this.act(async () => {
      this.link = (await request(this.client, CREATE_LTI_REGISTRATION_LINK, {}, 'mutation')).createLtiRegistrationLink;
      return null;
    });
  }

  /**
   * Puts a platform as a mutation answered it into the list (replaced, or first when new): the answer is the read
   * model after the command, so no second query is needed.
   */
  private show(platform: LtiPlatformView): void {
    this.changes++;
    const i = this.platforms.findIndex((p) => p.id === platform.id);
    this.platforms = i < 0 ? [platform, ...this.platforms] : this.platforms.map((p) => (p.id === platform.id ? platform : p));
  }

  private async act(run: () => Promise<string | null>): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      this.note = await run();
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.busy = false;
    }
  }
}
