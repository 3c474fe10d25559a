import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readlinkSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeWithServer } from '../../../test/support/servers.js';
import { janusConfigFiles, writeJanusFolder } from './config.js';
import { baseTime, convertRecording, groupRecordings, mjrHasVp8Keyframe, NoKeyframe, readMjrHeader, UnwrittenRecording } from './recording.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/janus/', import.meta.url));
const HAS_TOOLS = existsSync('/usr/bin/janus-pp-rec') && existsSync('/usr/bin/ffmpeg') && existsSync('/usr/bin/ffprobe');

describe('our Janus configuration folder', () => {
  const files = janusConfigFiles('/srv/janus', { wsPort: 18188, publicIp: '203.0.113.7' });

  it('loads plugins and transports from folders of ours, so only VideoRoom and WebSocket exist', () => {
    expect(files['janus.jcfg']).toContain('plugins_folder = "/srv/janus/plugins"');
    expect(files['janus.jcfg']).toContain('transports_folder = "/srv/janus/transports"');
    expect(Object.keys(files).sort()).toEqual(['janus.jcfg', 'janus.plugin.videoroom.jcfg', 'janus.transport.websockets.jcfg']);
  });

  it('binds the WebSocket API to 127.0.0.1 without the admin API, and uses string room ids', () => {
    const ws = files['janus.transport.websockets.jcfg'];
    expect(ws).toContain('ws_ip = "127.0.0.1"');
    expect(ws).toContain('ws_port = 18188');
    expect(ws).toContain('admin_ws = false');
    expect(files['janus.plugin.videoroom.jcfg']).toContain('string_ids = true');
  });

  it('announces the public address behind 1:1 NAT, and leaves recordings under /var allowed', () => {
    expect(files['janus.jcfg']).toContain('nat_1_1_mapping = "203.0.113.7"');
    expect(files['janus.jcfg']).toMatch(/protected_folders = \[[^\]]*"\/usr"[^\]]*\]/);
    expect(files['janus.jcfg']).not.toMatch(/protected_folders = \[[^\]]*"\/var"/);
  });

  it('writes the folder with links to the two libraries only', () => {
    const lib = mkdtempSync(join(tmpdir(), 'janus-lib-'));
    for (const [sub, name] of [['plugins', 'libjanus_videoroom.so'], ['plugins', 'libjanus_echotest.so'], ['transports', 'libjanus_websockets.so'], ['transports', 'libjanus_http.so']]) {
      execFileSync('mkdir', ['-p', join(lib, sub)]);
      writeFileSync(join(lib, sub, name), '');
    }
    const dir = join(mkdtempSync(join(tmpdir(), 'janus-cfg-')), 'config');
    const config = writeJanusFolder(dir, { wsPort: 18188, libDir: lib });
    expect(config).toBe(join(dir, 'janus.jcfg'));
    expect(readdirSync(join(dir, 'plugins'))).toEqual(['libjanus_videoroom.so']);
    expect(readdirSync(join(dir, 'transports'))).toEqual(['libjanus_websockets.so']);
    expect(readlinkSync(join(dir, 'plugins', 'libjanus_videoroom.so'))).toBe(join(lib, 'plugins', 'libjanus_videoroom.so'));
    expect(readFileSync(config, 'utf8')).toContain(`configs_folder = "${dir}"`);
    writeJanusFolder(dir, { wsPort: 18189, libDir: lib }); // again over itself: same links, new port
    expect(readFileSync(join(dir, 'janus.transport.websockets.jcfg'), 'utf8')).toContain('ws_port = 18189');
  });
});

describe('finding the recordings Janus wrote', () => {
  it('groups .mjr files by recording base in time order and ignores data channels and other files', () => {
    const names = ['screen-1700000005000-video-0.mjr', 'camera-1700000010000-video-1.mjr', 'camera-1700000000000-audio-0.mjr', 'camera-1700000000000-video-1.mjr', 'camera-1700000000000-data-2.mjr', 'notes.txt', 'camera-1700000010000-audio-0.mjr.failed'];
    expect(groupRecordings(names)).toEqual([
      { base: 'camera-1700000000000', video: 'camera-1700000000000-video-1.mjr', audio: 'camera-1700000000000-audio-0.mjr' },
      { base: 'screen-1700000005000', video: 'screen-1700000005000-video-0.mjr', audio: null },
      { base: 'camera-1700000010000', video: 'camera-1700000010000-video-1.mjr', audio: null },
    ]);
    expect(baseTime('camera-1700000010000')).toBe(1700000010000);
    expect(baseTime('camera')).toBe(0);
  });
});

/** A .mjr cut into its header and packets (layout in `mjrHasVp8Keyframe`), to make others from a real one. */
function mjrParts(file: Buffer): { head: Buffer; packets: Buffer[] } {
  const headEnd = 10 + file.readUInt16BE(8);
  const packets: Buffer[] = [];
  for (let pos = headEnd; pos + 10 <= file.length; pos += 10 + file.readUInt16BE(pos + 8)) packets.push(file.subarray(pos, pos + 10 + file.readUInt16BE(pos + 8)));
  return { head: file.subarray(0, headEnd), packets };
}
/** The RTP timestamp of a stored packet: packets of one frame share it. */
const rtpTime = (packet: Buffer) => packet.readUInt32BE(10 + 4);

