// The built-in identity: projects, users, role assignments and tokens in the control database,
// enough of Keystone v3 for OpenStack clients. Tokens are random; only their hash is stored.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Unauthorized } from '@cellar/plugin-api';
import { now, type Database } from '../db/schema.js';
import { generatePassword, hashPassword, verifyPassword } from './passwords.js';
import { TokenCache } from './token-cache.js';

export interface TokenInfo {
  readonly userId: string;
  readonly userName: string;
  readonly projectId: string;
  readonly projectName: string;
  readonly roles: readonly string[];
  readonly issuedAt: string;
  readonly expiresAt: string;
}

export interface IssuedToken extends TokenInfo {
  readonly token: string;
}

export interface ProjectRef {
  readonly id?: string;
  readonly name?: string;
}

const tokenId = (token: string): string => createHash('sha256').update(token).digest('hex');

/** How long a validated token is trusted without asking the database again. */
const CACHE_SECONDS = 10;

export class Identity {
  readonly #cache = new TokenCache(CACHE_SECONDS);

  constructor(
    private readonly db: Kysely<Database>,
    private readonly tokenLifetimeSeconds: number,
  ) {}

  async createProject(name: string, description = ''): Promise<string> {
    const id = randomUUID().replaceAll('-', '');
    await this.db
      .insertInto('projects')
      .values({ id, name, description, enabled: 1, created_at: now() })
      .execute();
    return id;
  }

