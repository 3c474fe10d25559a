import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compactVerify, errors, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformKeySets } from './platform-jwks.js';

/** A platform's JWKS endpoint on loopback, counting its fetches; `keys` is what it publishes now. */
async function jwksServer() {
  const served = { keys: [] as JWK[], fetches: 0 };
  const server: Server = createServer((_req, res) => {
    served.fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: served.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { served, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks` };
}

async function key(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

const sign = (k: { kid: string; privateKey: CryptoKey }) => new SignJWT({ hello: k.kid }).setProtectedHeader({ alg: 'RS256', kid: k.kid }).sign(k.privateKey);

describe('a platform\'s keys, by kid', () => {
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  beforeAll(async () => {
    jwks = await jwksServer();
  });
  afterAll(() => new Promise<void>((resolve) => jwks.server.close(() => resolve())));

  it('fetches the key set once and keeps it, fetches again for a kid it does not know, and no more than once per cooldown', async () => {
    const first = await key('k1');
    jwks.served.keys = [first.jwk];
    jwks.served.fetches = 0;
    const sets = new PlatformKeySets({ cooldownMs: 0 });
    const set = sets.forPlatform('p-1', jwks.url);
    await compactVerify(await sign(first), set, { algorithms: ['RS256'] });
    await compactVerify(await sign(first), set, { algorithms: ['RS256'] });
    expect(jwks.served.fetches).toBe(1);
    // The platform rotates: a token under the new kid makes us fetch again, and verifies.
    const second = await key('k2');
    jwks.served.keys = [second.jwk, first.jwk];
    await compactVerify(await sign(second), set, { algorithms: ['RS256'] });
    expect(jwks.served.fetches).toBe(2);
    expect(sets.forPlatform('p-1', jwks.url)).toBe(set);
  });

  it('refuses a kid the platform does not publish, fetching again only after the cooldown', async () => {
    const known = await key('k3');
    jwks.served.keys = [known.jwk];
    jwks.served.fetches = 0;
    const set = new PlatformKeySets({ cooldownMs: 60_000 }).forPlatform('p-2', jwks.url);
    await compactVerify(await sign(known), set, { algorithms: ['RS256'] });
    const stranger = await key('made-up');
    for (let i = 0; i < 5; i++) await expect(compactVerify(await sign(stranger), set, { algorithms: ['RS256'] })).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(jwks.served.fetches).toBe(1);
  });
});
