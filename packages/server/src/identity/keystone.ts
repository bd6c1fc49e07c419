// Tokens from a real Keystone, validated the way keystonemiddleware does: Cellar authenticates as
// its service user, asks Keystone about each user token (X-Subject-Token), and trusts the answer
// for a short while. Unknown, expired and revoked tokens are refused with 401; a Keystone that
// is silent past the timeout, unreachable, failing or refusing Cellar itself is a 503 naming why.

import { IdentityUnavailable, Unauthorized, type CellarError } from '@cellar/plugin-api';
import type { TokenInfo } from './identity.js';
import { TokenCache } from './token-cache.js';

export interface KeystoneSettings {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly projectName: string;
  readonly domainName: string;
  readonly cacheSeconds: number;
  /** How long one request to Keystone (connection, answer and body) may take. */
  readonly timeoutSeconds: number;
}

interface KeystoneToken {
  readonly token: {
    readonly user: { readonly id: string; readonly name: string };
    readonly project?: { readonly id: string; readonly name: string };
    readonly roles?: readonly { readonly name: string }[];
    readonly issued_at: string;
    readonly expires_at: string;
  };
}

export interface TokenValidator {
  validate(token: string): Promise<TokenInfo>;
}

/** What Keystone is asked to issue a token for: a user's password, or a token to rescope. */
type Credentials =
  | { readonly password: { readonly user: string; readonly password: string } }
  | { readonly token: string };

export class KeystoneValidator implements TokenValidator {
  readonly #cache: TokenCache;
  #service?: { token: string; until: number };

  constructor(private readonly settings: KeystoneSettings) {
    this.#cache = new TokenCache(settings.cacheSeconds);
  }

  #endpoint(path: string): string {
    return `${this.settings.url.replace(/\/+$/, '')}${path}`;
  }

  /** Keystone answers, but not so that Cellar can validate tokens: no request can be served. */
  #unavailable(reason: string): CellarError {
    return new IdentityUnavailable({ url: this.settings.url, reason });
  }

  /**
   * One request to Keystone's /auth/tokens with its body read, all within the timeout: without
   * one, a Keystone that accepts and never answers would hold every API request forever.
   */
  async #call(init: RequestInit): Promise<{ res: Response; body: KeystoneToken }> {
    const seconds = this.settings.timeoutSeconds;
    const unavailable = (reason: string, cause: unknown) =>
      new IdentityUnavailable({ url: this.settings.url, reason }, { cause });
    try {
      const res = await fetch(this.#endpoint('/auth/tokens'), {
        ...init,
        signal: AbortSignal.timeout(seconds * 1000),
      });
      const text = await res.text();
      if (res.status >= 500) throw unavailable(`it answered HTTP ${res.status}`, text);
      return { res, body: (res.ok ? JSON.parse(text) : {}) as KeystoneToken };
    } catch (error) {
      if (error instanceof IdentityUnavailable) throw error;
      if (error instanceof DOMException && error.name === 'TimeoutError')
        throw unavailable(`no answer within ${seconds} s`, error);
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      throw unavailable(cause instanceof Error ? cause.message : String(cause), error);
    }
  }

  /** Cellar's own token, renewed a minute before it expires. */
  async #serviceToken(): Promise<string> {
    if (this.#service && this.#service.until > Date.now()) return this.#service.token;
    const domain = { name: this.settings.domainName };
    const { res, body } = await this.#call({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: this.settings.username, domain, password: this.settings.password },
            },
          },
          scope: { project: { name: this.settings.projectName, domain } },
        },
      }),
    });
    const token = res.headers.get('x-subject-token');
    if (res.status !== 201 || token === null)
      throw this.#unavailable(
        `it refused Cellar's service credentials (HTTP ${res.status}): check [identity] keystone_username, keystone_password, keystone_project_name and keystone_domain_name`,
      );
    this.#service = { token, until: Date.parse(body.token.expires_at) - 60_000 };
    return token;
  }

  /**
   * A token Keystone issues for the console's sign-in (a user's password) or project switch (a
   * token rescoped, which Keystone allows where the user holds a role), scoped to `project`.
   */
  async issue(credentials: Credentials, project: { id?: string; name?: string }): Promise<string> {
    const domain = { name: this.settings.domainName };
    const identity =
      'token' in credentials
        ? { methods: ['token'], token: { id: credentials.token } }
        : {
            methods: ['password'],
            password: {
              user: {
                name: credentials.password.user,
                password: credentials.password.password,
                domain,
              },
            },
          };
    const scope = {
      project: project.id !== undefined ? { id: project.id } : { ...project, domain },
    };
    const { res } = await this.#call({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ auth: { identity, scope } }),
    });
    const token = res.headers.get('x-subject-token');
    if (res.status === 401 || res.status === 404 || res.status === 403)
      throw new Unauthorized({
        reason: `Keystone refused it (HTTP ${res.status}): the user name or password is wrong, or the user has no role on that project`,
      });
    if (res.status !== 201 || token === null)
      throw this.#unavailable(`it answered HTTP ${res.status} when asked for a token`);
    return token;
  }

  async validate(token: string): Promise<TokenInfo> {
    const cached = this.#cache.get(token);
    if (cached) return cached;
    const ask = async (): Promise<{ res: Response; body: KeystoneToken }> =>
      this.#call({
        headers: { 'x-auth-token': await this.#serviceToken(), 'x-subject-token': token },
      });
    let { res, body } = await ask();
    if (res.status === 401) {
      // Our own token expired early (revoked, or Keystone restarted): get a new one once.
      this.#service = undefined;
      ({ res, body } = await ask());
    }
    if (res.status === 404)
      throw new Unauthorized({
        reason: 'Keystone does not know this token (invalid, expired or revoked)',
      });
    if (res.status === 401)
      throw this.#unavailable(
        "it refused Cellar's service token (HTTP 401) when asked to validate a token, even a new one",
      );
    if (res.status === 403)
      throw this.#unavailable(
        "it does not let Cellar's service user validate tokens (HTTP 403): give [identity] keystone_username the admin or service role in keystone_project_name",
      );
    if (res.status !== 200)
      throw this.#unavailable(`it answered HTTP ${res.status} when asked to validate a token`);
    const t = body.token;
    if (!t.project) throw new Unauthorized({ reason: 'the token is not scoped to a project' });
    const info: TokenInfo = {
      userId: t.user.id,
      userName: t.user.name,
      projectId: t.project.id,
      projectName: t.project.name,
      roles: (t.roles ?? []).map((r) => r.name),
      issuedAt: t.issued_at,
      expiresAt: t.expires_at,
    };
    this.#cache.set(token, info);
    return info;
  }
}
