import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { HAS_CHROMIUM, NO_CHROMIUM_REASON } from './browser.js';

/** Janus never gathers ICE candidates on loopback: its tests run in a network namespace of their own. */
export const HAS_UNSHARE = existsSync('/usr/bin/unshare') && (existsSync('/usr/sbin/ip') || existsSync('/sbin/ip') || existsSync('/usr/bin/ip'));

/** The addresses of the veth pair inside the namespace (198.18.0.0/15 is reserved for benchmarks: never routed). */
export const NETNS_ADDRESSES = ['198.18.0.1', '198.18.0.2'] as const;

/**
 * Called inside a fresh network namespace (`unshare -n`): brings `lo` up and adds a veth pair with both ends here,
 * addressed in 198.18.0.0/24, so WebRTC has a non-loopback interface and nothing can leave the namespace.
 */
export function setUpNamespaceNetwork(): void {
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  ip('link', 'set', 'lo', 'up');
  ip('link', 'add', 'pv0', 'type', 'veth', 'peer', 'name', 'pv1');
  ip('addr', 'add', `${NETNS_ADDRESSES[0]}/24`, 'dev', 'pv0');
  ip('addr', 'add', `${NETNS_ADDRESSES[1]}/24`, 'dev', 'pv1');
  ip('link', 'set', 'pv0', 'up');
  ip('link', 'set', 'pv1', 'up');
}

/** Whether this process can make a network namespace (root, or allowed user namespaces). */
export function canUnshare(): boolean {
  if (!HAS_UNSHARE) return false;
  try {
    execFileSync('unshare', ['--net', '--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs a TypeScript script (through tsx) in new network and PID namespaces and answers its last stdout line parsed as
 * JSON. Its stderr goes to ours, so its progress shows in the test output. Both namespaces die with the script.
 */
export function runInNetns<T>(script: string, args: string[] = [], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    // A PID namespace too: when the script ends, however it ends, the kernel ends whatever it started (Janus, Chromium).
    const child = spawn('unshare', ['--net', '--pid', '--fork', '--mount-proc', '--', process.execPath, '--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...options.env },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGTERM'), options.timeoutMs ?? 600_000);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').at(-1) ?? '';
      try {
        const parsed = JSON.parse(last) as T;
        if (code === 0) resolve(parsed);
        else reject(Object.assign(new Error(`${script} exited with ${code ?? signal}: ${last}`), { result: parsed }));
      } catch {
        reject(new Error(`${script} exited with ${code ?? signal} without a JSON result:\n${out.slice(-4000)}`));
      }
    });
  });
}

/**
 * What a browser test with Janus in a namespace of its own needs (Janus and its recording tools, Chromium, root for
 * the namespace) plus `more` ([present, what to install]): whether all is there, and what is missing.
 */
export function janusInNetns(more: ReadonlyArray<readonly [boolean, string]> = []): { available: boolean; reason: string } {
  const needs: ReadonlyArray<readonly [boolean, string]> = [
    [existsSync('/usr/bin/janus') && existsSync('/usr/bin/janus-pp-rec'), 'no Janus (apt-get install janus janus-tools)'],
    [HAS_CHROMIUM, NO_CHROMIUM_REASON],
    [canUnshare(), 'cannot make a network namespace (unshare -n needs root; Janus gathers no ICE candidates on loopback)'],
    ...more,
  ];
  return { available: needs.every(([ok]) => ok), reason: needs.filter(([ok]) => !ok).map(([, why]) => why).join('; ') };
}
