/**
 * Worker thread of bench/api.ts: closed-loop HTTP load. `concurrency` keep-alive connections each send the same
 * POST /graphql, one after the other, on each `run` message. Runs in its own thread so the client's work does not
 * take event-loop time from the server it measures.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

export interface HttpLoadInput {
  readonly url: string;
  readonly token: string;
  readonly body: string;
  readonly concurrency: number;
}

export interface HttpLoadResult {
  readonly type: 'done';
  readonly requests: number;
  readonly failures: number;
  readonly firstFailure: string | null;
  readonly seconds: number;
  /** Latencies of the requests that succeeded in the measured window (ms): as many as `requests`. */
  readonly latencies: Float64Array;
}

const input = workerData as HttpLoadInput;
const target = new URL(input.url);
const agent = new Agent({ keepAlive: true, maxSockets: input.concurrency });
const body = Buffer.from(input.body);

function post(): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${input.token}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** One measured run: `warmupMs` of load that is not counted, then `durationMs` that is. */
async function run(warmupMs: number, durationMs: number): Promise<HttpLoadResult> {
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + durationMs;
  const latencies: number[] = []; // of the requests that completed in the measured window
  let failures = 0;
  let firstFailure: string | null = null;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      let ok = false;
      try {
        const { status, text } = await post();
        // A full parse of every 10 kB answer would be client work; the status and the start of the body tell an error.
        ok = status === 200 && text.startsWith('{"data":{"sessions":{"totalCount":');
        if (!ok) firstFailure ??= `${status} ${text.slice(0, 300)}`;
      } catch (error) {
        firstFailure ??= String(error);
      }
      const t1 = performance.now();
      if (t1 >= measureFrom && t1 <= end) {
        if (ok) latencies.push(t1 - t0);
        else failures += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: input.concurrency }, loop));
  return { type: 'done', requests: latencies.length, failures, firstFailure, seconds: durationMs / 1000, latencies: Float64Array.from(latencies) };
}

parentPort!.on('message', async (message: { type: 'run'; warmupMs: number; durationMs: number } | { type: 'close' }) => {
  if (message.type === 'run') {
    const result = await run(message.warmupMs, message.durationMs);
    parentPort!.postMessage(result, [result.latencies.buffer as ArrayBuffer]);
  } else {
    agent.destroy();
    parentPort!.close();
  }
});
