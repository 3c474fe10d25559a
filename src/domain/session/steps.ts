import { IllegalStateError } from '../core/errors.js';
import type { SessionTemplateRef, TemplateAddons, TemplateStages } from '../template/ref.js';
import type { IdentityPhotoKind } from './events.js';

/**
 * What a session's exam asks of the test-taker before the start (stages) and what it adds to the camera (addons),
 * and which of them the server holds the session to.
 */
export interface ExamSteps {
  readonly stages: TemplateStages;
  readonly addons: TemplateAddons;
  /**
   * The photos are demanded before the start: a session from a template keeps to its stages; one made without
   * (before templates existed) keeps what it always had, the page asking for photos and the start not waiting for them.
   */
  readonly photosDemanded: boolean;
}

/** A session without a template: every step and addon the exam page always had, nothing else. */
const WITHOUT_TEMPLATE: Omit<ExamSteps, 'addons'> & { readonly addons: Omit<TemplateAddons, 'secondCamera'> } = {
  stages: { compatibilityCheck: true, facePhoto: true, idPhoto: true, proctorApproval: false },
  addons: { screen: true, chat: true, calls: true, contentProtection: false },
  photosDemanded: false,
};

/**
 * The steps of a session created with `fromTemplate` (or none) and `secondCamera`: the session's own second-camera
 * setting wins over the template's, as the creator may override it.
 */
export function examSteps(fromTemplate: SessionTemplateRef | undefined, secondCamera: boolean): ExamSteps {
  if (!fromTemplate) return { ...WITHOUT_TEMPLATE, addons: { ...WITHOUT_TEMPLATE.addons, secondCamera } };
  return { stages: { ...fromTemplate.stages }, addons: { ...fromTemplate.addons, secondCamera }, photosDemanded: true };
}

const ADDON_WORDS: Readonly<Record<keyof TemplateAddons, string>> = {
  screen: 'screen sharing is', secondCamera: 'the second camera is', chat: 'the chat is', calls: 'calls are', contentProtection: 'content protection is',
};

/** Refuses what depends on an addon the session does not have. */
export function requireAddon(steps: ExamSteps, addon: keyof TemplateAddons, action: string): void {
  if (!steps.addons[addon]) throw new IllegalStateError(`cannot ${action}: ${ADDON_WORDS[addon]} off for this session`, { addon });
}

/** What the session still waits for before the test-taker may start, in the order the page asks for it (empty: nothing). */
export function missingBeforeStart(s: { readonly steps: ExamSteps; readonly identityPhotos: readonly IdentityPhotoKind[]; readonly approvedBy: string | null }): string[] {
  const missing: string[] = [];
  if (s.steps.photosDemanded && s.steps.stages.facePhoto && !s.identityPhotos.includes('face')) missing.push('a face photo');
  if (s.steps.photosDemanded && s.steps.stages.idPhoto && !s.identityPhotos.includes('document')) missing.push('an ID document photo');
  if (s.steps.stages.proctorApproval && s.approvedBy === null) missing.push("the proctor's approval");
  return missing;
}
