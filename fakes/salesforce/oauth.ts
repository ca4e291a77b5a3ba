// OAuth 2.0 web-server flow (authorize / token / revoke), PKCE, refresh-token rotation, identity URL.
import { createHash, createHmac } from 'node:crypto';
import { bearer, header, json, parseForm, type Ctx, type HttpResult } from './http.js';
import type { OrgState } from './state.js';
import { idKey, randomToken, to18 } from './util.js';

export interface OAuthConfig {
  clientId: string;
  clientSecret: string;
  /** allowed callback URLs; empty = any */
  redirectUris: string[];
  rotateRefreshTokens: boolean;
  /** base URL (login host == instance URL) */
  url: () => string;
}

interface CodeGrant {
  redirectUri: string;
  challenge: string | null;
  scope: string;
  userId: string;
  expiresAt: number;
}

interface AccessGrant {
  userId: string;
  refreshToken: string | null;
}

interface RefreshGrant {
  userId: string;
  scope: string;
  active: boolean;
}

const CODE_TTL_MS = 15 * 60_000;
const DEFAULT_SCOPE = 'api refresh_token';

function oauthError(status: number, error: string, description: string): HttpResult {
  return json(status, { error, error_description: description });
}

function base64url(buf: Buffer): string {
  return buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export class OAuthServer {
  private readonly codes = new Map<string, CodeGrant>();
  private readonly access = new Map<string, AccessGrant>();
  private readonly refresh = new Map<string, RefreshGrant>();

  constructor(private readonly state: OrgState, private readonly cfg: OAuthConfig) {}

  // ------------------------------------------------------------------ token bookkeeping

  /** the user of a valid access token */
  userOf(token: string | undefined): string | undefined {
    if (!token) return undefined;
    return this.access.get(token)?.userId;
  }

  private newAccessToken(userId: string, refreshToken: string | null): string {
    // looks like a real session id: "<15-char org id>!<opaque>" (never a JWT)
    const token = `${this.state.orgId.slice(0, 15)}!${randomToken(72)}`;
    this.access.set(token, { userId, refreshToken });
    return token;
  }

  private newRefreshToken(userId: string, scope: string): string {
    const token = `5Aep861${randomToken(60)}`;
    this.refresh.set(token, { userId, scope, active: true });
    return token;
  }

  issueAuthCode(redirectUri: string, codeChallenge?: string, scope = DEFAULT_SCOPE): string {
    const code = `aPrx${randomToken(48)}`;
    this.codes.set(code, {
      redirectUri,
      challenge: codeChallenge ?? null,
      scope,
      userId: this.state.userId,
      expiresAt: Date.now() + CODE_TTL_MS,
    });
    return code;
  }

  /** test helper: a fresh token pair without the browser dance */
  issueTokens(): { accessToken: string; refreshToken: string } {
    const refreshToken = this.newRefreshToken(this.state.userId, DEFAULT_SCOPE);
    return { accessToken: this.newAccessToken(this.state.userId, refreshToken), refreshToken };
  }

  expireAccessTokens(): void {
    this.access.clear();
  }

  /** revoke every refresh token and every access token issued from one */
  revokeRefreshTokens(): void {
    for (const g of this.refresh.values()) g.active = false;
    for (const [t, g] of this.access) if (g.refreshToken) this.access.delete(t);
  }

  private revoke(token: string): boolean {
    const r = this.refresh.get(token);
    if (r) {
      r.active = false;
      for (const [t, g] of this.access) if (g.refreshToken === token) this.access.delete(t);
      return true;
    }
    return this.access.delete(token);
  }

  private tokenResponse(userId: string, accessToken: string, refreshToken: string | null, scope: string): Record<string, string> {
    const url = this.cfg.url();
    const id = `${url}/id/${this.state.orgId}/${userId}`;
    const issuedAt = String(Date.now());
    const signature = createHmac('sha256', this.cfg.clientSecret).update(id + issuedAt).digest('base64');
    const body: Record<string, string> = { access_token: accessToken };
    if (refreshToken) body['refresh_token'] = refreshToken;
    Object.assign(body, {
      signature,
      scope,
      instance_url: url,
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
    });
    return body;
  }

  // ------------------------------------------------------------------ endpoints

  handle(ctx: Ctx): HttpResult {
    const path = ctx.url.pathname.replace(/\/+$/, '');
    if (path === '/services/oauth2/authorize' && (ctx.method === 'GET' || ctx.method === 'POST')) return this.authorize(ctx);
    if (path === '/services/oauth2/token') {
      if (ctx.method !== 'POST') return oauthError(400, 'invalid_request', 'must use HTTP POST');
      return this.token(ctx);
    }
    if (path === '/services/oauth2/revoke') {
      const params = ctx.method === 'POST' ? parseForm(ctx.body) : Object.fromEntries(ctx.url.searchParams);
      const token = params['token'];
      if (!token) return oauthError(400, 'unsupported_token_type', 'this token type is not supported');
      return this.revoke(token) ? { status: 200, headers: {}, body: '' } : oauthError(400, 'invalid_token', 'invalid token');
    }
    if (path === '/services/oauth2/userinfo') {
      const user = this.userOf(bearer(ctx));
      if (!user) return { status: 403, headers: { 'content-type': 'text/plain' }, body: 'Bad_OAuth_Token' };
      return json(200, this.identityBody(user, null));
    }
    return json(404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  }

  private authorize(ctx: Ctx): HttpResult {
    const p = Object.fromEntries(ctx.url.searchParams);
    const clientId = p['client_id'];
    const redirectUri = p['redirect_uri'];
    if (clientId !== this.cfg.clientId) {
      return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'error=invalid_client_id&error_description=client%20identifier%20invalid' };
    }
    if (!redirectUri || (this.cfg.redirectUris.length > 0 && !this.cfg.redirectUris.includes(redirectUri))) {
      return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'error=redirect_uri_mismatch&error_description=redirect_uri%20must%20match%20configuration' };
    }
    const target = new URL(redirectUri);
    const state = p['state'];
    if (p['response_type'] !== 'code') {
      target.searchParams.set('error', 'unsupported_response_type');
      target.searchParams.set('error_description', 'response type not supported');
    } else {
      const code = this.issueAuthCode(redirectUri, p['code_challenge'], p['scope'] ?? DEFAULT_SCOPE);
      target.searchParams.set('code', code);
    }
    if (state !== undefined) target.searchParams.set('state', state);
    return { status: 302, headers: { location: target.toString() }, body: '' };
  }

  private token(ctx: Ctx): HttpResult {
    const ct = header(ctx, 'content-type') ?? '';
    if (!ct.includes('application/x-www-form-urlencoded')) {
      return oauthError(400, 'invalid_request', 'unsupported content type');
    }
    const p = parseForm(ctx.body);
    const grant = p['grant_type'];
    if (!grant) return oauthError(400, 'invalid_request', 'grant type not supported');
    if (p['client_id'] !== this.cfg.clientId) return oauthError(400, 'invalid_client_id', 'client identifier invalid');
    if (grant === 'authorization_code') return this.codeGrant(p);
    if (grant === 'refresh_token') return this.refreshGrant(p);
    return oauthError(400, 'unsupported_grant_type', 'grant type not supported');
  }

  private codeGrant(p: Record<string, string>): HttpResult {
    if (p['client_secret'] !== undefined && p['client_secret'] !== this.cfg.clientSecret) {
      return oauthError(400, 'invalid_client', 'invalid client credentials');
    }
    const code = p['code'] ?? '';
    const grant = this.codes.get(code);
    if (!grant || grant.expiresAt < Date.now()) {
      this.codes.delete(code);
      return oauthError(400, 'invalid_grant', 'invalid authorization code');
    }
    if (p['redirect_uri'] !== grant.redirectUri) {
      return oauthError(400, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
    }
    if (grant.challenge !== null) {
      const verifier = p['code_verifier'];
      if (!verifier) return oauthError(400, 'invalid_grant', 'invalid code verifier');
      const computed = base64url(createHash('sha256').update(verifier).digest());
      if (computed !== grant.challenge) return oauthError(400, 'invalid_request', 'invalid code verifier');
    } else if (p['client_secret'] === undefined) {
      // no PKCE and no secret: a confidential client must authenticate
      return oauthError(400, 'invalid_client', 'invalid client credentials');
    }
    this.codes.delete(code); // single use
    const scopes = grant.scope.split(/[\s+]+/).filter(Boolean);
    const wantsRefresh = scopes.some((s) => s === 'refresh_token' || s === 'offline_access' || s === 'full');
    const refreshToken = wantsRefresh ? this.newRefreshToken(grant.userId, grant.scope) : null;
    const accessToken = this.newAccessToken(grant.userId, refreshToken);
    return json(200, this.tokenResponse(grant.userId, accessToken, refreshToken, scopes.join(' ')));
  }

  private refreshGrant(p: Record<string, string>): HttpResult {
    if (p['client_secret'] !== undefined && p['client_secret'] !== this.cfg.clientSecret) {
      return oauthError(400, 'invalid_client', 'invalid client credentials');
    }
    const rt = p['refresh_token'] ?? '';
    const grant = this.refresh.get(rt);
    if (!grant || !grant.active) return oauthError(400, 'invalid_grant', 'expired access/refresh token');
    let current = rt;
    let returned: string | null = null;
    if (this.cfg.rotateRefreshTokens) {
      grant.active = false;
      current = this.newRefreshToken(grant.userId, grant.scope);
      returned = current;
    }
    const accessToken = this.newAccessToken(grant.userId, current);
    return json(200, this.tokenResponse(grant.userId, accessToken, returned, grant.scope));
  }

  // ------------------------------------------------------------------ identity

  /** GET /id/{orgId}/{userId} */
  identity(ctx: Ctx, orgId: string, userId: string): HttpResult {
    const token = bearer(ctx) ?? ctx.url.searchParams.get('oauth_token') ?? undefined;
    const caller = this.userOf(token);
    const text = (status: number, body: string): HttpResult => ({ status, headers: { 'content-type': 'text/plain' }, body });
    if (!caller) return text(403, 'Bad_OAuth_Token');
    if (idKey(orgId) !== idKey(this.state.orgId)) return text(403, 'Wrong_Org');
    const user = this.state.get(userId);
    if (!user || !user.Id.startsWith('005')) return text(404, 'Bad_Id');
    return json(200, this.identityBody(user.Id, ctx.url.searchParams.get('version')));
  }

  private identityBody(userId: string, version: string | null): Record<string, unknown> {
    const url = this.cfg.url();
    const u = this.state.get(userId);
    const org15 = this.state.orgId.slice(0, 15);
    const v = version ?? '{version}';
    const str = (k: string): string | null => (u && typeof u[k] === 'string' ? String(u[k]) : null);
    return {
      id: `${url}/id/${this.state.orgId}/${u?.Id ?? userId}`,
      asserted_user: idKey(userId) === idKey(this.state.userId),
      user_id: u?.Id ?? to18(userId),
      organization_id: this.state.orgId,
      username: str('Username'),
      nick_name: (str('Username') ?? '').split('@')[0] ?? null,
      display_name: str('Name'),
      email: str('Email'),
      email_verified: true,
      first_name: str('FirstName'),
      last_name: str('LastName'),
      timezone: str('TimeZoneSidKey') ?? 'GMT',
      photos: { picture: `${url}/profilephoto/005/F`, thumbnail: `${url}/profilephoto/005/T` },
      addr_street: null,
      addr_city: null,
      addr_state: null,
      addr_country: null,
      addr_zip: null,
      mobile_phone: null,
      mobile_phone_verified: false,
      is_lightning_login_user: false,
      status: { created_date: null, body: null },
      urls: {
        enterprise: `${url}/services/Soap/c/${v}/${org15}`,
        metadata: `${url}/services/Soap/m/${v}/${org15}`,
        partner: `${url}/services/Soap/u/${v}/${org15}`,
        rest: `${url}/services/data/v${v}/`,
        sobjects: `${url}/services/data/v${v}/sobjects/`,
        search: `${url}/services/data/v${v}/search/`,
        query: `${url}/services/data/v${v}/query/`,
        recent: `${url}/services/data/v${v}/recent/`,
        tooling_soap: `${url}/services/Soap/T/${v}/${org15}`,
        tooling_rest: `${url}/services/data/v${v}/tooling/`,
        profile: `${url}/${u?.Id ?? userId}`,
        feeds: `${url}/services/data/v${v}/chatter/feeds`,
        groups: `${url}/services/data/v${v}/chatter/groups`,
        users: `${url}/services/data/v${v}/chatter/users`,
        feed_items: `${url}/services/data/v${v}/chatter/feed-items`,
        feed_elements: `${url}/services/data/v${v}/chatter/feed-elements`,
        custom_domain: url,
      },
      active: u ? u['IsActive'] !== false : true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 0,
      last_modified_date: str('LastModifiedDate'),
      is_app_installed: true,
    };
  }
}
