/**
 * WebRTC signalling between the people of one session (the test-taker's browser and whoever watches it): offers,
 * answers and ICE candidates are relayed, never stored. One node's memory is the relay; with several app nodes the
 * two browsers must reach the same node (sticky sessions), or this hub must go over PostgreSQL NOTIFY.
 */
export interface Signal {
  readonly sessionId: string;
  readonly from: string;
  readonly to: string;
  readonly kind: string;
  readonly payload: unknown;
}

type Listener = { readonly username: string; readonly push: (signal: Signal) => void };

export class SignallingHub {
  private readonly bySession = new Map<string, Set<Listener>>();

  /** Delivers to `to` (or, with `*`, to everyone in the session but the sender); answers how many got it. */
  send(signal: Signal): number {
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

  /** Receives the signals addressed to `username` in `sessionId` until the returned function is called. */
  listen(sessionId: string, username: string, push: (signal: Signal) => void): () => void {
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

  /** Who is connected to a session's signalling now (the participant's browser announces itself to them). */
  present(sessionId: string): string[] {
    return [...new Set([...(this.bySession.get(sessionId) ?? [])].map((l) => l.username))];
  }
}
