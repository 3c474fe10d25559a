import type { Client } from '@urql/core';
import { request } from './client.js';
import { SESSION_LMS, START_LMS_ASSESSMENT } from './documents.js';
import type { SessionLmsData } from './graphql.generated.js';

export type LmsView = NonNullable<SessionLmsData['session']['lms']>;

/**
 * The LMS side of the exam page for a session launched by LTI Proctoring Services: once the session is in progress,
 * the LMS assessment opens in the test frame through our start page (it posts LtiStartAssessment to the LMS); a new
 * tab is the way round an LMS that refuses to be framed. Each opening asks for a fresh single-use start page.
 */
export class LmsAssessment {
  /** Null for a session that did not come from an LMS launch (or until it is known). */
  info = $state<LmsView | null>(null);
  /** The start page loaded in the test frame, once asked for. */
  frameUrl = $state<string | null>(null);
  error = $state<string | null>(null);
  private asking = false;

  constructor(
    private readonly client: Client,
    readonly sessionId: string,
  ) {}

  get proctored(): boolean {
    return this.info?.proctored === true;
  }

  async load(): Promise<void> {
    const data = await request(this.client, SESSION_LMS, { id: this.sessionId });
    this.info = data.session.lms ?? null;
  }

  private async startUrl(): Promise<string> {
    const data = await request(this.client, START_LMS_ASSESSMENT, { s: this.sessionId }, 'mutation');
    return data.startLmsAssessment.url;
  }

  /** Loads the assessment into the test frame: once per exam page (a reload asks again, and the LMS is told again). */
  async openInFrame(): Promise<void> {
    if (this.frameUrl || this.asking) return;
    this.asking = true;
    try {
      this.frameUrl = await this.startUrl();
      this.error = null;
    } catch (error) {
      this.error = (error as Error).message;
    } finally {
      this.asking = false;
    }
  }

  /**
   * Opens the assessment in a new tab. The tab is opened at the click (a popup blocker allows that, not one opened
   * after a request), then sent to a fresh start page; it gets no handle on this page.
   */
  async openInTab(): Promise<void> {
    const tab = window.open('about:blank', '_blank');
    try {
      const url = await this.startUrl();
      if (!tab) throw new Error('the browser blocked the new tab: allow pop-ups for this site');
      tab.opener = null;
      tab.location.href = url;
      this.error = null;
    } catch (error) {
      tab?.close();
      this.error = (error as Error).message;
    }
  }
}
