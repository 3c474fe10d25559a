import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const dir = fileURLToPath(new URL('../fixtures/faces/', import.meta.url));

/** The fixture photos (see test/fixtures/README) and variants made from them at test time. */
export const photo = {
  /** The test-taker's face photo. */
  a: readFileSync(`${dir}person-a.jpg`),
  b: readFileSync(`${dir}person-b.jpg`),
  c: readFileSync(`${dir}person-c.jpg`),
  noFace: readFileSync(`${dir}no-face.jpg`),
};

/** A photo as a webcam-like 640×480 frame: the picture 300 px high in the middle of a grey background. */
export async function webcamFrame(image: Buffer): Promise<Buffer> {
  const portrait = await sharp(image).resize({ height: 300, kernel: 'lanczos3' }).toBuffer();
  return sharp({ create: { width: 640, height: 480, channels: 3, background: '#8a8580' } }).composite([{ input: portrait, gravity: 'center' }]).jpeg({ quality: 90 }).toBuffer();
}

/**
 * Photo `n` (1–18) of the calibration set: distinct photos of one man, "person M" (test/fixtures/README), framed
 * like a webcam shot.
 */
export const distinctPhoto = (n: number) => webcamFrame(readFileSync(`${dir}calibration/person-m-${String(n).padStart(2, '0')}.jpg`));

/** The same photo mirrored: the same person, a different image. */
export const mirrored = (image: Buffer) => sharp(image).flop().jpeg({ quality: 85 }).toBuffer();

/** A tighter, shifted crop scaled up and saved at a lower quality: the same person again. */
export async function recropped(image: Buffer): Promise<Buffer> {
  const { width = 0, height = 0 } = await sharp(image).metadata();
  return sharp(image).extract({ left: Math.round(width * 0.15), top: Math.round(height * 0.1), width: Math.round(width * 0.6), height: Math.round(height * 0.8) })
    .resize({ width: 560 }).jpeg({ quality: 60 }).toBuffer();
}

/** Two people side by side in one 1280×480 frame. */
export const sideBySide = (left: Buffer, right: Buffer) =>
  sharp({ create: { width: 1280, height: 480, channels: 3, background: '#8a8580' } }).composite([{ input: left, left: 0, top: 0 }, { input: right, left: 640, top: 0 }]).jpeg().toBuffer();

/** A JPEG cut off after its first 3 KB. */
export const truncated = (image: Buffer) => image.subarray(0, 3000);

/**
 * A still picture as a .y4m video for Chromium's fake camera (`launchChromium({ videoFile })`): the picture fitted
 * into 640×480 on grey, five identical frames at 5 fps (Chromium loops the file). Written here, no ffmpeg needed.
 */
export async function stillVideo(image: Buffer, path: string): Promise<string> {
  const W = 640, H = 480;
  const rgb = await sharp(image).resize({ width: W, height: H, fit: 'contain', background: '#8a8580' }).removeAlpha().raw().toBuffer();
  const y = Buffer.alloc(W * H), u = Buffer.alloc((W / 2) * (H / 2)), v = Buffer.alloc((W / 2) * (H / 2));
  const clamp = (x: number) => Math.max(0, Math.min(255, Math.round(x)));
  for (let i = 0; i < W * H; i++) y[i] = clamp(0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]);
  for (let cy = 0; cy < H / 2; cy++) {
    for (let cx = 0; cx < W / 2; cx++) {
      let r = 0, g = 0, b = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        const p = 3 * ((2 * cy + dy) * W + 2 * cx + dx);
        r += rgb[p] / 4; g += rgb[p + 1] / 4; b += rgb[p + 2] / 4;
      }
      u[cy * (W / 2) + cx] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
      v[cy * (W / 2) + cx] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
    }
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v]);
  writeFileSync(path, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F5:1 Ip A1:1 C420jpeg\n`), ...Array(5).fill(frame)]));
  return path;
}
