import type { Client } from '@urql/core';
import { request, uploadFile } from '../client.js';
import { SUBMIT_SNAPSHOT } from './documents.js';

/**
 * Face photos at random moments of the exam, verified on the server like the identity photo (green, yellow, red;
 * c5 and c6 follow from them): the first soon after the start, then every 2 to 5 minutes.
 */
export class FaceSnapshots {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  taken = 0;

  constructor(
    private readonly client: Client,
    private readonly sessionId: string,
    private readonly video: HTMLVideoElement,
    private readonly firstMs = 10_000,
    private readonly nextMs = () => 120_000 + Math.random() * 180_000,
  ) {}

  start(): void {
    this.schedule(this.firstMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.take().finally(() => this.schedule(this.nextMs())), ms);
  }

  private async take(): Promise<void> {
    if (this.video.readyState < 2 || !navigator.onLine) return;
    const canvas = document.createElement('canvas');
    canvas.width = this.video.videoWidth || 640;
    canvas.height = this.video.videoHeight || 480;
    canvas.getContext('2d')!.drawImage(this.video, 0, 0, canvas.width, canvas.height);
    const photo = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
    if (!photo) return;
    try {
      const { fileId } = await uploadFile(this.sessionId, photo, `snapshot-${Date.now()}.jpg`, 'face');
      await request(this.client, SUBMIT_SNAPSHOT, { id: this.sessionId, p: fileId }, 'mutation');
      this.taken += 1;
    } catch {
      // a missed snapshot is not worth an error for the test-taker; the next one is on its way
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
