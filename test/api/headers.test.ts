import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.js';

const WEB = fileURLToPath(new URL('../../web/dist', import.meta.url));

describe('the headers the web client is served with', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ frameAncestors: ["'self'", 'https://moodle.example.edu'] }, { webDir: WEB });
  });
  afterAll(async () => {
    await api.close();
  });

  it('sends a Content-Security-Policy with the configured frame ancestors on the page', async () => {
    const res = await fetch(`${api.server.url}/`);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    expect(directives['frame-ancestors']).toEqual(["'self'", 'https://moodle.example.edu']);
    expect(directives['script-src']).toEqual(["'self'", "'wasm-unsafe-eval'"]); // no 'unsafe-inline', no 'unsafe-eval'
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['connect-src']).toContain(`ws://${new URL(api.server.url).host}`);
    expect(directives['default-src']).toEqual(["'self'"]);
  });

  it('sends no referrer and no content-type guessing anywhere', async () => {
    for (const path of ['/', '/graphql?query=%7Bme%7Busername%7D%7D', '/healthz', '/files/nope']) {
      const res = await fetch(`${api.server.url}${path}`);
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });
});
