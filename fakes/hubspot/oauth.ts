// OAuth 2.0 endpoints of a public app (docs/hubspot.md §1): authorize (auto-consent), v1 token, token info, refresh-token delete.
import express, { type Request, type Response, type Router } from 'express';
import { correlationId, errorBody, HubSpotHttpError } from './errors.js';
import {
  type AccessTokenRecord,
  DEFAULT_SCOPES,
  newAccessToken,
  newAuthCode,
  newRefreshToken,
  type PortalState,
  type RefreshTokenRecord,
} from './state.js';

/** v1 OAuth error body: `{status:<CODE>, message, correlationId, error, error_description}`. */
function oauthError(httpStatus: number, status: string, message: string, error: string, description = message): HubSpotHttpError {
  return new HubSpotHttpError(httpStatus, {
    status,
    message,
    correlationId: correlationId(),
    error,
    error_description: description,
  });
}

const badRefresh = (): HubSpotHttpError =>
  oauthError(400, 'BAD_REFRESH_TOKEN', 'missing or invalid refresh token', 'invalid_grant', 'refresh token is invalid, expired or revoked');

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Issues an auth code for a redirect URI, as the consent screen would. */
export function issueAuthCode(state: PortalState, redirectUri: string, scopes: string[] = DEFAULT_SCOPES): string {
  const code = newAuthCode();
  state.codes.set(code, { code, redirectUri, scopes, used: false });
  return code;
}

function issueTokens(state: PortalState, scopes: string[], refresh?: RefreshTokenRecord) {
  const now = Date.now();
  const access: AccessTokenRecord = {
    token: newAccessToken(),
    portalId: state.opts.portalId,
    scopes,
    issuedAt: now,
    expiresAt: now + state.opts.accessTokenTtlSec * 1000,
  };
  state.accessTokens.set(access.token, access);
  let rt = refresh;
  if (!rt || state.opts.rotateRefreshTokens) {
    if (rt) rt.revoked = true;
    rt = { token: newRefreshToken(), portalId: state.opts.portalId, scopes, revoked: false };
    state.refreshTokens.set(rt.token, rt);
  }
  return {
    token_type: 'bearer',
    refresh_token: rt.token,
    access_token: access.token,
    expires_in: state.opts.accessTokenTtlSec,
  };
}

export function oauthRouter(state: PortalState, redirectUris: string[] | undefined): Router {
  const r = express.Router();
  const { opts } = state;

  const authorize = (req: Request, res: Response): void => {
    const clientId = str(req.query.client_id);
    const redirectUri = str(req.query.redirect_uri);
    const scope = str(req.query.scope);
    const optionalScope = str(req.query.optional_scope);
    const st = str(req.query.state);
    if (clientId !== opts.clientId) throw new HubSpotHttpError(400, errorBody('VALIDATION_ERROR', `Unknown client_id: ${clientId ?? ''}`));
    if (!redirectUri) throw new HubSpotHttpError(400, errorBody('VALIDATION_ERROR', 'redirect_uri is required'));
    let target: URL;
    try {
      target = new URL(redirectUri);
    } catch {
      throw new HubSpotHttpError(400, errorBody('VALIDATION_ERROR', `Invalid redirect_uri: ${redirectUri}`));
    }
    if (target.protocol !== 'https:' && target.protocol !== 'http:') {
      throw new HubSpotHttpError(400, errorBody('VALIDATION_ERROR', `Invalid redirect_uri: ${redirectUri}`));
    }
    if (redirectUris && !redirectUris.includes(redirectUri)) {
      throw new HubSpotHttpError(
        400,
        errorBody('VALIDATION_ERROR', `Authorization failed as the redirect URL '${redirectUri}' doesn't match the app's registered redirect URL`),
      );
    }
    const scopes = (scope ?? '').split(/\s+/).filter(Boolean);
    if (scopes.length === 0) throw new HubSpotHttpError(400, errorBody('VALIDATION_ERROR', 'scope is required'));
    const optional = (optionalScope ?? '').split(/\s+/).filter(Boolean);
    const code = issueAuthCode(state, redirectUri, [...new Set([...scopes, ...optional])]);
    target.searchParams.set('code', code);
    if (st !== undefined) target.searchParams.set('state', st);
    res.redirect(302, target.toString());
  };
  r.get('/oauth/authorize', authorize);
  r.get('/oauth/:hubId/authorize', authorize);

  r.post('/oauth/v1/token', express.urlencoded({ extended: false }), (req: Request, res: Response) => {
    const body: Record<string, unknown> = req.is('application/x-www-form-urlencoded') && typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
    const grantType = str(body.grant_type);
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') {
      throw oauthError(400, 'BAD_GRANT_TYPE', `missing or unknown grant_type: ${grantType ?? ''}`, 'unsupported_grant_type');
    }
    if (str(body.client_id) !== opts.clientId) throw oauthError(400, 'BAD_CLIENT_ID', 'missing or unknown client id', 'invalid_client');
    if (str(body.client_secret) !== opts.clientSecret) {
      throw oauthError(400, 'BAD_CLIENT_SECRET', 'missing or invalid client secret', 'invalid_client');
    }
    if (grantType === 'authorization_code') {
      const code = str(body.code);
      const record = code ? state.codes.get(code) : undefined;
      if (!record || record.used) throw oauthError(400, 'BAD_AUTH_CODE', 'missing or unknown auth code', 'invalid_grant');
      if (str(body.redirect_uri) !== record.redirectUri) {
        throw oauthError(400, 'BAD_REDIRECT_URI', 'redirect_uri does not match initial auth code URL', 'invalid_grant');
      }
      record.used = true;
      res.json(issueTokens(state, record.scopes));
      return;
    }
    const token = str(body.refresh_token);
    const rt = token ? state.refreshTokens.get(token) : undefined;
    if (!rt || rt.revoked) throw badRefresh();
    res.json(issueTokens(state, rt.scopes, rt));
  });

  r.get('/oauth/v1/access-tokens/:token', (req: Request, res: Response) => {
    const record = state.accessTokens.get(String(req.params.token));
    if (!record) throw new HubSpotHttpError(404, errorBody('OBJECT_NOT_FOUND', 'Access token not found'));
    res.json({
      token: record.token,
      user: opts.userEmail,
      hub_domain: opts.hubDomain,
      scopes: record.scopes,
      hub_id: record.portalId,
      app_id: opts.appId,
      expires_in: Math.max(0, Math.floor((record.expiresAt - Date.now()) / 1000)),
      user_id: opts.userId,
      token_type: 'access',
    });
  });

  r.get('/oauth/v1/refresh-tokens/:token', (req: Request, res: Response) => {
    const rt = state.refreshTokens.get(String(req.params.token));
    if (!rt || rt.revoked) throw new HubSpotHttpError(404, errorBody('OBJECT_NOT_FOUND', 'Refresh token not found'));
    res.json({
      token: rt.token,
      user: opts.userEmail,
      hub_domain: opts.hubDomain,
      scopes: rt.scopes,
      hub_id: rt.portalId,
      client_id: opts.clientId,
      user_id: opts.userId,
      token_type: 'refresh',
    });
  });

  r.delete('/oauth/v1/refresh-tokens/:token', (req: Request, res: Response) => {
    const rt = state.refreshTokens.get(String(req.params.token));
    if (!rt || rt.revoked) throw new HubSpotHttpError(404, errorBody('OBJECT_NOT_FOUND', 'Refresh token not found'));
    // Only the refresh token dies; issued access tokens stay valid until they expire (docs/hubspot.md §1.4).
    rt.revoked = true;
    res.status(204).end();
  });

  return r;
}
