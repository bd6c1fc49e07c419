// `npm run build:guest -- <datastore>…` (or `--all`): builds each datastore's guest artifact.

import { parseArgs } from 'node:util';
import { openPlugins, findAppRoot } from '@cellar/plugins';
import { namespaces } from '@cellar/plugin-api';
import { buildGuestArtifact } from './build.js';

const USAGE = 'usage: npm run build:guest -- <datastore> [...] | --all\n';

function readArgv(): { all: boolean; datastores: string[] } {
  try {
    const { values, positionals } = parseArgs({
      options: { all: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    return { all: values.all, datastores: positionals };
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
    process.exit(2);
  }
}

const argv = readArgv();
const found = findAppRoot(process.cwd(), process.env['CELLAR_APP_ROOT']);
if (!found.ok) {
  process.stderr.write(`${found.problem}\n`);
  process.exit(1);
}
const names = argv.all
  ? openPlugins({ appRoot: found.root })
      .host.ofKind('datastore')
      .filter((p) => p.entryFiles[namespaces.datastoreGuest] !== undefined)
      .map((p) => p.manifest.name)
  : argv.datastores;
if (names.length === 0) {
  process.stderr.write(USAGE);
  process.exit(2);
}
for (const name of names) {
  try {
    const a = await buildGuestArtifact(found.root, name);
    process.stdout.write(
      `${name}: ${a.file} (${(a.bytes / 1024).toFixed(0)} KiB, ${a.inputs.length} source files)\n`,
    );
  } catch (error) {
    process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
