import type { Decider } from '../core/decider.js';
import { recordFileView, recordReplay, recordStreamExport } from './audit.js';
import { assertNever } from '../core/errors.js';
import { addNote, endCall, joinAsProctor, leaveAsProctor, sendMessage, startCall } from './chat.js';
import type { SessionCommand } from './commands.js';
import type { SessionEvent } from './events.js';
import { recordFaceCheck, submitIdentityPhoto, verifyIdentity } from './identity.js';
import { endLtiAssessment, recordLtiLaunch, recordLtiMessage, recordLtiServiceCall } from './lti.js';
import { checkIn, concludeSession, finishSession, pauseSession, resumeSession, startSession } from './lifecycle.js';
import { connectMobileCamera, recordPlayback, refuseRecordingSegment, storeFile, storeRecordingSegment, viewRecording } from './recordings.js';
import { deleteSessionMedia } from './retention.js';
import { assignProctor, bookTime, cancelSession, createSession, rescheduleSession } from './scheduling.js';
import { recordCommitteeDecision, sendToCommittee } from '../committee/session-rules.js';
import { evolveSession, initialSession, type Session } from './state.js';
import { recordMetrics, recordViolation } from './violations.js';
import { recordAnalysis } from './analysis.js';

export { bookingVerdict } from './scheduling.js';

/**
 * The session's rules, one function per command (emmett's shape): this only routes, grouped as the modules are —
 * scheduling, lifecycle, identity, chat, recordings, violations, the LMS (LTI).
 */
export function decideSession(command: SessionCommand, state: Session): SessionEvent[] {
  switch (command.type) {
    case 'CreateSession': return createSession(command, state);
    case 'AssignProctor': return assignProctor(command, state);
    case 'BookTime': return bookTime(command, state);
    case 'RescheduleSession': return rescheduleSession(command, state);
    case 'CancelSession': return cancelSession(command, state);
    case 'CheckIn': return checkIn(command, state);
    case 'StartSession': return startSession(command, state);
    case 'PauseSession': return pauseSession(command, state);
    case 'ResumeSession': return resumeSession(command, state);
    case 'FinishSession': return finishSession(command, state);
    case 'ConcludeSession': return concludeSession(command, state);
    case 'SubmitIdentityPhoto': return submitIdentityPhoto(command, state);
    case 'VerifyIdentity': return verifyIdentity(command, state);
    case 'RecordFaceCheck': return recordFaceCheck(command, state);
    case 'SendMessage': return sendMessage(command, state);
    case 'AddNote': return addNote(command, state);
    case 'StartCall': return startCall(command, state);
    case 'EndCall': return endCall(command, state);
    case 'JoinAsProctor': return joinAsProctor(command, state);
    case 'LeaveAsProctor': return leaveAsProctor(command, state);
    case 'StoreFile': return storeFile(command, state);
    case 'StoreRecordingSegment': return storeRecordingSegment(command, state);
    case 'RefuseRecordingSegment': return refuseRecordingSegment(command, state);
    case 'RecordPlayback': return recordPlayback(command, state);
    case 'ViewRecording': return viewRecording(command, state);
    case 'RecordReplay': return recordReplay(command, state);
    case 'RecordStreamExport': return recordStreamExport(command, state);
    case 'RecordFileView': return recordFileView(command, state);
    case 'DeleteSessionMedia': return deleteSessionMedia(command, state);
    case 'ConnectMobileCamera': return connectMobileCamera(command, state);
    case 'RecordMetrics': return recordMetrics(command, state);
    case 'RecordViolation': return recordViolation(command, state);
    case 'RecordAnalysis': return recordAnalysis(command, state);
    case 'SendToCommittee': return sendToCommittee(command, state);
    case 'RecordCommitteeDecision': return recordCommitteeDecision(command, state);
    case 'RecordLtiLaunch': return recordLtiLaunch(command, state);
    case 'RecordLtiMessage': return recordLtiMessage(command, state);
    case 'EndLtiAssessment': return endLtiAssessment(command, state);
    case 'RecordLtiServiceCall': return recordLtiServiceCall(command, state);
    default:
      return assertNever(command, 'session command');
  }
}

export const sessionDecider: Decider<SessionCommand, SessionEvent, Session> = {
  initialState: initialSession,
  decide: decideSession,
  evolve: evolveSession,
};
