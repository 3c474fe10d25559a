/**
 * What each metric looks at in the browser, read once a second. Each sensor answers true while its metric is in
 * violation. Face metrics (c2 c3 c4) need the face detector and are not read here; c5 c6 n3 are the server's.
 */
export interface SensorInput {
  camera: MediaStream | null;
  screen: MediaStream | null;
  /** Loudness of the last second, 0–1 (RMS, scaled), from `AudioMeter`. */
  audio: { peak: number; loudShare: number } | null;
}

/** Browsers the exam supports: name pattern and lowest major version. Configurable per deployment. */
export const SUPPORTED_BROWSERS: Array<{ name: string; pattern: RegExp; min: number }> = [
  { name: 'Edge', pattern: /Edg\/(\d+)/, min: 100 },
  { name: 'Chrome', pattern: /(?:Chrome|Chromium)\/(\d+)/, min: 100 },
  { name: 'Firefox', pattern: /Firefox\/(\d+)/, min: 100 },
  { name: 'Safari', pattern: /Version\/(\d+).*Safari\//, min: 16 },
];

export function browserSupported(userAgent: string, rules = SUPPORTED_BROWSERS): boolean {
  for (const rule of rules) {
    const m = rule.pattern.exec(userAgent);
    if (m) return Number(m[1]) >= rule.min;
  }
  return false;
}

const live = (t: MediaStreamTrack | undefined) => Boolean(t && t.readyState === 'live' && t.enabled && !t.muted);

/** Below this the microphone counts as silent (m1); above it, for more than a third of the second, as talk or noise (m2). */
export const SILENCE = 0.01;
export const NOISE = 0.25;

export function readSensors(input: SensorInput, doc: Document = document, nav: Navigator = navigator, scr: Screen = screen): Record<string, boolean> {
  const cam = input.camera?.getVideoTracks()[0];
  const mic = input.camera?.getAudioTracks()[0];
  const shared = input.screen?.getVideoTracks()[0];
  const surface = (shared?.getSettings() as (MediaTrackSettings & { displaySurface?: string }) | undefined)?.displaySurface;
  return {
    b1: !browserSupported(nav.userAgent),
    b2: doc.visibilityState === 'hidden' || !doc.hasFocus(),
    b3: !doc.fullscreenElement,
    c1: !live(cam),
    m1: !live(mic) || (input.audio !== null && input.audio.peak < SILENCE),
    m2: input.audio !== null && input.audio.loudShare > 1 / 3,
    n1: !nav.onLine,
    s1: !live(shared) || (surface !== undefined && surface !== 'monitor'),
    s2: (scr as Screen & { isExtended?: boolean }).isExtended === true,
  };
}

/** Listens to a microphone track and keeps the last second's loudness. */
export class AudioMeter {
  private readonly context: AudioContext;
  private readonly analyser: AnalyserNode;
  private readonly levels: number[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(stream: MediaStream) {
    this.context = new AudioContext();
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.context.createMediaStreamSource(stream).connect(this.analyser);
    const buffer = new Float32Array(this.analyser.fftSize);
    this.timer = setInterval(() => {
      this.analyser.getFloatTimeDomainData(buffer);
      let sum = 0;
      for (const v of buffer) sum += v * v;
      this.levels.push(Math.min(1, Math.sqrt(sum / buffer.length) * 4));
      if (this.levels.length > 10) this.levels.shift();
    }, 100);
  }

  read(): { peak: number; loudShare: number } | null {
    if (this.levels.length === 0) return null;
    return { peak: Math.max(...this.levels), loudShare: this.levels.filter((l) => l > NOISE).length / this.levels.length };
  }

  close(): void {
    clearInterval(this.timer);
    void this.context.close();
  }
}
