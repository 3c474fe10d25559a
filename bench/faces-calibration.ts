/**
 * Calibration of the face thresholds on distinct photos of the same people (not mirrored or re-cropped copies of one
 * frame): `npm run bench:faces -- calibration` prints it alone. Every photo is framed like a webcam shot (scaled to
 * 300 px high in the middle of a grey 640×480 frame) and analysed as the verifier does (`auto` detector).
 *
 * - Same person: every pair of the 18 photos of one man in test/fixtures/faces/calibration/ (see test/fixtures/README).
 * - Different people: every pair among the 22 people of @vladmandic/face-api's demo photos, and each of them against
 *   each photo of that man.
 * - More people: `FACE_CALIBRATION_DIR=/path` adds one folder per person (`person/photo.jpg`), photos of one person
 *   distinct shots; they join both sides.
 *
 * Prints, for thresholds 0.40–0.60: 1:1 (same person rejected, different people accepted) and 1:N (each photo of a
 * person searched among one reference per person: how often the right profile is found, and how often another one
 * comes within the threshold), with the chance of a false "similar profile" among N profiles.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createFaceAnalyzer, faceDistance } from '../src/media/faces/analyzer.js';
import { DEFAULT_MATCH_THRESHOLD, DEFAULT_SIMILAR_THRESHOLD } from '../src/media/faces/verifier.js';
import { webcamFrame } from '../test/faces/photos.js';

const CALIBRATION = fileURLToPath(new URL('../test/fixtures/faces/calibration/', import.meta.url));
const THRESHOLDS = [0.4, 0.45, 0.5, 0.55, 0.6];

/** Photos by person: the committed calibration set, and the folders of `FACE_CALIBRATION_DIR`. */
function people(): Map<string, Buffer[]> {
  const out = new Map<string, Buffer[]>();
  out.set('person-m', readdirSync(CALIBRATION).filter((f) => f.endsWith('.jpg')).sort().map((f) => readFileSync(join(CALIBRATION, f))));
  const extra = process.env.FACE_CALIBRATION_DIR;
  if (extra) {
    for (const person of readdirSync(extra).sort()) {
      const dir = join(extra, person);
      if (!statSync(dir).isDirectory()) continue;
      out.set(person, readdirSync(dir).filter((f) => /\.(jpe?g|png|webp)$/i.test(f)).sort().map((f) => readFileSync(join(dir, f))));
    }
  }
  return out;
}

const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))];
};
const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1)}%`;
const spread = (xs: readonly number[]) => `${quantile(xs, 0).toFixed(2)} / ${quantile(xs, 0.05).toFixed(2)} / ${quantile(xs, 0.5).toFixed(2)} / ${quantile(xs, 0.95).toFixed(2)} / ${quantile(xs, 1).toFixed(2)}`;

/**
 * `singles`: one webcam frame per person of the demo photos (different people, one photo each). Prints the tables and
 * returns the distances, for anyone who wants to look further.
 */
export async function calibrate(singles: ReadonlyMap<string, Buffer>, table: (header: string[], rows: string[][]) => string) {
  const analyzer = createFaceAnalyzer();
  const describe = async (image: Buffer) => (await analyzer.analyze(await webcamFrame(image))).faces[0]?.descriptor ?? null;
  const multi = new Map<string, number[][]>();
  let missed = 0;
  let total = 0;
  for (const [person, photos] of people()) {
    const ds: number[][] = [];
    for (const photo of photos) {
      total += 1;
      const d = await describe(photo);
      if (d) ds.push(d);
      else missed += 1;
    }
    multi.set(person, ds);
  }
  const single = new Map<string, number[]>();
  for (const [person, frame] of singles) {
    const f = (await analyzer.analyze(frame)).faces[0];
    if (f) single.set(person, f.descriptor);
  }

  const genuine: number[] = [];
  for (const ds of multi.values()) for (let i = 0; i < ds.length; i++) for (let j = i + 1; j < ds.length; j++) genuine.push(faceDistance(ds[i], ds[j]));
  const impostor: number[] = [];
  const everyone = [...[...multi].map(([p, ds]) => [p, ds] as const), ...[...single].map(([p, d]) => [p, [d]] as const)];
  for (let a = 0; a < everyone.length; a++) {
    for (let b = a + 1; b < everyone.length; b++) for (const x of everyone[a][1]) for (const y of everyone[b][1]) impostor.push(faceDistance(x, y));
  }

  // 1:N: each photo of a multi-photo person is searched among one reference per person (that person's other photos
  // take turns as the reference).
  const probes: Array<{ own: number; others: number[] }> = [];
  for (const [person, ds] of multi) {
    const rest = everyone.filter(([p]) => p !== person).map(([, list]) => list[0]);
    for (let r = 0; r < ds.length; r++) for (let i = 0; i < ds.length; i++) if (i !== r) probes.push({ own: faceDistance(ds[i], ds[r]), others: rest.map((o) => faceDistance(ds[i], o)) });
  }
  const profiles = everyone.length;
  const perPair = (t: number) => impostor.filter((d) => d <= t).length / impostor.length;

  const peopleCount = [...multi.values()].filter((d) => d.length > 1).length;
  console.log(`\n3. Calibration on distinct photos: ${genuine.length} pairs of the same person (${peopleCount} ${peopleCount === 1 ? 'person' : 'people'}), ` +
    `${impostor.length} pairs of different people (${everyone.length} people); ${missed} of ${total} photos showed no face to the analyser.\n`);
  console.log(table(['pairs', 'count', 'distance min / p5 / median / p95 / max'], [
    ['same person, distinct photos', String(genuine.length), spread(genuine)],
    ['different people', String(impostor.length), spread(impostor)],
  ]));
  console.log('\n1:1 (the photo against the profile\'s reference) and 1:N (one reference per person; the right profile found, another one within the threshold):\n');
  console.log(table(
    ['threshold', 'same person rejected', 'different accepted', '1:N right found', '1:N another within', 'false similar, 100 profiles', '1,000 profiles'],
    THRESHOLDS.map((t) => {
      const p = perPair(t);
      const mark = [t === DEFAULT_MATCH_THRESHOLD ? '1:1' : '', t === DEFAULT_SIMILAR_THRESHOLD ? '1:N' : ''].filter(Boolean).join(', ');
      return [
        `${t.toFixed(2)}${mark ? ` (default ${mark})` : ''}`,
        pct(genuine.filter((d) => d > t).length, genuine.length),
        pct(impostor.filter((d) => d <= t).length, impostor.length),
        pct(probes.filter((q) => q.own <= t).length, probes.length),
        pct(probes.filter((q) => q.others.some((d) => d <= t)).length, probes.length),
        pct(1 - (1 - p) ** 100, 1),
        pct(1 - (1 - p) ** 1000, 1),
      ];
    }),
  ));
  console.log(`\n(${probes.length} 1:N searches among ${profiles} profiles. "false similar" extrapolates the pairwise rate of different people ` +
    'to N profiles: the chance that a photo finds at least one other profile within the threshold.)');
  return { genuine, impostor };
}
