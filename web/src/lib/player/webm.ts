/**
 * Reads the codecs of a WebM file from its header (Segment → Tracks → TrackEntry → CodecID), which is what
 * `MediaSource.addSourceBuffer` must be told. Our segments come from Chromium's MediaRecorder (camera: VP8 + Opus;
 * screen: VP8) and from janus-pp-rec + ffmpeg (the same codecs, with Cues and known sizes); a camera segment without
 * sound has one track fewer, which a SourceBuffer made for two refuses, so the player compares these signatures.
 */

const EBML = 0x1a45dfa3;
const SEGMENT = 0x18538067;
const TRACKS = 0x1654ae6b;
const TRACK_ENTRY = 0xae;
const CODEC_ID = 0x86;
const CLUSTER = 0x1f43b675;

/** The codec names MSE takes for the Matroska codec ids we can meet. */
const CODECS: Record<string, string> = { V_VP8: 'vp8', V_VP9: 'vp9', V_AV1: 'av01.0.04M.08', A_OPUS: 'opus', A_VORBIS: 'vorbis' };

interface Element {
  id: number;
  /** Start of the payload. */
  start: number;
  /** End of the payload; the end of the parent for an unknown size (live WebM, as MediaRecorder writes). */
  end: number;
}

function vint(bytes: Uint8Array, at: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } | null {
  const first = bytes[at];
  if (first === undefined || first === 0) return null;
  let length = 1;
  while (!(first & (0x80 >> (length - 1)))) length++;
  if (length > 8 || at + length > bytes.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === (0xff >> length);
  for (let i = 1; i < length; i++) {
    value = value * 256 + bytes[at + i];
    allOnes &&= bytes[at + i] === 0xff;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

function* children(bytes: Uint8Array, from: number, to: number): Generator<Element> {
  let at = from;
  while (at < to) {
    const id = vint(bytes, at, true);
    if (!id) return;
    const size = vint(bytes, at + id.length, false);
    if (!size) return;
    const start = at + id.length + size.length;
    const end = size.unknown ? to : Math.min(to, start + size.value);
    yield { id: id.value, start, end };
    if (size.unknown) return; // an element of unknown size runs to its parent's end: its children are read by descending
    at = end;
  }
}

/** The tracks of a WebM file, video first ("vp8,opus"), or null when the header cannot be read. */
export function webmCodecs(bytes: Uint8Array): string | null {
  const top = [...children(bytes, 0, bytes.length)];
  if (top[0]?.id !== EBML) return null;
  const segment = top.find((e) => e.id === SEGMENT);
  if (!segment) return null;
  for (const element of children(bytes, segment.start, segment.end)) {
    if (element.id === CLUSTER) return null; // media before any track description
    if (element.id !== TRACKS) continue;
    const tracks: Array<{ type: number; codec: string }> = [];
    for (const entry of children(bytes, element.start, element.end)) {
      if (entry.id !== TRACK_ENTRY) continue;
      let codec = '';
      for (const field of children(bytes, entry.start, entry.end)) {
        if (field.id === CODEC_ID) codec = new TextDecoder().decode(bytes.subarray(field.start, field.end)).replace(/\0+$/, '');
      }
      const name = CODECS[codec];
      if (!name) return null;
      tracks.push({ type: codec.startsWith('V_') ? 1 : 2, codec: name });
    }
    if (!tracks.length) return null;
    return tracks.sort((a, b) => a.type - b.type).map((t) => t.codec).join(',');
  }
  return null;
}
