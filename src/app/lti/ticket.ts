import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthenticatedError } from '../../domain/core/errors.js';

/**
 * A sealed, short-lived record handed to the browser and posted back (the settings form of a launch): whoever holds
 * it may do what it says, and nothing else, until it expires. Sealed with a key derived from the server's secret, so
 * any node opens it and nobody alters it.
 */
export class Tickets {
  private readonly key: Buffer;

  constructor(secret: string, private readonly purpose: string) {
    this.key = createHash('sha256').update(`lti-ticket:${purpose}\n${secret}`).digest();
  }

  seal(data: object, expiresAt: Date): string {
    const body = Buffer.from(JSON.stringify({ d: data, e: expiresAt.getTime() })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** What the ticket holds; refused when it is not ours, altered or expired. */
  open<T>(ticket: string | undefined, now: Date): T {
    const [body, mac, extra] = typeof ticket === 'string' ? ticket.split('.') : [];
    const expected = body ? Buffer.from(this.mac(body)) : Buffer.alloc(0);
    if (!body || !mac || extra !== undefined || expected.length !== Buffer.byteLength(mac) || !timingSafeEqual(expected, Buffer.from(mac))) {
      throw new UnauthenticatedError('This form did not come from this tool, or was altered. Open the link from the course page again.');
    }
    const { d, e } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { d: T; e: number };
    if (now.getTime() > e) throw new UnauthenticatedError('This form has expired. Open the link from the course page again.');
    return d;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
