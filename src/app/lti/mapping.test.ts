import { describe, expect, it } from 'vitest';
import { courseTag, ltiSessionId, ltiUsername, personaOf } from './mapping.js';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

describe('the people and sessions of an LTI platform in our terms', () => {
  it('takes learners as test-takers and instructors, content developers, assistants and administrators as staff, in full or short role names', () => {
    expect(personaOf([`${LIS}membership#Learner`])).toBe('learner');
    expect(personaOf(['Learner'])).toBe('learner');
    expect(personaOf([`${LIS}membership#Instructor`])).toBe('staff');
    expect(personaOf([`${LIS}membership#ContentDeveloper`])).toBe('staff');
    expect(personaOf([`${LIS}membership/Instructor#TeachingAssistant`])).toBe('staff');
    expect(personaOf([`${LIS}institution/person#Administrator`])).toBe('staff');
    expect(personaOf([`${LIS}system/person#Administrator`])).toBe('staff');
    expect(personaOf([`${LIS}membership#Learner`, `${LIS}membership#Instructor`])).toBe('staff');
    expect(personaOf([`${LIS}membership#Mentor`, `${LIS}system/person#User`])).toBeNull();
    expect(personaOf([])).toBeNull();
  });

  it('makes usernames our accounts accept, one per role and platform user, whatever the sub holds', () => {
    const learner = ltiUsername('https://lms.example.edu', 'user "1" <x>', 'learner');
    expect(learner).toMatch(/^lti-s-[0-9a-f]{32}$/);
    expect(ltiUsername('https://lms.example.edu', 'user "1" <x>', 'staff')).toMatch(/^lti-p-[0-9a-f]{32}$/);
    expect(ltiUsername('https://other.example.edu', 'user "1" <x>', 'learner')).not.toBe(learner);
  });

  it('derives one session per attempt, the same on every relaunch', () => {
    const first = ltiSessionId('p-1', 'rl-1', 'u-1', 1);
    expect(first).toMatch(/^lti-[0-9a-f]{32}$/);
    expect(ltiSessionId('p-1', 'rl-1', 'u-1', 1)).toBe(first);
    expect(ltiSessionId('p-1', 'rl-1', 'u-1', 2)).not.toBe(first);
  });

  it('tags a course by its id, hashed when the id does not fit a tag', () => {
    expect(courseTag('p-1', 'course-1')).toBe('course:course-1');
    expect(courseTag('p-1', 'x'.repeat(80))).toMatch(/^course:[0-9a-f]{32}$/);
    expect(courseTag('p-1', 'has "quotes"')).toMatch(/^course:[0-9a-f]{32}$/);
  });
});
