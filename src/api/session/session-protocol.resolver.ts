import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { listFiles, type FileRow } from '../../projections/files/projection.js';
import { protocolEntries, protocolMinutes, recordingSegments } from '../../projections/protocol/queries.js';
import type { ApiContext } from '../context.js';
import { eventDataFor, scoreVisibleTo } from './student-view.js';
import { FaceCheck, FileInfo, Message, Minute, Note, RecordingSegment, ScoreBreakdown, Session, TimelineEntry } from './session.type.js';

function toFileInfo(f: FileRow): FileInfo {
  return { id: f.fileId, kind: f.kind, name: f.name, contentType: f.contentType, size: f.size, sha256: f.sha256 };
}

/** The session's protocol, read from the protocol and files read models: chat, files, notes, faces, minutes, recordings, score, timeline. */
@Resolver(() => Session)
export class SessionProtocolResolver {
  @FieldResolver(() => [Message], { description: 'The chat, oldest first.' })
  async messages(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<Message[]> {
    const [entries, files] = await Promise.all([protocolEntries(ctx.core.db, session.id, ['message']), listFiles(ctx.core.db, session.id)]);
    const byId = new Map(files.map((f) => [f.fileId, toFileInfo(f)]));
    return entries.map((e) => {
      const b = e.body as unknown as { messageId: string; from: string; role: string; text: string; incident: boolean; attachmentId: string | null };
      const attachment = b.attachmentId ? (byId.get(b.attachmentId) ?? null) : null;
      return { id: b.messageId, from: b.from, role: b.role, text: b.text, incident: b.incident, attachmentId: b.attachmentId, attachment, at: e.at };
    });
  }

  @FieldResolver(() => [FileInfo], { description: 'Uploaded files: chat attachments and identity photos (the test-taker sees attachments only).' })
  async files(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<FileInfo[]> {
    const files = await listFiles(ctx.core.db, session.id);
    return files.filter((f) => ctx.actor?.role !== 'student' || f.kind === 'attachment').map(toFileInfo);
  }

  @FieldResolver(() => [Note], { description: 'Proctor notes (not shown to the test-taker).' })
  async notes(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<Note[]> {
    if (ctx.actor?.role === 'student') return [];
    const entries = await protocolEntries(ctx.core.db, session.id, ['note']);
    return entries.map((e) => {
      const b = e.body as unknown as { noteId: string; author: string; text: string };
      return { id: b.noteId, author: b.author, text: b.text, at: e.at };
    });
  }

  @FieldResolver(() => [FaceCheck], { description: 'Face checks, oldest first (the Faces tab).' })
  async faces(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<FaceCheck[]> {
    if (ctx.actor?.role === 'student') return [];
    const entries = await protocolEntries(ctx.core.db, session.id, ['face']);
    return entries.map((e) => {
      const b = e.body as unknown as { photoId: string; result: string; distance: number | null; similarProfiles: string[]; reason?: string | null; faceCount?: number | null };
      return { photoId: b.photoId, result: b.result, distance: b.distance, similarProfiles: b.similarProfiles, reason: b.reason ?? null, faceCount: b.faceCount ?? null, at: e.at };
    });
  }

  @FieldResolver(() => [Minute], { description: 'Recorded minutes with their metric values.' })
  async minutes(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<Minute[]> {
    const minutes = await protocolMinutes(ctx.core.db, session.id);
    return minutes.map((m) => ({ minute: m.minute, total: m.total, values: Object.entries(m.values).map(([code, value]) => ({ code, value: value ?? 0 })) }));
  }

  @FieldResolver(() => [RecordingSegment], { description: 'Stored recording segments by track and order (not shown to the test-taker).' })
  async recordings(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<RecordingSegment[]> {
    if (ctx.actor?.role === 'student') return [];
    return recordingSegments(ctx.core.db, session.id);
  }

  @FieldResolver(() => ScoreBreakdown, { nullable: true, description: 'Each metric\'s share, weight and contribution (after the end).' })
  async scoreBreakdown(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<ScoreBreakdown | null> {
    if (!scoreVisibleTo(ctx.actor, session)) return null;
    const scores = await protocolEntries(ctx.core.db, session.id, ['score']);
    const last = scores.at(-1)?.body as unknown as { score: number; minutes: number; breakdown: ScoreBreakdown['terms'] } | undefined;
    return last ? { score: last.score, minutes: last.minutes, terms: last.breakdown } : null;
  }

  @FieldResolver(() => [TimelineEntry], { description: 'Everything that happened, in order (the protocol\'s event list).' })
  async timeline(@Root() session: Session, @Ctx() ctx: ApiContext): Promise<TimelineEntry[]> {
    const entries = await protocolEntries(ctx.core.db, session.id);
    return entries
      .filter((e) => ctx.actor?.role !== 'student' || (e.kind !== 'note' && e.kind !== 'face' && e.kind !== 'score' && e.kind !== 'committee'))
      .map((e) => ({ seq: e.seq, kind: e.kind, type: e.body.type, at: e.at, actor: e.actor, data: eventDataFor(ctx.actor, String(e.body.type), e.body) }));
  }
}
