// The console's sign-in, through the same identity the API's auth uses: a password (built-in
// identity) or a token (built-in or Keystone), a project switch, and the sign-out.

import { BadRequest, Unauthorized } from '@cellar/plugin-api';
import type { Identity, IssuedToken, ProjectRef, TokenInfo } from './identity.js';
import { KeystoneValidator, type TokenValidator } from './keystone.js';

export interface SignInRequest {
  readonly username?: string;
  readonly password?: string;
  readonly project?: string;
  readonly token?: string;
}

/** What the console learns of its session (the token itself stays in the HttpOnly cookie). */
export interface SessionView {
  readonly project_id: string;
  readonly project_name: string;
  readonly user: string;
  readonly roles: readonly string[];
  readonly expires_at: string;
  /** The projects the user may switch to; empty where the identity cannot tell (Keystone). */
  readonly projects: readonly { id: string; name: string }[];
}

/** Projects are named by id (32 hex digits, as Cellar and Keystone make them) or by name. */
const projectRef = (project: string | undefined): ProjectRef =>
  project === undefined || project === ''
    ? {}
    : /^[0-9a-f]{32}$/.test(project)
      ? { id: project }
      : { name: project };

export class ConsoleSessions {
  constructor(
    private readonly identity: Identity,
    /** A real Keystone when configured: then only tokens sign in, as the API's auth takes. */
    private readonly keystone: TokenValidator | undefined,
  ) {}

  get #tokens(): TokenValidator {
    return this.keystone ?? this.identity;
  }

  /** A session from a password or a token; the token to put in the cookie and what it is. */
  async signIn(body: SignInRequest): Promise<{ token: string; info: TokenInfo }> {
    if (body.token !== undefined && body.token !== '') {
      if (body.username !== undefined || body.password !== undefined)
        throw new BadRequest({
          reason: 'sign in with a token or a user name and password, not both',
        });
      return { token: body.token, info: await this.#tokens.validate(body.token) };
    }
    if (!body.username || !body.password)
      throw new BadRequest({
        reason: 'sign-in needs "username" and "password" (and "project"), or a "token"',
      });
    if (this.keystone instanceof KeystoneValidator) {
      const password = { user: body.username, password: body.password };
      return this.#keystoneSession(
        this.keystone,
        await this.keystone.issue({ password }, projectRef(body.project)),
      );
    }
    const issued: IssuedToken = await this.identity.authenticate(
      body.username,
      body.password,
      projectRef(body.project),
    );
    return { token: issued.token, info: issued };
  }

  async #keystoneSession(
    keystone: KeystoneValidator,
    token: string,
  ): Promise<{ token: string; info: TokenInfo }> {
    return { token, info: await keystone.validate(token) };
  }

  /** The session's token rescoped to another project the user holds a role on. */
  async switchProject(token: string, project: string): Promise<{ token: string; info: TokenInfo }> {
    const info = await this.#tokens.validate(token);
    if (this.keystone instanceof KeystoneValidator)
      return this.#keystoneSession(
        this.keystone,
        await this.keystone.issue({ token }, projectRef(project)),
      );
    const issued = await this.identity.rescope(info, projectRef(project));
    return { token: issued.token, info: issued };
  }

  async view(info: TokenInfo): Promise<SessionView> {
    return {
      project_id: info.projectId,
      project_name: info.projectName,
      user: info.userName,
      roles: info.roles,
      expires_at: info.expiresAt,
      projects: this.keystone ? [] : await this.identity.projectsOf(info.userId),
    };
  }

  async current(token: string | undefined): Promise<TokenInfo> {
    if (token === undefined) throw new Unauthorized({ reason: 'not signed in to the console' });
    return this.#tokens.validate(token);
  }

  /** Ends a session: a token Cellar issued is revoked; a Keystone one is Keystone's to revoke. */
  async signOut(token: string | undefined): Promise<void> {
    if (token === undefined || this.keystone) return;
    await this.identity.revoke(token).catch(() => undefined);
  }
}
