// The environment a child process of Cellar starts with: a known PATH and locale, and nothing of
// the parent's (no secrets, no NODE_OPTIONS, no PG* variables steering a database client).

/** The directories a child finds its programs in. */
export const CHILD_PATH = '/usr/local/bin:/usr/bin:/bin';

/** A clean environment: PATH, LANG C.UTF-8 and HOME (`/` unless given), plus `extra`. */
export function childEnvironment(
  options: { readonly home?: string; readonly extra?: Readonly<Record<string, string>> } = {},
): NodeJS.ProcessEnv {
  return { PATH: CHILD_PATH, LANG: 'C.UTF-8', HOME: options.home ?? '/', ...options.extra };
}
