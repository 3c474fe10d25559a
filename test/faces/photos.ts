import { readFileSync } from 'node:fs';
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
