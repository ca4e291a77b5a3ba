// The PostgreSQL side of the synchronous bridge (see sync-connection.ts): a worker thread that owns one `pg`
// connection. The main thread posts a request, then sleeps on `Atomics.wait`; this thread runs the query,
// posts the answer and wakes it. Plain JavaScript so the worker needs no TypeScript loader.
import { workerData } from 'node:worker_threads';
import pg from 'pg';

const { url, port, signal, statementTimeoutMs, applicationName } = workerData;
const flag = new Int32Array(signal);

// Numbers as numbers: our BIGINT columns hold epoch milliseconds and counts, all below 2^53.
pg.types.setTypeParser(20, (v) => Number(v)); // int8
pg.types.setTypeParser(1700, (v) => Number(v)); // numeric (SUM of BIGINT)

const client = new pg.Client({ connectionString: url, application_name: applicationName, statement_timeout: statementTimeoutMs });
let broken = null;
const connected = client.connect().catch((err) => {
  broken = err;
});
client.on('error', (err) => {
  broken = err;
});

// Named (server-side prepared) statements: PostgreSQL parses and plans each text once per connection.
const names = new Map();
function statementName(sql) {
  let name = names.get(sql);
  if (!name) {
    if (names.size >= 2_000) return undefined; // a runaway set of distinct texts is run unnamed
    name = `s${names.size + 1}`;
    names.set(sql, name);
  }
  return name;
}

function reply(message) {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function errorOf(err) {
  return {
    message: err?.message ?? String(err),
    code: err?.code,
    detail: err?.detail,
    constraint: err?.constraint,
    table: err?.table,
    severity: err?.severity,
  };
}

// Whatever escapes a handler must still wake the waiting thread, with the reason, rather than leave it asleep.
process.on('uncaughtException', (err) => reply({ ok: false, error: errorOf(err) }));
process.on('unhandledRejection', (err) => reply({ ok: false, error: errorOf(err) }));

port.on('message', async (req) => {
  try {
    await connected;
    if (broken) throw broken;
    if (req.op === 'close') {
      await client.end().catch(() => undefined);
      reply({ ok: true });
      return;
    }
    // `exec`: the simple-query protocol, which runs several statements separated by semicolons (migrations).
    const res = req.op === 'exec' ? await client.query(req.sql) : await client.query({ text: req.sql, values: req.params, rowMode: req.rowMode, name: statementName(req.sql) });
    const last = Array.isArray(res) ? res[res.length - 1] : res;
    reply({ ok: true, rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0 });
  } catch (err) {
    reply({ ok: false, error: errorOf(err) });
  }
});
