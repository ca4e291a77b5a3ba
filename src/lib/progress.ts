// A progress bar on stderr: done / total, rate and ETA. Redraws in place on a terminal, prints a line every few
// seconds otherwise (CI logs stay readable).
export interface Progress {
  update(done: number, total: number | null): void;
  finish(): void;
}

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): Progress {
  const started = now();
  let lastLine = 0;
  const tty = Boolean(stream.isTTY);
  const render = (done: number, total: number | null) => {
    const secs = Math.max(0.001, (now() - started) / 1000);
    const rate = done / secs;
    const width = 24;
    const frac = total && total > 0 ? Math.min(1, done / total) : 0;
    const bar = total ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ` : '';
    const count = total !== null ? `${done}/${total}` : `${done}`;
    const eta = total && rate > 0 && done < total ? ` eta ${fmt((total - done) / rate)}` : '';
    return `${label} ${bar}${count} ${rate.toFixed(1)}/s${eta}`;
  };
  let last: [number, number | null] = [0, null];
  return {
    update(done, total) {
      last = [done, total];
      const t = now();
      if (tty) stream.write(`\r${render(done, total)}\u001b[K`);
      else if (t - lastLine >= 2000) {
        lastLine = t;
        stream.write(`${render(done, total)}\n`);
      }
    },
    finish() {
      stream.write(tty ? `\r${render(...last)}\u001b[K\n` : `${render(...last)}\n`);
    },
  };
}

function fmt(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${Math.round(s % 60)}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}
