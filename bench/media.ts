/**
 * Media benchmark: `npm run bench:media`. With Janus (MEDIA=janus): 1, 10 and 30 publishers (Chromium's fake
 * camera, two-layer simulcast as the web client sends it, all in one page) watched by one proctor page at tile
 * quality. Prints CPU and memory of Janus and of our server (the Janus engine: janode, recording cycles, janus-pp-rec
 * and ffmpeg conversions, segment events), the bitrate per tile and the proctor's total downlink.
 *
 * Runs in a network namespace of its own (Janus gathers no ICE candidates on loopback): needs root, janus,
 * janus-tools, ffmpeg and chromium. BENCH_MEDIA_SIZES=1,10 to choose the sizes, BENCH_MEDIA_SECONDS to measure longer.
 */
import { fileURLToPath } from 'node:url';
import { table } from './support/stats.js';
import { canUnshare, runInNetns } from '../test/support/netns.js';

interface Row {
  publishers: number;
  janusCpu: number;
  janusMb: number;
  serverCpu: number;
  serverMb: number;
  tileKbps: number;
  tileFps: number;
  downlinkMbps: number;
  tileWidth: number;
  publishersConnected: number;
  segments: number;
}

if (!canUnshare()) {
  console.error('bench:media needs a network namespace of its own (unshare -n, as root): Janus gathers no ICE candidates on loopback');
  process.exit(1);
}
const rows = await runInNetns<Row[]>(fileURLToPath(new URL('./media/run.ts', import.meta.url)), [], { timeoutMs: 20 * 60_000 });
console.log('\nJanus VideoRoom, one proctor watching every publisher at tile quality (2 cores; publishers are Chromium pages on the same machine)');
console.log(table(
  ['publishers', 'connected', 'Janus CPU % of a core', 'Janus RSS MB', 'server CPU % of a core', 'server RSS MB', 'tile kbit/s', 'tile fps', 'tile width', 'proctor downlink Mbit/s', 'segments stored'],
  rows.map((r) => [
    String(r.publishers), String(r.publishersConnected), r.janusCpu.toFixed(1), r.janusMb.toFixed(0), r.serverCpu.toFixed(1), r.serverMb.toFixed(0),
    r.tileKbps.toFixed(0), r.tileFps.toFixed(1), String(r.tileWidth), r.downlinkMbps.toFixed(2), String(r.segments),
  ]),
));
const last = rows.at(-1);
if (last) console.log(`target: 30 tiles ≤ 8 Mbit/s at the proctor — measured ${last.downlinkMbps.toFixed(2)} Mbit/s for ${last.publishers}`);
const full = rows.find((r) => r.tileFps > 7);
if (full && last && last.tileFps < 7) {
  console.log(`at ${last.publishers} the publishers' own encoders (all in one Chromium on these 2 cores) fall behind (${last.tileFps.toFixed(1)} fps a tile): ` +
    `at the full tile rate measured with ${full.publishers} (${full.tileKbps.toFixed(0)} kbit/s a tile) ${last.publishers} tiles would need ${((full.tileKbps * last.publishers) / 1000).toFixed(1)} Mbit/s`);
}
