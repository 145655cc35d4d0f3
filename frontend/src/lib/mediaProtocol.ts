// The messages of the media signaling protocol, version 2 (sfu/PROTOCOL.md is the contract; this
// file only gives them TypeScript shapes). Fields the server leaves out when false or empty
// (muted, on, active, audio_muted, …) are optional here and read with a default.

export const PROTOCOL_VERSION = 2;

export type Source = 'mic' | 'camera' | 'screen';
export type Quality = 'high' | 'mid' | 'low' | 'off';
export type PcName = 'publish' | 'subscribe';

/** One video entry of the layout a subscriber asks for. */
export interface Want {
  identity?: string;
  source?: 'camera' | 'screen';
  follow?: 'spotlight' | 'speaker' | 'screen';
  quality: Quality;
}

/** What one transceiver of the subscribe connection carries now. */
export interface Slot {
  mid: string;
  kind: 'audio' | 'video';
  identity: string; // empty: idle
  source?: string;
  quality?: string;
  /** The layout entry the slot serves, when the server says so (spotlight, speaker, screen). */
  follow?: string;
}

/** Someone in the room, as the roster describes them. */
export interface Participant {
  identity: string;
  name: string;
  sources?: string[] | null;
  audio_muted?: boolean;
  muted_by?: string;
  video_muted?: boolean;
  audio_only?: boolean;
}

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** The media join token's grant, as the room service returns it beside the token. */
export interface Grant {
  room: string;
  sub: string;
  name: string;
  pub?: string[];
  subscribe?: boolean;
  start_muted?: boolean;
  self_unmute?: boolean;
}

/** Whether the grant lets its holder publish a source (tokens name kinds: audio, video, screen). */
export function mayPublish(g: Grant | null, source: Source): boolean {
  const pub = g?.pub ?? [];
  const word = source === 'mic' ? 'audio' : source === 'camera' ? 'video' : 'screen';
  return pub.includes(source) || pub.includes(word);
}

/** Any message from the server; `type` says which fields are set. */
export interface ServerMessage {
  type: string;
  v?: number;
  identity?: string;
  name?: string;
  session?: string;
  participants?: Participant[];
  spotlight?: string;
  ice_servers?: IceServer[];
  sdp?: string;
  pc?: PcName;
  candidate?: RTCIceCandidateInit;
  tracks?: Slot[];
  upsert?: Participant[];
  remove?: string[];
  identities?: string[];
  kind?: 'audio' | 'video';
  muted?: boolean;
  by?: string;
  source?: string;
  active?: string[];
  on?: boolean;
  code?: string;
  message?: string;
}

/** The simulcast layers of the camera, lowest first: RIDs the server knows (l, m, h). */
export const CAMERA_LAYERS: RTCRtpEncodingParameters[] = [
  { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'h', scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];
