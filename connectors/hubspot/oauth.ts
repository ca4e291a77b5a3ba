// OAuth 2.0 of the HubSpot public app (docs/hubspot.md §1): authorize URL, code exchange, refresh, revoke.
// Token calls go through the SDK against `basePath: apiBaseUrl`; a fresh Client per call, with no retry or
// limiter decorators (they are process-global, §7.1), and its `oauth` API taken synchronously after construction.
import { Client } from '@hubspot/api-client';
import type { Clock } from '../../src/lib/clock.js';
import { NonRetryableError, ReauthRequiredError, RetryAfterError } from '../../src/lib/errors.js';
import type { InstallResult, TokenSet } from '../types.js';
import { describeFailure, httpFailure, withTimeout } from './call.js';
import { AccessTokenInfo, TokenResponse } from './schemas.js';

export interface OAuthConfig {
  clientId: string;
  clientSecret: string;
  scopes: string;
  optionalScopes?: string;
  authorizeUrl: string;
  apiBaseUrl: string;
  timeoutMs: number;
  clock: Clock;
}

const TRANSIENT_WAIT_MS = 30_000;

function oauthApi(basePath: string) {
  return new Client({ basePath }).oauth;
}

/**
 * `scope` (and `optional_scope`, only when there are optional scopes) are space-separated with the spaces as %20
 * (§1.1); URLSearchParams would write '+'.
 */
export function buildAuthorizeUrl(p: { authorizeUrl: string; clientId: string; scopes: string; optionalScopes?: string; redirectUri: string; state: string }): string {
  const list = (s: string | undefined) => (s ?? '').split(/[\s,]+/).filter(Boolean).join(' ');
  const optional = list(p.optionalScopes);
  const query = [
    ['client_id', p.clientId],
    ['redirect_uri', p.redirectUri],
    ['scope', list(p.scopes)],
    ...(optional ? [['optional_scope', optional]] : []),
    ['state', p.state],
  ]
    .map(([k, v]) => `${k}=${encodeURIComponent(v ?? '')}`)
    .join('&');
  return `${p.authorizeUrl}${p.authorizeUrl.includes('?') ? '&' : '?'}${query}`;
}

/** Turns a failed token-endpoint call into an error with retry intent; never echoes the request (it holds secrets). */
function tokenError(op: string, e: unknown, permanent: (f: NonNullable<ReturnType<typeof httpFailure>>) => Error | null): Error {
  const f = httpFailure(e);
  if (!f) {
    const what = e instanceof Error && e.name === 'TimeoutError' ? 'timed out' : 'could not reach HubSpot';
    return new RetryAfterError('hubspot_unavailable', `HubSpot ${op}: ${what}`, TRANSIENT_WAIT_MS);
  }
  return permanent(f) ?? new RetryAfterError('hubspot_unavailable', describeFailure(op, f), TRANSIENT_WAIT_MS);
}

function toTokenSet(raw: unknown, now: number, previous?: TokenSet): TokenSet {
  const r = TokenResponse.safeParse(raw);
  if (!r.success) throw new RetryAfterError('hubspot_bad_response', 'HubSpot token response was not understood', TRANSIENT_WAIT_MS);
  const refreshToken = r.data.refreshToken ?? previous?.refreshToken;
  if (!refreshToken) throw new NonRetryableError('hubspot_bad_response', 'HubSpot token response has no refresh token');
  // Merge over the old set so fields we do not manage here (instanceUrl) survive a refresh.
  return { ...previous, accessToken: r.data.accessToken, refreshToken, expiresAt: now + r.data.expiresIn * 1000 };
}

export function createOAuth(cfg: OAuthConfig) {
  return {
    authorizeUrl(p: { state: string; redirectUri: string }): string {
      return buildAuthorizeUrl({ authorizeUrl: cfg.authorizeUrl, clientId: cfg.clientId, scopes: cfg.scopes, optionalScopes: cfg.optionalScopes ?? '', ...p });
    },

    /** Code → tokens, then the token's portal (the token response itself carries no hub id in the SDK, §7.6). */
    async exchangeCode(p: { code: string; redirectUri: string }): Promise<InstallResult> {
      const api = oauthApi(cfg.apiBaseUrl);
      let raw: unknown;
      try {
        raw = await withTimeout(
          api.tokensApi.create('authorization_code', p.code, p.redirectUri, cfg.clientId, cfg.clientSecret),
          cfg.timeoutMs,
        );
      } catch (e) {
        // A code is single-use and short-lived: a refused one will never work, so this is not retried.
        throw tokenError('code exchange', e, (f) =>
          f.status >= 400 && f.status < 500 ? new NonRetryableError(f.body.status ?? 'oauth_error', describeFailure('code exchange', f)) : null,
        );
      }
      const tokens = toTokenSet(raw, cfg.clock.now());
      let info: unknown;
      try {
        info = await withTimeout(api.accessTokensApi.get(tokens.accessToken), cfg.timeoutMs);
      } catch (e) {
        throw tokenError('token info', e, () => null);
      }
      const i = AccessTokenInfo.safeParse(info);
      if (!i.success) throw new RetryAfterError('hubspot_bad_response', 'HubSpot token info has no hub id', TRANSIENT_WAIT_MS);
      return {
        externalId: String(i.data.hubId),
        userId: i.data.userId !== undefined ? String(i.data.userId) : null,
        label: i.data.hubDomain ?? null,
        tokens,
      };
    },

    /** refresh_token grant. 400 BAD_REFRESH_TOKEN / invalid_grant = uninstalled or revoked (§1.3, §7.7). */
    async refresh(current: TokenSet): Promise<TokenSet> {
      let raw: unknown;
      try {
        raw = await withTimeout(
          oauthApi(cfg.apiBaseUrl).tokensApi.create('refresh_token', undefined, undefined, cfg.clientId, cfg.clientSecret, current.refreshToken),
          cfg.timeoutMs,
        );
      } catch (e) {
        throw tokenError('token refresh', e, (f) =>
          f.status === 400 && (f.body.status === 'BAD_REFRESH_TOKEN' || f.body.error === 'invalid_grant')
            ? new ReauthRequiredError('hubspot_refresh_token_invalid', describeFailure('token refresh', f))
            : f.status === 400 && (f.body.status === 'BAD_CLIENT_ID' || f.body.status === 'BAD_CLIENT_SECRET')
              ? // Our app credentials are wrong (a configuration change): retrying cannot help, reconnecting neither.
                new NonRetryableError('hubspot_client_credentials_invalid', describeFailure('token refresh', f))
              : null,
        );
      }
      return toTokenSet(raw, cfg.clock.now(), current);
    },

    /** Deletes the refresh token (§1.4); already-issued access tokens live on until they expire. */
    async revoke(tokens: TokenSet): Promise<void> {
      try {
        await withTimeout(oauthApi(cfg.apiBaseUrl).refreshTokensApi.archive(tokens.refreshToken), cfg.timeoutMs);
      } catch (e) {
        const f = httpFailure(e);
        if (f && (f.status === 404 || f.status === 400)) return; // already gone: the goal is reached
        throw tokenError('token revoke', e, () => null);
      }
    },
  };
}

export type OAuth = ReturnType<typeof createOAuth>;
