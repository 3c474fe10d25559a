import { faceVerdict } from './faces.js';
import { METRICS } from './metrics.js';
import { describeAnalysis, describeContradiction, type Contradiction } from './recording-checks.js';
import type { ProtocolData } from './graphql.generated.js';

/**
 * The protocol's event list in words: every entry of the session's timeline as what happened, when (date and time),
 * who did it and the details that matter (the chat text, the face verdict and its distance, the metric and its
 * value), plus one line per minute whose measured metrics were above zero. Pure, so the page only draws it.
 */

/** An entry of `Session.timeline` as the protocol's query returns it. */
export type TimelineEntryLike = ProtocolData['session']['timeline'][number];

export interface MinuteLike {
  minute: number;
  total: number;
  values: ReadonlyArray<{ code: string; value: number }>;
}

export type Tone = 'plain' | 'warning' | 'danger' | 'good';

export interface EventLine {
  key: string;
  at: string;
  /** "14:03:12, 30 Nov 2026". */
  when: string;
  /** Who did it: a username, "System", or the test-taker's browser for measured minutes. */
  who: string;
  /** What happened, as a sentence without its subject ("sent an incident message"). */
  what: string;
  /** What it said or found, or null. */
  details: string | null;
  tone: Tone;
}

/** "14:03:12, 30 Nov 2026" in `timeZone` (the browser's by default). */
export function formatWhen(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZone }).format(d);
  const date = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone }).format(d);
  return `${time}, ${date}`;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const quote = (text: unknown): string => `“${str(text)}”`;
/** A lost stretch's length in seconds: tenths under ten (a failover's gap is a fraction of a second to a few). */
const lostSeconds = (ms: number): string => (Number.isFinite(ms) && ms < 9_950 ? (Math.round(ms / 100) / 10).toFixed(1) : String(Math.round(ms / 1000)));

const TRACK_NAMES: Record<string, string> = { camera: 'camera', screen: 'screen', mobile: 'phone camera' };
const LMS_SERVICES: Record<string, string> = { ags: 'grade sent to the LMS', nrps: 'course members read from the LMS', acs: 'LMS asked to control the attempt' };
const FILE_KINDS: Record<string, string> = { attachment: 'a file of the chat', face: 'the face photo', document: 'the identity document photo' };
const plural = (n: unknown, word: string): string => `${str(n)} ${word}${Number(n) === 1 ? '' : 's'}`;
const FACE_TONE: Record<string, Tone> = { green: 'good', yellow: 'warning', red: 'danger' };
const FINISHED_BY: Record<string, string> = {
  student: 'finished the session (the test-taker)',
  proctor: 'finished the session (the proctor)',
  admin: 'finished the session (an administrator)',
  integrator: 'finished the session (the LMS)',
};

function metric(code: string): string {
  const description = METRICS[code]?.description;
  return description ? `${code} (${description.charAt(0).toLowerCase()}${description.slice(1)})` : code;
}

function bytes(n: unknown): string {
  const size = Number(n);
  if (!Number.isFinite(size)) return '';
  return size < 1024 ? `${size} B` : size < 1024 * 1024 ? `${Math.round(size / 1024)} KB` : `${(size / 1024 / 1024).toFixed(1)} MB`;
}

type Said = { what: string; details?: string | null; tone?: Tone; who?: string };
type Describe = (d: Record<string, unknown>, when: (iso: unknown) => string) => Said;

