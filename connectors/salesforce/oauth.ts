// OAuth 2.0 web-server flow with PKCE against the login host: authorize URL, code exchange, refresh, revoke.
// Plain fetch rather than jsforce's OAuth2: it keeps the PKCE verifier out of shared instance state, lets every
// call carry a timeout, and gives us the OAuth `error` code (jsforce's refresh path turns it into free text).
import type { InstallResult, TokenSet } from '../types.js';
import { NonRetryableError, ReauthRequiredError, RetryAfterError } from '../../src/lib/errors.js';
import type { Logger } from '../../src/lib/logger.js';
import { scrub } from '../../src/lib/logger.js';
import { Identity, OAuthErrorBody, TokenResponse } from './schemas.js';

export interface OAuthConfig {
  clientId: string;
  clientSecret: string;
  loginUrl: string;
  timeoutMs?: number;
}

const SCOPE = 'api refresh_token';
const DEFAULT_TIMEOUT_MS = 30_000;
const ID_RE = /^[a-zA-Z0-9]{15,18}$/;

export function authorizeUrl(cfg: OAuthConfig, p: { state: string; redirectUri: string; codeChallenge?: string }): string {
  const url = new URL('/services/oauth2/authorize', cfg.loginUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', cfg.clientId);
  url.searchParams.set('redirect_uri', p.redirectUri);
  url.searchParams.set('scope', SCOPE);
  url.searchParams.set('state', p.state);
  // Salesforce assumes S256 and documents no code_challenge_method parameter.
  if (p.codeChallenge) url.searchParams.set('code_challenge', p.codeChallenge);
  return url.toString();
}

export async function exchangeCode(
  cfg: OAuthConfig,
  p: { code: string; redirectUri: string; codeVerifier?: string },
  log: Logger,
): Promise<InstallResult> {
  const form: Record<string, string> = {
    grant_type: 'authorization_code',
    code: p.code,
    client_id: cfg.clientId,
    client_secret: cfg.clientSecret,
    redirect_uri: p.redirectUri,
  };
  if (p.codeVerifier) form['code_verifier'] = p.codeVerifier;
  const res = await tokenRequest(cfg, form);
  if (!res.refresh_token) {
    throw new NonRetryableError('salesforce_no_refresh_token', 'Salesforce issued no refresh token: the connected app must grant the refresh_token scope');
  }
  const { orgId, userId } = parseIdentityUrl(res.id);
  const label = await fetchUsername(cfg, res, log);
  return {
    externalId: orgId,
    userId,
    label,
    tokens: { accessToken: res.access_token, refreshToken: res.refresh_token, expiresAt: null, instanceUrl: res.instance_url },
  };
}

/** A refresh grant. The new refresh token is only present when the app rotates them; keep the old one otherwise. */
export async function refreshTokens(cfg: OAuthConfig, current: TokenSet): Promise<TokenSet> {
  const res = await tokenRequest(cfg, {
    grant_type: 'refresh_token',
    refresh_token: current.refreshToken,
    client_id: cfg.clientId,
    client_secret: cfg.clientSecret,
  });
  return {
    accessToken: res.access_token,
    refreshToken: res.refresh_token ?? current.refreshToken,
    expiresAt: null,
    instanceUrl: res.instance_url,
  };
}

/** Revoking the refresh token also ends every access token issued from it. An already dead token is fine. */
export async function revokeToken(cfg: OAuthConfig, tokens: TokenSet): Promise<void> {
  const token = tokens.refreshToken || tokens.accessToken;
  const res = await post(cfg, '/services/oauth2/revoke', { token });
  if (res.status === 200) return;
  const body = await readOAuthError(res);
  if (res.status === 400 && (body?.error === 'invalid_token' || body?.error === 'unsupported_token_type')) return;
  throw httpError(res.status, body, 'revoke');
}

/** `https://login.salesforce.com/id/{orgId}/{userId}` → the two ids. */
export function parseIdentityUrl(idUrl: string): { orgId: string; userId: string } {
  const parts = new URL(idUrl).pathname.split('/').filter(Boolean);
  const userId = parts.at(-1) ?? '';
  const orgId = parts.at(-2) ?? '';
  if (parts.at(-3) !== 'id' || !ID_RE.test(orgId) || !ID_RE.test(userId)) {
    throw new NonRetryableError('salesforce_bad_identity_url', 'the token response carries no usable identity URL');
  }
  return { orgId, userId };
}

async function tokenRequest(cfg: OAuthConfig, form: Record<string, string>): Promise<TokenResponse> {
  const res = await post(cfg, '/services/oauth2/token', form);
  if (res.status !== 200) throw httpError(res.status, await readOAuthError(res), 'token');
  let json: unknown;
  try {
    json = await res.json();
  } catch (e) {
    throw new RetryAfterError('salesforce_oauth_bad_response', 'the token endpoint answered with something that is not JSON', 30_000, { cause: e });
  }
  const parsed = TokenResponse.safeParse(json);
  if (!parsed.success) throw new NonRetryableError('salesforce_oauth_bad_response', 'the token response lacks access_token, instance_url or id');
  return parsed.data;
}

async function post(cfg: OAuthConfig, path: string, form: Record<string, string>): Promise<Response> {
  try {
    return await fetch(new URL(path, cfg.loginUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (e) {
    // The request never produced an answer (DNS, reset, timeout): safe to try again later.
    throw new RetryAfterError('salesforce_oauth_unreachable', `the Salesforce login host could not be reached: ${scrub(errorText(e))}`, 30_000, { cause: e });
  }
}

async function readOAuthError(res: Response): Promise<{ error: string; error_description?: string | undefined } | null> {
  const text = await res.text().catch(() => '');
  try {
    const parsed = OAuthErrorBody.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function httpError(status: number, body: { error: string; error_description?: string | undefined } | null, what: string): Error {
  const desc = body ? `${body.error}${body.error_description ? `: ${body.error_description}` : ''}` : `HTTP ${status}`;
  const message = scrub(`Salesforce ${what} request failed: ${desc}`);
  // invalid_grant = revoked, expired or already-used refresh token / code: only a new install helps.
  if (body?.error === 'invalid_grant') return new ReauthRequiredError('invalid_grant', message);
  if (status >= 500 || status === 429) return new RetryAfterError('salesforce_oauth_unavailable', message, 60_000);
  return new NonRetryableError(`salesforce_oauth_${body?.error ?? `http_${status}`}`, message);
}

/** The username labels the connection on the admin page; a failure here must not fail the install. */
async function fetchUsername(cfg: OAuthConfig, res: TokenResponse, log: Logger): Promise<string | null> {
  const idUrl = new URL(res.id);
  // The identity URL gets the access token: only send it to Salesforce hosts we already trust.
  const trusted = [new URL(cfg.loginUrl).origin, new URL(res.instance_url).origin];
  if (!trusted.includes(idUrl.origin) && !(idUrl.protocol === 'https:' && /\.(salesforce|force)\.com$/.test(idUrl.hostname))) {
    log.warn({ host: idUrl.host }, 'Salesforce identity URL is on an unexpected host; not calling it');
    return null;
  }
  try {
    const r = await fetch(idUrl, {
      headers: { authorization: `Bearer ${res.access_token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    if (!r.ok) {
      log.warn({ status: r.status }, 'Salesforce identity URL refused the new token; connection label left empty');
      return null;
    }
    const parsed = Identity.safeParse(await r.json());
    return parsed.success ? (parsed.data.username ?? parsed.data.display_name ?? null) : null;
  } catch (e) {
    log.warn({ err: e }, 'Salesforce identity URL could not be read; connection label left empty');
    return null;
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? ` (${e.cause.message})` : '';
    return `${e.message}${cause}`;
  }
  return String(e);
}
