import type { ActivityView, MessageView } from './types.js';

/** An attachment as the chat shows it (what `Session.messages` resolves from the file's id). */
export type AttachmentView = NonNullable<MessageView['attachment']>;

/**
 * The message a `MessageSent` activity carries. The event names its attachment by id only: the caller passes what it
 * looked up (null: none, or not found, as the chat query would answer).
 */
export function messageOf(a: ActivityView, attachment: AttachmentView | null): MessageView {
  const d = a.data;
  return { id: String(d.messageId), from: String(d.from), role: String(d.role), text: String(d.text), incident: Boolean(d.incident), at: a.at, attachment };
}

/**
 * `list` with `message` added once, in the order they were sent: a message may arrive twice (as the mutation's answer
 * and by the subscription), and one with an attachment may arrive after a later one (its file is looked up first).
 */
export function withMessage(list: readonly MessageView[], message: MessageView): MessageView[] {
  if (list.some((m) => m.id === message.id)) return [...list];
  const at = Date.parse(message.at);
  let index = list.length;
  while (index > 0 && Date.parse(list[index - 1].at) > at) index--;
  return [...list.slice(0, index), message, ...list.slice(index)];
}

/**
 * The chat as the server read it, with what arrived live while it was being read (the read may not have seen it yet):
 * each message once, the server's copy first.
 */
export function mergeChat(server: readonly MessageView[], known: readonly MessageView[]): MessageView[] {
  const read = new Set(server.map((m) => m.id));
  return known.filter((m) => !read.has(m.id)).reduce(withMessage, [...server]);
}
