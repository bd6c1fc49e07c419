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
  if (!Object.keys(map).some((k) => k.startsWith('.'))) return subpath === '.' ? pick(map) : undefined;
  return Object.hasOwn(map, subpath) ? pick(map[subpath]) : undefined;
}
