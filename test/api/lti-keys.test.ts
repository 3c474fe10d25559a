import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { toolKeyring, KEY_GRACE_MS } from '../../src/app/lti/keys.js';
import { ltiPlatformId, registerLtiPlatform, removeLtiPlatform } from '../../src/app/lti/platforms.js';
import { findLtiPlatform } from '../../src/projections/lti/projection.js';
import { IllegalStateError } from '../../src/domain/core/errors.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { describeWithServer, NO_POSTGRES_REASON } from '../support/servers.js';
import { ENGINES } from '../support/engines.js';

const admin = { id: 'admin', role: 'admin' } as const;
const settings = {
  name: 'Test LMS', issuer: 'https://lms.example.edu', clientId: 'client-1', deploymentIds: ['dep-1'],
  authUrl: 'https://lms.example.edu/auth', tokenUrl: 'https://lms.example.edu/token', jwksUrl: 'https://lms.example.edu/jwks',
};

for (const [engine, available, postgresUrl] of ENGINES) describeWithServer(`our LTI keys and registered platforms ${engine}`, available, NO_POSTGRES_REASON, () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({}, { postgresUrl });
  });
  afterAll(async () => api?.close());

  const fetchJwks = async () => {
    const res = await fetch(`${api.server.url}/.well-known/jwks.json`);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    return (await res.json()) as { keys: Array<Record<string, string>> };
  };

  it('publishes an RSA key at /.well-known/jwks.json that verifies what the keyring signs, without its private half', async () => {
    const { keys } = await fetchJwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(Object.keys(keys[0]).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    const signer = await toolKeyring(api.core).signer();
    expect(signer.kid).toBe(keys[0].kid);
    const jwt = await new SignJWT({ hello: 'platform' }).setProtectedHeader({ alg: 'RS256', kid: signer.kid }).sign(signer.key);
    const { payload } = await jwtVerify(jwt, createLocalJWKSet({ keys }));
    expect(payload.hello).toBe('platform');
  });

  it('rotates to a new key published beside the old, and retires the old one only after the grace period', async () => {
    const ring = toolKeyring(api.core);
    const before = (await fetchJwks()).keys.map((k) => k.kid);
    const next = await ring.rotate(admin);
    expect((await ring.signer()).kid).toBe(next.kid);
    // The JWKS route answers from the same keys: the new one first, the old one still there.
    const published = (await fetchJwks()).keys.map((k) => k.kid);
    expect(published).toEqual([next.kid, ...before]);
    expect(await ring.retireExpired(new Date(Date.now() + KEY_GRACE_MS - 60_000))).toEqual([]);
    expect(await ring.retireExpired(new Date(Date.now() + KEY_GRACE_MS + 60_000))).toEqual(before);
    expect((await ring.jwks()).keys.map((k) => k.kid)).toEqual([next.kid]);
  });

  it('finds a registered platform by issuer and client id, and no longer once it is removed', async () => {
    const row = await registerLtiPlatform(api.core, settings, 'manual', admin);
    expect(row).toMatchObject({ ...settings, platformId: ltiPlatformId(settings.issuer, settings.clientId), method: 'manual', removed: false, registeredBy: 'admin' });
    expect((await findLtiPlatform(api.core.db, settings.issuer, settings.clientId))?.platformId).toBe(row.platformId);
    expect((await findLtiPlatform(api.core.db, settings.issuer, null))?.platformId).toBe(row.platformId);
    expect(await findLtiPlatform(api.core.db, settings.issuer, 'client-2')).toBeNull();
    await expect(registerLtiPlatform(api.core, settings, 'dynamic', admin)).rejects.toThrow(IllegalStateError);
    // Two client ids of one issuer: a login initiation without client_id cannot tell them apart.
    await registerLtiPlatform(api.core, { ...settings, clientId: 'client-2' }, 'manual', admin);
    expect(await findLtiPlatform(api.core.db, settings.issuer, null)).toBeNull();
    await removeLtiPlatform(api.core, row.platformId, admin);
    expect(await findLtiPlatform(api.core.db, settings.issuer, settings.clientId)).toBeNull();
  });
});
