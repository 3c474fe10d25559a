import { ICE_SERVERS } from '../media/signals.js';
import type { RemoteMember } from './member.svelte.js';
import type { Transport, TransportContext } from './transport.js';

/**
 * One pair of the mesh: a peer connection that sends this browser's camera and microphone and receives the other's,
 * negotiated with the perfect negotiation pattern (either side may offer; on a collision the polite side gives way),
 * so two people who meet at once never deadlock. What the other side sends is handled in order.
 */
export class MeshLink {
  readonly pc = new RTCPeerConnection({ iceServers: ICE_SERVERS });
  private makingOffer = false;
  private ignoreOffer = false;
  private settingAnswer = false;
  private inbox: Promise<void> = Promise.resolve();

  constructor(
    local: MediaStream,
    private readonly polite: boolean,
    private readonly send: (kind: string, payload: unknown) => void,
    onStream: (stream: MediaStream) => void,
  ) {
    const pc = this.pc;
    pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        this.send('description', pc.localDescription!.toJSON());
      } catch (e) {
        console.warn('conference: making an offer failed', e);
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) this.send('candidate', candidate.toJSON());
    };
    pc.ontrack = (e) => onStream(e.streams[0] ?? new MediaStream([e.track]));
    // A pair whose ICE failed (a network change, a machine stalled past the consent checks) is negotiated again with
    // new ICE credentials: the other member is still in the room (leaving and closed tabs come as `bye`), so their
    // tile stays and fills again instead of vanishing for good.
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed') pc.restartIce();
    };
    for (const track of local.getTracks()) pc.addTrack(track, local);
  }

  /** A description or candidate from the other side, after the ones before it. */
  receive(kind: string, payload: any): void {
    this.inbox = this.inbox.then(() => (kind === 'description' ? this.description(payload) : this.candidate(payload))).catch((e) => console.warn(`conference: ${kind} failed`, e));
  }

  private async description(d: RTCSessionDescriptionInit): Promise<void> {
    const pc = this.pc;
    const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.settingAnswer);
    const collision = d.type === 'offer' && !readyForOffer;
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) return;
    this.settingAnswer = d.type === 'answer';
    await pc.setRemoteDescription(d); // on a collision the polite side rolls its own offer back here
    this.settingAnswer = false;
    if (d.type === 'offer') {
      await pc.setLocalDescription();
      this.send('description', pc.localDescription!.toJSON());
    }
  }

  private async candidate(c: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(c);
    } catch (e) {
      if (!this.ignoreOffer) throw e; // a candidate of the offer we ignored is expected to fail
    }
  }

  close(): void {
    this.pc.close();
  }
}

/** The p2p room: a full mesh, one `MeshLink` per other member. */
export class MeshTransport implements Transport {
  private readonly links = new Map<string, MeshLink>();

  constructor(private readonly ctx: TransportContext) {}

  async start(): Promise<void> {}

  added(member: RemoteMember): void {
    const { ctx } = this;
    const link = new MeshLink(
      ctx.local,
      ctx.self() < member.address,
      (kind, payload) => void ctx.channel.send(member.address, kind, payload),
      (stream) => (member.stream = stream),
    );
    this.links.set(member.address, link);
    member.pc = link.pc;
  }

  signal(member: RemoteMember, kind: string, payload: any): void {
    if (kind === 'description' || kind === 'candidate') this.links.get(member.address)?.receive(kind, payload);
  }

  removed(member: RemoteMember): void {
    this.links.get(member.address)?.close();
    this.links.delete(member.address);
  }

  here(): Record<string, unknown> {
    return {};
  }

  stop(): void {
    for (const link of this.links.values()) link.close();
    this.links.clear();
  }
}
