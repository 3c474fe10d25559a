import { SqlSignalChannel } from '../store/signal-channel.js';
import type { Sql } from '../store/sql.js';

/**
 * WebRTC signalling between the people of one session (the test-taker's browser and whoever watches it): offers,
 * answers and ICE candidates are relayed, never stored. Each node relays between its own sockets; with several nodes on
 * one PostgreSQL database, signals for listeners on other nodes go through it (`SqlSignalChannel`), so the two browsers
 * need not reach the same node.
 */
export interface Signal {
  readonly sessionId: string;
  readonly from: string;
  readonly to: string;
  readonly kind: string;
  readonly payload: unknown;
}

/** The relay the API uses, whatever carries the signals. */
export interface Signalling {
  /** Delivers to `to` (or, with `*`, to everyone in the session but the sender); answers how many got it. */
  send(signal: Signal): Promise<number>;
  /** Receives the signals addressed to `username` in `sessionId` (from once this resolves) until the returned function is called. */
  listen(sessionId: string, username: string, push: (signal: Signal) => void): Promise<() => void>;
  /** Stops relaying. */
  close(): Promise<void>;
}

type Listener = { readonly username: string; readonly push: (signal: Signal) => void };

/** The relay among one node's sockets. */
export class SignallingHub implements Signalling {
  private readonly bySession = new Map<string, Set<Listener>>();

  async send(signal: Signal): Promise<number> {
    return this.deliver(signal);
  }

  /** Hands `signal` to the listeners of this node it is addressed to; answers how many. */
  deliver(signal: Signal): number {
    let delivered = 0;
    for (const listener of this.bySession.get(signal.sessionId) ?? []) {
      const addressed = signal.to === '*' ? listener.username !== signal.from : listener.username === signal.to;
      if (addressed) {
        listener.push(signal);
        delivered += 1;
      }
    }
    return delivered;
  }

  async listen(sessionId: string, username: string, push: (signal: Signal) => void): Promise<() => void> {
    return this.add(sessionId, username, push);
  }

  /** `listen`, at once. */
  add(sessionId: string, username: string, push: (signal: Signal) => void): () => void {
    const listener: Listener = { username, push };
    let set = this.bySession.get(sessionId);
    if (!set) {
      set = new Set();
      this.bySession.set(sessionId, set);
    }
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.bySession.delete(sessionId);
    };
  }

  async close(): Promise<void> {
    this.bySession.clear();
  }
}

/** This node's hub, with the listeners of the other nodes on one PostgreSQL database reached through it. */
class ClusterSignalling implements Signalling {
  private readonly hub = new SignallingHub();
  private channel: SqlSignalChannel | null = null;

  static async open(sql: Sql): Promise<ClusterSignalling> {
    const relay = new ClusterSignalling();
    relay.channel = await SqlSignalChannel.open(sql, (signal) => relay.hub.deliver(signal));
    return relay;
  }

  async send(signal: Signal): Promise<number> {
    return this.hub.deliver(signal) + (await this.channel!.send(signal));
  }

  async listen(sessionId: string, username: string, push: (signal: Signal) => void): Promise<() => void> {
    const remove = this.hub.add(sessionId, username, push);
    const channel = this.channel!;
    try {
      await channel.present(sessionId, username, 1);
    } catch (error) {
      remove();
      throw error;
    }
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      remove();
      void channel.present(sessionId, username, -1).catch(() => {}); // a node gone is not counted anyway
    };
  }

  async close(): Promise<void> {
    await this.channel?.close();
    await this.hub.close();
  }
}

/** The relay for a node on `sql`: through PostgreSQL when other nodes may share it, this node's hub on PGlite. */
export async function openSignalling(sql: Sql): Promise<Signalling> {
  return sql.engine === 'postgres' ? ClusterSignalling.open(sql) : new SignallingHub();
}
