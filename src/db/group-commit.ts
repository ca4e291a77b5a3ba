// Group commit: items submitted during one turn of the event loop are applied in one transaction (one disk sync),
// and each submitter's promise resolves only once its item is committed. Under load N commits become one, and no
// caller is ever told "done" before its row exists.
import type { Db } from './open.js';

export interface GroupCommit<T, R> {
  submit(item: T): Promise<R>;
  /** Items submitted but not yet committed (callers that must count them, e.g. credits in flight). */
  pending(): readonly T[];
}

export function createGroupCommit<T, R>(db: Db, apply: (items: T[]) => R[], onCommitted?: (item: T, result: R) => void): GroupCommit<T, R> {
  let queue: { item: T; resolve: (r: R) => void; reject: (err: unknown) => void }[] = [];
  const commit = db.transaction((items: T[]) => apply(items));

  function flush(): void {
    const batch = queue;
    queue = [];
    try {
      const results = commit.immediate(batch.map((b) => b.item));
      batch.forEach((b, i) => {
        onCommitted?.(b.item, results[i]!);
        b.resolve(results[i]!);
      });
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        if (queue.length === 0) setImmediate(flush);
        queue.push({ item, resolve, reject });
      });
    },
    pending: () => queue.map((q) => q.item),
  };
}
