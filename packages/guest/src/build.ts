// The guest artifact: one bundled file holding the agent and exactly one datastore's options and
// guest halves, so a guest carries nothing of the control plane and no other datastore. The
// datastore's manifest inside it keeps only those two entry points, and the plugin host still
// brand-checks them on load.

import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { namespaces } from '@cellar/plugin-api';
import { openPlugins } from '@cellar/plugins';
import { ARTIFACT_FILE, ARTIFACT_MANIFEST, artifactDir, type GuestArtifact } from './artifact.js';

const here = dirname(fileURLToPath(import.meta.url));

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
  const optionsFile = plugin.entryFiles[namespaces.datastoreOptions]?.[datastore];
  const guestFile = plugin.entryFiles[namespaces.datastoreGuest]?.[datastore];
  if (optionsFile === undefined || guestFile === undefined) {
    throw new Error(
      `the ${datastore} datastore (${plugin.package}) has no guest half: its package.json declares no ${namespaces.datastoreGuest} entry point`,
    );
  }
  const raw = JSON.parse(await readFile(join(plugin.dir, 'package.json'), 'utf8')) as {
    cellar: { entryPoints: Record<string, unknown> };
  };
  const manifest = {
    ...raw.cellar,
    entryPoints: {
      [namespaces.datastoreOptions]: './options',
      [namespaces.datastoreGuest]: './guest',
    },
  };
  const entry = [
    `import { createPluginRegistry } from '@cellar/plugins';`,
    `import { main } from './main.js';`,
    `import options from ${JSON.stringify(join(plugin.dir, optionsFile))};`,
    `import guest from ${JSON.stringify(join(plugin.dir, guestFile))};`,
    `const plugins = createPluginRegistry({ plugins: [{ package: ${JSON.stringify(plugin.package)}, version: ${JSON.stringify(plugin.version)}, cellar: ${JSON.stringify(manifest)}, modules: { './options': options, './guest': guest } }] });`,
    `await main(process.argv.slice(2), plugins);`,
  ].join('\n');

  const outDir = artifactDir(appRoot, datastore);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, ARTIFACT_FILE);
  const result = await build({
    stdin: { contents: entry, resolveDir: here, sourcefile: 'cellar-guest-entry.js', loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    metafile: true,
    absWorkingDir: appRoot,
    outfile: file,
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
  const artifact: GuestArtifact = {
    datastore,
    package: plugin.package,
    version: plugin.version,
    file,
    bytes: (await stat(file)).size,
    inputs,
  };
  await writeFile(join(outDir, ARTIFACT_MANIFEST), `${JSON.stringify(artifact, null, 2)}\n`);
  return artifact;
}
