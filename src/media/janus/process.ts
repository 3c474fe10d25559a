import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { writeJanusFolder, type JanusFolderOptions } from './config.js';

export interface RunningJanus {
  /** ws://127.0.0.1:PORT, for janode. */
  readonly url: string;
  readonly pid: number;
  /** Whether the process has exited (crashed, or killed by someone else). */
  readonly exited: boolean;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts Debian's `janus` on a configuration folder of ours (`janus -F DIR -C DIR/janus.jcfg`): WebSocket API on
 * 127.0.0.1:`wsPort`, VideoRoom only. Resolves when the WebSocket port accepts connections; the process's output
 * goes to `log` line by line.
 */
export async function startJanus(options: JanusFolderOptions & { binary?: string; dir: string; log?: (line: string) => void; timeoutMs?: number }): Promise<RunningJanus> {
  if (await portOpen(options.wsPort)) throw new Error(`port ${options.wsPort} is taken: set JANUS_PORT to a free one`);
  const config = writeJanusFolder(options.dir, options);
  const child: ChildProcess = spawn(options.binary ?? 'janus', ['-F', options.dir, '-C', config, '--disable-colors'], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Janus must not outlive us (it would hold the port): killed when this process exits, however it exits but SIGKILL.
  const orphan = () => child.kill('SIGKILL');
  process.once('exit', orphan);
  const tail: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
      options.log?.(line);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code) => {
      process.off('exit', orphan);
      exited = code;
      resolve();
    });
    child.once('error', (e) => {
      tail.push(String(e));
      exited = -1;
      resolve();
    });
  });
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (!(await portOpen(options.wsPort))) {
    if (exited !== undefined) throw new Error(`janus exited (${exited}) before it listened:\n${tail.join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`janus did not listen on 127.0.0.1:${options.wsPort} in time:\n${tail.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `ws://127.0.0.1:${options.wsPort}`,
    pid: child.pid!,
    get exited() {
      return exited !== undefined;
    },
    async stop() {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(timer);
    },
  };
}
