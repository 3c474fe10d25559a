import { SEARCH_DEBOUNCE_MS, type MonitorState } from './monitor.svelte.js';

/** What a search box drives and reports on: the monitor's list, the console's table. */
export type SearchTarget = Pick<MonitorState, 'query' | 'problem' | 'search' | 'complete'>;

const COMPLETION_DEBOUNCE_MS = 150;
const MAX_SUGGESTIONS = 8;

/**
 * The monitor's search box: applies the search once typing pauses (Enter at once), and offers completions in a list
 * that the keyboard drives (arrows, Enter, Escape) and that closes whenever the focus leaves the box.
 */
export class SearchInput {
  text = $state('');
  suggestions = $state<string[]>([]);
  highlighted = $state(-1);
  open = $derived(this.suggestions.length > 0);
  private start = 0;
  private completionTimer: ReturnType<typeof setTimeout> | undefined;
  private applyTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped on every close, so a completion answer that comes back afterwards does not reopen the list. */
  private asked = 0;

  constructor(
    private readonly monitor: SearchTarget,
    private readonly caret: () => number | null,
  ) {
    this.text = monitor.query;
  }

  typed(): void {
    this.scheduleApply();
    clearTimeout(this.completionTimer);
    const asked = ++this.asked;
    this.completionTimer = setTimeout(() => void this.complete(asked), COMPLETION_DEBOUNCE_MS);
  }

  private async complete(asked: number): Promise<void> {
    const text = this.text;
    const offset = this.caret() ?? text.length;
    try {
      const c = await this.monitor.complete(text, offset);
      if (asked !== this.asked) return;
      this.start = c.start;
      const word = text.slice(c.start, offset).toLowerCase();
      this.suggestions = [...c.fields, ...c.values].filter((s) => s.toLowerCase() !== word).slice(0, MAX_SUGGESTIONS);
      this.highlighted = -1;
    } catch {
      if (asked === this.asked) this.close();
    }
  }

  private scheduleApply(): void {
    clearTimeout(this.applyTimer);
    this.applyTimer = setTimeout(() => {
      if (this.text !== this.monitor.query) void this.monitor.search(this.text);
    }, SEARCH_DEBOUNCE_MS);
  }

  /** Enter: applies the text as the search now (again, if it is the one asked for: the server may answer otherwise now). */
  applyNow(): void {
    clearTimeout(this.applyTimer);
    this.close();
    void this.monitor.search(this.text);
  }

  /** Puts a completion in place of the word being typed. */
  pick(suggestion: string): void {
    const offset = this.caret() ?? this.text.length;
    this.text = this.text.slice(0, this.start) + suggestion + this.text.slice(offset);
    this.close();
    this.scheduleApply();
  }

  close(): void {
    this.asked++;
    clearTimeout(this.completionTimer);
    this.suggestions = [];
    this.highlighted = -1;
  }

  /** Handles a key in the box; answers true when it was the list's (the browser then does nothing more with it). */
  key(key: string): boolean {
    if (!this.open) return false;
    switch (key) {
      case 'Escape':
        this.close();
        return true;
      case 'ArrowDown':
        this.highlighted = (this.highlighted + 1) % this.suggestions.length;
        return true;
      case 'ArrowUp':
        this.highlighted = this.highlighted <= 0 ? this.suggestions.length - 1 : this.highlighted - 1;
        return true;
      case 'Enter':
        if (this.highlighted < 0) return false; // no completion chosen: Enter applies the search
        this.pick(this.suggestions[this.highlighted]);
        return true;
      default:
        return false;
    }
  }

  dispose(): void {
    clearTimeout(this.completionTimer);
    clearTimeout(this.applyTimer);
  }
}
