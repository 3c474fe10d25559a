import { GraphQLError, print, subscribe, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { visibilityScope } from '../authorization.js';
import type { ApiContext } from '../context.js';
import { PushQueue } from '../push-queue.js';

type SubscribeResult = AsyncIterableIterator<ExecutionResult> | ExecutionResult;

/**
 * Where a subscriber's `next` messages go when its group writes them itself: the subscription id its client chose,
 * and its socket. `send` writes one complete graphql-ws message as a text frame.
 */
export interface Outlet {
  readonly id: string;
  send(message: Buffer): void;
  /**
   * The client asked to be told once it is subscribed (`extensions.ready` in its subscribe message): it then gets a
   * `next` whose payload is only `{"extensions":{"subscribed":true}}`. From then on every committed change reaches it,
   * so a read it makes after that message misses nothing (a read made earlier may: it can race the subscribe).
   */
  readonly announce?: boolean;
}

/** What a group applies to each result before it is serialised once for all its members (errors made safe to show). */
export type FormatResult = (result: ExecutionResult) => ExecutionResult | Record<string, unknown>;

const NEXT_TAIL = Buffer.from('}');
/** The payload and tail of the `next` that tells a client asking for it that its subscription is held. */
const SUBSCRIBED = Buffer.from('{"extensions":{"subscribed":true}}}');
/** The bytes before the payload of a graphql-ws `next` message: all that differs between two members of a group. */
const nextHead = (id: string) => Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);

/** What the groups of one `sharedSubscriptions` share: the running groups by key, the formatting, the join count. */
interface Registry {
  readonly groups: Map<string, Group>;
  readonly format: FormatResult;
  joined: number;
  subscribe(args: ExecutionArgs, outlet?: Outlet): Promise<SubscribeResult>;
}

/** One distinct subscription (document, variables, visibility scope): one source stream, executed once per event. */
class Group {
  private readonly members = new Set<Member>();
  private started: Promise<SubscribeResult> | null = null;
  private source: AsyncIterableIterator<ExecutionResult> | null = null;
  private closed = false;
  private readonly info = { lastJoinAt: performance.now() };
  private readonly args: ExecutionArgs;
  constructor(private readonly registry: Registry, private readonly key: string, args: ExecutionArgs) {
    // The shared execution's context tells its source when members join (see ApiContext.sharedGroup).
    this.args = { ...args, contextValue: { ...(args.contextValue as ApiContext), sharedGroup: this.info } };
  }

  async join(args: ExecutionArgs, outlet: Outlet | undefined): Promise<SubscribeResult> {
    this.started ??= Promise.resolve(subscribe(this.args)) as Promise<SubscribeResult>;
    const result = await this.started;
    if (!(Symbol.asyncIterator in result)) {
      this.forget();
      return result;
    }
    if (this.closed) return this.registry.subscribe(args, outlet); // its last member left while this one was joining
    if (!this.source) {
      this.source = result;
      void this.pump();
    }
    const member = new Member(args.contextValue as ApiContext, outlet, () => this.leave(member));
    this.members.add(member);
    this.info.lastJoinAt = performance.now();
    this.registry.joined += 1;
    if (outlet?.announce) outlet.send(Buffer.concat([nextHead(outlet.id), SUBSCRIBED]));
    return member;
  }

  private async pump(): Promise<void> {
    try {
      for await (const value of this.source!) {
        // Writes are synchronous and the runner yields to the event loop between batches, so there is no yield here:
        // one would only put this group's next result behind whatever else is queued.
        let payload: Buffer | null = null; // serialised once, on the first member that writes its own messages
        for (const m of this.members) {
          if (m.outlet) m.deliver((payload ??= Buffer.from(JSON.stringify(this.registry.format(value)))), value);
          else m.deliver(null, value);
        }
      }
    } catch (error) {
      for (const m of this.members) m.fail(error);
    } finally {
      this.closed = true;
      this.forget();
      for (const m of this.members) m.end();
    }
  }

