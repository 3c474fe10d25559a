import type { Locator, Page } from 'playwright-core';

/** Where an element is on the page, as the browser lays it out (CSS pixels, relative to the viewport). */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export async function boxOf(locator: Locator): Promise<Box> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${locator} is not laid out`);
  return box;
}

/** Whether two boxes share more than a hairline (borders that touch do not count). */
export function overlap(a: Box, b: Box): boolean {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 1 && h > 1;
}

/** Whether all of `box` is inside the viewport, so it is seen without scrolling. */
export async function inViewport(page: Page, box: Box): Promise<boolean> {
  const { width, height } = await page.evaluate(() => ({ width: window.innerWidth, height: window.innerHeight }));
  return box.x >= -0.5 && box.y >= -0.5 && box.x + box.width <= width + 0.5 && box.y + box.height <= height + 0.5;
}

/** How far the page itself scrolls beyond the viewport (0 when everything fits). */
export function pageOverflow(page: Page): Promise<{ x: number; y: number }> {
  return page.evaluate(() => ({
    x: document.documentElement.scrollWidth - window.innerWidth,
    y: document.documentElement.scrollHeight - window.innerHeight,
  }));
}

/**
 * Whether a person pointing at the middle of `locator` would hit it (or something inside it), and not something laid
 * over it: what `elementFromPoint` answers, after scrolling it into view.
 */
export async function reachable(locator: Locator): Promise<boolean> {
  await locator.scrollIntoViewIfNeeded();
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return hit !== null && (hit === el || el.contains(hit));
  });
}

/** Names the boxes among `named` that overlap one another, as "a × b" strings (empty when none do). */
export function overlaps(named: Record<string, Box>): string[] {
  const names = Object.keys(named);
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) if (overlap(named[names[i]], named[names[j]])) out.push(`${names[i]} × ${names[j]}`);
  }
  return out;
}
