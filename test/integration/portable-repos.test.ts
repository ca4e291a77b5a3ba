// The statements rewritten to run on PostgreSQL too keep their behaviour on SQLite: day buckets of the credit pages,
// case-blind searches, the inbox filters, run counts kept in JSON, job ids from RETURNING, jobs without a connection.
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import { fixedClock } from '../../src/lib/clock.js';
import { createCipher, generateEncryptionKey, parseEncryptionKey } from '../../src/lib/crypto.js';
import { createAccountsRepo } from '../../src/db/accounts.repo.js';
import { createConnectionsRepo } from '../../src/db/connections.repo.js';
import { createContactsRepo } from '../../src/db/contacts.repo.js';
import { createContactHistoryRepo } from '../../src/db/contact-history.repo.js';
import { createAdminRepo } from '../../src/db/admin.repo.js';
import { createLedgerRepo, utcDayOf } from '../../src/db/ledger.repo.js';
import { createJobChangesRepo } from '../../src/db/job-changes.repo.js';
import { createSyncRunsRepo, emptyCounts } from '../../src/db/sync-runs.repo.js';
import { createDatasetRepo } from '../../src/db/dataset.repo.js';
import { dialectOf } from '../../src/db/db.js';
import { createQueue } from '../../src/jobs/queue.js';
import type { Db } from '../../src/db/open.js';

const T0 = Date.UTC(2026, 11, 3, 23, 30);
const DAY = 86_400_000;

function setup() {
  const db = openDb(':memory:');
  const clock = fixedClock(T0);
  const cipher = createCipher(parseEncryptionKey(generateEncryptionKey()));
  const account = createAccountsRepo(db, clock).ensure('acme');
  const connections = createConnectionsRepo(db, cipher, clock);
  const { row: conn } = connections.upsertInstall({
    crm: 'hubspot', accountId: account.id, externalId: '4242', label: 'Acme', userId: null,
    tokens: { accessToken: 'a', refreshToken: 'r', expiresAt: T0 + DAY }, settingsJson: '{}',
  });
  return { db, clock, account, connections, conn, contacts: createContactsRepo(db) };
}

