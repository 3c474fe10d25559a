/**
 * Where a node's time went: `npx tsx bench/load/cpuprofile.ts FILE.cpuprofile [--from S] [--to S]` sums the self time
 * of a `node --cpu-prof` profile (as `npm run bench:load -- --cpu-prof DIR` writes one per node) by part of the
 * system (PGlite's WebAssembly and glue, graphql-js, Apollo, ws, postgres.js, our src/ folders, GC, idle …) and by
 * function. --from/--to keep the samples from S seconds after the profile's start (the phases the benchmark printed).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fmt, table } from '../support/stats.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * The part of the system a frame belongs to, by its script's path. WebAssembly frames name no module: they are
 * PGlite's unless `wasm` says otherwise (a face-analysis thread runs tfjs's WebAssembly, and no PGlite).
 */
export function partOf(url: string, name: string, wasm = 'PGlite (WASM + glue)'): string {
  if (name === '(idle)') return '(idle)';
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)' || name === '(root)') return '(program: native, not attributed)';
  if (url.startsWith('wasm://')) return wasm;
  if (/node_modules\/@electric-sql\/pglite/.test(url)) return 'PGlite (WASM + glue)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const ours = /\/(src|bench)\/(.*)$/.exec(url);
  if (ours) {
    const parts = ours[2].split('/');
    return `${ours[1]}/${parts.slice(0, parts.length > 2 ? 2 : 1).join('/')}`;
  }
  if (url.startsWith('node:') || url === '' || !url.includes('/')) return `node internals${url ? ` (${url.split(':')[1]?.split('/')[0] ?? url})` : ''}`;
  return url;
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { from: { type: 'string' }, to: { type: 'string' }, top: { type: 'string', default: '25' } } });
  if (positionals.length !== 1) {
    console.error('usage: npx tsx bench/load/cpuprofile.ts FILE.cpuprofile [--from S] [--to S] [--top 25]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(positionals[0], 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const loaded = (pattern: RegExp) => profile.nodes.some((n) => pattern.test(n.callFrame.url));
  const wasm = loaded(/@electric-sql\/pglite/) ? 'PGlite (WASM + glue)' : loaded(/tfjs-backend-wasm/) ? '@tensorflow/tfjs-backend-wasm (WASM)' : 'WebAssembly';
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Native and Node-internal frames (fstat, writev, TextDecoder …) count for the part of the system that called them.
  const ownerOf = (id: number): string => {
    const own = byId.get(id)!.callFrame;
    const part = partOf(own.url, own.functionName, wasm);
    if (!part.startsWith('node internals') || own.functionName === '(idle)') return part;
    for (let up = parent.get(id); up !== undefined; up = parent.get(up)) {
      const frame = byId.get(up)!.callFrame;
      const caller = partOf(frame.url, frame.functionName, wasm);
      if (!caller.startsWith('node internals') && caller !== '(program: native, not attributed)' && frame.functionName !== '(root)') return caller;
    }
    return part;
  };
  const from = values.from ? Number(values.from) * 1e6 : -Infinity;
  const to = values.to ? Number(values.to) * 1e6 : Infinity;
  const parts = new Map<string, number>();
  const functions = new Map<string, number>();
  let t = 0;
  let total = 0;
  let busy = 0;
  for (let k = 0; k < profile.samples.length; k++) {
    t += profile.timeDeltas[k];
    const dt = profile.timeDeltas[k + 1] ?? 0;
    if (t < from || t > to) continue;
    const node = byId.get(profile.samples[k])!;
    const { functionName, url, lineNumber } = node.callFrame;
    const part = ownerOf(node.id);
    parts.set(part, (parts.get(part) ?? 0) + dt);
    total += dt;
    if (part !== '(idle)') busy += dt;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + dt);
  }
  const rows = (m: Map<string, number>, n: number) =>
    [...m].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => [k, fmt(us / 1e6, 2), `${fmt((100 * us) / busy, 1)} %`]);
  console.log(`profile: ${fmt(total / 1e6, 1)} s sampled, ${fmt(busy / 1e6, 1)} s busy (not idle)\n`);
  console.log(table(['part (native and Node-internal frames count for their caller)', 'self s', 'of busy'], rows(parts, 40)));
  console.log(`\n${table(['function', 'self s', 'of busy'], rows(functions, Number(values.top)))}`);
}

main();
