// The bundle-size figure: the gzip-compressed JavaScript a browser loads for the first page (the
// entry chunk and every chunk it imports statically), printed, written to dist/bundle-size.json
// and held under a limit; lazily loaded chunks (the plots) are not part of it.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

interface Chunk {
  readonly type: 'chunk' | 'asset';
  readonly fileName: string;
  readonly isEntry?: boolean;
  readonly imports?: readonly string[];
  readonly code?: string;
}

/** Every chunk the entry loads before it runs: itself and its static imports, transitively. */
function firstLoad(bundle: Readonly<Record<string, Chunk>>): Chunk[] {
  const entry = Object.values(bundle).find((c) => c.type === 'chunk' && c.isEntry);
  const seen = new Map<string, Chunk>();
  const visit = (chunk: Chunk | undefined): void => {
    if (!chunk || seen.has(chunk.fileName)) return;
    seen.set(chunk.fileName, chunk);
    for (const name of chunk.imports ?? []) visit(bundle[name]);
  };
  visit(entry);
  return [...seen.values()];
}

/** gzip at level 9, as the test that checks the figure computes it from dist/index.html. */
export const gzipped = (code: string | Buffer): number => gzipSync(code, { level: 9 }).length;

export function bundleSize(limit: number): Plugin {
  let outDir = 'dist';
  return {
    name: 'cellar-bundle-size',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    writeBundle(_options, bundle) {
      const chunks = firstLoad(bundle);
      const files = chunks.map((c) => ({ file: c.fileName, gzip: gzipped(c.code ?? '') }));
      const total = files.reduce((sum, f) => sum + f.gzip, 0);
      const figure = { first_load_js_gzip_bytes: total, limit_bytes: limit, files };
      writeFileSync(join(outDir, 'bundle-size.json'), `${JSON.stringify(figure, null, 2)}\n`);
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
      console.log(
        `Cellar console: the first page load is ${kb(total)} of gzip-compressed JavaScript ` +
          `(${total} bytes in ${files.length} files; limit ${kb(limit)})`,
      );
      if (total > limit)
        this.error(`the first page load's JavaScript is ${kb(total)}, over the ${kb(limit)} limit`);
    },
  };
}
