import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, holdChromium, NO_CHROMIUM_REASON } from '../support/browser.js';
import { canUnshare, runInNetns } from '../support/netns.js';
import { describeWithServer } from '../support/servers.js';
import { PEOPLE, runConferenceScenario, SILENT_ENERGY, type Findings } from './conference/scenario.js';

const SCENARIO = fileURLToPath(new URL('./conference/scenario.ts', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../docs/screenshots', import.meta.url));
const HAS_JANUS = existsSync('/usr/bin/janus');
const CAN_UNSHARE = canUnshare();
const JANUS_REASON = [
  !HAS_JANUS && 'no Janus (apt-get install janus)',
  !HAS_CHROMIUM && NO_CHROMIUM_REASON,
  !CAN_UNSHARE && 'cannot make a network namespace (unshare -n needs root; Janus gathers no ICE candidates on loopback)',
].filter(Boolean).join('; ');

/** What three people in one room must have seen, whichever engine carried it. */
function conferenceSpecs(findings: () => Findings, engine: string): void {
  it(`runs on the ${engine} engine`, () => {
    expect(findings().engine).toBe(engine);
  });

  it('lets each of three people decode the pictures of the two others and receive their sound', () => {
    for (const viewer of PEOPLE) {
      const seen = findings().joined[viewer];
      expect(Object.keys(seen).sort()).toEqual(PEOPLE.filter((p) => p !== viewer).sort());
      for (const [member, s] of Object.entries(seen)) {
        expect(s.frames, `${viewer} ← ${member}`).toBeGreaterThan(10);
        expect(s.later, `${viewer} ← ${member} keeps decoding`).toBeGreaterThan(s.frames);
        expect(s.energy, `${viewer} hears ${member}`).toBeGreaterThan(0);
      }
    }
  });

  it('shows the others that a member muted, whose sound energy then stops growing while another member\'s goes on', () => {
    const { muted } = findings();
    expect(muted.seenBy.sort()).toEqual(['admin', 'proctor2']);
    for (const [viewer, s] of Object.entries(muted.stretch)) {
      expect(s.mutedDelta, `${viewer}: energy from the muted member`).toBeLessThan(SILENT_ENERGY);
      expect(s.otherDelta, `${viewer}: energy from the third member over the same stretch`).toBeGreaterThan(SILENT_ENERGY * 1000);
    }
    expect(muted.resumed).toBe(true);
    expect(muted.cameraOffSeen).toBe(true);
  });

  it('drops a member who leaves from the others\' grids, and brings them back when they rejoin', () => {
    const { left, rejoined } = findings();
    expect(left.goneFrom.sort()).toEqual(['admin', 'student1']);
    expect(left.rejoinButton).toBe(true);
    expect(rejoined.seenBy.sort()).toEqual(['admin', 'student1']);
    for (const f of Object.values(rejoined.framesAtRejoiner)) expect(f).toBeGreaterThan(10);
  });

  it('drops a member whose tab closed without leaving', () => {
    expect(findings().closed.goneFrom.sort()).toEqual(['admin', 'proctor2']);
  });
}

describe.skipIf(!HAS_CHROMIUM)('the conference room, browser to browser (p2p mesh)', () => {
  let found: Findings;
  let releaseChromium: (() => void) | undefined;
  beforeAll(async () => {
    releaseChromium = await holdChromium();
    found = await runConferenceScenario('p2p', { shots: SHOTS, log: (m) => console.error(`[conference p2p] ${m}`) });
  }, 300_000);
  afterAll(() => releaseChromium?.());
  conferenceSpecs(() => found, 'p2p');

  it('makes the pairs of a member whose connections died again, with no one leaving: the others see them, and they see the others', () => {
    const { recovered } = found;
    expect(recovered?.seenBy.sort()).toEqual(['admin', 'proctor2']);
    expect(recovered?.sees.sort()).toEqual(['admin', 'proctor2']);
  });

  it('negotiates every pair at the first try, when two members offer at once and when one makes a pair again', () => {
    expect(found.stalled).toEqual([]);
  });
});

describeWithServer('the conference room through a Janus VideoRoom (janus mode, in a network namespace of its own)', HAS_JANUS && HAS_CHROMIUM && CAN_UNSHARE, JANUS_REASON, () => {
  let found: Findings;
  let releaseChromium: (() => void) | undefined;
  beforeAll(async () => {
    releaseChromium = await holdChromium();
    found = await runInNetns<Findings>(SCENARIO, ['janus'], { timeoutMs: 280_000 });
  }, 300_000);
  afterAll(() => releaseChromium?.());
  conferenceSpecs(() => found, 'janus');

  it('carries the media through Janus: each of the three publishes there once, and a closed tab\'s publisher goes', () => {
    expect(found.janusFeedsJoined).toBe(3);
    expect(found.closed.janusFeedsAfter).toBe(2);
  });
});
