import type { ExamStepsData } from '../graphql.generated.js';
import type { PhotoKind } from '../faces.js';

/** The stages and addons of one session's exam, as the server holds the session to them. */
export type ExamStepsView = NonNullable<ExamStepsData['session']['examSteps']>;

/**
 * What a page assumes when the server does not say (an older server): the exam page as it always was, every check and
 * both photos, screen, chat and calls, no approval and no content protection.
 */
export const ALWAYS: ExamStepsView = {
  photosDemanded: false,
  stages: { compatibilityCheck: true, facePhoto: true, idPhoto: true, proctorApproval: false },
  addons: { screen: true, secondCamera: false, chat: true, calls: true, contentProtection: false },
};

/** The identity photos the session asks for, face first. */
export function photoKinds(steps: ExamStepsView): PhotoKind[] {
  return [...(steps.stages.facePhoto ? (['face'] as const) : []), ...(steps.stages.idPhoto ? (['document'] as const) : [])];
}

/** Whether the test-taker still waits for a proctor to let them start. */
export function awaitingApproval(steps: ExamStepsView, approvedBy: string | null): boolean {
  return steps.stages.proctorApproval && approvedBy === null;
}
