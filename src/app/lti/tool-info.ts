import type { Actor } from '../../domain/core/decider.js';
import { signingKey } from '../../domain/lti/tool-keys.js';
import type { Core } from '../core/core.js';
import { toolKeyring } from './keys.js';
import { TOOL_SCOPES, toolUrls, type ToolUrls } from './tool.js';

/** One of our keys as the LMS page shows it (never its private half). */
export interface ToolKeyInfo {
  readonly kid: string;
  readonly createdAt: Date;
  readonly retiredAt: Date | null;
  readonly signing: boolean;
}

/** Our tool as an LMS administrator registers it: the URLs, the scopes, and our keys newest first. */
export interface ToolInfo extends ToolUrls {
  readonly scopes: string[];
  readonly keys: ToolKeyInfo[];
}

/** Our tool's URLs and keys. The keys are read from their stream, so a rotation on another node shows at once. */
export async function ltiTool(core: Core, publicUrl: string): Promise<ToolInfo> {
  let state = await core.loadToolKeys();
  // No key yet (a fresh install nobody launched from): the keyring makes the first one.
  if (!signingKey(state)) state = await toolKeyring(core).keys();
  const signing = signingKey(state)?.kid;
  const keys = [...state.keys].reverse().map((k) => ({ kid: k.kid, createdAt: new Date(k.createdAt), retiredAt: k.retiredAt ? new Date(k.retiredAt) : null, signing: k.kid === signing }));
  return { ...toolUrls(publicUrl), scopes: [...TOOL_SCOPES], keys };
}

/** Publishes a new signing key; answers the tool as it now is. */
export async function rotateLtiKey(core: Core, publicUrl: string, actor: Actor): Promise<ToolInfo> {
  await toolKeyring(core).rotate(actor);
  return ltiTool(core, publicUrl);
}
