// Renders the error catalog as the reference page docs/errors.md; a test regenerates it and fails
// when the committed page and the catalog disagree.

import { errorCatalog } from './catalog.js';
import { faultNameFor } from './cellar-error.js';

export function renderErrorCatalog(): string {
  const rows = errorCatalog.map((e) => {
    const fault = e.spec.fault ?? faultNameFor(e.spec.status);
    return `| \`${e.code}\` | ${e.spec.status} | \`${fault}\` | ${e.spec.message.replaceAll('\n', ' ').replaceAll('|', '\\|')} | ${e.spec.description} |`;
  });
  return [
    '# Cellar error catalog',
    '',
    'Every error Cellar raises, with its stable code, HTTP status and the Trove fault key of the',
    'response body (`{"<fault>": {"code": <status>, "message": "..."}}`). Errors raised in a guest',
    'cross RPC with their code and details intact. Generated from',
    '`packages/plugin-api/src/errors/catalog.ts`; regenerate with `scripts/generate`.',
    '',
    '| code | HTTP | fault | message | when |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
