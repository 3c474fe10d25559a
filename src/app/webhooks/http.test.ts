import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpPost } from './http.js';

describe('a webhook POST', () => {
  let server: Server | null = null;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(null)));
    server = null;
  });
  async function receiver(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  }
  const post = (url: string, options?: Parameters<typeof httpPost>[0]) => httpPost(options)({ url, headers: { 'content-type': 'application/json' }, body: '{}' });

  it('gives up on a receiver that does not answer in time, saying so', async () => {
    const url = await receiver(() => {}); // never answers
    await expect(post(url, { timeoutMs: 300 })).rejects.toThrow('no answer within 0.3 s');
  });

  it('answers with the status without reading an endless answer to its end', async () => {
    const url = await receiver((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const more = () => { while (res.write(chunk)); res.once('drain', more); };
      more();
    });
    expect(await post(url, { timeoutMs: 5000 })).toEqual({ status: 200 });
  });

  it('does not follow a redirect, and names a refused connection', async () => {
    let hits = 0;
    const url = await receiver((_req, res) => {
      hits += 1;
      res.writeHead(307, { location: '/elsewhere' }).end();
    });
    expect(await post(url)).toEqual({ status: 307 });
    expect(hits).toBe(1);
    server!.closeAllConnections();
    await new Promise((r) => server!.close(r)); // the port is free now: nobody listens on it
    server = null;
    await expect(post(url)).rejects.toThrow(/ECONNREFUSED/);
  });
});
