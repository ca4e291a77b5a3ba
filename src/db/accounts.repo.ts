import type { Db } from './open.js';
import { newId } from './ids.js';
import type { Clock } from '../lib/clock.js';

export interface Account {
  id: string;
  name: string;
  monthly_credit_limit: number;
  /** Epoch ms. */
  created_at: number;
}

export function createAccountsRepo(db: Db, clock: Clock) {
  const byName = db.prepare<[string], Account>('SELECT * FROM accounts WHERE name = ?');
  const byId = db.prepare<[string], Account>('SELECT * FROM accounts WHERE id = ?');
  const insert = db.prepare('INSERT INTO accounts (id, name, monthly_credit_limit, created_at) VALUES (?, ?, 0, ?) ON CONFLICT(name) DO NOTHING');
  const setLimit = db.prepare('UPDATE accounts SET monthly_credit_limit = ? WHERE id = ?');
  const all = db.prepare<[], Account>('SELECT * FROM accounts ORDER BY name');

  return {
    /** Idempotent by name. */
    ensure(name: string): Account {
      insert.run(newId('acc'), name, clock.now());
      return byName.get(name)!;
    },
    byName: (name: string) => byName.get(name),
    byId: (id: string) => byId.get(id),
    list: () => all.all(),
    setMonthlyLimit(id: string, credits: number): void {
      setLimit.run(credits, id);
    },
  };
}
export type AccountsRepo = ReturnType<typeof createAccountsRepo>;
