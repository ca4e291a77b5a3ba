// The job state machine: the states and the allowed transitions. Its own module so that code which only names a
// state (read models, views) does not import the queue.

export const JOB_STATES = ['queued', 'running', 'retry', 'succeeded', 'dead'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Allowed transitions; anything else is a bug and throws. */
export const TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = {
  queued: ['running'],
  running: ['succeeded', 'retry', 'dead', 'queued'], // queued = released at shutdown, waiting for re-auth, or yielding
  retry: ['running'],
  dead: ['queued'], // an admin retries it
  succeeded: [],
};

export function assertTransition(from: JobState, to: JobState): void {
  if (!TRANSITIONS[from].includes(to)) throw new Error(`job state transition ${from} → ${to} is not allowed`);
}
