/**
 * The part of janode 1.8 (Meetecho's Janus client, shipped without types) that src/media/janus uses.
 * Declared from janode's JSDoc in node_modules/janode/src; extend it when using more.
 */
declare module 'janode' {
  import type { EventEmitter } from 'node:events';

  export interface JanodeConfig {
    readonly address: { readonly url: string; readonly apisecret?: string; readonly token?: string } | ReadonlyArray<{ readonly url: string; readonly apisecret?: string }>;
    readonly retry_time_secs?: number;
    readonly max_retries?: number;
    readonly is_admin?: boolean;
  }

  export interface PluginDescriptor<H extends Handle> {
    readonly id: string;
    readonly Handle: new (...args: never[]) => H;
    readonly EVENT: Record<string, string>;
  }

  export interface Handle extends EventEmitter {
    readonly id: number;
    detach(): Promise<void>;
    hangup(): Promise<void>;
  }

  export interface Session extends EventEmitter {
    readonly id: number;
    attach<H extends Handle>(plugin: PluginDescriptor<H>): Promise<H>;
    destroy(): Promise<void>;
  }

  export interface Connection extends EventEmitter {
    create(keepAliveSeconds?: number): Promise<Session>;
    close(): Promise<void>;
    getInfo(): Promise<{ name: string; version: number; version_string: string; plugins: Record<string, unknown>; transports: Record<string, unknown> }>;
  }

  export const EVENT: {
    readonly CONNECTION_CLOSED: 'connection_closed';
    readonly CONNECTION_ERROR: 'connection_error';
    readonly SESSION_DESTROYED: 'session_destroyed';
    readonly HANDLE_DETACHED: 'handle_detached';
    readonly HANDLE_HANGUP: 'handle_hangup';
    readonly HANDLE_WEBRTCUP: 'handle_webrtcup';
    readonly HANDLE_MEDIA: 'handle_media';
    readonly HANDLE_ICE_FAILED: 'handle_ice_failed';
  };

  const Janode: {
    connect(config: JanodeConfig): Promise<Connection>;
    readonly EVENT: typeof EVENT;
    readonly Logger: { setLevel(level: 'debug' | 'verb' | 'info' | 'warn' | 'error' | 'none'): string };
  };
  export default Janode;
}

declare module 'janode/plugins/videoroom' {
  import type { Handle, PluginDescriptor } from 'janode';

  type Id = string | number;

  export interface Jsep {
    readonly type: 'offer' | 'answer';
    readonly sdp: string;
  }

  /** One stream of a publisher or a subscription (multistream Janus 1.x). */
  export interface StreamInfo {
    readonly type: 'audio' | 'video' | 'data';
    readonly mid: string;
    readonly mindex: number;
    readonly codec?: string;
    readonly feed_id?: Id;
    readonly feed_mid?: string;
    readonly active?: boolean;
    readonly simulcast?: boolean;
    readonly send?: boolean;
  }

  export interface Publisher {
    readonly feed: Id;
    readonly display?: string;
    readonly streams?: readonly StreamInfo[];
  }

  export interface SubscriptionStream {
    readonly feed: Id;
    readonly mid?: string;
    /** Simulcast: the layer to forward from the start (Janus 1.1's subscriber stream parameters). */
    readonly substream?: number;
  }

  export interface ConfigureStream {
    readonly mid: string;
    readonly send?: boolean;
    readonly substream?: number;
    readonly temporal?: number;
    readonly fallback?: number;
    readonly keyframe?: boolean;
  }

  export interface VideoRoomHandle extends Handle {
    create(params: { room?: Id; description?: string; max_publishers?: number; permanent?: boolean; is_private?: boolean; bitrate?: number; fir_freq?: number; audiocodec?: string; videocodec?: string; record?: boolean; rec_dir?: string; notify_joining?: boolean }): Promise<{ room: Id; permanent: boolean }>;
    destroy(params: { room: Id; permanent?: boolean; secret?: string }): Promise<{ room: Id }>;
    exists(params: { room: Id }): Promise<{ room: Id; exists: boolean }>;
    kick(params: { room: Id; feed: Id; secret?: string }): Promise<{ room: Id; feed: Id }>;
    listParticipants(params: { room: Id; secret?: string }): Promise<{ room: Id; participants: ReadonlyArray<{ feed: Id; display?: string; publisher: boolean }> }>;
    joinConfigurePublisher(params: { room: Id; feed?: Id; display?: string; bitrate?: number; record?: boolean; filename?: string; audio?: boolean; video?: boolean; jsep?: Jsep; descriptions?: ReadonlyArray<{ mid: string; description: string }> }): Promise<{ room: Id; feed: Id; jsep?: Jsep; publishers: readonly Publisher[]; configured?: string; streams?: readonly StreamInfo[] }>;
    configure(params: { record?: boolean; filename?: string; bitrate?: number; keyframe?: boolean; jsep?: Jsep; streams?: readonly ConfigureStream[]; sc_substream_layer?: number; sc_temporal_layers?: number; restart?: boolean; update?: boolean }): Promise<{ configured: string; jsep?: Jsep; streams?: readonly StreamInfo[] }>;
    unpublish(): Promise<unknown>;
    joinSubscriber(params: { room: Id; feed?: Id; streams?: readonly SubscriptionStream[]; autoupdate?: boolean; use_msid?: boolean; sc_substream_layer?: number }): Promise<{ room: Id; feed?: Id; jsep?: Jsep; streams?: readonly StreamInfo[] }>;
    start(params: { jsep: Jsep }): Promise<{ room: Id; started: string }>;
    leave(): Promise<unknown>;
  }

  const VideoRoomPlugin: PluginDescriptor<VideoRoomHandle> & {
    readonly EVENT: {
      readonly VIDEOROOM_PUB_PEER_JOINED: string;
      readonly VIDEOROOM_UNPUBLISHED: string;
      readonly VIDEOROOM_LEAVING: string;
      readonly VIDEOROOM_UPDATED: string;
      readonly VIDEOROOM_DESTROYED: string;
      readonly VIDEOROOM_ERROR: string;
    };
  };
  export default VideoRoomPlugin;
}
