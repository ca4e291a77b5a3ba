// Benchmark 5: `crm-enrich dataset import` of a real-shaped JSONL file (test/helpers/dataset-gen.ts: the sample
// profiles cycled, PDL-style nulls, 1 title in 5 unique) in a fresh child on CPU 0: records/s and the child's
// peak RSS over its whole life. The file is written first, by this process, so the child holds only the import.
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { startChild } from './lib/ipc.js';
import { log, type BenchConfig, type Section } from './lib/config.js';
import { freshDir } from './lib/service.js';
import { mib, round, table } from './lib/stats.js';

const mb = (bytes: number) => Math.round(bytes / 1e6);
import { datasetLines } from '../test/helpers/dataset-gen.js';
import { IMPORT_NODE_FLAGS } from '../bin/node-flags.mjs';

async function writeDataset(file: string, records: number): Promise<number> {
  const out = createWriteStream(file);
  let buf = '';
  for (const line of datasetLines(records)) {
    buf += `${line}\n`;
    if (buf.length < 1 << 20) continue;
    const more = out.write(buf);
    buf = '';
    if (!more) await once(out, 'drain');
  }
  out.end(buf);
  await once(out, 'finish');
  return statSync(file).size;
}

interface ImportRun {
  imported: number;
  skipped: number;
  ms: number;
  cpuMs: number;
  peakRssBytes: number;
}

export async function run(cfg: BenchConfig): Promise<Section> {
  const dir = freshDir('import');
  try {
    const file = join(dir, 'dataset.jsonl');
    const records = cfg.import.records;
    log(`import: writing ${records} records`);
    const bytes = await writeDataset(file, records);
    const runs: (ImportRun & { recordsPerSec: number; recordsPerCpuSec: number })[] = [];
    // Two runs, each into a fresh database in a fresh process: the machine is shared, the better run is reported.
    for (let i = 0; i < cfg.import.runs; i++) {
      const db = join(dir, `run${i}.db`);
      const c = await startChild('procs/import.ts', { cpu: 0, execArgv: IMPORT_NODE_FLAGS, env: { DATABASE_PATH: db, LOG_LEVEL: 'silent', ENRICH_PROVIDERS: 'dataset' } });
      try {
        const r = await c.call<ImportRun>('importFile', { file });
        if (r.imported !== records) throw new Error(`import: ${r.imported} of ${records} records imported (${r.skipped} skipped)`);
        runs.push({ ...r, recordsPerSec: Math.round((r.imported / r.ms) * 1000), recordsPerCpuSec: Math.round((r.imported / r.cpuMs) * 1000) });
        log(`  run ${i + 1}: ${runs.at(-1)!.recordsPerSec} records/s, peak RSS ${mb(r.peakRssBytes)} MB`);
      } finally {
        await c.stop();
        rmSync(db, { force: true });
      }
    }
    const best = runs.reduce((a, b) => (b.recordsPerSec > a.recordsPerSec ? b : a));
    const text = [
      table(
        `5. Dataset import (crm-enrich dataset import, ${records} records, ${mib(bytes)} MiB JSONL, fresh process on CPU 0)`,
        ['run', 'records/s', 'records per CPU-s', 'wall s', 'peak RSS MB', 'aim'],
        runs.map((r, i) => [i + 1, r.recordsPerSec, r.recordsPerCpuSec, round(r.ms / 1000, 1), mb(r.peakRssBytes), '≥ 20,000 records/s, < 200 MB']),
        [
          'records per CPU-s = records ÷ the process\'s CPU time: what the rate would be with the core to itself.',
          'peak RSS = the process\'s lifetime maximum (getrusage), startup included; MB = 10^6 bytes.',
        ],
      ),
    ];
    return { name: 'import', text, results: { records, bytes, runs, best } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
