/**
 * The HTTP client of the load benchmark's simulated people: keep-alive connections per node, as many as there are
 * requests in flight (each browser has its own), JSON in and out, and a clear error for anything but a good answer.
 */
import { Agent, request } from 'node:http';

const agents = new Map<string, Agent>();
function agentFor(origin: string): Agent {
  let agent = agents.get(origin);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 4096 });
    agents.set(origin, agent);
  }
  return agent;
}

export function closeAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/** Sends one request and answers the status and body text; rejects on a network error. */
export function send(url: string, method: string, headers: Record<string, string>, body: Buffer | string): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent: agentFor(target.origin), host: target.hostname, port: target.port, path: target.pathname + target.search, method,
        headers: { ...headers, 'content-length': String(payload.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** POST /graphql; answers `data`, throws with the server's message on any error. */
export async function gql<T = Record<string, any>>(origin: string, query: string, variables: Record<string, unknown>, token?: string | null): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const { status, text } = await send(`${origin}/graphql`, 'POST', headers, JSON.stringify({ query, variables }));
  let body: { data?: T | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${status}: ${text.slice(0, 200)}`);
  }
  if (body.errors?.length) {
    const e = body.errors[0];
    throw new Error(`${e.extensions?.code ?? 'ERROR'}: ${e.message.slice(0, 200)}`);
  }
  if (status !== 200 || !body.data) throw new Error(`HTTP ${status}: ${text.slice(0, 200)}`);
  return body.data;
}
