import { describe, expect, it } from 'vitest';
import { ALWAYS, awaitingApproval, photoKinds } from './exam-steps.js';

const withStages = (stages: Partial<typeof ALWAYS.stages>) => ({ ...ALWAYS, stages: { ...ALWAYS.stages, ...stages } });

describe('the identity photos an exam asks for', () => {
  it('asks for both, face first, as the page always did', () => expect(photoKinds(ALWAYS)).toEqual(['face', 'document']));
  it('asks only for the face when the ID photo is off', () => expect(photoKinds(withStages({ idPhoto: false }))).toEqual(['face']));
  it('asks for nothing when both are off', () => expect(photoKinds(withStages({ facePhoto: false, idPhoto: false }))).toEqual([]));
});

describe('the wait for the proctor\'s approval', () => {
  it('waits while no proctor approved', () => expect(awaitingApproval(withStages({ proctorApproval: true }), null)).toBe(true));
  it('ends once one did', () => expect(awaitingApproval(withStages({ proctorApproval: true }), 'proctor1')).toBe(false));
  it('never waits when the exam has no approval', () => expect(awaitingApproval(ALWAYS, null)).toBe(false));
});
