// What every datastore's parameter-catalog generator and drift test share: the committed data
// file's layout (one parameter per line, so a server upgrade reads as a diff of the parameters it
// changed) and the comparison that names each parameter differing from the installed server.

import { writeFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import type { ConfigurationParameter } from '../configuration/parameters.js';

/** Keys in one order whatever the reader produced them in, so the file only changes with data. */
const keyOrder: readonly (keyof ConfigurationParameter)[] = [
  'name',
  'type',
  'min',
  'max',
  'choices',
  'unit',
  'restartRequired',
  'bytesPerUnit',
  'description',
];

/** A parameter with its keys in keyOrder and no undefined ones. */
export function normalizeParameter(p: ConfigurationParameter): ConfigurationParameter {
  const out: Record<string, unknown> = {};
  for (const key of keyOrder) if (p[key] !== undefined) out[key] = p[key];
  return out as unknown as ConfigurationParameter;
}

/** Sorted by name, normalised: the form both the data file and the drift test compare. */
export function canonicalCatalog(
  parameters: readonly ConfigurationParameter[],
): ConfigurationParameter[] {
  return [...parameters].map(normalizeParameter).sort((a, b) => a.name.localeCompare(b.name));
}

export interface CatalogFile {
  /** The datastore version the catalog is of, as versions() names it. */
  readonly version: string;
  /** What it was generated from and by, for the file's header comment (one line each). */
  readonly source: readonly string[];
  readonly parameters: readonly ConfigurationParameter[];
  /**
   * Each parameter's value on a fresh server, for a guest putting a dropped one back (Redis,
   * whose CONFIG SET has no DEFAULT); exported as `defaults` when given.
   */
  readonly defaults?: Readonly<Record<string, string>>;
}

/** The TypeScript data module: `parameters`, one JSON object per line, sorted by name. */
export function renderCatalogModule(file: CatalogFile): string {
  const lines = [
    ...file.source.map((line) => `// ${line}`),
    '// Generated: do not edit. scripts/generate rewrites it; the drift test fails when it differs',
    "// from the installed server's catalog.",
    '',
    "import type { ConfigurationParameter } from '@cellar/plugin-api';",
    '',
    `export const version = ${JSON.stringify(file.version)};`,
    '',
    'export const parameters: readonly ConfigurationParameter[] = [',
    ...canonicalCatalog(file.parameters).map((p) => `  ${JSON.stringify(p)},`),
    '];',
    ...(file.defaults === undefined
      ? []
      : [
          '',
          'export const defaults: Readonly<Record<string, string>> = {',
          ...Object.keys(file.defaults)
            .sort()
            .map((name) => `  ${JSON.stringify(name)}: ${JSON.stringify(file.defaults?.[name])},`),
          '};',
        ]),
  ];
  return `${lines.join('\n')}\n`;
}

export async function writeCatalogModule(path: string, file: CatalogFile): Promise<void> {
  await writeFile(path, renderCatalogModule(file));
}

/**
 * What differs between the committed catalog and the one read from the server, one line per
 * parameter (added, gone, or changed with both forms); empty when they agree.
 */
export function catalogDrift(
  committed: readonly ConfigurationParameter[],
  live: readonly ConfigurationParameter[],
): string[] {
  const before = new Map(canonicalCatalog(committed).map((p) => [p.name, p]));
  const after = new Map(canonicalCatalog(live).map((p) => [p.name, p]));
  const problems: string[] = [];
  for (const [name, p] of after) {
    const old = before.get(name);
    if (old === undefined) problems.push(`${name}: on the server, not in the committed catalog`);
    else if (!isDeepStrictEqual(old, p))
      problems.push(`${name}: committed ${JSON.stringify(old)}, server ${JSON.stringify(p)}`);
  }
  for (const name of before.keys())
    if (!after.has(name)) problems.push(`${name}: in the committed catalog, not on the server`);
  return problems;
}
