import { describe, expect, it } from 'vitest';
import { faceVerdict, retakePrompt } from './faces.js';

describe('face verdicts in words', () => {
  it('says why a photo is red, and falls back to the colour for checks recorded before reasons were', () => {
    expect(faceVerdict({ result: 'red', reason: 'no_face', faceCount: 0 })).toBe('no face in the photo');
    expect(faceVerdict({ result: 'red', reason: 'several_faces', faceCount: 3 })).toBe('3 faces in the photo');
    expect(faceVerdict({ result: 'red', reason: 'unreadable', faceCount: null })).toBe('the photo could not be read');
    expect(faceVerdict({ result: 'red', reason: 'mismatch', faceCount: 1 })).toBe('does not match the profile');
    expect(faceVerdict({ result: 'yellow', reason: 'match', faceCount: 1 })).toBe('matches the profile, but similar profiles exist');
    expect(faceVerdict({ result: 'red', reason: null, faceCount: null })).toBe('does not match the profile');
  });

  it('asks the test-taker to retake a photo without a face, with several faces or unreadable, and says nothing otherwise', () => {
    expect(retakePrompt('face', 'no_face', 0)).toMatch(/^Your face photo shows no face\. Please retake it/);
    expect(retakePrompt('face', 'several_faces', 2)).toBe('Your face photo shows 2 faces. Only you may be in the picture: please retake it.');
    expect(retakePrompt('document', 'unreadable', null)).toBe('Your ID document photo could not be read. Please retake it.');
    expect(retakePrompt('face', null, null)).toBeNull();
  });
});
