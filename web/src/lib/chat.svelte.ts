import type { Client } from '@urql/core';
import { ApiError, request, uploadFile } from './client.js';
import { CHAT, SEND } from './documents.js';
import type { MessageView } from './types.js';

/** One session's chat: history loaded on open, new messages as the session's activity reports them. */
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
      const data = await request<{ session: { messages: MessageView[] } }, { id: string }>(this.client, CHAT, { id: this.sessionId });
      this.messages = data.session.messages;
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
      const data = await request<{ sendMessage: MessageView }, { id: string; text: string; incident: boolean; file: string | null }>(
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

  /** Adds a message once (it may arrive both as the mutation's answer and through the subscription). */
  add(message: MessageView): void {
    if (!this.messages.some((m) => m.id === message.id)) this.messages = [...this.messages, message];
  }
}