  async createUser(
    name: string,
    password: string,
    projectId: string,
    roles: readonly string[],
  ): Promise<string> {
    const id = randomUUID().replaceAll('-', '');
    const password_hash = await hashPassword(password);
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('users')
        .values({
          id,
          name,
          password_hash,
          default_project_id: projectId,
          enabled: 1,
          created_at: now(),
        })
        .execute();
      for (const role of roles)
        await trx
          .insertInto('role_assignments')
          .values({ user_id: id, project_id: projectId, role })
          .execute();
    });
    return id;
  }

  /**
   * On first start: project `admin` with user `admin` holding role `admin`. Returns the password
   * when it was generated here, so it can be shown once; undefined when admin already existed.
   */
  async bootstrap(
    password: string | undefined,
  ): Promise<{ created: boolean; generatedPassword?: string }> {
    const existing = await this.db
      .selectFrom('users')
      .select('id')
      .where('name', '=', 'admin')
      .executeTakeFirst();
    if (existing) return { created: false };
    const chosen = password ?? generatePassword();
    const projectId = await this.createProject('admin', 'Cellar administration');
    await this.createUser('admin', chosen, projectId, ['admin', 'member', 'reader']);
    return password === undefined
      ? { created: true, generatedPassword: chosen }
      : { created: true };
  }

  /** Password authentication scoped to a project (by id or name); the user must hold a role there. */
  async authenticate(
    userName: string,
    password: string,
    project: ProjectRef,
  ): Promise<IssuedToken> {
    const user = await this.db
      .selectFrom('users')
      .selectAll()
      .where('name', '=', userName)
      .where('enabled', '=', 1)
      .executeTakeFirst();
    // The same answer for an unknown user and a wrong password.
    if (!user || !(await verifyPassword(password, user.password_hash)))
      throw new Unauthorized({ reason: 'the user name or password is wrong' });
    return this.#issue(user, project);
  }

  /**
   * A token for the user of a valid one, scoped to another project the user holds a role on (as
   * Keystone's token method rescopes): how the console switches projects without a password.
   */
  async rescope(info: TokenInfo, project: ProjectRef): Promise<IssuedToken> {
    const user = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', info.userId)
      .where('enabled', '=', 1)
      .executeTakeFirst();
    if (!user) throw new Unauthorized({ reason: 'the user is disabled' });
    return this.#issue(user, project);
  }

  /** The enabled projects a user holds a role on, by name. */
  async projectsOf(userId: string): Promise<{ id: string; name: string }[]> {
    return this.db
      .selectFrom('role_assignments')
      .innerJoin('projects', 'projects.id', 'role_assignments.project_id')
      .select(['projects.id', 'projects.name'])
      .distinct()
      .where('role_assignments.user_id', '=', userId)
      .where('projects.enabled', '=', 1)
      .orderBy('projects.name')
      .execute();
  }

  async #issue(
    user: { id: string; name: string; default_project_id: string | null },
    project: ProjectRef,
  ): Promise<IssuedToken> {
    let query = this.db.selectFrom('projects').selectAll().where('enabled', '=', 1);
    if (project.id !== undefined) query = query.where('id', '=', project.id);
    else if (project.name !== undefined) query = query.where('name', '=', project.name);
    else if (user.default_project_id !== null)
      query = query.where('id', '=', user.default_project_id);
    else throw new Unauthorized({ reason: 'the request names no project to scope the token to' });
    const scope = await query.executeTakeFirst();
    if (!scope)
      throw new Unauthorized({
        reason: `project ${project.id ?? project.name ?? ''} does not exist or is disabled`,
      });
    const roles = (
      await this.db
        .selectFrom('role_assignments')
        .select('role')
        .where('user_id', '=', user.id)
        .where('project_id', '=', scope.id)
        .execute()
    ).map((r) => r.role);
    if (roles.length === 0)
      throw new Unauthorized({ reason: `user ${user.name} has no role on project ${scope.name}` });
    const token = randomBytes(32).toString('base64url');
    const issuedAt = new Date();
    const expiresAt = new Date(issuedAt.getTime() + this.tokenLifetimeSeconds * 1000);
    await this.db
      .insertInto('tokens')
      .values({
        id: tokenId(token),
        user_id: user.id,
        project_id: scope.id,
        roles: JSON.stringify(roles),
        issued_at: issuedAt.toISOString(),
        expires_at: expiresAt.toISOString(),
        revoked: 0,
      })
      .execute();
    return {
      token,
      userId: user.id,
      userName: user.name,
      projectId: scope.id,
      projectName: scope.name,
      roles,
      issuedAt: issuedAt.toISOString(),
      expiresAt: expiresAt.toISOString(),
    };
  }

  /**
   * The token's scope and roles; Unauthorized when unknown, expired or revoked. A valid token is
   * remembered for a few seconds (never past its expiry): a revocation made by another process
   * takes at most that long to reach this one; one made here is immediate.
   */
  async validate(token: string): Promise<TokenInfo> {
    const cached = this.#cache.get(token);
    if (cached) return cached;
    const info = await this.#validate(token);
    this.#cache.set(token, info);
    return info;
  }

  async #validate(token: string): Promise<TokenInfo> {
    const row = await this.db
      .selectFrom('tokens')
      .innerJoin('users', 'users.id', 'tokens.user_id')
      .innerJoin('projects', 'projects.id', 'tokens.project_id')
      .select([
        'tokens.user_id',
        'users.name as user_name',
        'tokens.project_id',
        'projects.name as project_name',
        'tokens.roles',
        'tokens.issued_at',
        'tokens.expires_at',
        'tokens.revoked',
        'users.enabled',
      ])
      .where('tokens.id', '=', tokenId(token))
      .executeTakeFirst();
    if (!row) throw new Unauthorized({ reason: 'the token is not known' });
    if (row.revoked === 1) throw new Unauthorized({ reason: 'the token was revoked' });
    if (row.enabled !== 1) throw new Unauthorized({ reason: 'the user is disabled' });
    if (row.expires_at <= now())
      throw new Unauthorized({ reason: `the token expired at ${row.expires_at}` });
    return {
      userId: row.user_id,
      userName: row.user_name,
      projectId: row.project_id,
      projectName: row.project_name,
      roles: JSON.parse(row.roles) as string[],
      issuedAt: row.issued_at,
      expiresAt: row.expires_at,
    };
  }

  async revoke(token: string): Promise<void> {
    this.#cache.delete(token);
    const result = await this.db
      .updateTable('tokens')
      .set({ revoked: 1 })
      .where('id', '=', tokenId(token))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0)
      throw new Unauthorized({ reason: 'the token is not known' });
  }
}