/** One sentence per event type. Types this client does not know yet fall back to their name (see `describeEntry`). */
const SAID: Record<string, Describe> = {
  SessionCreated: (d) => ({
    what: `created the session ${quote(d.name)} for ${str(d.studentName) ? `${str(d.studentName)} (${str(d.student)})` : str(d.student)}`,
    details: [d.proctor ? `proctor ${str(d.proctor)}` : 'no proctor yet', `${str(d.durationMinutes)} min`, d.scheduledAt ? 'scheduled' : null].filter(Boolean).join(', '),
    who: str(d.createdBy) || undefined,
  }),
  ProctorAssigned: (d) => (d.proctor ? { what: `assigned the proctor ${str(d.proctor)}`, details: d.previous ? `instead of ${str(d.previous)}` : null } : { what: `removed the proctor ${str(d.previous)}` }),
  SessionBooked: (d, when) => ({ what: `booked the session for ${when(d.scheduledAt)} with ${str(d.proctor)}`, details: d.previousProctor && d.previousProctor !== d.proctor ? `instead of ${str(d.previousProctor)}` : null }),
  SessionRescheduled: (d, when) => ({ what: `moved the start to ${when(d.scheduledAt)}`, details: d.previous ? `from ${when(d.previous)}` : null }),
  SessionCancelled: (d) => ({ what: 'cancelled the session', details: quote(d.reason), tone: 'warning' }),
  ParticipantCheckedIn: (d) => ({
    what: d.browserSupported === false ? 'checked in with a browser that is not supported' : 'checked in',
    details: str(d.userAgent).slice(0, 120) || null,
    tone: d.browserSupported === false ? 'warning' : 'plain',
  }),
  IdentityPhotoSubmitted: (d) => ({ what: d.kind === 'document' ? 'sent a photo of an identity document' : 'sent a face photo for the identity check' }),
  FileStored: (d) =>
    d.kind === 'attachment'
      ? { what: `attached the file ${quote(d.name)}`, details: bytes(d.size) || null }
      : { what: d.kind === 'document' ? 'uploaded a photo of an identity document' : 'uploaded a face photo', details: bytes(d.size) || null },
  IdentityVerified: (d) => (d.method === 'automatic' ? { what: 'confirmed the identity automatically', tone: 'good' } : { what: 'confirmed the test-taker’s identity', tone: 'good' }),
  SessionStarted: (d, when) => ({ what: 'started the session', details: d.deadline ? `time allowed until ${when(d.deadline)}` : null }),
  MetricsRecorded: (d) => ({ what: `sent the measurements of minute ${Number(d.minute) + 1}` }),
  ViolationDetected: (d) => ({ what: `violation ${metric(str(d.code))}`, details: str(d.detail) || null, tone: 'danger' }),
  FaceChecked: (d) => {
    // The same words as the Faces list (the reason why a check is red), with its colour first.
    const verdict = faceVerdict({ result: str(d.result), reason: typeof d.reason === 'string' ? d.reason : null, faceCount: typeof d.faceCount === 'number' ? d.faceCount : null });
    const distance = typeof d.distance === 'number' ? `distance ${d.distance.toFixed(2)}` : null;
    const similar = Array.isArray(d.similarProfiles) && d.similarProfiles.length ? `similar profiles: ${d.similarProfiles.map(str).join(', ')}` : null;
    return { what: `face check: ${str(d.result)}, ${verdict}`, details: [distance, similar].filter(Boolean).join('; ') || null, tone: FACE_TONE[str(d.result)] ?? 'plain' };
  },
  MessageSent: (d) => ({
    what: d.incident ? 'sent an incident message (the test content is blocked)' : 'sent a message',
    details: [str(d.text) ? quote(d.text) : null, d.attachmentId ? 'with a file' : null].filter(Boolean).join(' ') || null,
    tone: d.incident ? 'danger' : 'plain',
  }),
  ContentBlocked: () => ({ what: 'blocked the test content (incident)', tone: 'danger' }),
  ContentUnblocked: () => ({ what: 'unblocked the test content' }),
  RecordingSegmentStored: (d) => ({ what: `stored a piece of the ${TRACK_NAMES[str(d.track)] ?? str(d.track)} recording` }),
  RecordingSegmentRefused: (d) => ({
    what: `sent a broken piece of the ${TRACK_NAMES[str(d.track)] ?? str(d.track)} recording; it was refused and asked again`,
    details: [`attempt ${str(d.attempt)}`, str(d.reason)].filter(Boolean).join(': '),
    tone: 'warning',
  }),
  RecordingSegmentLost: (d) => ({
    what: `lost a piece of the ${TRACK_NAMES[str(d.track)] ?? str(d.track)} recording (${lostSeconds(Number(d.durationMs))} s)`,
    details: str(d.reason) || null,
    tone: 'danger',
  }),
  RecordingAnalysed: (d) => describeAnalysis(d),
  ClientReportContradicted: (d) => ({ what: 't1: the browser’s report does not match the recording', details: describeContradiction(d as unknown as Contradiction), tone: 'danger', who: 'System' }),
  RecordingPlayed: (d) => ({ what: `downloaded piece ${str(d.seq)} of the ${TRACK_NAMES[str(d.track)] ?? str(d.track)} recording` }),
  RecordingViewed: (d, when) => ({ what: 'opened the recording for watching', details: d.until ? `the view lasts until ${when(d.until)}` : null }),
  StreamReplayed: (d) => ({ what: 'opened the event stream for replay', details: `${str(d.events)} events, as ${str(d.role)}` }),
  StreamExported: (d) => ({ what: 'exported the event stream for an outside auditor', details: `events 0–${str(d.throughVersion)}` }),
  FileViewed: (d) => ({ what: `opened ${FILE_KINDS[str(d.kind)] ?? 'a file'}`, details: `file ${str(d.fileId)}` }),
  SessionMediaDeleted: (d, when) => ({
    who: 'System',
    what: `deleted the recordings, photos and files on ${when(d.at).split(', ')[1] ?? ''} under the retention policy (${plural(d.retentionDays, 'day')})`,
    details: `${plural(d.recordings, 'piece')} of recording, ${plural(d.photos, 'photo')}, ${plural(d.files, 'file')}; the session ended ${when(d.endedAt)}`,
    tone: 'warning',
  }),
  CallStarted: (d) => ({ what: d.video ? 'started a video call' : 'started an audio call' }),
  CallEnded: () => ({ what: 'ended the call' }),
  MobileCameraConnected: (d) => ({ what: 'connected the phone camera', details: str(d.userAgent).slice(0, 120) || null }),
  ProctorJoined: () => ({ what: 'joined the session to watch' }),
  ProctorLeft: () => ({ what: 'stopped watching the session' }),
  NoteAdded: (d) => ({ what: 'added a note', details: quote(d.text) }),
  SessionPaused: () => ({ what: 'paused the session', tone: 'warning' }),
  SessionResumed: () => ({ what: 'resumed the session' }),
  SessionFinished: (d) => (d.by === 'timeout' ? { what: 'finished the session: the time allowed ran out', who: 'System' } : { what: FINISHED_BY[str(d.by)] ?? 'finished the session' }),
  ScoreComputed: (d) => {
    const terms = Array.isArray(d.breakdown) ? (d.breakdown as Array<{ code: string; contribution: number }>).filter((t) => t.contribution > 0) : [];
    return {
      // Computed by the server as the session ends, whoever ended it.
      who: 'System',
      what: `computed the score: ${str(d.score)} of 100`,
      details: `over ${str(d.minutes)} min${terms.length ? `; points off: ${terms.map((t) => `${t.code} −${t.contribution}`).join(', ')}` : ''}`,
    };
  },
  SessionConcluded: (d) => ({
    what: `${d.automatic ? 'concluded automatically' : 'gave the conclusion'}: ${str(d.conclusion)}`,
    // The comment is for the record; what the test-taker was told, if anything, is said apart.
    details: [str(d.comment) ? quote(d.comment) : null, str(d.messageToStudent) ? `told the test-taker: ${quote(d.messageToStudent)}` : null].filter(Boolean).join('; ') || null,
    tone: d.conclusion === 'negative' ? 'danger' : 'good',
  }),
  SentToCommittee: (d) => ({
    what: 'sent the session to an examination committee',
    details: `members ${(d.members as string[] | undefined)?.join(', ') ?? ''}; chair ${str(d.chair)}`,
  }),
  CommitteeDecided: (d) => ({
    what: `examination committee ${str(d.decision)} the conclusion: final conclusion ${str(d.conclusion)}`,
    details: [
      ...((d.votes as Array<{ member: string; vote: string; comment: string }> | undefined) ?? []).map((v) => `${v.member}: ${v.vote} ${quote(v.comment)}`),
      d.tieBrokenByChair ? 'the votes were even: the chair\'s vote decided' : null,
    ].filter(Boolean).join('; '),
    tone: d.conclusion === 'negative' ? 'danger' : 'good',
  }),
  LtiLaunched: (d) => ({ what: `opened from the LMS (${str(d.messageType)})`, who: 'LMS' }),
  LtiMessageSent: (d) => ({ what: `sent ${str(d.messageType)} back to the LMS`, details: str(d.url) || null, who: 'System' }),
  LtiAssessmentEnded: (d) => ({
    what: d.errorMessage ? 'ended the assessment with an error' : 'ended the assessment (the attempt was submitted)',
    details: [str(d.errorMessage), str(d.errorLog)].filter(Boolean).join(': ') || null,
    who: 'LMS',
    tone: d.errorMessage ? 'warning' : 'plain',
  }),
  LtiServiceCalled: (d) => ({
    what: `${LMS_SERVICES[str(d.service)] ?? str(d.service)}: ${str(d.action)} ${d.ok ? 'accepted' : 'not accepted'}`,
    details: [d.status === null ? 'no answer' : `HTTP ${str(d.status)}`, `attempt ${str(d.attempt)}`, str(d.outcome)].filter(Boolean).join(', '),
    who: 'System',
    tone: d.ok ? 'plain' : 'warning',
  }),
};

