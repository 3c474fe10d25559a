import type { Client } from '@urql/core';
import { request } from '../client.js';
import type { TemplateData, TemplateInput } from '../graphql.generated.js';
import { METRICS } from '../metrics.js';
import { ARCHIVE_TEMPLATE, CREATE_TEMPLATE, REVISE_TEMPLATE, TEMPLATE } from './documents.js';

type Loaded = NonNullable<TemplateData['template']>;

export const ALL_METRICS = Object.keys(METRICS);
export const STAGES = [
  ['compatibilityCheck', 'Compatibility check'], ['facePhoto', 'Face photo'], ['idPhoto', 'ID photo'], ['proctorApproval', 'Proctor approves the start'],
] as const;
export const ADDONS = [
  ['screen', 'Screen sharing'], ['secondCamera', 'Second camera (phone)'], ['chat', 'Chat'], ['calls', 'Calls'], ['contentProtection', 'Content protection'],
] as const;

/** A new template's starting point: the default template's settings. */
function blank(): TemplateInput {
  return {
    name: '', metrics: [...ALL_METRICS], weights: [], threshold: 50, autoConclude: false, rules: '',
    stages: { compatibilityCheck: true, facePhoto: true, idPhoto: false, proctorApproval: false },
    addons: { screen: true, secondCamera: false, chat: true, calls: false, contentProtection: false },
    checkInBefore: 15, checkInAfter: null, duration: 60, scoreVisibleToStudent: false, retentionDays: 90,
  };
}

/** The template editor: a new template (`id` null) or the next version of one. The server checks every value. */
export class TemplateEditor {
  id = $state<string | null>(null);
  version = $state(0);
  archived = $state(false);
  input = $state<TemplateInput>(blank());
  error = $state<string | null>(null);
  note = $state<string | null>(null);
  busy = $state(false);

  constructor(private readonly client: Client) {}

  /** Weights by metric code, 1 where none is set. */
  get weights(): Record<string, number> {
    return Object.fromEntries(this.input.weights.map((w) => [w.code, w.value]));
  }

  setWeight(code: string, value: number): void {
    const rest = this.input.weights.filter((w) => w.code !== code);
    this.input.weights = Number.isFinite(value) && value !== 1 ? [...rest, { code, value }] : rest;
  }

  toggleMetric(code: string, on: boolean): void {
    const others = this.input.metrics.filter((c) => c !== code);
    this.input.metrics = on ? ALL_METRICS.filter((c) => others.includes(c) || c === code) : others;
  }

  async load(id: string | null): Promise<void> {
    if (!id) return;
    try {
      this.show((await request(this.client, TEMPLATE, { id })).template);
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  private show(t: Loaded): void {
    this.id = t.id;
    this.version = t.version;
    this.archived = t.archived;
    this.input = {
      name: t.name, metrics: [...t.metrics], weights: t.weights.map(({ code, value }) => ({ code, value })), threshold: t.threshold, autoConclude: t.autoConclude,
      rules: t.rules ?? '', stages: { ...t.stages }, addons: { ...t.addons }, checkInBefore: t.checkInBefore, checkInAfter: t.checkInAfter ?? null,
      duration: t.duration, scoreVisibleToStudent: t.scoreVisibleToStudent, retentionDays: t.retentionDays,
    };
  }

  /** Saves: version 1 of a new template, or the next version; answers the template's id, or null with `error` set. */
  async save(): Promise<string | null> {
    return this.run(async () => {
      const input = { ...this.input, stages: { ...this.input.stages }, addons: { ...this.input.addons }, checkInAfter: this.input.checkInAfter ?? null };
      const saved = this.id
        ? (await request(this.client, REVISE_TEMPLATE, { id: this.id, input }, 'mutation')).reviseTemplate
        : (await request(this.client, CREATE_TEMPLATE, { input }, 'mutation')).createTemplate;
      this.show(saved);
      return `Saved as version ${saved.version}. Sessions created before keep the version they were made with.`;
    });
  }

  async archive(): Promise<string | null> {
    if (!this.id) return null;
    const id = this.id;
    return this.run(async () => {
      this.show((await request(this.client, ARCHIVE_TEMPLATE, { id }, 'mutation')).archiveTemplate);
      return 'Archived: no new sessions are made from it.';
    });
  }

  private async run(work: () => Promise<string>): Promise<string | null> {
    this.busy = true;
    this.error = null;
    this.note = null;
    try {
      this.note = await work();
      return this.id;
    } catch (e) {
      this.error = (e as Error).message;
      return null;
    } finally {
      this.busy = false;
    }
  }
}