describe('repositories on portable SQL', () => {
  it('when ledger rows straddle UTC midnight, then the daily rows are named by UTC day with integer totals', async () => {
    const { db, account } = setup();
    const ledger = createLedgerRepo(db);
    const base = { accountId: account.id, inputKind: 'email' as const, provider: 'dataset', latencyMs: 1 };
    await ledger.record({ ...base, outcome: 'found', found: true, cacheHit: false, credits: 3, at: T0 });
    await ledger.record({ ...base, outcome: 'found', found: true, cacheHit: true, credits: 3, at: T0 + 29 * 60_000 });
    await ledger.record({ ...base, outcome: 'not_found', found: false, cacheHit: false, credits: 0, at: T0 + 31 * 60_000 });
    expect(ledger.daily(account.id, 0)).toEqual([
      { day: '2026-12-03', requests: 2, found: 2, credits: 6 },
      { day: '2026-12-04', requests: 1, found: 0, credits: 0 },
    ]);
    expect(createAdminRepo(db).creditsDaily(0)).toEqual([
      { account_id: account.id, account: 'acme', day: '2026-12-03', requests: 2, found: 2, cache_hits: 1, credits: 6 },
      { account_id: account.id, account: 'acme', day: '2026-12-04', requests: 1, found: 0, cache_hits: 0, credits: 0 },
    ]);
    expect(ledger.summary(0)).toEqual([{ account: 'acme', account_id: account.id, requests: 3, found: 2, cache_hits: 1, credits: 6 }]);
    expect(ledger.creditsThisMonth(account.id, T0)).toBe(6);
  });

  it('when a day number is named, then it is the UTC calendar day', () => {
    expect(utcDayOf(0)).toBe('1970-01-01');
    expect(utcDayOf(Math.floor(T0 / DAY))).toBe('2026-12-03');
  });

  it('when the admin searches the audit log or the contact view by email in another case, then the rows are found; % and _ stay literal', () => {
    const { db, conn, contacts } = setup();
    const ref = { objectType: 'contact' as const, id: '101' };
    contacts.recordWrites({ connectionId: conn.id, ref, email: 'Maria.Gonzalez@Example.com', changes: [{ field: 'jobtitle', old: null, new: 'CFO' }], status: 'written', jobId: null, runId: null, at: T0 });
    contacts.recordWrites({ connectionId: conn.id, ref: { objectType: 'contact', id: '102' }, email: 'mariaXgonzalez@example.com', changes: [{ field: 'jobtitle', old: null, new: 'CEO' }], status: 'written', jobId: null, runId: null, at: T0 });
    const admin = createAdminRepo(db);
    expect(admin.searchAudit('maria.gonzalez@EXAMPLE').map((r) => r.contact_id)).toEqual(['101']);
    expect(admin.searchAudit('MARIA').map((r) => r.contact_id).sort()).toEqual(['101', '102']);
    expect(admin.searchAudit('maria_gonzalez')).toEqual([]);

    contacts.upsertSnapshot({
      connection_id: conn.id, object_type: 'contact', contact_id: '101', email: 'Maria.Gonzalez@Example.com', linkedin_url: null, company: 'Northwind',
      title: 'CFO', seniority: 'c_suite', provider: 'dataset', confidence: 0.9, found: 1, job_change_flagged_at: null, at: T0,
    });
    const history = createContactHistoryRepo(db);
    const found = history.find({ email: 'maria.gonzalez@example.COM' });
    expect(found.map((r) => [r.contact_id, r.crm, r.company, r.first_enriched_at, r.last_enriched_at])).toEqual([['101', 'hubspot', 'Northwind', T0, T0]]);
  });

  it('when ledger keys name a record, then the contact view finds its charges whatever the case', async () => {
    const { db, account, conn } = setup();
    const ledger = createLedgerRepo(db);
    const base = { accountId: account.id, connectionId: conn.id, inputKind: 'email' as const, provider: 'dataset', latencyMs: 1, outcome: 'found' as const, found: true, cacheHit: false, credits: 3 };
    await ledger.record({ ...base, idempotencyKey: 'run:run_1:CONTACT:101', at: T0 });
    await ledger.record({ ...base, idempotencyKey: 'run:run_1:contact:1011', at: T0 });
    const charges = createContactHistoryRepo(db).charges(conn.id, 'contact', '101');
    expect(charges.map((c) => c.key)).toEqual(['run:run_1:CONTACT:101']);
  });

  it('when job changes are filtered by connection, run and time, then only the matching ones are listed and counted', () => {
    const { db, conn, contacts } = setup();
    const change = (id: string, runId: string | null, at: number) =>
      contacts.addJobChange({
        connection_id: conn.id, object_type: 'contact', contact_id: id, change_key: `k${id}`, previous_company: 'A', previous_title: null, new_company: 'B',
        new_title: null, contact_name: null, owner_id: null, detected_at: at, task_state: 'pending', run_id: runId, contact_email: null,
      });
    expect(change('1', 'run_a', T0)).toBe(true);
    expect(change('1', 'run_a', T0)).toBe(false);
    change('2', 'run_b', T0 + 1000);
    change('3', null, T0 + 2000);
    const inbox = createJobChangesRepo(db);
    const page = { limit: 10, offset: 0 };
    expect(inbox.count({})).toBe(3);
    expect(inbox.list({}, page).map((r) => r.contact_id)).toEqual(['3', '2', '1']);
    expect(inbox.list({ connectionId: conn.id, runId: 'run_b' }, page).map((r) => r.contact_id)).toEqual(['2']);
    expect(inbox.count({ connectionId: 'con_other' })).toBe(0);
    expect(inbox.list({ from: T0 + 1000, to: T0 + 2000 }, page).map((r) => r.contact_id)).toEqual(['2']);
    expect(inbox.list({}, { limit: 1, offset: 1 }).map((r) => r.contact_id)).toEqual(['2']);
  });

  it('when a run adds tasks and spends credits, then its JSON counts and the monitoring spend add up', () => {
    const { db, conn } = setup();
    const runs = createSyncRunsRepo(db);
    const a = runs.create(conn.id, 'job-changes', 'schedule', T0);
    const b = runs.create(conn.id, 'job-changes', 'schedule', T0 + 1);
    runs.create(conn.id, 'backfill', 'manual', T0 + 2);
    runs.saveProgress(a.id, { objectIndex: 0 }, { ...emptyCounts(), credits: 9, tasks: 1 });
    runs.saveProgress(b.id, { objectIndex: 0 }, { ...emptyCounts(), credits: 6 });
    runs.addTasks(a.id, 1);
    runs.addTasks(a.id, 2);
    expect(runs.get(a.id)!.counts).toMatchObject({ tasks: 4, credits: 9 });
    expect(runs.creditsSince(conn.id, 'job-changes', T0)).toBe(15);
    expect(runs.creditsSince(conn.id, 'job-changes', T0 + 1)).toBe(6);
    expect(runs.creditsSince(conn.id, 'backfill', T0)).toBe(0);
  });

  it('when jobs are enqueued, then each gets its id from RETURNING, a duplicate key returns the first id, and jobs without a connection are claimed', () => {
    const { db, clock, conn } = setup();
    const queue = createQueue(db, { clock });
    const first = queue.enqueue('contact', { n: 1 }, { connectionId: conn.id, dedupeKey: 'd1' });
    const again = queue.enqueue('contact', { n: 2 }, { connectionId: conn.id, dedupeKey: 'd1' });
    const loose = queue.enqueue('cleanup', {}, {});
    expect(first).toEqual({ id: expect.any(Number), created: true });
    expect(again).toEqual({ id: first.id, created: false });
    expect(loose.id).toBeGreaterThan(first.id);
    expect(queue.get(loose.id)).toMatchObject({ name: 'cleanup', connection_id: null, state: 'queued' });
    const claimed = [
      ...queue.claim({ workerId: 'w', leaseMs: 60_000, batchSize: () => 10 }),
      ...queue.claim({ workerId: 'w', leaseMs: 60_000, batchSize: () => 10 }),
    ];
    expect(claimed.map((j) => j.id).sort((x, y) => x - y)).toEqual([first.id, loose.id]);
    queue.fail(first.id, 'w', { retry: true, reason: 'x' }, 'boom');
    expect(queue.get(first.id)).toMatchObject({ state: 'retry', last_error: 'boom', lease_until: null });
  });

  it('when the handle is better-sqlite3, then its dialect is sqlite; on a PostgreSQL handle the import tunes no pragma', async () => {
    const { db } = setup();
    expect(dialectOf(db)).toBe('sqlite');
    const facade = { dialect: 'postgres', prepare: db.prepare.bind(db), exec: db.exec.bind(db), transaction: db.transaction.bind(db), pragma: () => { throw new Error('no pragma here'); } } as unknown as Db;
    expect(dialectOf(facade)).toBe('postgres');
    // The import runs without checkpoint tuning there.
    await expect(createDatasetRepo(facade).bulk(async () => 'done')).resolves.toBe('done');
  });
});