/** The types `describeEntry` has words for. */
export const DESCRIBED_TYPES: readonly string[] = Object.keys(SAID);

function who(actor: string | null): string {
  if (!actor || actor === 'system') return 'System';
  return actor;
}

export function describeEntry(entry: TimelineEntryLike, timeZone?: string): EventLine {
  const when = (iso: unknown) => formatWhen(str(iso), timeZone);
  const said: Said = SAID[entry.type]?.(entry.data ?? {}, when) ?? { what: `${entry.type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}` };
  return {
    key: `e${entry.seq}`,
    at: entry.at,
    when: when(entry.at),
    who: said.who ?? who(entry.actor),
    what: said.what,
    details: said.details ?? null,
    tone: said.tone ?? 'plain',
  };
}

/** A minute's measured metrics (those above zero) as a line at the start of that minute. */
export function describeMinute(m: MinuteLike, startedAt: string, student: string, timeZone?: string): EventLine | null {
  // t1 is the server's finding about the browser's report, not something the browser measured: its own line says it.
  const values = m.values.filter((v) => v.value > 0 && v.code !== 't1').sort((a, b) => b.value - a.value);
  if (!values.length) return null;
  const at = new Date(Date.parse(startedAt) + m.minute * 60_000).toISOString();
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    key: `m${m.minute}`,
    at,
    when: formatWhen(at, timeZone),
    who: `${student}’s browser`,
    what: `measured in minute ${m.minute + 1}: ${values.map((v) => `${metric(v.code)} ${round(v.value)}\u00a0%`).join(', ')}`,
    details: null,
    tone: values.reduce((sum, v) => sum + v.value, 0) >= 50 ? 'danger' : 'warning',
  };
}

/** Every entry and every minute with violations, in time order (entries of one moment in the order they happened). */
export function eventList(
  input: { entries: readonly TimelineEntryLike[]; minutes: readonly MinuteLike[]; startedAt: string | null; student: string },
  timeZone?: string,
): EventLine[] {
  const lines = input.entries.map((e, i) => ({ line: describeEntry(e, timeZone), order: i * 2 + 1 }));
  if (input.startedAt) {
    for (const m of input.minutes) {
      const line = describeMinute(m, input.startedAt, input.student, timeZone);
      if (line) lines.push({ line, order: Number.MAX_SAFE_INTEGER }); // after what happened at the same instant
    }
  }
  return lines.sort((a, b) => Date.parse(a.line.at) - Date.parse(b.line.at) || a.order - b.order).map((l) => l.line);
}
