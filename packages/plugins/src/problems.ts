// A problem with one plugin, scoped the way an operator needs to find it: package, version,
// plugin name, namespace, and the whole cause chain of the failure.

import { inspect } from 'node:util';
import { PluginLoadFailed } from '@cellar/plugin-api';

export interface PluginProblem {
  readonly package?: string;
  readonly version?: string;
  /** The plugin's `cellar.name`, when it is known. */
  readonly plugin?: string;
  readonly namespace?: string;
  readonly message: string;
  readonly cause?: unknown;
}

function causeChain(cause: unknown): string[] {
  const lines: string[] = [];
  let current: unknown = cause;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    if (current instanceof Error) {
      lines.push(`${current.name}: ${current.message}`);
      current = current.cause;
    } else {
      lines.push(typeof current === 'string' ? current : inspect(current));
      current = undefined;
    }
  }
  return lines;
}

/** One problem as text; `scoped` false leaves out package and plugin, for lines already under them. */
export function formatPluginProblem(p: PluginProblem, scoped = true): string {
  const who = p.package
    ? `${p.package}${p.version ? `@${p.version}` : ''}${p.plugin ? ` (${p.plugin})` : ''}`
    : (p.plugin ?? '');
  const where = p.namespace ? `[${p.namespace}]` : '';
  const head = [scoped ? who : '', where].filter(Boolean).join(' ');
  const chain = causeChain(p.cause).map(
    (line, i) => `\n    ${i === 0 ? 'cause' : 'caused by'}: ${line}`,
  );
  return `${head === '' ? '' : `${head}: `}${p.message}${chain.join('')}`;
}

const problemsByError = new WeakMap<object, readonly PluginProblem[]>();

/** The scoped problems behind a PluginLoadFailed thrown by this package. */
export function problemsOf(error: unknown): readonly PluginProblem[] | undefined {
  return typeof error === 'object' && error !== null ? problemsByError.get(error) : undefined;
}

export function pluginLoadFailed(
  problems: readonly PluginProblem[],
): InstanceType<typeof PluginLoadFailed> {
  const error = new PluginLoadFailed({
    count: problems.length,
    report: problems
      .map((p) => `  - ${formatPluginProblem(p).replaceAll('\n', '\n    ')}`)
      .join('\n'),
  });
  problemsByError.set(error, problems);
  return error;
}
