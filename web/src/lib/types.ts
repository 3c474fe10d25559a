export interface SessionView {
  id: string;
  secondCamera: boolean;
  selfScheduling: boolean;
  booked: boolean;
  /** The check-in window (null: the session has no start, check in at any time). */
  checkInOpensAt: string | null;
  checkInClosesAt: string | null;
  name: string;
  student: string;
  studentName: string | null;
  proctor: string | null;
  status: 'scheduled' | 'waiting' | 'in_progress' | 'paused' | 'finished' | 'concluded' | 'cancelled';
  date: string;
  startedAt: string | null;
  stoppedAt: string | null;
  duration: number;
  score: number | null;
  conclusion: 'positive' | 'negative' | null;
  /** For the record; always null for the test-taker. */
  comment: string | null;
  /** What the proctor tells the test-taker with the conclusion. */
  messageToStudent: string | null;
  url: string | null;
  blocked: boolean;
  finishedBy: string | null;
  recentCodes: string[];
  tags: string[];
  metrics: string[];
  version: number;
}

export interface MessageView {
  id: string;
  from: string;
  role: string;
  text: string;
  incident: boolean;
  at: string;
  attachment: { id: string; name: string; contentType: string; size: number } | null;
}

export interface ActivityView {
  sessionId: string;
  seq: number;
  type: string;
  at: string;
  actor: string | null;
  data: Record<string, unknown>;
}
