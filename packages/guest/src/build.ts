// The guest artifact: the agent and exactly one datastore's options and guest halves with its
// backup and restore strategies, and the installed backup storages, so a guest carries nothing of
// the control plane and no other datastore. Manifests inside keep only the entry points carried,
// and the plugin host still brand-checks them on load. Code needed only for backups (a storage's
// SDK) is split into chunks beside the entry file, loaded at the first backup.

import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { namespaces } from '@cellar/plugin-api';
import { openPlugins, type InstalledPlugin } from '@cellar/plugins';
import { ARTIFACT_FILE, ARTIFACT_MANIFEST, artifactDir, type GuestArtifact } from './artifact.js';
import { guestEntrySource } from './build-entry.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The `cellar` field of each package.json, as written (the artifact's manifests start from it). */
async function rawManifests(
  plugins: readonly InstalledPlugin[],
): Promise<Map<InstalledPlugin, Record<string, unknown>>> {
  const raw = new Map<InstalledPlugin, Record<string, unknown>>();
  for (const p of plugins) {
    const pkg = JSON.parse(await readFile(join(p.dir, 'package.json'), 'utf8')) as {
      cellar: Record<string, unknown>;
    };
    raw.set(p, pkg.cellar);
  }
  return raw;
}

/** The bytes Node loads to start the agent: the program and the chunks it imports statically. */
function startBytesOf(metafile: Metafile, program: string): number {
  const seen = new Set<string>();
  const visit = (output: string): number => {
    if (seen.has(output)) return 0;
    seen.add(output);
    const o = metafile.outputs[output];
    if (!o) return 0;
    return o.imports
      .filter((i) => i.kind === 'import-statement' && !i.external)
      .reduce((sum, i) => sum + visit(i.path), o.bytes);
  };
  return visit(program);
}

export async function buildGuestArtifact(
  appRoot: string,
  datastore: string,
): Promise<GuestArtifact> {
  const { host } = openPlugins({ appRoot });
  const plugin = host.find('datastore', datastore);
  if (!plugin) {
    const installed = host.ofKind('datastore').map((p) => p.manifest.name);
    throw new Error(
      `no datastore plugin named '${datastore}' is installed here; installed: ${installed.join(', ') || 'none'}`,
    );
  }
  if (
    plugin.entryFiles[namespaces.datastoreOptions]?.[datastore] === undefined ||
    plugin.entryFiles[namespaces.datastoreGuest]?.[datastore] === undefined
  ) {
    throw new Error(
      `the ${datastore} datastore (${plugin.package}) has no guest half: its package.json declares no ${namespaces.datastoreGuest} entry point`,
    );
  }
  const manifests = await rawManifests([plugin, ...host.ofKind('backup-storage')]);
  const entry = guestEntrySource(host, plugin, manifests, join(here, 'main.js'));

  const outDir = artifactDir(appRoot, datastore);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const result = await build({
    stdin: { contents: entry, resolveDir: here, sourcefile: 'cellar-guest-entry.js', loader: 'js' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    metafile: true,
    absWorkingDir: appRoot,
    outdir: outDir,
    entryNames: ARTIFACT_FILE.replace(/\.mjs$/, ''),
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    // pg's optional native binding; the pure-JS client is what the guest uses.
    external: ['pg-native'],
    // CommonJS dependencies call require() for Node's modules, which an ES module bundle lacks.
    banner: {
      js: "import { createRequire as __cellarRequire } from 'node:module'; const require = __cellarRequire(import.meta.url);",
    },
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => input !== 'cellar-guest-entry.js')
    .sort();
  const file = join(outDir, ARTIFACT_FILE);
  const chunks = Object.keys(result.metafile.outputs)
    .map((output) => relative(outDir, join(appRoot, output)))
    .filter((output) => output.startsWith('chunks/') && output.endsWith('.mjs'))
    .sort();
  const sizes = await Promise.all(chunks.map(async (c) => (await stat(join(outDir, c))).size));
  const artifact: GuestArtifact = {
    datastore,
    package: plugin.package,
    version: plugin.version,
    file,
    bytes: (await stat(file)).size + sizes.reduce((a, b) => a + b, 0),
    startBytes: startBytesOf(result.metafile, relative(appRoot, file)),
    chunks,
    inputs,
  };
  await writeFile(join(outDir, ARTIFACT_MANIFEST), `${JSON.stringify(artifact, null, 2)}\n`);
  return artifact;
}
