import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IllegalStateError } from '../../src/domain/core/errors.js';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { JanusEngine } from '../../src/media/janus/engine.js';
import { startJanus, type RunningJanus } from '../../src/media/janus/process.js';
import { eventually, startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, freePort } from '../support/servers.js';

// Janus's control plane only (rooms, handles): no media, so no network namespace is needed.
const HAS_JANUS = existsSync('/usr/bin/janus');

/** Whether the engine's Janus answers: a room made now is there. */
async function answers(engine: JanusEngine, room: string): Promise<boolean> {
  const server = await engine.conferenceHandles().room(room, async (control) => {
    await control.create({ room, description: room, is_private: true, record: false });
  });
  return (await (await server.controlHandle()).exists({ room })).exists;
}

describeWithServer('the Janus media engine when Janus goes away', HAS_JANUS, 'no Janus (apt-get install janus)', () => {
  let api: TestApi;
  let ours: JanusEngine;
  let external: RunningJanus | null = null;
  let given: JanusEngine;
  let givenDir = '';
  let givenPort = 0;
  const warnings: string[] = [];
  const log = { info() {}, warn: (_o: object, m: string) => void warnings.push(m), error: (_o: object, m: string) => void warnings.push(m) };

  beforeAll(async () => {
    const port = await freePort();
    givenPort = await freePort();
    api = await startTestApi({}, {
      janus: async (core, dataDir) => {
        givenDir = join(dataDir, 'janus-given');
        external = await startJanus({ dir: join(givenDir, 'config'), wsPort: givenPort });
        given = await JanusEngine.start({ core, blobs: new LocalBlobStore(join(dataDir, 'blobs-given')), dir: givenDir, urls: [external.url], log });
        return JanusEngine.start({ core, blobs: new LocalBlobStore(join(dataDir, 'blobs')), dir: join(dataDir, 'janus'), port, log });
      },
    });
    ours = api.janus!;
  }, 60_000);
  afterAll(async () => {
    await given?.close();
    await external?.stop();
    await api?.close();
  });

  it('starts its own Janus again when it dies, and connects to it', async () => {
    expect(await answers(ours, 'before')).toBe(true);
    const first = ours.pid!;
    process.kill(first, 'SIGKILL');
    // The rooms were Janus's: a new Janus has none, and makes them again on first use.
    await eventually(async () => ours.pid !== first && (await answers(ours, 'after').catch(() => false)), 30_000);
    expect(warnings.some((w) => /the connection to Janus (closed|failed)/.test(w))).toBe(true);
  }, 40_000);

  it('refuses to publish while a Janus it was given is gone, and connects again once it is back', async () => {
    expect(await answers(given, 'given-before')).toBe(true);
    await external!.stop();
    await eventually(async () => {
      const error = await given.publish('gone', 'camera', 'v=0').catch((e: unknown) => e);

      return error instanceof IllegalStateError && /not reachable/.test(error.message);
    }, 15_000);
    external = await startJanus({ dir: join(givenDir, 'config'), wsPort: givenPort });
    await eventually(async () => answers(given, 'given-after').catch(() => false), 30_000);
  }, 60_000);

  it('spreads rooms over several Janus instances, the least loaded first, and uses one that was down at start once it is up', async () => {
    const firstPort = await freePort();
    const laterPort = await freePort();
    const dir = join(givenDir, '..', 'janus-two');
    const first = await startJanus({ dir: join(dir, 'first'), wsPort: firstPort });
    let later: RunningJanus | null = null;
    const urls = [`ws://127.0.0.1:${laterPort}`, first.url];
    const reconnected: string[] = [];
    const twoLog = { ...log, info: (o: object, m: string) => void (m === 'connected to Janus again' && reconnected.push((o as { url: string }).url)) };
    const two = await JanusEngine.start({ core: api.core, blobs: new LocalBlobStore(join(dir, 'blobs')), dir, urls, log: twoLog });
    try {
      // The first listed is not running: every room goes to the other.
      for (const room of ['two-a', 'two-b']) {
        expect(await answers(two, room)).toBe(true);
        expect(await two.placementOf(`conference:${room}`)).toBe(first.url);
      }
      later = await startJanus({ dir: join(dir, 'later'), wsPort: laterPort });
      await eventually(() => reconnected.includes(urls[0]), 30_000);
      // It holds fewer rooms: the next ones go there until both hold as many, then they alternate.
      const placed: string[] = [];
      for (const room of ['two-c', 'two-d', 'two-e', 'two-f']) {
        expect(await answers(two, room)).toBe(true);
        placed.push((await two.placementOf(`conference:${room}`))!);
      }
      expect(placed.slice(0, 2)).toEqual([urls[0], urls[0]]);
      expect([...placed.slice(2)].sort()).toEqual([...urls].sort());
    } finally {
      await two.close();
      await first.stop();
      await later?.stop();
    }
  }, 60_000);

  it('closes a session\'s room when the session ends: destroyed in its Janus, no longer counted towards its load', async () => {
    await eventually(async () => answers(given, 'given-ready').catch(() => false), 30_000);
    // No browser here: an offer Janus cannot use. The room is placed and made before Janus reads it.
    await expect(given.publish('ended-1', 'camera', 'v=0\r\n')).rejects.toThrow();
    expect(await given.placementOf('ended-1')).toBe(external!.url);
    const exists = async () => {
      const server = await given.conferenceHandles().room('probe', async (control) => void (await control.create({ room: 'probe', is_private: true, record: false })));
      return (await (await server.controlHandle()).exists({ room: 'ended-1' })).exists;
    };
    expect(await exists()).toBe(true);
    await given.endSession('ended-1');
    expect(await exists()).toBe(false);
    expect(await given.placementOf('ended-1')).toBeNull();
  }, 60_000);
});
