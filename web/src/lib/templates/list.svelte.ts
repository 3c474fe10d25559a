import type { Client } from '@urql/core';
import { request } from '../client.js';
import type { TemplatesData } from '../graphql.generated.js';
import { TEMPLATES } from './documents.js';

export type TemplateItem = TemplatesData['templates'][number];

/** The templates page's list: in use, or with the archived ones too. */
export class TemplateList {
  items = $state<TemplateItem[]>([]);
  showArchived = $state(false);
  error = $state<string | null>(null);
  loaded = $state(false);

  constructor(private readonly client: Client) {}

  async load(): Promise<void> {
    try {
      this.items = (await request(this.client, TEMPLATES, { archived: this.showArchived })).templates;
      this.error = null;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.loaded = true;
    }
  }
}

/** What a row says of the exam page in a few words: the stages and addons that are on. */
export function summary(t: Pick<TemplateItem, 'stages' | 'addons' | 'duration'>): string {
  const on = [
    t.stages.idPhoto && 'ID photo', t.stages.facePhoto && 'face photo', t.stages.proctorApproval && 'proctor approves start',
    t.addons.screen && 'screen', t.addons.secondCamera && 'second camera', t.addons.chat && 'chat', t.addons.calls && 'calls', t.addons.contentProtection && 'content protection',
  ].filter(Boolean);
  return `${t.duration} min · camera${on.length ? `, ${on.join(', ')}` : ' only'}`;
}
