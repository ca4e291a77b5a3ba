// A progress bar on stderr: done / total, rate and ETA. Redraws in place on a terminal, prints a line every few
// seconds otherwise (CI logs stay readable).
export interface Progress {
  /** `note`, when given, ends the line (e.g. "PDL rate limit, resumes in 23 s"). */
  update(done: number, total: number | null, note?: string | null): void;
  finish(): void;
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): Progress {
  const started = now();
  let lastLine = 0;
  const tty = Boolean(stream.isTTY);
  const render = (done: number, total: number | null, note?: string | null) => {
    const secs = Math.max(0.001, (now() - started) / 1000);
    const rate = done / secs;
    const width = 24;
    const frac = total && total > 0 ? Math.min(1, done / total) : 0;
    const bar = total ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ` : '';
    const count = total !== null ? `${done}/${total}` : `${done}`;
    const eta = total && rate > 0 && done < total ? ` eta ${fmt((total - done) / rate)}` : '';
    return `${label} ${bar}${count} ${rate.toFixed(1)}/s${eta}${note ? ` — ${note}` : ''}`;
  };
  let last: [number, number | null, (string | null | undefined)?] = [0, null];
  // Not a terminal (a log file, CI): a line only when something changed — the count, the total or what it waits
  // for (a countdown's seconds do not count) — at most every 2 s, and finish() does not repeat the last line.
  let printedKey: string | undefined;
  const keyOf = (done: number, total: number | null, note?: string | null) => `${done}/${total}/${(note ?? '').replace(/\d+/g, '#')}`;
  return {
    update(done, total, note) {
      last = [done, total, note];
      const t = now();
      if (tty) stream.write(`\r${render(done, total, note)}\u001b[K`);
      else if (t - lastLine >= 2000 && keyOf(done, total, note) !== printedKey) {
        lastLine = t;
        printedKey = keyOf(done, total, note);
        stream.write(`${render(done, total, note)}\n`);
      }
    },
    finish() {
      if (tty) stream.write(`\r${render(last[0], last[1])}\u001b[K\n`);
      else if (keyOf(last[0], last[1], last[2]) !== printedKey) stream.write(`${render(last[0], last[1])}\n`);
    },
  };
}

function fmt(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}

/** Short names users know the providers by. */
const PROVIDER_LABELS: Record<string, string> = { peopledatalabs: 'PDL', apollo: 'Apollo', dataset: 'Dataset' };

export const providerLabel = (provider: string): string => PROVIDER_LABELS[provider] ?? provider;

/** "PDL rate limit, resumes in 23 s" for a run waiting on a provider; null when it is not (or no longer) waiting. */
export function rateLimitNote(provider: string | null, until: number | null, now: number): string | null {
  if (!provider || until === null || until <= now) return null;
  return `${PROVIDER_LABELS[provider] ?? provider} rate limit, resumes in ${Math.ceil((until - now) / 1000)} s`;
}
