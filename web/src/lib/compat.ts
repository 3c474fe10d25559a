import { auth } from './auth.svelte.js';
/** The compatibility check a test-taker runs before the exam: each item passes or says what to do. */
export type CheckId = 'browser' | 'camera' | 'microphone' | 'screen' | 'network' | 'webrtc';

export interface CheckResult {
  ok: boolean;
  detail: string;
  /** What to do when it failed. */
  fix?: string;
}

export const CHECKS: Array<{ id: CheckId; label: string }> = [
  { id: 'browser', label: 'Browser support' },
  { id: 'camera', label: 'Camera' },
  { id: 'microphone', label: 'Microphone' },
  { id: 'screen', label: 'Screen sharing' },
  { id: 'network', label: 'Network speed to the server' },
  { id: 'webrtc', label: 'Video connection (WebRTC)' },
];

export function checkBrowser(w: Window = window): CheckResult {
  const missing = [
    ['WebRTC', 'RTCPeerConnection' in w],
    ['camera access', Boolean(w.navigator.mediaDevices?.getUserMedia)],
    ['screen sharing', Boolean(w.navigator.mediaDevices?.getDisplayMedia)],
    ['recording', 'MediaRecorder' in w],
    ['WebSocket', 'WebSocket' in w],
  ].filter(([, ok]) => !ok).map(([name]) => name);
  return missing.length === 0
    ? { ok: true, detail: 'All features the exam needs are available.' }
    : { ok: false, detail: `Missing: ${missing.join(', ')}.`, fix: 'Use a current Chromium, Chrome, Edge or Firefox.' };
}

export async function checkCamera(): Promise<CheckResult & { stream?: MediaStream }> {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    const track = stream.getVideoTracks()[0];
    const { width, height } = track.getSettings();
    return { ok: true, detail: `${track.label || 'Camera'} ${width ?? '?'}×${height ?? '?'}`, stream };
  } catch (error) {
    return { ok: false, detail: `No camera: ${(error as Error).name}.`, fix: 'Connect a camera and allow this page to use it (the camera icon in the address bar).' };
  }
}

/** Listens to the microphone for `ms` and reports the peak level (0–1) through `onLevel` as it goes. */
export async function checkMicrophone(onLevel: (level: number) => void, ms = 1500): Promise<CheckResult> {
  let stream: MediaStream | null = null;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let peak = 0;
    const end = performance.now() + ms;
    while (performance.now() < end) {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += v * v;
      const level = Math.min(1, Math.sqrt(sum / samples.length) * 4);
      peak = Math.max(peak, level);
      onLevel(level);
      await new Promise((r) => setTimeout(r, 50));
    }
    await context.close();
    return peak > 0.01
      ? { ok: true, detail: `Sound is coming through (peak level ${Math.round(peak * 100)}%).` }
      : { ok: false, detail: 'The microphone is silent.', fix: 'Unmute the microphone or choose another one in the browser settings, then check again.' };
  } catch (error) {
    return { ok: false, detail: `No microphone: ${(error as Error).name}.`, fix: 'Connect a microphone and allow this page to use it.' };
  } finally {
    stream?.getTracks().forEach((t) => t.stop());
  }
}

export async function checkScreen(): Promise<CheckResult> {
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: true });
    const track = stream.getVideoTracks()[0];
    const surface = (track.getSettings() as MediaTrackSettings & { displaySurface?: string }).displaySurface;
    stream.getTracks().forEach((t) => t.stop());
    return surface && surface !== 'monitor'
      ? { ok: false, detail: `You shared a ${surface}, not the whole screen.`, fix: 'Check again and choose "Entire screen".' }
      : { ok: true, detail: 'The whole screen can be shared.' };
  } catch (error) {
    return { ok: false, detail: `Screen sharing was refused: ${(error as Error).name}.`, fix: 'Allow screen sharing and choose "Entire screen".' };
  }
}

/** Downloads and uploads 1 MB to the server and reports both speeds (needs ≥ 1 Mbit/s each way). */
export async function checkNetwork(bytes = 1024 * 1024): Promise<CheckResult> {
  try {
    const t0 = performance.now();
    // Signed-in users only (it costs the server bandwidth): the same token as the API.
    const headers: Record<string, string> = auth.token ? { authorization: `Bearer ${auth.token}` } : {};
    const got = await fetch(`/speedtest?bytes=${bytes}`, { cache: 'no-store', headers });
    if (!got.ok) throw new Error(`the network test was refused (${got.status})`);
    const down = await got.arrayBuffer();
    const t1 = performance.now();
    const res = await fetch('/speedtest', { method: 'POST', body: new Uint8Array(bytes), headers });
    await res.json();
    const t2 = performance.now();
    const mbit = (n: number, ms: number) => (n * 8) / 1e6 / Math.max(ms / 1000, 1e-3);
    const downMbit = mbit(down.byteLength, t1 - t0);
    const upMbit = mbit(bytes, t2 - t1);
    const detail = `Download ${downMbit.toFixed(1)} Mbit/s, upload ${upMbit.toFixed(1)} Mbit/s.`;
    return downMbit >= 1 && upMbit >= 1 ? { ok: true, detail } : { ok: false, detail, fix: 'Move closer to the Wi-Fi router or use a cable; close other downloads.' };
  } catch {
    return { ok: false, detail: 'The server cannot be reached.', fix: 'Check the Internet connection.' };
  }
}

/** Connects two peer connections in this page and sends a message over a data channel. */
export async function checkWebRtc(timeoutMs = 5000): Promise<CheckResult> {
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  try {
    a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate).catch(() => {});
    b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate).catch(() => {});
    const received = new Promise<string>((resolve) => {
      b.ondatachannel = (e) => (e.channel.onmessage = (m) => resolve(String(m.data)));
    });
    const channel = a.createDataChannel('check');
    channel.onopen = () => channel.send('ping');
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription!);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription!);
    const result = await Promise.race([received, new Promise<null>((r) => setTimeout(() => r(null), timeoutMs))]);
    return result === 'ping'
      ? { ok: true, detail: 'A video connection can be established.' }
      : { ok: false, detail: 'No connection within 5 s.', fix: 'A firewall may block WebRTC: try another network or ask your administrator.' };
  } catch (error) {
    return { ok: false, detail: `WebRTC failed: ${(error as Error).message}`, fix: 'Use a current browser.' };
  } finally {
    a.close();
    b.close();
  }
}
