import type { Client } from '@urql/core';
import { mergeChat, messageOf, withMessage, type AttachmentView } from './chat-messages.js';
import { ApiError, request, uploadFile } from './client.js';
import { CHAT, CHAT_FILES, SEND } from './documents.js';
import type { ActivityView, MessageView } from './types.js';

/**
 * One session's chat: history loaded on open, then each new message applied from the session's activity (the event
 * carries it) instead of reading the whole chat again.
 */
export class ChatState {
  messages = $state<MessageView[]>([]);
  sending = $state(false);
  error = $state<string | null>(null);
  loading = $state(true);

  constructor(
    private readonly client: Client,
    readonly sessionId: string,
  ) {}

  async load(): Promise<void> {
    try {
      const data = await request(this.client, CHAT, { id: this.sessionId });
      this.messages = mergeChat(data.session.messages, this.messages);
      this.error = null;
    } catch (error) {
      this.error = (error as Error).message;
    } finally {
      this.loading = false;
    }
  }

  /** Sends text and/or a file. Returns false (with `error` set) when the server refused. */
  async send(text: string, options: { incident?: boolean; file?: File | null } = {}): Promise<boolean> {
    if (!text.trim() && !options.file) return false;
    this.sending = true;
    this.error = null;
    try {
      const uploaded = options.file ? await uploadFile(this.sessionId, options.file, options.file.name) : null;
      const data = await request(
        this.client,
        SEND,
        { id: this.sessionId, text, incident: options.incident ?? false, file: uploaded?.fileId ?? null },
        'mutation',
      );
      this.add(data.sendMessage);
      return true;
    } catch (error) {
      this.error = error instanceof ApiError ? error.message : 'the message could not be sent';
      return false;
    } finally {
      this.sending = false;
    }
  }

  /**
   * Applies one event of the session's activity: a `MessageSent` adds its message. The event names an attachment by
   * id only, so its name, type and size are looked up first; if that fails, the chat is read again.
   */
  async received(a: ActivityView): Promise<void> {
    if (a.type !== 'MessageSent') return;
    const fileId = a.data.attachmentId ? String(a.data.attachmentId) : null;
    if (!fileId) return this.add(messageOf(a, null));
    try {
      this.add(messageOf(a, await this.attachment(fileId)));
    } catch {
      await this.load();
    }
  }

  private async attachment(fileId: string): Promise<AttachmentView | null> {
    const data = await request(this.client, CHAT_FILES, { id: this.sessionId });
    return data.session.files.find((f) => f.id === fileId) ?? null;
  }

  /** Adds a message once (it may arrive both as the mutation's answer and through the subscription). */
  add(message: MessageView): void {
    if (!this.messages.some((m) => m.id === message.id)) this.messages = withMessage(this.messages, message);
  }
}
