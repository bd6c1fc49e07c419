// Authorisation as Trove does it with oslo.policy: named rules with Trove's defaults, which an
// operator may override from a policy file, checked for every API route before its handler.
// Expressions: `role:<name>`, `project_id:%(tenant)s`, `is_admin:True`, `rule:<name>`, `@`
// (always), `!` (never), empty (any authenticated caller), joined with `or`, `and`, `not` and
// parentheses.

import { Forbidden } from '@cellar/plugin-api';
import { isAdmin } from './admin-context.js';
import { readPolicyFile } from './policy-file.js';

export interface Credentials {
  readonly roles: readonly string[];
  readonly projectId: string;
}

export interface Target {
  /** The project that owns the resource (for creates and lists, the caller's). */
  readonly tenant: string;
}

const base: Readonly<Record<string, string>> = {
  admin: 'role:admin or is_admin:True',
  admin_or_owner: 'rule:admin or project_id:%(tenant)s',
  default: 'rule:admin_or_owner',
};

const ownerRules = [
  'instance:create',
  'instance:delete',
  'instance:index',
  'instance:detail',
  'instance:show',
  'instance:update',
  'instance:restart',
  'instance:resize_flavor',
  'instance:resize_volume',
  'instance:promote_to_replica_source',
  'instance:eject_replica_source',
  'instance:extension:user:create',
  'instance:extension:user:delete',
  'instance:extension:user:index',
  'instance:extension:user:show',
  'instance:extension:user:update',
  'instance:extension:user:update_all',
  'instance:extension:user_access:update',
  'instance:extension:user_access:delete',
  'instance:extension:user_access:index',
  'instance:extension:database:create',
  'instance:extension:database:delete',
  'instance:extension:database:index',
  'instance:extension:root:create',
  'instance:extension:root:delete',
  'instance:extension:root:index',
  'limits:index',
  'backup:create',
  'backup:index',
  'backup:show',
  'backup:delete',
  'backup_strategy:index',
  'instance:backups',
  // Cellar's own: the project's event stream (GET /v1.0/{project_id}/events).
  'event:index',
];
const anyoneRules = [
  'datastore:index',
  'datastore:show',
  'datastore:version_show',
  'datastore:version_show_by_uuid',
  'datastore:version_index',
  'flavor:index',
  'flavor:show',
  'volume_type:index',
  'volume_type:show',
];

/**
 * The management API (Trove's /mgmt extension). Trove checks its admin context there rather than a
 * policy; Cellar names a rule per route so an operator can widen one, and a refusal is Trove's 401.
 */
export const mgmtRules = [
  'mgmt:instance:index',
  'mgmt:instance:show',
  'mgmt:instance:action',
  'mgmt:instance:root',
  'mgmt:instance:rpc_ping',
  'mgmt:datastore_version:index',
  'mgmt:datastore_version:show',
  'mgmt:datastore_version:create',
  'mgmt:datastore_version:update',
  'mgmt:datastore_version:delete',
] as const;

/** Trove's defaults (python3-trove 18.0.0: trove/common/policies). */
export const defaultRules: Readonly<Record<string, string>> = {
  ...base,
  ...Object.fromEntries(ownerRules.map((r) => [r, 'rule:admin_or_owner'])),
  ...Object.fromEntries(anyoneRules.map((r) => [r, ''])),
  'instance:reset_status': 'rule:admin',
  'instance:force_delete': 'rule:admin',
  'backup:index:all_projects': 'rule:admin',
  'quota:show': 'rule:admin_or_owner',
  'quota:update': 'rule:admin',
  ...Object.fromEntries(mgmtRules.map((r) => [r, 'rule:admin'])),
};

/** An atom is split once into its check and value (`role` and `admin` of `role:admin`). */
type Token =
  | { kind: 'atom'; text: string; check: string; value: string }
  | { kind: 'op'; text: 'or' | 'and' | 'not' | '(' | ')' };

function atomToken(text: string): Token {
  const [check = '', value = ''] = text.split(/:(.*)/s, 2);
  return { kind: 'atom', text, check, value };
}

function tokenize(expression: string): Token[] {
  // `%(tenant)s` substitutions belong to their atom; other parentheses group.
  return (expression.match(/[^\s()]*%\([^)]*\)[^\s()]*|\(|\)|[^\s()]+/g) ?? []).map((t) =>
    t === 'or' || t === 'and' || t === 'not' || t === '(' || t === ')'
      ? { kind: 'op', text: t }
      : atomToken(t),
  );
}

export class Policy {
  readonly #rules: Record<string, string>;
  /** Rule expressions tokenized once: every request checks one, most the same few. */
  readonly #tokens = new Map<string, readonly Token[]>();

  constructor(overrides: Readonly<Record<string, string>> = {}) {
    this.#rules = { ...defaultRules, ...overrides };
  }

  /** Reads a policy file (YAML or JSON) whose rules override the defaults they name. */
  static fromFile(path: string): Policy {
    return new Policy(readPolicyFile(path));
  }

  check(
    rule: string,
    target: Target,
    credentials: Credentials,
    seen: ReadonlySet<string> = new Set(),
  ): boolean {
    const expression = this.#rules[rule] ?? this.#rules['default'] ?? '!';
    if (seen.has(rule)) throw new Error(`policy rule ${rule} refers to itself`);
    const tokens = this.#tokenized(expression);
    if (tokens.length === 0) return true;
    let at = 0;
    const next = (): ReadonlySet<string> => new Set([...seen, rule]);
    const atom = ({ text, check: kind, value }: Extract<Token, { kind: 'atom' }>): boolean => {
      if (text === '@') return true;
      if (text === '!') return false;
      switch (kind) {
        case 'role':
          return credentials.roles.some((r) => r.toLowerCase() === value.toLowerCase());
        case 'is_admin':
          return value === 'True' && isAdmin(credentials);
        case 'project_id':
          return (
            credentials.projectId ===
            (value === '%(tenant)s' || value === '%(project_id)s' ? target.tenant : value)
          );
        case 'rule':
          return this.check(value, target, credentials, next());
        default:
          throw new Error(`policy rule ${rule}: '${text}' is not a check Cellar knows`);
      }
    };
    const primary = (): boolean => {
      const t = tokens[at++];
      if (!t) throw new Error(`policy rule ${rule}: the expression ends too early`);
      if (t.kind === 'op' && t.text === 'not') return !primary();
      if (t.kind === 'op' && t.text === '(') {
        const value = or();
        at++;
        return value;
      }
      if (t.kind === 'atom') return atom(t);
      throw new Error(`policy rule ${rule}: unexpected '${t.text}'`);
    };
    const and = (): boolean => {
      let value = primary();
      while (tokens[at]?.text === 'and') {
        at++;
        const right = primary();
        value = value && right;
      }
      return value;
    };
    const or = (): boolean => {
      let value = and();
      while (tokens[at]?.text === 'or') {
        at++;
        const right = and();
        value = value || right;
      }
      return value;
    };
    return or();
  }

  #tokenized(expression: string): readonly Token[] {
    let tokens = this.#tokens.get(expression);
    if (!tokens) {
      tokens = tokenize(expression);
      this.#tokens.set(expression, tokens);
    }
    return tokens;
  }

  enforce(rule: string, target: Target, credentials: Credentials): void {
    if (!this.check(rule, target, credentials)) throw new Forbidden({ action: rule });
  }
}
