// The catalog data file's layout and the drift comparison every datastore's drift test uses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogDrift, renderCatalogModule } from './parameter-catalog.js';

const a = { name: 'a', type: 'integer', min: 1, max: 9, restartRequired: false } as const;
const b = { name: 'b', type: 'boolean', restartRequired: true } as const;

test('catalogDrift names each parameter added, gone or changed, and nothing when equal', () => {
  // Order and undefined keys do not matter.
  assert.deepEqual(catalogDrift([a, b], [{ ...b, unit: undefined }, { ...a }]), []);
  const drift = catalogDrift(
    [a, b],
    [
      { ...a, max: 10 },
      { name: 'c', type: 'string', restartRequired: false },
    ],
  );
  assert.equal(drift.length, 3);
  assert.match(drift[0] ?? '', /^a: committed .*"max":9.* server .*"max":10/);
  assert.match(drift[1] ?? '', /^c: on the server, not in the committed catalog/);
  assert.match(drift[2] ?? '', /^b: in the committed catalog, not on the server/);
});

test('the data module lists parameters sorted by name with their keys in one order', () => {
  const text = renderCatalogModule({
    version: '1',
    source: ['from x'],
    parameters: [b, { restartRequired: false, max: 9, min: 1, type: 'integer', name: 'a' }],
  });
  const rows = text.split('\n').filter((l) => l.startsWith('  {'));
  assert.deepEqual(rows, [`  ${JSON.stringify(a)},`, `  ${JSON.stringify(b)},`]);
  assert.match(text, /^\/\/ from x\n/);
});

test('defaults, when given, follow the parameters one a line sorted by name', () => {
  const text = renderCatalogModule({
    version: '1',
    source: [],
    parameters: [a],
    defaults: { z: '1', a: 'x y' },
  });
  assert.match(
    text,
    /\nexport const defaults: Readonly<Record<string, string>> = \{\n {2}"a": "x y",\n {2}"z": "1",\n\};\n$/,
  );
});
