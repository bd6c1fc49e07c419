// The instance's users: entries of its SASL password database (sasldb), made and removed with
// Cyrus SASL's own tools. memcached reads the database at each authentication, so changes are live.

import { existsSync } from 'node:fs';
import { AlreadyExists, BadRequest, NotFound, paginate } from '@cellar/plugin-api';
import { USER_NAME_MAX, userName } from './names.js';
import { run } from './programs.js';

/** @param {string} name */
function checkName(name) {
  if (!userName.test(name) || name.length > USER_NAME_MAX)
    throw new BadRequest({
      reason: `'${name}' is not a valid memcached user name: up to ${USER_NAME_MAX} letters, digits, '_', '.' and '-', starting with a letter or digit.`,
    });
}

/** @param {string | undefined} password @returns {string} */
function checkPassword(password) {
  // saslpasswd2 reads one line from its standard input.
  if (password === undefined || password === '' || /[\n\r\0]/.test(password))
    throw new BadRequest({ reason: 'A memcached user needs a password of one line, not empty.' });
  return password;
}

/** @param {{ host?: string, databases?: readonly unknown[] }} user */
function checkNoHostOrDatabases(user) {
  if (user.host !== undefined && user.host !== '%')
    throw new BadRequest({
      reason:
        'memcached users have no host part: they may connect from anywhere the instance allows.',
    });
  if ((user.databases ?? []).length > 0)
    throw new BadRequest({ reason: 'memcached has no databases to give a user access to.' });
}

export class SaslUsers {
  /** Writes one at a time: saslpasswd2 opens the database for each change. */
  #queue = Promise.resolve();

  /**
   * @param {import('./instance-files.js').InstanceFiles} files
   * @param {() => Promise<import('./programs.js').Identity>} identity
   */
  constructor(files, identity) {
    this.files = files;
    this.identity = identity;
  }

  /** The user names, sorted. @returns {Promise<string[]>} */
  async names() {
    if (!existsSync(this.files.sasldb)) return [];
    const out = await run('sasldblistusers2', ['-f', this.files.sasldb], await this.identity());
    // Lines read `name@realm: userPassword`; the realm is the host's, the same for every user.
    const names = out
      .split('\n')
      .map((line) => /^([^@\s]+)@[^:]*: userPassword$/.exec(line)?.[1])
      .filter((name) => name !== undefined);
    return [...new Set(names)].sort();
  }

  /** @param {string} name */
  async exists(name) {
    return (await this.names()).includes(name);
  }

  /**
   * @param {readonly import('@cellar/plugin-api').UserSpec[]} users
   * @param {boolean} skipExisting a repeated prepare finds its users made and goes on
   */
  async create(users, skipExisting) {
    for (const user of users) {
      checkName(user.name);
      checkNoHostOrDatabases(user);
      const password = checkPassword(user.password);
      if (await this.exists(user.name)) {
        if (skipExisting) continue;
        throw new AlreadyExists({ resource: 'User', name: user.name });
      }
      await this.#setPassword(user.name, password, true);
    }
  }

  /** @param {import('@cellar/plugin-api').ListParams} params */
  async list(params) {
    const users = (await this.names()).map((name) => ({ name, databases: [] }));
    return paginate(users, params, (u) => u.name);
  }

  /** @param {import('@cellar/plugin-api').UserRef} user */
  async get(user) {
    return (await this.exists(user.name)) ? { name: user.name, databases: [] } : undefined;
  }

  /** @param {import('@cellar/plugin-api').UserRef} user */
  async delete(user) {
    await this.#mustExist(user.name);
    await this.#write(['-d', '-f', this.files.sasldb, user.name], '');
  }

  /** @param {readonly (import('@cellar/plugin-api').UserRef & { password: string })[]} users */
  async changePasswords(users) {
    for (const user of users) await this.#mustExist(user.name);
    for (const user of users)
      await this.#setPassword(user.name, checkPassword(user.password), false);
  }

  /**
   * A new password, or a new name with a new password: the database gives no password back, so
   * a renamed user cannot keep the old one.
   * @param {import('@cellar/plugin-api').UserRef} user
   * @param {Partial<import('@cellar/plugin-api').UserSpec>} attributes
   */
  async update(user, attributes) {
    await this.#mustExist(user.name);
    checkNoHostOrDatabases(attributes);
    const newName = attributes.name ?? user.name;
    if (newName === user.name) {
      if (attributes.password !== undefined)
        await this.#setPassword(user.name, checkPassword(attributes.password), false);
      return;
    }
    checkName(newName);
    if (attributes.password === undefined)
      throw new BadRequest({
        reason:
          'Renaming a memcached user needs a new password: the SASL database does not give the old one back.',
      });
    if (await this.exists(newName)) throw new AlreadyExists({ resource: 'User', name: newName });
    await this.#setPassword(newName, checkPassword(attributes.password), true);
    await this.#write(['-d', '-f', this.files.sasldb, user.name], '');
  }

  /** @param {string} name */
  async #mustExist(name) {
    if (!(await this.exists(name))) throw new NotFound({ resource: 'User', id: name });
  }

  /** @param {string} name @param {string} password @param {boolean} create */
  async #setPassword(name, password, create) {
    // -a memcached: the entry is for that service; -p: the password comes on stdin, never in argv.
    const args = [
      '-a',
      'memcached',
      '-p',
      ...(create ? ['-c'] : []),
      '-f',
      this.files.sasldb,
      name,
    ];
    await this.#write(args, password);
  }

  /** @param {string[]} args @param {string} input */
  #write(args, input) {
    const step = this.#queue.then(async () => {
      await run('saslpasswd2', args, await this.identity(), input);
    });
    this.#queue = step.catch(() => undefined);
    return step;
  }
}
