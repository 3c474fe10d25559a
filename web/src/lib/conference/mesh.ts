import { ICE_SERVERS } from '../media/signals.js';
import type { RemoteMember } from './member.svelte.js';
import type { Transport, TransportContext } from './transport.js';

/** A pair still negotiating this long after it was made is made again (a description lost on the way). */
const NEGOTIATED_WITHIN_MS = 20_000;
/** A connection that lost its way this long (no answers to ICE checks, the other side gone) is made again. */
const LOST_FOR_MS = 10_000;

/**
 * One pair of the mesh: a peer connection that sends this browser's camera and microphone and receives the other's,
 * negotiated with the perfect negotiation pattern (either side may offer; on a collision the polite side gives way),
 * so two people who meet at once never deadlock.
 *
 * The polite side gives way on the first negotiation by answering on a new connection (`handle` says false and
 * `MeshTransport` makes it), not by rolling its offer back: Chromium (150) rolls back an offer whose ICE gathering has
 * begun and found nothing yet into a connection that never gathers a candidate again, not even after an ICE restart,
 * so the pair stood at `new` until the 20 s check made it again (every full test run, under load).
 */
export class MeshLink {
  readonly pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
  private makingOffer = false;
  private ignoreOffer = false;
  private settingAnswer = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private lost: ReturnType<typeof setTimeout> | null = null;
  /** Candidates sent and received, and descriptions: what a stalled pair's warning says of its negotiation. */
  private readonly counts = { sent: 0, received: 0, offers: 0, answers: 0 };

  /**
   * `onBroken` is called once when the pair cannot recover by itself: ICE or DTLS failed (an ICE restart cannot mend a
   * failed DTLS handshake), it stayed disconnected, or its negotiation stalled. An `answering` link was made for an
   * offer that came: it makes no offer of its own before it has answered that one (two offers would collide).
   */
  constructor(
    local: MediaStream,
    private readonly polite: boolean,
    private answering: boolean,
    private readonly send: (kind: string, payload: unknown) => void,
    onStream: (stream: MediaStream) => void,
    private readonly onBroken: (why: string) => void,
  ) {
    const pc = this.pc;
    pc.onnegotiationneeded = async () => {
      // Answering the offer settles what addTrack asked for; the browser asks again once stable if anything is left.
      if (this.answering) return;
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        this.send('description', pc.localDescription!.toJSON());
      } catch (e) {
        if (pc.signalingState !== 'closed') console.warn('conference: making an offer failed', e); // closed: made again meanwhile
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate) return;
      this.counts.sent += 1;
      this.send('candidate', candidate.toJSON());
    };
    pc.ontrack = (e) => onStream(e.streams[0] ?? new MediaStream([e.track]));
    // The other member is still in the room (leaving and closed tabs come as `bye`): a pair that broke (a network
    // change, a machine stalled past the consent checks or the DTLS handshake) is made again, so their tile fills
    // again instead of staying black.
    let connected = false;
    pc.onconnectionstatechange = () => {
      const state = pc.connectionState;
      if (state === 'failed') return this.broken('the connection failed');
      if (state === 'connected') {
        connected = true;
        this.cancel(this.lost);
        this.lost = null;
      } else if (connected && !this.lost) {
        // Disconnected (no answers to ICE checks), or the other side's DTLS closed: it may come back by itself.
        this.lost = this.after(LOST_FOR_MS, () => {
          this.lost = null;
          if (pc.connectionState !== 'connected') this.broken(`${pc.connectionState} for ${LOST_FOR_MS / 1000} s`);
        });
      }
    };
    // A negotiation that stalled (a description lost on the way) never fails by itself; a slow handshake under load
    // is `connecting` and is left to the browser, which says `failed` when it gives up.
    this.after(NEGOTIATED_WITHIN_MS, () => {
      if (pc.connectionState === 'new' || pc.signalingState !== 'stable') {
        const { sent, received, offers, answers } = this.counts;
        const described = `local ${pc.localDescription?.type ?? 'none'}, remote ${pc.remoteDescription?.type ?? 'none'}`;
        this.broken(`not negotiated after ${NEGOTIATED_WITHIN_MS / 1000} s (${pc.connectionState}, signalling ${pc.signalingState}, ${described}; ${offers} offers and ${answers} answers received, candidates ${sent} sent and ${received} received)`);
      }
    });
    for (const track of local.getTracks()) pc.addTrack(track, local);
  }

  private after(ms: number, f: () => void): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      f();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private cancel(timer: ReturnType<typeof setTimeout> | null): void {
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private broken(why: string): void {
    if (this.pc.signalingState === 'closed') return;
    this.close();
    this.onBroken(why);
  }

  /**
   * A description or candidate from the other side (the caller hands them over one at a time, in order). False when
   * this connection cannot take the offer: the polite side's first offer collided, and a new connection answers it.
   */
  async handle(kind: string, payload: any): Promise<boolean> {
    if (kind === 'description') return this.description(payload);
    await this.candidate(payload);
    return true;
  }

  private async description(d: RTCSessionDescriptionInit): Promise<boolean> {
    const pc = this.pc;
    const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.settingAnswer);
    const collision = d.type === 'offer' && !readyForOffer;
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) return true;
    if (collision && !pc.currentRemoteDescription) return false; // never negotiated: answer on a new connection
    if (d.type === 'offer') this.counts.offers += 1;
    else this.counts.answers += 1;
    this.settingAnswer = d.type === 'answer';
    await pc.setRemoteDescription(d); // on a later collision the polite side rolls its own offer back here
    this.settingAnswer = false;
    if (d.type === 'offer') {
      await pc.setLocalDescription();
      this.answering = false;
      this.send('description', pc.localDescription!.toJSON());
    }
    return true;
  }

  private async candidate(c: RTCIceCandidateInit): Promise<void> {
    this.counts.received += 1;
    try {
      await this.pc.addIceCandidate(c);
    } catch (e) {
      if (!this.ignoreOffer) throw e; // a candidate of the offer we ignored is expected to fail
    }
  }

  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.pc.close();
  }
}

