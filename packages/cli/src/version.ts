// The CLI's own version, read from its package.json so the two cannot disagree.

import { createRequire } from 'node:module';

export const version = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
