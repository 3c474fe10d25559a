/**
 * What the load benchmark reads of other processes on this machine, from Linux's /proc: CPU time and resident memory
 * of a server process (and of its main thread, where HTTP, WebSockets and embedded PGlite run), the PostgreSQL
 * processes that serve one database, and which process listens on a loopback port (a deployment given by `--url`).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on every Linux this runs on). */
const TICKS_PER_S = 100;

/** User + system CPU of one process or thread in ms; NaN when it is gone. */
export function cpuMs(path: string): number {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
  } catch {
    return NaN;
  }
}

/** Resident memory of a process in MB (VmRSS); NaN when it is gone. */
export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU of a server process: the whole process, and its main thread (the event loop; tid = pid). */
export interface ServerCpu {
  readonly processMs: number;
  readonly mainThreadMs: number;
}

export function serverCpu(pid: number): ServerCpu {
  return { processMs: cpuMs(`/proc/${pid}/stat`), mainThreadMs: cpuMs(`/proc/${pid}/task/${pid}/stat`) };
}

function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

function comm(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

const pids = () => readdirSync('/proc').filter((name) => /^\d+$/.test(name));

/**
 * CPU ms of the local PostgreSQL processes working for `database`, by pid: its backends (their title names the
 * database) and the server's background processes (WAL writer, checkpointer …, shared with other databases). Other
 * databases' backends are left out: other programs on the machine may use the same server.
 */
export function postgresCpu(database: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids()) {
    if (comm(pid) !== 'postgres') continue;
    const title = cmdline(pid);
    // Backends are titled "postgres: <user> <database> <client> <state>"; background ones "postgres: walwriter" etc.
    const backend = /^postgres: \S+ (\S+) \S+\(\d+\)/.exec(title) ?? /^postgres: \S+ (\S+) \[local\]/.exec(title);
    if (backend && backend[1] !== database) continue;
    const ms = cpuMs(`/proc/${pid}/stat`);
    if (Number.isFinite(ms)) out.set(Number(pid), ms);
  }
  return out;
}

/** CPU used between two `postgresCpu` readings: processes in both count their difference, new ones all they used. */
export function postgresCpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** The pid of the process listening on TCP `port` of a loopback address, or null when none of ours can be seen. */
export function pidListeningOn(port: number): number | null {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local address "0100007F:0BB8", state 0A = LISTEN, inode in column 10
      if (cols.length > 9 && cols[3] === '0A' && parseInt(cols[1].split(':')[1], 16) === port) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return null;
  for (const pid of pids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (link.startsWith('socket:[') && inodes.has(link.slice(8, -1))) return Number(pid);
      } catch {
        // the descriptor closed while we looked
      }
    }
  }
  return null;
}
