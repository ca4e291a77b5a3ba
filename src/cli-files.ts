// Before a dataset import streams a file: is it a regular file of text? A FIFO would block the import forever,
// /dev/zero never ends, and a binary file (a zip, a gzip, an xlsx) would produce millions of "bad line" errors.
// Each fails here with one line that says what to do instead.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { CommandError } from './cli-errors.js';

const SNIFF_BYTES = 8192;

/** The file's size when it is a readable regular text file; a CommandError (one line) otherwise. */
export function readableTextFile(path: string): number {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new CommandError(`cannot read ${path}: ${describeCode((err as NodeJS.ErrnoException).code)}`);
  }
  if (st.isDirectory()) throw new CommandError(`${path} is a directory: give the path of a JSONL or CSV file`);
  if (!st.isFile()) {
    const kind = st.isFIFO() ? 'a named pipe (FIFO)' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : st.isSocket() ? 'a socket' : 'not a regular file';
    throw new CommandError(`${path} is ${kind}, not a regular file: save the data to a file first, then import that file`);
  }
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new CommandError(`cannot read ${path}: ${describeCode((err as NodeJS.ErrnoException).code)}`);
  }
  try {
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, st.size));
    const n = readSync(fd, head, 0, head.length, 0);
    const problem = binaryKind(head.subarray(0, n));
    if (problem) throw new CommandError(`${path} is ${problem}, not JSONL or CSV text`);
  } finally {
    closeSync(fd);
  }
  return st.size;
}

/** What a file's first bytes say it is when it is not text, or undefined for text. */
export function binaryKind(head: Buffer): string | undefined {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip-compressed (decompress it first: gunzip)';
  if (head.subarray(0, 4).equals(Buffer.from('PK\u0003\u0004', 'latin1'))) return 'a zip archive (an .xlsx or .zip: export or extract it as CSV first)';
  // UTF-16 text has NULs too: name it, since "binary" would puzzle someone who saved from a spreadsheet.
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return 'UTF-16 text (save it as UTF-8)';
  const nul = head.indexOf(0);
  if (nul !== -1) return `binary (a NUL byte at offset ${nul})`;
  return undefined;
}

function describeCode(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    default:
      return code ?? 'unknown error';
  }
}
