import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where Debian's `janus` package puts its plugins and transports. */
export const DEBIAN_JANUS_LIB = '/usr/lib/x86_64-linux-gnu/janus';

export interface JanusFolderOptions {
  /** The WebSocket transport's port on 127.0.0.1 (the only API Janus offers). */
  readonly wsPort: number;
  /** Janus's own library folder (plugins/, transports/). */
  readonly libDir?: string;
  /** UDP ports for media, "min-max". */
  readonly rtpPortRange?: string;
  /** The address browsers reach Janus at, when it sits behind 1:1 NAT (nat_1_1_mapping). */
  readonly publicIp?: string | null;
  /** STUN server Janus uses to learn its public address ("host:port"). */
  readonly stunServer?: string | null;
  /** Janus log level 0–7. */
  readonly debugLevel?: number;
}

/** A jcfg value: strings quoted (with escapes), numbers and booleans bare. */
type Value = string | number | boolean | readonly string[];

function value(v: Value): string {
  if (Array.isArray(v)) return `[${v.map((s) => JSON.stringify(s)).join(', ')}]`;
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function section(name: string, entries: Record<string, Value | null | undefined>): string {
  const lines = Object.entries(entries).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `\t${k} = ${value(v as Value)}`);
  return `${name}: {\n${lines.join('\n')}\n}\n`;
}

/**
 * The files of our Janus configuration folder: the core (janus.jcfg), the WebSocket transport bound to 127.0.0.1
 * and the VideoRoom plugin (rooms are created at run time, one per session). Plugins and transports load from
 * folders of ours holding only the VideoRoom and WebSocket libraries, so nothing else Janus ships is reachable.
 */
export function janusConfigFiles(dir: string, options: JanusFolderOptions): Record<string, string> {
  const nat: Record<string, Value | null | undefined> = {
    nice_debug: false,
    full_trickle: false,
    ice_ignore_list: 'vmnet',
    nat_1_1_mapping: options.publicIp ?? null,
  };
  if (options.stunServer) {
    const [host, port] = options.stunServer.split(':');
    nat.stun_server = host;
    nat.stun_port = Number(port ?? 3478);
  }
  return {
    'janus.jcfg': [
      section('general', {
        configs_folder: dir,
        plugins_folder: join(dir, 'plugins'),
        transports_folder: join(dir, 'transports'),
        events_folder: join(dir, 'events'),
        loggers_folder: join(dir, 'loggers'),
        debug_level: options.debugLevel ?? 3,
        debug_timestamps: true,
        hide_dependencies: true,
        session_timeout: 60,
        // Recordings go under our data directory (which may be under /var): keep Janus out of the system's folders only.
        protected_folders: ['/bin', '/boot', '/dev', '/etc', '/proc', '/sbin', '/sys', '/usr'],
      }),
      section('media', { rtp_port_range: options.rtpPortRange ?? '20000-40000' }),
      section('nat', nat),
      section('plugins', {}),
      section('transports', {}),
      section('loggers', {}),
      section('events', { broadcast: false }),
    ].join('\n'),
    'janus.transport.websockets.jcfg': [
      section('general', { json: 'plain', ws: true, ws_port: options.wsPort, ws_ip: '127.0.0.1', wss: false }),
      section('admin', { admin_ws: false, admin_wss: false }),
    ].join('\n'),
    'janus.plugin.videoroom.jcfg': section('general', { string_ids: true }),
  };
}

/**
 * Writes the configuration folder and links the two libraries Janus may load. Answers the path of janus.jcfg,
 * for `janus -F DIR -C DIR/janus.jcfg`.
 */
export function writeJanusFolder(dir: string, options: JanusFolderOptions): string {
  const lib = options.libDir ?? DEBIAN_JANUS_LIB;
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(janusConfigFiles(dir, options))) writeFileSync(join(dir, name), text);
  const links: Array<[string, string]> = [
    ['plugins', 'libjanus_videoroom.so'],
    ['transports', 'libjanus_websockets.so'],
  ];
  for (const sub of ['plugins', 'transports', 'events', 'loggers']) {
    const folder = join(dir, sub);
    if (existsSync(folder)) for (const f of readdirSync(folder)) rmSync(join(folder, f), { force: true });
    mkdirSync(folder, { recursive: true });
  }
  for (const [sub, file] of links) {
    const target = join(lib, sub, file);
    if (!existsSync(target)) throw new Error(`Janus library ${target} is missing: apt-get install janus (or set JANUS_LIB_DIR)`);
    symlinkSync(target, join(dir, sub, file));
  }
  return join(dir, 'janus.jcfg');
}
