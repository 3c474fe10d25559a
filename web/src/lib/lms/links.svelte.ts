import type { Client } from '@urql/core';
import { request } from '../client.js';
import type { LtiLinksData } from '../graphql.generated.js';
import { LTI_LINKS, UPDATE_LTI_LINK } from './documents.js';

export type LtiLinkView = LtiLinksData['ltiLinks'][number];

/** What the link form holds: the duration as typed, the proctor and template empty for none. */
export interface LinkDraft {
  name: string;
  duration: string;
  proctor: string;
  secondCamera: boolean;
  template: string;
}

export const draftOfLink = (l: LtiLinkView): LinkDraft => ({
  name: l.name, duration: String(l.durationMinutes), proctor: l.proctor ?? '', secondCamera: l.secondCamera, template: l.template ?? '',
});

/**
 * The exams one LMS platform's courses link to (configured here at their first launch), and changing one's settings.
 * The server checks every value; its refusal shows beside the form.
 */
export class LtiLinksState {
  links = $state<LtiLinkView[]>([]);
  templates = $state<{ id: string; name: string }[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  formError = $state<string | null>(null);
  note = $state<string | null>(null);
  /** The resource link id being edited, or null. */
  editing = $state<string | null>(null);

  constructor(private readonly client: Client, readonly platformId: string) {}

  async load(): Promise<void> {
    try {
      const data = await request(this.client, LTI_LINKS, { platformId: this.platformId });
      this.links = data.ltiLinks;
      this.templates = data.templates;
      this.loaded = true;
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  templateName(id: string | null): string {
    if (!id) return 'none';
    return this.templates.find((t) => t.id === id)?.name ?? id;
  }

  /** Saves the draft into the link being edited; true when saved. */
  async save(draft: LinkDraft): Promise<boolean> {
    const resourceLinkId = this.editing;
    if (!resourceLinkId) return false;
    this.formError = null;
    const input = {
      name: draft.name, durationMinutes: Number(draft.duration), proctor: draft.proctor.trim() || null, secondCamera: draft.secondCamera, template: draft.template || null,
    };
    if (!/^\d{1,5}$/.test(draft.duration.trim())) {
      this.formError = 'The duration must be a whole number of minutes.';
      return false;
    }
    try {
      const { updateLtiLink } = await request(this.client, UPDATE_LTI_LINK, { platformId: this.platformId, resourceLinkId, input }, 'mutation');
      this.links = this.links.map((l) => (l.resourceLinkId === resourceLinkId ? updateLtiLink : l));
      this.note = `${updateLtiLink.name} saved: sessions launched from now on take these settings.`;
      this.editing = null;
      return true;
    } catch (e) {
      this.formError = (e as Error).message;
      return false;
    }
  }
}
