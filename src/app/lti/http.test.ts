import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callService, ServiceCallError } from './http.js';

describe('a call to a platform service', () => {
  let server: Server;
  let base: string;
  let redirectedTo = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/redirect') return void res.writeHead(302, { location: '/elsewhere' }).end();
      if (req.url === '/elsewhere') return void (redirectedTo++, res.end('{}'));
      if (req.url === '/big') return void res.end('x'.repeat(5000));
      if (req.url === '/silent') return; // never answers
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  // A busy machine may take seconds to answer on loopback: only the silent platform gets a short deadline.
  const limits = { timeoutMs: 10_000, maxBytes: 1000 };

  it('answers the status, content type and body', async () => {
    expect(await callService(`${base}/ok`, { method: 'GET', headers: {} }, limits)).toEqual({ status: 200, contentType: 'application/json', body: '{"ok":true}' });
  });

  it('does not follow a redirect, so a token never goes to another place', async () => {
    await expect(callService(`${base}/redirect`, { method: 'GET', headers: { authorization: 'Bearer secret' } }, limits)).rejects.toThrow(/redirect \(302\)/);
    expect(redirectedTo).toBe(0);
  });

  it('refuses an answer larger than the limit', async () => {
    await expect(callService(`${base}/big`, { method: 'GET', headers: {} }, limits)).rejects.toThrow(/more than 1000 bytes/);
  });

  it('gives up on a platform that does not answer in time', async () => {
    const error = await callService(`${base}/silent`, { method: 'GET', headers: {} }, { ...limits, timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceCallError);
    expect((error as Error).message).toBe('no answer within 0.3 s');
  });
});
