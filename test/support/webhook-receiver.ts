import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the receiver answers one request with: a status, or `drop` (the connection is cut without an answer). */
export type Reply = number | 'drop';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A webhook receiver on 127.0.0.1, as an integration would run one: it answers each request with the next reply of
 * `script`, then with `otherwise`, and keeps what it was sent.
 */
export async function startReceiver(script: Reply[], otherwise: Reply = 204) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const reply = script.shift() ?? otherwise;
      if (reply === 'drop') return void req.socket.destroy();
      if (reply >= 300 && reply < 400) return void res.writeHead(reply, { location: '/elsewhere' }).end();
      res.writeHead(reply, { 'content-type': 'text/plain' }).end(reply < 300 ? '' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/results`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The check README tells receivers to make: the signature over `${timestamp}.${body}`, and a timestamp at most 5 minutes old. */
export function verifies(secret: string, r: Received, nowSeconds: number): boolean {
  const timestamp = Number(r.headers['x-timestamp']);
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${r.body}`).digest('hex')}`);
  const given = Buffer.from(String(r.headers['x-signature'] ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(nowSeconds - timestamp) <= 300;
}
