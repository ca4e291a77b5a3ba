// The job-change task outbox. A job change is recorded (pending) in the same transaction as the CRM write's
// audit; tasks are created from the outbox afterwards. A task whose creation may have reached the CRM before a
// crash (state `creating`) is first looked up by its marker, so a change never produces two tasks.
import type { ContactsRepo, JobChangeRow } from '../db/contacts.repo.js';
import { NonRetryableError, ReauthRequiredError, classifyError } from '../lib/errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { ConnectionContext } from './pipeline.js';

const MAX_TASK_ATTEMPTS = 10;

export function taskMarker(change: Pick<JobChangeRow, 'id'>): string {
  return `[crm-enrich:${change.id}]`;
}

export function taskText(change: JobChangeRow): { subject: string; body: string } {
  const name = change.contact_name ?? 'This contact';
  const newRole = [change.new_title, change.new_company].filter(Boolean).join(' at ') || 'a new role';
  const oldRole = [change.previous_title, change.previous_company].filter(Boolean).join(' at ') || 'their previous role';
  const subject = `Job change: ${name} is now ${change.new_title ?? 'in a new role'} at ${change.new_company ?? 'a new company'}`.slice(0, 255);
  const body = [
    `${name} changed jobs: ${oldRole} → ${newRole}.`,
    `Detected by crm-enrich on ${new Date(change.detected_at).toISOString().slice(0, 10)}; reach out while the move is fresh.`,
    '',
    taskMarker(change),
  ].join('\n');
  return { subject, body };
}

export function createTaskOutbox(deps: { contacts: ContactsRepo; clock: Clock; log: Logger }) {
  return {
    /**
     * Creates the tasks of pending job changes of a connection; returns how many were created. `onCreated` runs in
     * the transaction that marks a task created, so a caller's tally (a run's `tasks` count) survives a crash.
     */
    async flush(conn: ConnectionContext, opts: { limit?: number; onCreated?: () => void } = {}): Promise<number> {
      let created = 0;
      const markCreated = (id: string, taskId: string) =>
        deps.contacts.transaction(() => {
          deps.contacts.setTaskState(id, 'created', { taskId, error: null });
          opts.onCreated?.();
        });
      for (const change of deps.contacts.pendingJobChanges(conn.id, opts.limit ?? 50)) {
        const ref = { objectType: change.object_type, id: change.contact_id };
        const marker = taskMarker(change);
        try {
          if (change.task_state === 'creating') {
            const existing = await conn.session.findTask(ref, marker);
            if (existing) {
              markCreated(change.id, existing);
              created++;
              continue;
            }
          }
          deps.contacts.setTaskState(change.id, 'creating', { attempt: true });
          const { subject, body } = taskText(change);
          const taskId = await conn.session.createTask({
            ref,
            ownerId: change.owner_id,
            subject,
            body,
            dueAt: deps.clock.now() + 86_400_000,
            marker,
          });
          markCreated(change.id, taskId);
          created++;
        } catch (err) {
          if (err instanceof ReauthRequiredError) throw err;
          const message = err instanceof Error ? err.message : String(err);
          const final = err instanceof NonRetryableError || change.task_attempts + 1 >= MAX_TASK_ATTEMPTS || !classifyError(err).retry;
          deps.contacts.setTaskState(change.id, final ? 'failed' : 'creating', { error: message });
          deps.log.warn({ connection: conn.id, change: change.id, err }, final ? 'job-change task failed for good' : 'job-change task will be retried');
        }
      }
      return created;
    },
  };
}
export type TaskOutbox = ReturnType<typeof createTaskOutbox>;
