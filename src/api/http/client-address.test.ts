import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { trustedProxies } from '../../config.js';
import { clientAddress } from './client-address.js';

const request = (peer: string, forwarded?: string) =>
  ({ socket: { remoteAddress: peer }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as IncomingMessage;

describe('the address a request is limited as', () => {
  it('is the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress([])(request('203.0.113.9', '198.51.100.1'))).toBe('203.0.113.9');
  });

  it('is the client a trusted balancer names, skipping trusted hops', () => {
    const of = clientAddress(trustedProxies('172.16.0.0/12, 10.0.0.5'));
    expect(of(request('::ffff:172.18.0.4', '198.51.100.1'))).toBe('198.51.100.1');
    expect(of(request('172.18.0.4', '198.51.100.7, 10.0.0.5'))).toBe('198.51.100.7');
    // What the client wrote itself comes first in the list and is not believed over the hop the balancer added.
    expect(of(request('172.18.0.4', '1.2.3.4, 198.51.100.1'))).toBe('198.51.100.1');
  });

  it('ignores the header from a peer that is not a trusted proxy', () => {
    expect(clientAddress(['10.0.0.5'])(request('203.0.113.9', '198.51.100.1'))).toBe('203.0.113.9');
  });

  it('refuses a TRUSTED_PROXIES entry that is not an address or a range', () => {
    expect(() => trustedProxies('10.0.0.0/33')).toThrow(/10.0.0.0\/33/);
    expect(() => trustedProxies('nginx')).toThrow(/not an address/);
  });
});
