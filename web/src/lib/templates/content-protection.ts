/**
 * Content protection on the exam page: copying, cutting, pasting, the context menu and printing are blocked, and
 * each attempt is told to `onattempt` (the page says why nothing happened). A page can only guard its own document:
 * test content framed from another origin (an LMS quiz) keeps its own rules.
 */
export type ProtectedAction = 'copy' | 'cut' | 'paste' | 'contextmenu' | 'print';

const PRINT_KEYS = new Set(['p', 'P']);

/** Starts blocking; returns the function that stops it. */
export function protectContent(doc: Document, onattempt: (action: ProtectedAction) => void): () => void {
  const block = (action: ProtectedAction) => (event: Event) => {
    event.preventDefault();
    onattempt(action);
  };
  const listeners: Array<[string, EventListener]> = [
    ['copy', block('copy')], ['cut', block('cut')], ['paste', block('paste')], ['contextmenu', block('contextmenu')],
    ['keydown', (event) => {
      const e = event as KeyboardEvent;
      if ((e.ctrlKey || e.metaKey) && PRINT_KEYS.has(e.key)) block('print')(e);
    }],
    // The browser's own print menu cannot be cancelled: what it prints is blank (see app.css, .content-protected).
    ['beforeprint', () => onattempt('print')],
  ];
  for (const [type, listener] of listeners) (type === 'beforeprint' ? doc.defaultView : doc)?.addEventListener(type, listener, true);
  doc.documentElement.classList.add('content-protected');
  return () => {
    for (const [type, listener] of listeners) (type === 'beforeprint' ? doc.defaultView : doc)?.removeEventListener(type, listener, true);
    doc.documentElement.classList.remove('content-protected');
  };
}

/** What the page says when an attempt was blocked. */
export const BLOCKED_WORDS: Readonly<Record<ProtectedAction, string>> = {
  copy: 'Copying is blocked in this exam.',
  cut: 'Cutting text is blocked in this exam.',
  paste: 'Pasting is blocked in this exam.',
  contextmenu: 'The context menu is blocked in this exam.',
  print: 'Printing is blocked in this exam.',
};
