// The ACL rules an API user may be given, checked token by token before they reach ACL SETUSER:
// keys, channels and commands only, never a password, a state or anything beyond ordinary data.

import { BadRequest } from '@cellar/plugin-api';

/** What a user created without rules may do: read and write every key, nothing administrative. */
export const DEFAULT_RULES = '~* +@read +@write +@transaction +@connection -@dangerous -@scripting';

/**
 * Appended to every user's rules, whatever they asked for: categories such as @write include
 * FLUSHALL, and FUNCTION FLUSH/LOAD reach every user's functions, so they are taken away last.
 */
export const ENFORCED_RULES = ['-@admin', '-@dangerous', '-function'] as const;

/** Categories a user is never granted whole. */
const REFUSED_CATEGORIES = new Set(['all', 'admin', 'dangerous', 'scripting']);
const MAX_TOKENS = 64;
const MAX_LENGTH = 2048;

const patternToken = /^(?:~|%R~|%W~|%RW~|&)[^\s\p{Cc}]+$/u;
const categoryToken = /^([+-])@([a-z]+)$/;
const commandToken = /^([+-])([a-z][a-z0-9_-]*)(?:\|([a-z][a-z0-9_-]*))?$/;
const plainTokens = new Set(['allkeys', 'resetkeys', 'allchannels', 'resetchannels', 'nocommands']);

/** Commands no rule may grant (`acl`, `config|set`, …): the server's @admin and @dangerous. */
export type RefusedCommands = ReadonlySet<string>;

function refusedCommand(
  command: string,
  sub: string | undefined,
  refused: RefusedCommands,
): boolean {
  if (command === 'function') return true;
  if (refused.has(command) || (sub !== undefined && refused.has(`${command}|${sub}`))) return true;
  // `+config` would grant every subcommand, among them the refused ones.
  return sub === undefined && [...refused].some((c) => c.startsWith(`${command}|`));
}

function tokenProblem(token: string, refused: RefusedCommands): string | undefined {
  // Not echoed: it may be a password typed into the wrong field.
  if (/^[<>#!]/.test(token))
    return "passwords (>…, <…, #…, !…) are not rules: give the password as the user's password";
  if (plainTokens.has(token) || patternToken.test(token)) return undefined;
  const category = categoryToken.exec(token);
  if (category) {
    const [, sign, name = ''] = category;
    return sign === '+' && REFUSED_CATEGORIES.has(name)
      ? `'${token}' would grant administrative or server-wide commands`
      : undefined;
  }
  const command = commandToken.exec(token);
  if (command) {
    const [, sign, name = '', sub] = command;
    return sign === '+' && refusedCommand(name, sub, refused)
      ? `'${token}' is an administrative or dangerous command`
      : undefined;
  }
  return `'${token}' is not a key pattern, channel pattern, category or command rule`;
}

/**
 * The user's rules as ACL SETUSER arguments, the enforced denials last; the defaults when none are
 * given. Refuses passwords (`>`, `#`, `nopass`), states (`on`, `reset`), selectors and grants of
 * @all, @admin, @dangerous, @scripting or any of their commands.
 */
export function aclRules(rules: string | undefined, refused: RefusedCommands): string[] {
  const text = rules === undefined || rules.trim() === '' ? DEFAULT_RULES : rules;
  if (text.length > MAX_LENGTH)
    throw new BadRequest({ reason: `ACL rules are at most ${MAX_LENGTH} characters.` });
  const tokens = text.trim().split(/\s+/);
  if (tokens.length > MAX_TOKENS)
    throw new BadRequest({ reason: `ACL rules are at most ${MAX_TOKENS} rules.` });
  const problems = tokens.flatMap((t) => tokenProblem(t, refused) ?? []);
  if (problems.length > 0)
    throw new BadRequest({ reason: `ACL rules refused: ${problems.join('; ')}.` });
  return [...tokens, ...ENFORCED_RULES];
}

/** A user's rules as ACL LIST shows them, without its state and password hashes. */
export function shownRules(aclListLine: string): { name: string; rules: string } | undefined {
  const [user, name, ...tokens] = aclListLine.split(' ');
  if (user !== 'user' || name === undefined) return undefined;
  const hidden = (t: string): boolean =>
    ['on', 'off', 'nopass', 'sanitize-payload', 'skip-sanitize-payload'].includes(t) ||
    t.startsWith('#') ||
    t.startsWith('>');
  return { name, rules: tokens.filter((t) => !hidden(t)).join(' ') };
}
