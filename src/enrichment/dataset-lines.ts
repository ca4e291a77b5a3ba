// The two layers under the dataset importer: bytes → numbered lines in bounded memory, and CSV lines → cells
// through csv-parse. A dataset line is one record in both formats: JSONL by definition, and CSV because no
// profile field may hold a line break, so a quoted field that runs onto the next line is an error row for each
// line it touches, never a silent merge of two lines into one record.
import { isUtf8 } from 'node:buffer';
import { parse, type CsvError } from 'csv-parse/sync';

/** Longest line (record) accepted, in bytes. A longer one is reported and skipped without being buffered. */
export const MAX_LINE_BYTES = 1024 * 1024;

export type LineError = (line: number, message: string) => void;

export interface LineSplitter {
  write(chunk: Uint8Array): void;
  end(): void;
  /** Bytes held for a line not yet complete: never more than MAX_LINE_BYTES. */
  pendingBytes(): number;
}

const NL = 0x0a;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Calls `onLine` with every line (1-based number, without its CR LF / LF, UTF-8 BOM of the first line removed).
 * Only the unfinished tail of a chunk is kept between writes; a line past `maxBytes` is dropped as it streams
 * past and reported once, and a line that is not valid UTF-8 is reported instead of being decoded with U+FFFD.
 */
export function createLineSplitter(onLine: (text: string, line: number) => void, onError: LineError, maxBytes = MAX_LINE_BYTES): LineSplitter {
  let parts: Buffer[] = [];
  let pending = 0;
  let tooLong = false;
  let line = 1;

  const emit = (bytes: Buffer) => {
    const n = line++;
    if (tooLong) {
      tooLong = false;
      return onError(n, `line is longer than ${maxBytes} bytes`);
    }
    let b = n === 1 && bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3) : bytes;
    if (b.length > 0 && b[b.length - 1] === 0x0d) b = b.subarray(0, b.length - 1);
    if (!isUtf8(b)) return onError(n, 'not valid UTF-8');
    onLine(b.toString('utf8'), n);
  };
  const hold = (b: Buffer) => {
    if (tooLong) return;
    if (pending + b.length > maxBytes) {
      tooLong = true;
      parts = [];
      pending = 0;
      return;
    }
    parts.push(b);
    pending += b.length;
  };
  const take = (tail: Buffer): Buffer => {
    if (pending === 0) return tail;
    const whole = Buffer.concat([...parts, tail], pending + tail.length);
    parts = [];
    pending = 0;
    return whole;
  };

  return {
    write(chunk) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let from = 0;
      for (let nl = buf.indexOf(NL, from); nl !== -1; nl = buf.indexOf(NL, from)) {
        const seg = buf.subarray(from, nl);
        if (tooLong) emit(seg);
        else if (pending + seg.length > maxBytes) {
          tooLong = true;
          take(Buffer.alloc(0));
          emit(seg);
        } else emit(take(seg));
        from = nl + 1;
      }
      // why copy: the caller may reuse the chunk's memory (a generator that yields one buffer again and again).
      if (from < buf.length) hold(Buffer.from(buf.subarray(from)));
    },
    end() {
      if (pending > 0 || tooLong) emit(take(Buffer.alloc(0)));
    },
    pendingBytes: () => pending,
  };
}

// csv-parse's codes → what the row's author can fix (its own messages count lines of our batch, not of the file).
const CSV_ERRORS: Record<string, string> = {
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field has characters after its closing quote',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field (quote the whole field and double the quote)',
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed on its line',
  CSV_MAX_RECORD_SIZE: 'the row is too long',
};

const CSV_OPTIONS = {
  info: true,
  record_delimiter: '\n',
  relax_column_count: true, // the importer compares each row with the header itself and says so
  skip_empty_lines: false,
  skip_records_with_error: true,
} as const;

/** A quoted field closed on the same line always leaves an even number of quotes. */
function quotesBalanced(text: string): boolean {
  let n = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) n++;
  return n % 2 === 0;
}

/**
 * Parses complete CSV lines (no line breaks inside) into cells. Lines are parsed together for speed; csv-parse
 * does not always find its footing again after a malformed row, so after the first error in a batch the rest of
 * the batch is parsed line by line.
 */
export function parseCsvLines(lines: readonly { text: string; line: number }[], onRow: (cells: string[], line: number) => void, onError: LineError): void {
  const ok: { text: string; line: number }[] = [];
  for (const l of lines) {
    if (quotesBalanced(l.text)) ok.push(l);
    else onError(l.line, 'a quoted field is not closed on its line (line breaks inside fields are not accepted)');
  }
  let failedAt = -1;
  // With `info`, each entry is { record, info } (the typings only know plain rows).
  const rows = parse(ok.map((l) => l.text).join('\n'), {
    ...CSV_OPTIONS,
    on_skip: (err: CsvError | undefined) => {
      if (failedAt === -1) failedAt = Math.max(0, (typeof err?.lines === 'number' ? err.lines : 1) - 1);
    },
  }) as unknown as { record: string[]; info: { lines: number } }[];
  for (const { record, info } of rows) {
    const index = info.lines - 1;
    if (failedAt === -1 || index < failedAt) onRow(record, ok[index]!.line);
  }
  if (failedAt === -1) return;
  for (const l of ok.slice(failedAt)) {
    let error: CsvError | undefined;
    const [row] = parse(l.text, { ...CSV_OPTIONS, info: false, on_skip: (err: CsvError | undefined) => void (error ??= err) }) as string[][];
    if (error || !row) onError(l.line, CSV_ERRORS[error?.code ?? ''] ?? `not a valid CSV row (${error?.code ?? 'no fields'})`);
    else onRow(row, l.line);
  }
}
