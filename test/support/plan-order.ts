/**
 * The order in which `workers` workers, each taking the next file when it gets free, run the `exclusive` files one at
 * a time and the `others` beside them: planned by replaying that with `weight` (ms). Both lists come longest first.
 */
export function planOrder<T>(exclusive: T[], others: T[], workers: number, weight: (file: T) => number): T[] {
  const freeAt = Array.from({ length: workers }, () => 0);
  let lockFreeAt = 0;
  const order: T[] = [];
  const [held, rest] = [[...exclusive], [...others]];
  while (held.length || rest.length) {
    const w = freeAt.indexOf(Math.min(...freeAt));
    const now = freeAt[w];
    const takesLock = held.length > 0 && (lockFreeAt <= now || rest.length === 0);
    const file = takesLock ? held.shift()! : rest.shift()!;
    const start = takesLock ? Math.max(now, lockFreeAt) : now;
    freeAt[w] = start + weight(file);
    if (takesLock) lockFreeAt = freeAt[w];
    order.push(file);
  }
  return order;
}
