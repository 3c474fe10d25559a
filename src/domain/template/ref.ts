/** The shapes a session keeps of its template: types only, so the session's events import nothing with them. */

/** The steps before the exam starts that a template asks for. */
export interface TemplateStages {
  /** The browser and devices are checked before check-in. */
  readonly compatibilityCheck: boolean;
  readonly facePhoto: boolean;
  /** A photo of an identity document, compared with the face. */
  readonly idPhoto: boolean;
  /** The proctor lets the test-taker start (otherwise they start on their own once the steps are done). */
  readonly proctorApproval: boolean;
}

/** What the exam page adds to the camera: each one on or off. */
export interface TemplateAddons {
  readonly screen: boolean;
  readonly secondCamera: boolean;
  readonly chat: boolean;
  readonly calls: boolean;
  /** Copying, printing and leaving the test content are blocked. */
  readonly contentProtection: boolean;
}

/** What a session keeps of the template it came from, beyond the settings the session itself enforces. */
export interface SessionTemplateRef {
  readonly templateId: string;
  readonly version: number;
  readonly stages: TemplateStages;
  readonly addons: TemplateAddons;
  readonly rules: string | null;
  readonly retentionDays: number;
}

