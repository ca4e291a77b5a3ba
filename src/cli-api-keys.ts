// `crm-enrich api-keys list|revoke`: the keys by id, account and prefix (never a key), and revoking one by id.
import { parseArgs } from 'node:util';
import type { Services } from './main.js';
import { CommandError, UsageError, type Out } from './cli-errors.js';

export async function apiKeysCommand(s: Services, sub: 'list' | 'revoke', args: string[], out: Out): Promise<number> {
  if (sub === 'revoke') {
    if (args.length !== 1 || args[0]!.startsWith('-')) throw new UsageError('api-keys revoke <key-id>');
    const id = args[0]!;
    const key = s.repos.apiKeys.list().find((k) => k.id === id);
    if (!key) throw new CommandError(`no API key "${id}" (see: crm-enrich api-keys list)`);
    if (key.revoked_at !== null) throw new CommandError(`API key ${id} was already revoked on ${iso(key.revoked_at)}`);
    s.repos.apiKeys.revoke(id);
    out.stderr(`crm-enrich: API key ${id} (${key.prefix}…, account ${key.account_name}) revoked\n`);
    return 0;
  }
  let json: boolean | undefined;
  try {
    json = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: false, strict: true }).values.json;
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]!);
  }
  const rows = s.repos.apiKeys.list().map((k) => ({
    id: k.id,
    account: k.account_name,
    prefix: k.prefix,
    label: k.label,
    created_at: iso(k.created_at),
    last_used_at: k.last_used_at === null ? null : iso(k.last_used_at),
    revoked_at: k.revoked_at === null ? null : iso(k.revoked_at),
  }));
  if (json) {
    out.stdout(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  const header = ['id', 'account', 'prefix', 'label', 'created', 'last used', 'status'];
  const cells = [header, ...rows.map((r) => [r.id, r.account, `${r.prefix}…`, r.label ?? '', r.created_at.slice(0, 16), r.last_used_at?.slice(0, 16) ?? 'never', r.revoked_at ? 'revoked' : 'active'])];
  const widths = header.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  for (const row of cells) out.stdout(`${row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  return 0;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
