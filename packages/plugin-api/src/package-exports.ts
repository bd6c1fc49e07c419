// Resolves a subpath of a package's `exports` field to the file Node would import, for the
// conditions a plugin entry is loaded under. Hosts and the conformance kit share it.

const conditions = ['node', 'import', 'default'];

function pick(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const found = pick(t);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof target !== 'object' || target === null) return undefined;
  for (const [condition, value] of Object.entries(target)) {
    if (conditions.includes(condition)) {
      const found = pick(value);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The package-relative file (`./dist/options.js`) that `exports[subpath]` names, or undefined. */
export function resolveExportTarget(exportsField: unknown, subpath: string): string | undefined {
  if (typeof exportsField === 'string') return subpath === '.' ? exportsField : undefined;
  if (typeof exportsField !== 'object' || exportsField === null) return undefined;
  const map = exportsField as Record<string, unknown>;
  if (!Object.keys(map).some((k) => k.startsWith('.')))
    return subpath === '.' ? pick(map) : undefined;
  if (Object.hasOwn(map, subpath)) return pick(map[subpath]);
  // Subpath patterns ("./*": "./dist/*.js"): the longest matching prefix wins, as in Node.
  let best: { key: string; match: string } | undefined;
  for (const key of Object.keys(map)) {
    const star = key.indexOf('*');
    if (star < 0 || key.indexOf('*', star + 1) >= 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (
      subpath.length >= key.length - 1 &&
      subpath.startsWith(prefix) &&
      subpath.endsWith(suffix) &&
      (!best || prefix.length > best.key.indexOf('*'))
    ) {
      best = { key, match: subpath.slice(prefix.length, subpath.length - suffix.length) };
    }
  }
  if (!best) return undefined;
  const match = best.match;
  return pick(map[best.key])?.replaceAll('*', match);
}
