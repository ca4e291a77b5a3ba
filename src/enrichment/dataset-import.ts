// `crm-enrich dataset import <file>`: JSONL (one Profile per line, the API's own shape) or CSV whose header
// names Profile scalar fields. Records are validated (dataset-record.ts), normalised and upserted by email and
// LinkedIn URL (both stored canonical, so a lookup by the canonical form finds a record written in any form).
//
// Streaming: the file is read chunk by chunk and each chunk is fully processed, in one transaction, before the
// next is read; records are written as they are parsed. So an import holds one chunk and one unfinished line,
// whatever the file's size, and nothing it parsed outlives its chunk (which also keeps V8's young generation from
// growing: it grows with what survives). One transaction per chunk (a 4 MiB chunk is ~3,000 records) is as fast
// as one for the whole file, and lets a running server write between two chunks. An interrupted import can
// simply be run again: records are upserts.
import { parseRecord } from './dataset-record.js';
import { createLineSplitter, parseCsvLines } from './dataset-lines.js';
import { PROFILE_STRING_FIELDS, type Seniority } from './contract.js';
import { normalizeProfile } from './normalize.js';
import { resolveSeniority } from './seniority.js';

export interface DatasetRow {
  email: string | null;
  linkedin_url: string | null;
  /** The normalised Profile, serialised. */
  profileJson: string;
  confidence: number;
}

export interface DatasetSink {
  upsert(p: DatasetRow): 'inserted' | 'updated';
  transaction<T>(fn: () => T): T;
  /** Wraps a whole streamed import (the SQLite repo checkpoints its WAL less often meanwhile). */
  bulk?<T>(run: () => Promise<T>): Promise<T>;
}

export interface ImportReport {
  imported: number;
  skipped: number;
  errors: { line: number; message: string }[];
}

export interface ImportProgress {
  bytes: number;
  imported: number;
  skipped: number;
  /** Bytes the importer holds between two chunks (an unfinished line): at most MAX_LINE_BYTES. */
  heldBytes: number;
}

export interface ImportOptions {
  /** 'auto': CSV unless the first non-blank character is `{`. */
  format: 'jsonl' | 'csv' | 'auto';
  now: Date;
  jobChangeWindowDays: number;
  /** At most this many error entries are listed (the count in `skipped` stays exact). */
  maxErrors?: number;
  /** Called after every chunk. */
  onProgress?: (p: ImportProgress) => void;
}

/** The file as a whole cannot be imported (a CSV header that is not CSV). */
export class DatasetFileError extends Error {}

interface DatasetImporter {
  write(chunk: Uint8Array | string): void;
  end(): ImportReport;
}

const CSV_NUMBER_FIELDS = new Set(['connections', 'followers', 'confidence']);
const CSV_FIELDS = new Set<string>([...PROFILE_STRING_FIELDS, 'seniority', 'connections', 'followers', 'recent_job_change', 'skills', 'confidence']);
const CSV_LINES_PER_PARSE = 500;

