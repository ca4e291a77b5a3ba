// `crm-enrich runs list <connection-id> [--json]` and `crm-enrich runs revert <run-id> [--tasks] [--dry-run]`.
// JSON on stdout; what a revert kept (and why) on stderr. Exit 0 on success, 1 on failure, 2 on a usage error.
import { parseArgs } from 'node:util';
import type { Services } from './main.js';
import { RevertError } from './sync/revert.js';

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

export const RUNS_USAGE = `  runs list <connection-id> [--json]       the connection's last sync runs
  runs revert <run-id> [--tasks] [--dry-run]
                                          put back every field the run wrote that nobody changed since
                                          (--tasks: also delete its job-change tasks nobody completed)
`;

function usage(out: Out, message: string): number {
  out.stderr(`crm-enrich: ${message}\nusage:\n${RUNS_USAGE}`);
  return 2;
}

function parse(args: string[], options: Record<string, { type: 'boolean' }>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0]! : String(err);
  }
}

export async function runsCommand(s: Services, args: string[], out: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    const p = parse(rest, { json: { type: 'boolean' } });
    if (typeof p === 'string') return usage(out, p);
    if (p.positionals.length !== 1) return usage(out, 'runs list <connection-id> [--json]');
    const id = p.positionals[0]!;
    if (!s.repos.connections.get(id)) {
      out.stderr(`crm-enrich: no connection "${id}" (see: crm-enrich connections list)\n`);
      return 1;
    }
    const runs = s.repos.runs.recent(id, 50);
    if (p.values.json) {
      const rows = runs.map((r) => ({
        id: r.id, mode: r.mode, trigger: r.trigger, state: r.state, error: r.error,
        created_at: iso(r.created_at), started_at: iso(r.started_at), finished_at: iso(r.finished_at), ...r.counts,
      }));
      out.stdout(`${JSON.stringify(rows)}\n`);
      return 0;
    }
    const header = ['run', 'created (UTC)', 'mode', 'state', 'looked up', 'found', 'written', 'job changes', 'credits', 'errors'];
    const rows = runs.map((r) => [r.id, iso(r.created_at)!.slice(0, 16).replace('T', ' '), r.mode, r.state, r.counts.enriched, r.counts.found, r.counts.written, r.counts.changed, r.counts.credits, r.counts.errors]);
    const cells = [header, ...rows.map((r) => r.map(String))];
    const widths = header.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
    for (const row of cells) out.stdout(`${row.map((c, i) => (i >= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()}\n`);
    return 0;
  }
  if (sub === 'revert') {
    const p = parse(rest, { tasks: { type: 'boolean' }, 'dry-run': { type: 'boolean' } });
    if (typeof p === 'string') return usage(out, p);
    if (p.positionals.length !== 1) return usage(out, 'runs revert <run-id> [--tasks] [--dry-run]');
    try {
      const r = await s.revert.revert(p.positionals[0]!, { tasks: p.values.tasks === true, dryRun: p.values['dry-run'] === true });
      for (const f of r.fields) {
        if (f.outcome === 'reverted') continue;
        const now = f.current === null ? 'empty' : JSON.stringify(f.current);
        out.stderr(`${f.outcome}: ${f.objectType} ${f.contactId} ${f.field} (${f.reason ?? ''}; now ${now})\n`);
      }
      for (const t of r.tasks) if (t.outcome !== 'removed') out.stderr(`task ${t.taskId || '(not created yet)'} ${t.outcome.replace('_', ' ')}${t.reason ? ` (${t.reason})` : ''}\n`);
      out.stdout(`${JSON.stringify({ reverted: r.reverted, kept: r.kept, failed: r.failed, tasks_removed: r.tasks_removed })}\n`);
      return r.failed > 0 || r.tasks.some((t) => t.outcome === 'failed') ? 1 : 0;
    } catch (err) {
      if (!(err instanceof RevertError)) throw err;
      out.stderr(`crm-enrich: ${err.message}\n`);
      return 1;
    }
  }
  return usage(out, 'runs list <connection-id> [--json] | runs revert <run-id> [--tasks] [--dry-run]');
}

function iso(at: number | null): string | null {
  return at === null ? null : new Date(at).toISOString();
}