/** One member's pair: its link now, the generation it belongs to, and what the other side sent, handled in order. */
interface Pair {
  link: MeshLink;
  readonly generation: number;
  inbox: Promise<void>;
}

/**
 * The p2p room: a full mesh, one `MeshLink` per other member. A pair that broke is made anew under the next
 * generation: its messages carry the generation, the other side makes its own link anew when it sees a newer one, and
 * messages of an older link are dropped, so the two new links never take the old ones' descriptions or candidates.
 */
export class MeshTransport implements Transport {
  private readonly pairs = new Map<string, Pair>();

  constructor(private readonly ctx: TransportContext) {}

  async start(): Promise<void> {}

  added(member: RemoteMember): void {
    this.renew(member, 0, false);
  }

  private link(member: RemoteMember, generation: number, answering: boolean): MeshLink {
    const { ctx } = this;
    const link = new MeshLink(
      ctx.local,
      ctx.self() < member.address,
      answering,
      (kind, payload) => void ctx.channel.send(member.address, kind, { generation, payload }),
      (stream) => (member.stream = stream),
      (why) => {
        if (this.pairs.get(member.address)?.link !== link) return;
        console.warn(`conference: the connection with ${member.address} is made again: ${why}`);
        this.renew(member, generation + 1, false);
      },
    );
    member.pc = link.pc;
    return link;
  }

  /** A new pair with `member` under `generation`, in place of the one before. */
  private renew(member: RemoteMember, generation: number, answering: boolean): Pair {
    this.pairs.get(member.address)?.link.close();
    const pair = { link: this.link(member, generation, answering), generation, inbox: Promise.resolve() };
    this.pairs.set(member.address, pair);
    return pair;
  }

  signal(member: RemoteMember, kind: string, message: any): void {
    if (kind !== 'description' && kind !== 'candidate') return;
    const generation = Number.isSafeInteger(message?.generation) ? (message.generation as number) : 0;
    const payload = message?.payload;
    let pair = this.pairs.get(member.address);
    if (!pair || generation < pair.generation) return; // from a link the sender has since made again
    if (generation > pair.generation) pair = this.renew(member, generation, kind === 'description' && payload?.type === 'offer');
    const handled = pair;
    handled.inbox = handled.inbox.then(async () => {
      if (this.pairs.get(member.address) !== handled) return; // made again or gone meanwhile
      if (await handled.link.handle(kind, payload)) return;
      handled.link.close();
      handled.link = this.link(member, handled.generation, true);
      await handled.link.handle(kind, payload);
    }).catch((e) => console.warn(`conference: ${kind} failed`, e));
  }

  removed(member: RemoteMember): void {
    this.pairs.get(member.address)?.link.close();
    this.pairs.delete(member.address);
  }

  here(): Record<string, unknown> {
    return {};
  }

  stop(): void {
    for (const { link } of this.pairs.values()) link.close();
    this.pairs.clear();
  }
}
