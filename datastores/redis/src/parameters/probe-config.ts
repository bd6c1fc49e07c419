// Redis's settable configuration as its own CONFIG SET answers: `CONFIG GET *` names every
// parameter; setting one to its current value tells the settable from the immutable and
// protected ones; an invalid value draws the rule the server checks (yes/no, the enum's values,
// an integer's bounds, a memory value). Only for a server of Cellar's own, made for the purpose.

import type { ConfigurationParameter } from '@cellar/plugin-api';
import { blockedBy } from './blocklist.js';

/** A CONFIG command on the server probed: answers the reply, or throws the server's error. */
export type ConfigCall = (...args: string[]) => Promise<unknown>;

const INVALID = 'cellar-probe';
const LOWEST = '-9223372036854775808';

/** The data Redis holds, checked against the flavor's RAM; other memory values are limits. */
const memory = new Set(['maxmemory']);

const errorOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** The server's refusal of `value`, or undefined when it took it (then `current` is put back). */
async function refusal(
  call: ConfigCall,
  name: string,
  value: string,
  current: string,
): Promise<string | undefined> {
  try {
    await call('SET', name, value);
  } catch (error) {
    return errorOf(error);
  }
  await call('SET', name, current);
  return undefined;
}

/** The rule the server's answer to an invalid value states. */
export async function ruleOf(
  call: ConfigCall,
  name: string,
  current: string,
): Promise<ConfigurationParameter> {
  const base = { name, restartRequired: false } as const;
  const answer = await refusal(call, name, INVALID, current);
  if (answer === undefined) return { ...base, type: 'string' };
  if (/must be 'yes' or 'no'/.test(answer)) return { ...base, type: 'boolean' };
  const choices = /must be one of the following: (.*)$/.exec(answer)?.[1];
  if (choices !== undefined) return { ...base, type: 'string', choices: choices.split(', ') };
  if (/must be a memory value$/.test(answer))
    return {
      ...base,
      type: 'integer',
      min: 0,
      unit: 'B',
      ...(memory.has(name) ? { bytesPerUnit: 1 } : {}),
    };
  if (/couldn't be parsed into an integer/.test(answer)) {
    const bounds = /between (-?\d+) and (-?\d+) inclusive/.exec(
      (await refusal(call, name, LOWEST, current)) ?? '',
    );
    return {
      ...base,
      type: 'integer',
      ...(bounds ? { min: Number(bounds[1]), max: Number(bounds[2]) } : {}),
    };
  }
  // Lists (save points, buffer limits, event classes) and memory-or-percent values: the server
  // checks them when they are set.
  return { ...base, type: 'string' };
}

/**
 * Set by the host rather than the server (maxclients follows the open-file limit): no default a
 * guest elsewhere could count on.
 */
const hostDependent = new Set(['maxclients']);

export interface ProbedCatalog {
  readonly parameters: ConfigurationParameter[];
  /** Each parameter's value on this fresh server, as CONFIG GET answers it. */
  readonly defaults: Record<string, string>;
}

/** Every parameter CONFIG SET takes, minus the blocklist, with the rule the server checks. */
export async function probeConfig(call: ConfigCall): Promise<ProbedCatalog> {
  const all = (await call('GET', '*')) as string[];
  const parameters: ConfigurationParameter[] = [];
  const defaults: Record<string, string> = {};
  for (let i = 0; i + 1 < all.length; i += 2) {
    const name = all[i] as string;
    const current = all[i + 1] as string;
    if (blockedBy(name) !== undefined) continue;
    // Immutable and protected parameters refuse even the value they have.
    if ((await refusal(call, name, current, current)) !== undefined) continue;
    parameters.push(await ruleOf(call, name, current));
    if (!hostDependent.has(name)) defaults[name] = current;
  }
  return { parameters, defaults };
}
