import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core } from '../src/app/core/core.js';
import { getMonitorRow } from '../src/projections/monitor/queries.js';
import { getReview } from '../src/projections/committee/queries.js';
import { listTemplates } from '../src/projections/templates/projection.js';
import { seedDemo } from '../src/seed.js';
import { openTestCore } from './support/core.js';

describe('the demo seed', () => {
  let core: Core;
  beforeAll(async () => {
    const base = await openTestCore();
    core = new Core(base.store, base.sql, base.runner);
    await core.runner.start();
    await seedDemo(core, 'demo-password', 'http://proctor.test');
  }, 120_000);
  afterAll(async () => {
    await core?.close();
  });

  it('has the default template, an entrance exam with ID check and second camera, and a camera-only quiz', async () => {
    const templates = await listTemplates(core.db);
    expect(templates.map((t) => [t.templateId, t.settings.name])).toEqual([['default', 'Default'], ['entrance-exam', 'Entrance exam'], ['quiz', 'Quiz (camera only)']]);
    const entrance = templates.find((t) => t.templateId === 'entrance-exam')!.settings;
    expect(entrance.stages).toMatchObject({ idPhoto: true, proctorApproval: true });
    expect(entrance.addons).toMatchObject({ secondCamera: true });
    const quiz = templates.find((t) => t.templateId === 'quiz')!.settings;
    expect(quiz.addons).toEqual({ screen: false, secondCamera: false, chat: true, calls: false, contentProtection: false });
  });

  it('makes its sessions from them', async () => {
    expect(await getMonitorRow(core.db, 'demo-scheduled')).toMatchObject({ template: 'Entrance exam', secondCamera: true });
    expect(await getMonitorRow(core.db, 'demo-live-2')).toMatchObject({ template: 'Quiz (camera only)', duration: 20, secondCamera: false });
    expect(await getMonitorRow(core.db, 'demo-live-1')).toMatchObject({ template: 'Default', duration: 90 });
  });

  it('has a concluded session before an examination committee, with its witness and the test-taker invited', async () => {
    expect(await getMonitorRow(core.db, 'demo-concluded')).toMatchObject({ committeeStatus: 'open', committee: ['committee1', 'committee2', 'proctor1'] });
    expect(await getReview(core.db, 'demo-concluded')).toMatchObject({ chair: 'committee1', witness: 'proctor2', hearing: true, status: 'open' });
  });
});
