// The dashboard's "Needs attention" list, from plain inputs: which connections, the 80 % credit line, dead jobs,
// notification failures — and the shared scale of the credits page.
import { describe, expect, it } from 'vitest';
import { attentionItems, CREDIT_WARN_SHARE, type AttentionInput } from '../../src/admin/attention.js';
import { usageScale } from '../../src/admin/views/usage-chart.js';
import type { ConnectionRow } from '../../src/db/connections.repo.js';
import type { JobListRow } from '../../src/jobs/queue.js';

function conn(id: string, status: ConnectionRow['status'], reason: string | null = null): ConnectionRow & { account_name: string } {
  return { id, crm: 'hubspot', account_id: 'acc', account_name: `acct-${id}`, external_id: id, label: null, user_id: null, status, status_reason: reason } as ConnectionRow & { account_name: string };
}

const none: AttentionInput = { connections: [], deadJobs: [], deadTotal: 0, credits: [] };

describe('when the dashboard decides what needs attention', () => {
  it('then connected and paused connections are fine; reconnect-needed and disconnected ones get a Reconnect button', () => {
    const items = attentionItems({ ...none, connections: [conn('1', 'connected'), conn('2', 'paused'), conn('3', 'reconnect_needed', 'invalid_grant'), conn('4', 'disconnected')] });
    expect(items.map((i) => [i.kind, i.severity, i.message])).toEqual([
      ['connection', 'error', 'HubSpot 3 needs to be reconnected: its syncs are waiting.'],
      ['connection', 'warning', 'HubSpot 4 is disconnected: nothing is synced.'],
    ]);
    expect(items[0]!.detail).toBe('invalid_grant');
    expect(items[0]!.actions[0]).toEqual({ kind: 'post', action: '/admin/connections/connect', label: 'Reconnect HubSpot 3', fields: { crm: 'hubspot', account: 'acct-3' } });
  });

  it('then an account is listed from 80 % of its limit, as reached at 100 %, and never without a limit', () => {
    expect(CREDIT_WARN_SHARE).toBe(0.8);
    const at = (used: number, limit: number) => attentionItems({ ...none, credits: [{ accountId: 'a', account: 'acme', used, limit }] });
    expect(at(79, 100)).toEqual([]);
    expect(at(80, 100)[0]).toMatchObject({ kind: 'credits', severity: 'warning', message: 'acme used 80 % of its monthly credit limit (80 of 100).' });
    expect(at(100, 100)[0]).toMatchObject({ severity: 'error' });
    expect(at(100, 100)[0]!.message).toContain('reached its monthly credit limit');
    expect(at(5_000, 0)).toEqual([]);
    expect(at(80, 100)[0]!.actions).toEqual([{ kind: 'link', href: '/admin/credits#account-a', label: 'Change the limit of acme' }]);
  });

  it('then dead jobs get a Retry button each for the first three and a link to all of them', () => {
    const jobs = [1, 2, 3, 4].map((id) => ({ id, last_error: `error ${id}` }) as JobListRow);
    const [item] = attentionItems({ ...none, deadJobs: jobs, deadTotal: 7 });
    expect(item!.message).toBe('7 jobs failed every attempt.');
    expect(item!.detail).toBe('error 1');
    expect(item!.actions.map((a) => a.label)).toEqual(['Retry job 1', 'Retry job 2', 'Retry job 3', 'All 7 dead jobs']);
    expect(item!.actions[0]).toMatchObject({ kind: 'post', action: '/admin/activity/jobs/1/retry', fields: { back: 'dashboard' } });
  });

  it('then failing notification URLs are listed with a link to fix them', () => {
    const [item] = attentionItems({ ...none, notificationFailures: [{ connectionId: 'c', connectionName: 'HubSpot 9', error: '404 from hooks.slack.com', href: '/admin/connections/c' }] });
    expect(item).toMatchObject({ kind: 'notification', detail: '404 from hooks.slack.com', actions: [{ kind: 'link', href: '/admin/connections/c' }] });
  });

  it('then the credits page draws every account on the scale of the largest usage or limit', () => {
    expect(usageScale([])).toBe(1);
    expect(usageScale([{ accountId: 'a', account: 'a', used: 30, limit: 100 }, { accountId: 'b', account: 'b', used: 250, limit: 0 }])).toBe(250);
    expect(usageScale([{ accountId: 'a', account: 'a', used: 0, limit: 0 }])).toBe(1);
  });
});