  private leave(member: Member): void {
    this.members.delete(member);
    if (this.members.size === 0 && !this.closed) {
      this.closed = true;
      this.forget();
      void this.source?.return?.();
    }
  }

  /** Off the map, unless a newer group of the same key has taken its place. */
  private forget(): void {
    if (this.registry.groups.get(this.key) === this) this.registry.groups.delete(this.key);
  }

  get size(): number {
    return this.members.size;
  }

  holds(id: string): boolean {
    for (const m of this.members) if (m.outlet?.id === id) return true;
    return false;
  }
}

/**
 * One subscriber of a group. With an outlet, results go straight to its socket and its queue only ever carries the
 * end (or the expired sign-in's error) to graphql-ws; without one, results wait in its queue. Its sign-in is checked
 * at every result: once expired, it gets that error instead, leaves the group and ends.
 */
class Member extends PushQueue<ExecutionResult> {
  private readonly head: Buffer | null;
  private stopped = false;
  constructor(private readonly ctx: ApiContext, readonly outlet: Outlet | undefined, private readonly leaveGroup: () => void) {
    super(() => {
      this.stopped = true;
      leaveGroup();
    });
    this.head = outlet ? nextHead(outlet.id) : null;
  }

  deliver(payload: Buffer | null, value: ExecutionResult): void {
    if (this.stopped) return;
    const expiresAt = this.ctx.actor?.expiresAt;
    const expired = expiresAt !== undefined && expiresAt.getTime() <= Date.now();
    if (expired || (this.ctx.stillSignedIn && !this.ctx.stillSignedIn())) {
      this.stopped = true;
      this.leaveGroup();
      const why = expired ? 'the sign-in has expired; sign in again' : 'this sign-in is no longer valid (account disabled or password changed)';
      const error = new GraphQLError(why, { extensions: { code: 'UNAUTHENTICATED' } });
      this.push({ errors: [error] });
      this.end();
    } else if (payload && this.outlet) {
      this.outlet.send(Buffer.concat([this.head!, payload, NEXT_TAIL], this.head!.length + payload.length + NEXT_TAIL.length));
    } else {
      this.push(value);
    }
  }
}

/**
 * Runs each distinct subscription once and multicasts its results: subscribers with the same document, variables
 * and visibility scope share one source stream, one execution and one serialisation per event, whatever the number
 * of sockets. A member with an outlet gets each result written straight to its socket (its bytes are the group's
 * payload between a head with its id and a closing brace); graphql-ws still owns the subscription: it completes it,
 * reports a failure of the source, and sends the error that ends a member whose sign-in expired.
 */
export function sharedSubscriptions(options: { format?: FormatResult } = {}) {
  const registry: Registry = {
    groups: new Map(),
    format: options.format ?? ((result: ExecutionResult) => result),
    joined: 0,
    /** Joins (or starts) the group of `args`; with an `outlet`, the group writes this subscriber's results itself. */
    subscribe(args: ExecutionArgs, outlet?: Outlet): Promise<SubscribeResult> {
      const ctx = args.contextValue as ApiContext;
      const scope = ctx.actor ? visibilityScope(ctx.actor) : 'anonymous';
      const key = JSON.stringify([print(args.document), args.operationName ?? null, args.variableValues ?? {}, scope]);
      let group = registry.groups.get(key);
      if (!group) {
        group = new Group(registry, key, args);
        registry.groups.set(key, group);
      }
      return group.join(args, outlet);
    },
  };

  return {
    subscribe: (args: ExecutionArgs, outlet?: Outlet) => registry.subscribe(args, outlet),
    /** Whether a subscriber with this graphql-ws subscription id is in a group now (tests wait for it). */
    holds(subscriptionId: string): boolean {
      for (const g of registry.groups.values()) if (g.holds(subscriptionId)) return true;
      return false;
    },
    /** Distinct executions running now, the subscribers they serve, and how many ever joined (benchmark, tests). */
    stats() {
      let members = 0;
      for (const g of registry.groups.values()) members += g.size;
      return { groups: registry.groups.size, members, joined: registry.joined };
    },
  };
}
