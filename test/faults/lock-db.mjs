// Another process on the service's database, the way `crm-enrich dataset import` or a backup tool would be:
// it opens the same SQLite file, starts an exclusive transaction that really writes (so the WAL moves on and
// every other connection's snapshot goes stale), holds it for the given milliseconds, then commits.
// Usage: node test/faults/lock-db.mjs <db-path> <hold-ms>
import Database from 'better-sqlite3';

const [path, holdArg] = process.argv.slice(2);
const holdMs = Number(holdArg);
if (!path || !Number.isFinite(holdMs)) {
  process.stderr.write('usage: lock-db.mjs <db-path> <hold-ms>\n');
  process.exit(2);
}
const db = new Database(path, { timeout: 10_000 });
db.exec('BEGIN EXCLUSIVE');
// A write that changes no value: pages go to the WAL, nothing the service cares about differs afterwards.
db.prepare('UPDATE settings SET value = value').run();
process.stdout.write('locked\n');
const until = Date.now() + holdMs;
// Hold the lock with the event loop free (a timer), so a SIGKILL from the test ends it cleanly too.
setTimeout(() => {
  db.exec('COMMIT');
  db.close();
  process.stdout.write(`released ${Date.now() - until}\n`);
}, holdMs);
