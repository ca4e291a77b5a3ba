// The two failures of a crm-enrich command, shared by cli.ts and the command modules beside it: a usage error
// (exit 2, the one line and a pointer to --help) and a command that could not do its work (exit 1, one line).
export class UsageError extends Error {}
export class CommandError extends Error {}

/** Where a command writes: stdout for machine-readable output, stderr for people (tests pass their own). */
export type Out = { stdout: (s: string) => void; stderr: (s: string) => void };
