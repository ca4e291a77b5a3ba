// JSON lines on stderr (stdout belongs to the CLI's machine-readable output). Secrets are redacted by
// key name wherever they appear, and known secret values are scrubbed from messages.
import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

const SECRET_KEYS = [
  'password', 'adminPassword', 'apiKey', 'api_key', 'key', 'token', 'accessToken', 'access_token', 'refreshToken',
  'refresh_token', 'clientSecret', 'client_secret', 'authorization', 'Authorization', 'x-api-key', 'cookie',
  'code_verifier', 'codeVerifier', 'secret', 'encryptionKey', 'sessionId',
];

const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
];

export function createLogger(opts: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: 'crm-enrich' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError },
    },
    (opts.destination as pino.DestinationStream | undefined) ?? pino.destination({ fd: 2, sync: false }),
  );
}

const TOKENISH = /\b(gtm_live_[A-Za-z0-9_-]+|Bearer\s+[A-Za-z0-9._~+/=-]+|(?:access|refresh)_token=[^&\s"]+)/g;

/** Scrubs things that look like credentials out of free text (error messages can embed request URLs). */
export function scrub(text: string): string {
  return text.replace(TOKENISH, '[redacted]');
}

function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: scrub(String(err)) };
  const out: Record<string, unknown> = { type: err.name, message: scrub(err.message) };
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (err.stack) out.stack = scrub(err.stack);
  if (err.cause !== undefined) out.cause = serializeError(err.cause);
  return out;
}
