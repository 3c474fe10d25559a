/**
 * Things to send to the server that must not be lost when the network is: tried at once, kept in IndexedDB when the
 * send fails, and sent again in key order by `flush` (after reconnect, or on the next visit).
 */
export class Outbox<T> {
  constructor(
    private readonly name: string,
    private readonly keyOf: (item: T) => string,
    private readonly send: (item: T) => Promise<void>,
  ) {}

  private open(): Promise<IDBDatabase> {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(`proctor-outbox-${this.name}`, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('items');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  private async run<R>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<R>): Promise<R> {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction('items', mode);
      const req = fn(tx.objectStore('items'));
      tx.oncomplete = () => {
        db.close();
        resolve(req.result);
      };
      tx.onerror = () => reject(tx.error);
    });
  }

  /** Sends now; keeps it for later when that fails. Answers whether it went. */
  async deliver(item: T): Promise<boolean> {
    try {
      if (!navigator.onLine) throw new Error('offline');
      await this.flush(); // older items first, so the server sees them in order
      await this.send(item);
      return true;
    } catch {
      await this.run('readwrite', (s) => s.put(item, this.keyOf(item)));
      return false;
    }
  }

  /** Sends what was kept, oldest key first; stops at the first failure. */
  async flush(): Promise<number> {
    const keys = (await this.run('readonly', (s) => s.getAllKeys())) as string[];
    keys.sort();
    let sent = 0;
    for (const key of keys) {
      const item = (await this.run('readonly', (s) => s.get(key))) as T | undefined;
      if (item === undefined) continue;
      await this.send(item); // throws while still offline: the rest stays queued
      await this.run('readwrite', (s) => s.delete(key));
      sent += 1;
    }
    return sent;
  }

  async size(): Promise<number> {
    return (await this.run('readonly', (s) => s.count())) as number;
  }
}
