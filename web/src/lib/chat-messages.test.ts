import { describe, expect, it } from 'vitest';
import { mergeChat, messageOf, withMessage } from './chat-messages.js';
import type { ActivityView, MessageView } from './types.js';

const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 9, 0, s)).toISOString();
const message = (id: string, s: number, text = id): MessageView => ({ id, from: 'proctor1', role: 'proctor', text, incident: false, at: at(s), attachment: null });
const ids = (list: MessageView[]) => list.map((m) => m.id);

describe('the chat, applying what the session activity sends', () => {
  it('reads the message from the MessageSent event, with the attachment looked up', () => {
    const sent: ActivityView = {
      sessionId: 's1', seq: 9, type: 'MessageSent', at: at(5), actor: 'proctor1',
      data: { messageId: 'm1', from: 'proctor1', role: 'proctor', text: 'Eyes up', incident: true, attachmentId: 'f1', at: at(5) },
    };
    const file = { id: 'f1', name: 'rules.pdf', contentType: 'application/pdf', size: 12 };
    expect(messageOf(sent, file)).toEqual({ id: 'm1', from: 'proctor1', role: 'proctor', text: 'Eyes up', incident: true, at: at(5), attachment: file });
  });

  it('adds a message once, whether it comes as the answer to sending it or by the subscription', () => {
    const once = withMessage([message('a', 1)], message('b', 2));
    expect(ids(withMessage(once, message('b', 2)))).toEqual(['a', 'b']);
  });

  it('puts a message that arrives late (its attachment looked up first) where it was sent', () => {
    const list = [message('a', 1), message('c', 3)];
    expect(ids(withMessage(list, message('b', 2)))).toEqual(['a', 'b', 'c']);
    expect(ids(withMessage(list, message('d', 3)))).toEqual(['a', 'c', 'd']); // the same second: after the one already there
  });

  it('keeps what arrived live during a reload the server had not seen yet, and shows each message once', () => {
    const server = [message('a', 1), message('b', 2, 'from the server')];
    const known = [message('b', 2, 'live'), message('c', 3)];
    const chat = mergeChat(server, known);
    expect(ids(chat)).toEqual(['a', 'b', 'c']);
    expect(chat[1].text).toBe('from the server');
  });
});
