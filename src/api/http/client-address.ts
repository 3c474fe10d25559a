import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/**
 * The address a request comes from, for per-address limits. Behind a load balancer every request arrives from the
 * balancer: its `X-Forwarded-For` is believed when the connection comes from one of `trusted` (TRUSTED_PROXIES:
 * addresses or CIDR ranges), and the client is the last address in it that is not a trusted proxy. Anyone else's
 * header is ignored, so a client cannot pick the address it is limited as.
 */
export function clientAddress(trusted: readonly string[]): (req: IncomingMessage) => string {
  const proxies = new BlockList();
  for (const entry of trusted) {
    const [address, bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) proxies.addAddress(address, family);
    else proxies.addSubnet(address, Number(bits), family);
  }
  const isProxy = (address: string) => {
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    return family !== 0 && proxies.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
  return (req) => {
    const peer = req.socket.remoteAddress ?? '';
    if (trusted.length === 0 || !isProxy(peer)) return peer;
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((h) => h.trim()).filter((h) => isIP(h) !== 0);
    for (let i = hops.length - 1; i >= 0; i--) if (!isProxy(hops[i])) return hops[i];
    return hops[0] ?? peer;
  };
}