function createDatasetImporter(sink: DatasetSink, opts: ImportOptions): DatasetImporter {
  const report: ImportReport = { imported: 0, skipped: 0, errors: [] };
  const maxErrors = opts.maxErrors ?? 1000;
  const normalizeOpts = { windowDays: opts.jobChangeWindowDays, now: opts.now, resolveSeniority: memoSeniority() };
  let format = opts.format;
  let header: string[] | undefined;
  let csvLines: { text: string; line: number }[] = [];
  let bytes = 0;

  const fail = (line: number, message: string) => {
    report.skipped += 1;
    if (report.errors.length < maxErrors) report.errors.push({ line, message });
  };

  const accept = (line: number, value: Record<string, unknown>) => {
    const parsed = parseRecord(value);
    if (typeof parsed === 'string') return fail(line, parsed);
    const { profile, confidence } = parsed;
    // normalizeProfile canonicalises both keys (null when invalid): they are read from its result, not worked out
    // a second time (parsing a LinkedIn URL is one of the dearer steps of a record).
    const normalized = normalizeProfile(profile, normalizeOpts);
    const { email, linkedin_url: linkedin } = normalized;
    if (profile.email && !email) return fail(line, `email is not a valid email address: ${truncate(profile.email)}`);
    if (profile.linkedin_url && !linkedin) return fail(line, `linkedin_url is not a LinkedIn profile URL: ${truncate(profile.linkedin_url)}`);
    if (!email && !linkedin) return fail(line, 'a record needs an email or a linkedin_url');
    sink.upsert({ email, linkedin_url: linkedin, profileJson: JSON.stringify(normalized), confidence: confidence ?? 100 });
    report.imported += 1;
  };

  const jsonLine = (text: string, line: number) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return fail(line, 'not valid JSON');
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail(line, 'each line must be a JSON object');
    accept(line, value as Record<string, unknown>);
  };

  const csvRow = (cells: string[], line: number) => {
    if (!header) {
      header = cells.map((c) => c.trim().toLowerCase());
      const unknown = header.filter((c) => c && !CSV_FIELDS.has(c));
      if (unknown.length) fail(line, `unknown column(s) ignored: ${unknown.join(', ')}`);
      return;
    }
    if (cells.every((c) => c.trim() === '')) return;
    if (cells.length > header.length) return fail(line, `${cells.length} fields, but the header names ${header.length}`);
    const value = csvValue(header, cells);
    if (typeof value === 'string') fail(line, value);
    else accept(line, value);
  };
  const headerError = (line: number, message: string): never => {
    throw new DatasetFileError(`line ${line}: the CSV header is not valid: ${message}`);
  };
  const flushCsv = () => {
    const lines = csvLines;
    csvLines = [];
    parseCsvLines(lines, csvRow, header ? fail : headerError);
  };

  const onLine = (text: string, line: number) => {
    if (format === 'auto') {
      const first = text.trimStart();
      if (!first) return;
      format = first.startsWith('{') ? 'jsonl' : 'csv';
    }
    if (format === 'jsonl') {
      if (text.trim()) jsonLine(text, line);
      return;
    }
    if (!text.trim()) return;
    csvLines.push({ text, line });
    // The header decides how every later row is read: parse it on its own, at once.
    if (!header || csvLines.length >= CSV_LINES_PER_PARSE) flushCsv();
  };

  const lines = createLineSplitter(onLine, fail);
  const progress = () => opts.onProgress?.({ bytes, imported: report.imported, skipped: report.skipped, heldBytes: lines.pendingBytes() });
  return {
    write(chunk) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      bytes += buf.byteLength;
      sink.transaction(() => {
        lines.write(buf);
        flushCsv();
      });
      progress();
    },
    end() {
      sink.transaction(() => {
        lines.end();
        flushCsv();
      });
      progress();
      // why: a CSV batch reports its unbalanced-quote lines before its parsed rows.
      report.errors.sort((a, b) => a.line - b.line);
      return report;
    },
  };
}

/** An in-memory text (tests, the sample dataset). */
export function importDataset(text: string, sink: DatasetSink, opts: ImportOptions): ImportReport {
  const importer = createDatasetImporter(sink, opts);
  importer.write(text);
  return importer.end();
}

/** A file or any other stream of chunks, in bounded memory. */
export async function importDatasetStream(source: AsyncIterable<Uint8Array | string>, sink: DatasetSink, opts: ImportOptions): Promise<ImportReport> {
  const importer = createDatasetImporter(sink, opts);
  const run = async () => {
    for await (const chunk of source) importer.write(chunk);
    return importer.end();
  };
  return sink.bulk ? sink.bulk(run) : run();
}

/**
 * resolveSeniority with a bounded memo: classifying a title is the costliest step of normalising a record, and
 * a dataset repeats its titles (a few thousand distinct ones cover most people). Forgotten wholesale when full.
 * 10,000 entries (~1 MB): the long tail of one-off titles never hits anyway, and at 50,000 the memo and its
 * cleared generations held ~5-10 MB of the import's 200 MB budget.
 */
function memoSeniority(max = 10_000): typeof resolveSeniority {
  const memo = new Map<string, Seniority | null>();
  return (title, hint) => {
    if (typeof title !== 'string') return resolveSeniority(title, hint);
    const key = `${hint ?? ''}|${title}`;
    let level = memo.get(key);
    if (level === undefined) {
      level = resolveSeniority(title, hint);
      if (memo.size >= max) memo.clear();
      memo.set(key, level);
    }
    return level;
  };
}

/** CSV cells → the record's JSON shape, or the row's problem. Blank cells are absent. */
function csvValue(columns: readonly string[], cells: readonly string[]): Record<string, unknown> | string {
  const value: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    const col = columns[i]!;
    if (!CSV_FIELDS.has(col)) continue;
    const cell = (cells[i] ?? '').trim();
    if (cell === '') continue;
    if (CSV_NUMBER_FIELDS.has(col)) {
      if (!/^-?\d{1,15}$/.test(cell)) return `${col} must be a whole number`;
      value[col] = Number(cell);
    } else if (col === 'recent_job_change') {
      const b = /^(true|yes|1)$/i.test(cell) ? true : /^(false|no|0)$/i.test(cell) ? false : undefined;
      if (b === undefined) return 'recent_job_change must be true or false';
      value[col] = b;
    } else if (col === 'skills') {
      value[col] = cell
        .split(/[;|]/)
        .map((s) => s.trim())
        .filter(Boolean);
    } else value[col] = cell;
  }
  return value;
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
