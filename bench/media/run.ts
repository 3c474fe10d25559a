/** The body of `npm run bench:media`, run inside a network namespace of its own by bench/media.ts. */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { LocalBlobStore } from '../../src/media/blob-store.js';
import { JanusEngine } from '../../src/media/janus/engine.js';
import { startTestApi } from '../../test/support/api.js';
import { launchChromium, newContext } from '../../test/support/browser.js';
import { setUpNamespaceNetwork } from '../../test/support/netns.js';

const SIZES = (process.env.BENCH_MEDIA_SIZES ?? '1,10,30').split(',').map(Number);
const MEASURE_MS = Number(process.env.BENCH_MEDIA_SECONDS ?? 20) * 1000;
const WARMUP_MS = 10_000;
const log = (m: string) => console.error(`[bench:media] ${m}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // USER_HZ

setUpNamespaceNetwork();
const api = await startTestApi({ media: 'janus' }, {
  webDir: fileURLToPath(new URL('../../web/dist', import.meta.url)),
  janus: (core, dataDir) => JanusEngine.start({ core, blobs: new LocalBlobStore(join(dataDir, 'blobs')), dir: join(dataDir, 'janus'), port: 8188, segmentMs: 10_000 }),
});
const engine = api.janus!;
const janusPid = engine.pid!;

/** CPU seconds (user+system) of a process from /proc; `children` adds its waited-for children (janus-pp-rec, ffmpeg). */
function cpuSeconds(pid: number | 'self', children = false): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const [utime, stime, cutime, cstime] = [fields[11], fields[12], fields[13], fields[14]].map(Number);
  return (utime + stime + (children ? cutime + cstime : 0)) / TICK;
}
function rssMb(pid: number | 'self'): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const browser = await launchChromium();
const origin = api.server.url;
const publisherPage = await (await newContext(browser, origin)).newPage();
const proctorPage = await (await newContext(browser, origin)).newPage();
await publisherPage.goto('/demo-test.html');
await proctorPage.goto('/demo-test.html');
await publisherPage.evaluate(async () => {
  (window as any).camera = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true });
  (window as any).pcs = [];
});
await proctorPage.evaluate(() => ((window as any).pcs = []));

async function gatheredIn(page: Page, index: number): Promise<string> {
  return page.evaluate(async (i) => {
    const pc = (window as any).pcs[i] as RTCPeerConnection;
    if (pc.iceGatheringState !== 'complete') {
      await new Promise<void>((r) => {
        const t = setTimeout(r, 3000);
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && (clearTimeout(t), r()));
      });
    }
    return pc.localDescription!.sdp;
  }, index);
}

let sessions = 0;
async function addPublisherAndTile(): Promise<void> {
  const i = sessions++;
  const id = `bench-${i}`;
  await api.createSession(id, { name: `Bench ${i}` });
  await api.as('student1', `mutation { checkIn(id: "${id}", userAgent: "bench") { id } startSession(id: "${id}") { id } }`);
  // The publisher, as JanusParticipantMedia sends the camera: two simulcast layers and the microphone.
  await publisherPage.evaluate(async () => {
    const camera = (window as any).camera as MediaStream;
    const pc = new RTCPeerConnection();
    (window as any).pcs.push(pc);
    pc.addTransceiver(camera.getAudioTracks()[0], { direction: 'sendonly', streams: [camera] });
    pc.addTransceiver(camera.getVideoTracks()[0], {
      direction: 'sendonly', streams: [camera],
      sendEncodings: [{ rid: 'h', maxBitrate: 900_000, maxFramerate: 30 }, { rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 120_000, maxFramerate: 8 }],
    });
    await pc.setLocalDescription(await pc.createOffer());
  });
  const answer = await engine.publish(id, 'camera', await gatheredIn(publisherPage, i));
  await publisherPage.evaluate(async ([n, sdp]) => (window as any).pcs[n].setRemoteDescription({ type: 'answer', sdp }), [i, answer] as const);
  // The proctor's tile: subscribed at tile quality (small layer, no sound), once Janus has the publisher's media.
  let offer: Awaited<ReturnType<typeof engine.watch>> | null = null;
  for (let attempt = 0; !offer; attempt++) {
    offer = await engine.watch(id, 'proctor1', false).catch((e) => {
      if (attempt > 40) throw e;
      return null;
    });
    if (!offer) await sleep(250);
  }
  await proctorPage.evaluate(async ([n, sdp]) => {
    const pc = new RTCPeerConnection();
    (window as any).pcs[n] = pc;
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await pc.setLocalDescription(await pc.createAnswer());
  }, [i, offer.sdp] as const);
  await engine.startWatching(id, offer.watchId, 'proctor1', await gatheredIn(proctorPage, i));
}

async function proctorCounters(): Promise<{ bytes: number; frames: number; width: number; connected: number }> {
  return proctorPage.evaluate(async () => {
    let bytes = 0, frames = 0, width = 0;
    for (const pc of (window as any).pcs as RTCPeerConnection[]) {
      (await pc.getStats()).forEach((r: any) => {
        if (r.type === 'inbound-rtp') bytes += r.bytesReceived ?? 0;
        if (r.type === 'inbound-rtp' && r.kind === 'video') {
          frames += r.framesDecoded ?? 0;
          width = Math.max(width, r.frameWidth ?? 0);
        }
      });
    }
    const connected = ((window as any).pcs as RTCPeerConnection[]).filter((pc) => pc.connectionState === 'connected').length;
    return { bytes, frames, width, connected };
  });
}

const rows = [];
for (const size of SIZES) {
  while (sessions < size) await addPublisherAndTile();
  log(`${size} publishers up; warming up`);
  await sleep(WARMUP_MS);
  const t0 = Date.now();
  const j0 = cpuSeconds(janusPid);
  const s0 = cpuSeconds('self', true);
  const p0 = await proctorCounters();
  const segs0 = Number((await api.core.db.query<{ n: string }>(`SELECT count(*) AS n FROM protocol_segments`))[0].n);
  await sleep(MEASURE_MS);
  const p1 = await proctorCounters();
  const seconds = (Date.now() - t0) / 1000;
  const row = {
    publishers: size,
    publishersConnected: p1.connected,
    janusCpu: ((cpuSeconds(janusPid) - j0) / seconds) * 100,
    janusMb: rssMb(janusPid),
    serverCpu: ((cpuSeconds('self', true) - s0) / seconds) * 100,
    serverMb: rssMb('self'),
    tileKbps: ((p1.bytes - p0.bytes) * 8) / seconds / 1000 / size,
    tileFps: (p1.frames - p0.frames) / seconds / size,
    tileWidth: p1.width,
    downlinkMbps: ((p1.bytes - p0.bytes) * 8) / seconds / 1e6,
    segments: Number((await api.core.db.query<{ n: string }>(`SELECT count(*) AS n FROM protocol_segments`))[0].n) - segs0,
  };
  log(JSON.stringify(row));
  rows.push(row);
}
await browser.close();
await api.close();
console.log(JSON.stringify(rows));
