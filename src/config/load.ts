// Reads the environment once and returns a typed Config, or every problem at once.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { EnvSchema, type Config } from './schema.js';
import { parseEncryptionKey } from '../lib/crypto.js';

export type { Config } from './schema.js';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses an environment (process.env by default); empty strings count as unset. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.keys(EnvSchema.in.shape);
  const input: Record<string, string> = {};
  for (const key of known) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = EnvSchema.safeParse(input);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.') || '(environment)';
      problems.push(`${key}: ${issue.message}`);
    }
  }
  if (input.ENCRYPTION_KEY !== undefined) {
    try {
      parseEncryptionKey(input.ENCRYPTION_KEY);
    } catch (err) {
      problems.push(`ENCRYPTION_KEY: ${(err as Error).message}`);
    }
  }
  if (parsed.success && parsed.data.HUBSPOT_CLIENT_ID && !parsed.data.HUBSPOT_CLIENT_SECRET) {
    problems.push('HUBSPOT_CLIENT_SECRET: required when HUBSPOT_CLIENT_ID is set');
  }
  if (parsed.success && parsed.data.SALESFORCE_CLIENT_ID && !parsed.data.SALESFORCE_CLIENT_SECRET) {
    problems.push('SALESFORCE_CLIENT_SECRET: required when SALESFORCE_CLIENT_ID is set');
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

/**
 * Reads `.env` in the working directory into `env` (process.env by default). Variables already set win, so a
 * process manager or a one-off `PORT=4000 npx crm-enrich serve` still overrides the file. No file: nothing
 * happens. Returns the path read, if any.
 */
export function loadDotEnv(file = '.env', env: Record<string, string | undefined> = process.env): string | undefined {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError([`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  for (const [key, value] of Object.entries(parseEnv(text))) {
    if (env[key] === undefined) env[key] = value;
  }
  return path;
}