describe('looking for a keyframe in a Janus video recording as it is written', () => {
  const whole = readFileSync(join(FIXTURES, 'camera-1795800371471-video-1.mjr'));
  const { head, packets } = mjrParts(whole);
  const firstFrame = packets.filter((p) => rtpTime(p) === rtpTime(packets[0]));

  it('finds the keyframe a recording starts with, also in a file that ends inside a packet', () => {
    expect(mjrHasVp8Keyframe(whole)).toBe(true);
    expect(mjrHasVp8Keyframe(Buffer.concat([head, ...firstFrame, packets[firstFrame.length].subarray(0, 20)]))).toBe(true);
  });

  it('finds none in packets of frames that depend on others, in a file cut inside the keyframe\'s first packet, or in Janus\'s opening bytes', () => {
    expect(firstFrame.length).toBeGreaterThan(0);
    expect(mjrHasVp8Keyframe(Buffer.concat([head, ...packets.slice(firstFrame.length)]))).toBe(false);
    expect(mjrHasVp8Keyframe(Buffer.concat([head, firstFrame[0].subarray(0, 30)]))).toBe(false);
    expect(mjrHasVp8Keyframe(whole.subarray(0, 8))).toBe(false);
    expect(mjrHasVp8Keyframe(Buffer.alloc(0))).toBe(false);
  });
});

describeWithServer('turning a Janus recording into a segment (janus-pp-rec + ffmpeg)', HAS_TOOLS, 'no janus-pp-rec or ffmpeg (apt-get install janus-tools ffmpeg)', () => {
  const [files] = groupRecordings(readdirSync(FIXTURES));

  it('reads the header: codec and the time of the first packet', async () => {
    const header = await readMjrHeader(join(FIXTURES, files.video!));
    expect(header).toMatchObject({ t: 'v', c: 'vp8' });
    expect(header.u).toBeGreaterThan(header.s - 1);
  });

  it('merges camera and microphone into one playable WebM that starts at the first packet', async () => {
    const work = mkdtempSync(join(tmpdir(), 'janus-convert-'));
    const segment = (await convertRecording(FIXTURES, files, work))!;
    const audio = await readMjrHeader(join(FIXTURES, files.audio!));
    const video = await readMjrHeader(join(FIXTURES, files.video!));
    expect(segment.start.getTime()).toBe(Math.round(Math.min(audio.u, video.u) / 1000));
    expect(segment.durationMs).toBeGreaterThan(6500);
    expect(segment.durationMs).toBeLessThan(7500);
    expect(segment.streams).toEqual({ video: true, audio: true });
    const out = join(work, 'out.webm');
    writeFileSync(out, segment.data);
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', out], { encoding: 'utf8' }));
    expect(probe.streams.map((s: { codec_name: string }) => s.codec_name).sort()).toEqual(['opus', 'vp8']);
    expect(segment.data.subarray(0, 4)).toEqual(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]));
    expect(readdirSync(work)).toEqual(['out.webm']); // intermediate files are gone
  });

  it('tells a file Janus has not written yet (its opening bytes only) from a broken one, so neither is taken for empty', async () => {
    const work = mkdtempSync(join(tmpdir(), 'janus-unwritten-'));
    const whole = readFileSync(join(FIXTURES, files.video!));
    writeFileSync(join(work, 'x-video-1.mjr'), whole.subarray(0, 8));
    await expect(convertRecording(work, { base: 'x', video: 'x-video-1.mjr', audio: null }, work)).rejects.toBeInstanceOf(UnwrittenRecording);
    writeFileSync(join(work, 'x-video-1.mjr'), whole.subarray(0, 20));
    const broken = convertRecording(work, { base: 'x', video: 'x-video-1.mjr', audio: null }, work);
    await expect(broken).rejects.toThrow(/cannot read the header/);
    await expect(broken).rejects.not.toBeInstanceOf(UnwrittenRecording);
  });

  it('refuses a recording whose packets hold no keyframe (janus-pp-rec would make a WebM nothing plays)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'janus-nokey-'));
    const { head, packets } = mjrParts(readFileSync(join(FIXTURES, files.video!)));
    writeFileSync(join(work, 'x-video-1.mjr'), Buffer.concat([head, ...packets.filter((p) => rtpTime(p) !== rtpTime(packets[0]))]));
    await expect(convertRecording(work, { base: 'x', video: 'x-video-1.mjr', audio: null }, work)).rejects.toBeInstanceOf(NoKeyframe);
  });

  it('makes a piece of one frame (cycled just before an end) a playable segment of at least 1 ms, not a failure', async () => {
    const work = mkdtempSync(join(tmpdir(), 'janus-oneframe-'));
    const { head, packets } = mjrParts(readFileSync(join(FIXTURES, files.video!)));
    writeFileSync(join(work, 'x-video-1.mjr'), Buffer.concat([head, ...packets.filter((p) => rtpTime(p) === rtpTime(packets[0]))]));
    const segment = (await convertRecording(work, { base: 'x', video: 'x-video-1.mjr', audio: null }, work))!;
    expect(segment.durationMs).toBeGreaterThanOrEqual(1);
    expect(segment.durationMs).toBeLessThan(100);
    expect(segment.streams).toEqual({ video: true, audio: false });
    const out = join(work, 'one.webm');
    writeFileSync(out, segment.data);
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', out], { encoding: 'utf8' }));
    expect(probe.streams[0]).toMatchObject({ codec_name: 'vp8', width: 640, nb_read_frames: '1' });
  });

  it('answers null for a recording without video', async () => {
    expect(await convertRecording(FIXTURES, { base: 'x', video: null, audio: files.audio }, tmpdir())).toBeNull();
  });
});
