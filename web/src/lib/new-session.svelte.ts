import type { Client } from '@urql/core';
import { request } from './client.js';
import { CREATE_SESSION, PEOPLE } from './documents.js';
import type { PeopleData, TemplateChoicesData } from './graphql.generated.js';
import { TEMPLATE_CHOICES } from './templates/documents.js';

export type Person = PeopleData['students'][number];
export type TemplateChoice = TemplateChoicesData['templates'][number];

/** A session id from its name: what an administrator would type, made unique by the minute. */
export function suggestId(name: string, now = new Date()): string {
  const slug = name.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
  const stamp = now.toISOString().slice(0, 16).replace(/[-:T]/g, '');
  return `${slug || 'session'}-${stamp}`;
}

/** An administrator creating a session on screen (integrations create theirs through the API or the LMS link). */
export class NewSessionForm {
  name = $state('');
  id = $state('');
  student = $state('');
  proctor = $state('');
  duration = $state(60);
  /** `datetime-local` value (the browser's time zone); empty: no set time. */
  scheduledAt = $state('');
  url = $state('');
  tags = $state('');
  secondCamera = $state(false);
  selfScheduling = $state(false);
  students = $state<Person[]>([]);
  proctors = $state<Person[]>([]);
  /** The template's id; empty: none (the session's own settings). */
  template = $state('');
  templates = $state<TemplateChoice[]>([]);
  error = $state<string | null>(null);
  busy = $state(false);

  constructor(private readonly client: Client) {}

  async load(): Promise<void> {
    try {
      const people = await request(this.client, PEOPLE, {});
      this.students = people.students;
      this.proctors = people.proctors;
      this.student ||= people.students[0]?.username ?? '';
      this.templates = (await request(this.client, TEMPLATE_CHOICES, {})).templates;
      this.pickTemplate(this.templates.find((t) => t.id === 'default')?.id ?? '');
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  /** Picks a template: the form then shows its duration and second camera, which may still be changed for this session. */
  pickTemplate(id: string): void {
    this.template = id;
    const t = this.templates.find((x) => x.id === id);
    if (!t) return;
    this.duration = t.duration;
    this.secondCamera = t.addons.secondCamera;
  }

  /** Creates the session; answers its id, or null with `error` saying what the server refused. */
  async submit(): Promise<string | null> {
    this.busy = true;
    this.error = null;
    const id = this.id.trim() || suggestId(this.name);
    try {
      const input = {
        id, name: this.name, student: this.student, duration: Number(this.duration),
        // Lists and tiles name the test-taker by this; without it they fall back to the login.
        studentName: this.students.find((p) => p.username === this.student)?.displayName ?? null,
        proctor: this.selfScheduling ? null : this.proctor || null,
        scheduledAt: this.selfScheduling || !this.scheduledAt ? null : new Date(this.scheduledAt).toISOString(),
        url: this.url.trim() || null,
        tags: this.tags.split(',').map((t) => t.trim()).filter(Boolean),
        secondCamera: this.secondCamera, selfScheduling: this.selfScheduling,
        template: this.template || null,
      };
      await request(this.client, CREATE_SESSION, { input }, 'mutation');
      return id;
    } catch (e) {
      this.error = (e as Error).message;
      return null;
    } finally {
      this.busy = false;
    }
  }
}
