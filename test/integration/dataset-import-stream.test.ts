// A licensed dataset is gigabytes. Simulated here by a generator that produces 1 GiB without ever holding more
// than one chunk: real records spread over the whole stream, between them lines of junk past the line limit (a
// broken export: the importer must skip them as they stream by, not collect them). What proves constant memory is
// behaviour, not a clock: the importer never holds more than one unfinished line, every chunk's records are on
// disk before the next chunk is even asked for (nothing is read ahead, nothing piles up), and the process does not
// grow by anything near the gigabyte that went through it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import { createDatasetRepo } from '../../src/db/dataset.repo.js';
import { importDatasetStream } from '../../src/enrichment/dataset-import.js';
import { MAX_LINE_BYTES } from '../../src/enrichment/dataset-lines.js';
import { datasetJsonl } from '../helpers/dataset-gen.js';

const dir = mkdtempSync(join(tmpdir(), 'crm-enrich-stream-'));
const db = openDb(join(dir, 'dataset.db'), { synchronous: 'NORMAL' });
const repo = createDatasetRepo(db);
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const GiB = 1024 ** 3;
const CHUNK = 1024 * 1024;
const JUNK_CHUNKS = 3; // each junk line spans 3 chunks: 3 MiB, three times the line limit
const RECORDS_PER_CYCLE = 40;

describe('dataset import of a 1 GiB stream', () => {
  it('when 1 GiB streams through, then the importer holds at most one line, commits every chunk before reading the next, and the process stays flat', async () => {
    const junk = Buffer.alloc(CHUNK, 'x'); // one buffer, yielded again and again
    const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM dataset_profiles');
    let produced = 0;
    let recordsYielded = 0;
    let cycles = 0;
    const lag: number[] = [];
    let rssMax = 0;
    const rss0 = process.memoryUsage().rss;

    async function* oneGiB(): AsyncGenerator<Buffer> {
      while (produced < GiB) {
        for (let i = 0; i < JUNK_CHUNKS; i++) {
          produced += junk.length;
          yield junk;
        }
        const records = Buffer.from(`\n${datasetJsonl(RECORDS_PER_CYCLE, cycles * RECORDS_PER_CYCLE)}`);
        cycles += 1;
        recordsYielded += RECORDS_PER_CYCLE;
        produced += records.length;
        yield records;
        // The importer asks for the next chunk only now: the records it was just given must be committed.
        lag.push(recordsYielded - count.get()!.n);
        rssMax = Math.max(rssMax, process.memoryUsage().rss);
      }
    }

    let heldMax = 0;
    let progressCalls = 0;
    const report = await importDatasetStream(oneGiB(), repo, {
      format: 'jsonl',
      now: new Date('2026-06-01T00:00:00Z'),
      jobChangeWindowDays: 90,
      maxErrors: 5,
      onProgress: (p) => {
        progressCalls += 1;
        heldMax = Math.max(heldMax, p.heldBytes);
      },
    });

    expect(produced).toBeGreaterThanOrEqual(GiB);
    expect(report.imported).toBe(cycles * RECORDS_PER_CYCLE);
    expect(count.get()!.n).toBe(cycles * RECORDS_PER_CYCLE);
    // One junk line per cycle, reported once each however many chunks it spans; the error list stays bounded.
    expect(report.skipped).toBe(cycles);
    expect(report.errors).toHaveLength(5);
    expect(report.errors[0]).toEqual({ line: 1, message: `line is longer than ${MAX_LINE_BYTES} bytes` });
    expect(progressCalls).toBeGreaterThan(cycles * JUNK_CHUNKS);
    expect(heldMax).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(lag.every((l) => l === 0), `records not yet committed when the next chunk was asked for: ${lag.filter((l) => l !== 0).slice(0, 5)}`).toBe(true);
    // Buffering the stream would add a gigabyte; what may grow is the heap's working set and SQLite's cache.
    expect(rssMax - rss0).toBeLessThan(256 * 1024 * 1024);
    expect(repo.findByEmail('john.doe+0@acme.com')?.profile.full_name).toBe('John Doe');
  });
});
